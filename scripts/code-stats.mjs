#!/usr/bin/env node
// Size numbers for the structure issues: files over 400 lines and the longest functions, per tree.
// `node scripts/code-stats.mjs [--top=N] [dir…]` (default: the product trees shared, events, functions, cli).
// A function is any function declaration, function expression, arrow function or method; its length is
// its line span (nested functions count inside their parent too).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.slice('--top='.length) ?? 10);
const named = args.filter((a) => !a.startsWith('--'));
const dirs = named.length > 0 ? named : ['shared', 'events', 'functions', 'cli'];

const filesOf = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesOf(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });

const isFunction = (n) =>
  ts.isFunctionDeclaration(n) ||
  ts.isFunctionExpression(n) ||
  ts.isArrowFunction(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isConstructorDeclaration(n);

/** A function's name: its own, or the variable / property it is assigned to. */
const nameOf = (n) => {
  if (n.name) return n.name.getText();
  const p = n.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p))) return p.name.getText();
  return '(anonymous)';
};

const files = [];
const functions = [];
for (const dir of dirs) {
  for (const path of filesOf(join(root, dir))) {
    const text = readFileSync(path, 'utf8');
    const file = relative(root, path);
    files.push({ file, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) });
    const src = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const line = (pos) => src.getLineAndCharacterOfPosition(pos).line;
    const visit = (n) => {
      if (isFunction(n))
        functions.push({ file, name: nameOf(n), lines: line(n.getEnd()) - line(n.getStart(src)) + 1 });
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
}

const big = files.filter((f) => f.lines > 400).sort((a, b) => b.lines - a.lines);
console.log(`${dirs.join(', ')}: ${files.length} files, ${big.length} over 400 lines`);
for (const f of big) console.log(`  ${String(f.lines).padStart(5)}  ${f.file}`);
const longest = functions.sort((a, b) => b.lines - a.lines).slice(0, top);
console.log(`longest functions (${functions.filter((f) => f.lines > 80).length} over 80 lines):`);
for (const f of longest) console.log(`  ${String(f.lines).padStart(5)}  ${f.file} ${f.name}`);
