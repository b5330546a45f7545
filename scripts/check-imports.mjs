#!/usr/bin/env node
// The import rules of the tree (docs/architecture.md "Layers"), checked over static and dynamic imports
// alike: no import circles; `shared/` imports nothing from `functions/` or `cli/`; `events/` imports only
// `events/` and leaf helpers (modules that import no module of ours); the emulator imports no product code
// and no product code imports the emulator. `npm run lint` runs it; exit 1 lists every broken rule.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['cli', 'emulator', 'events', 'functions', 'shared'];
const ALIASES = {
  '#shared/': 'shared/',
  '#events/': 'events/',
  '#emulator/': 'emulator/',
  '#functions/': 'functions/',
  '#cli/': 'cli/',
};

// `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`: the specifier is what counts.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\1/g;

const listTs = (dir) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = `${dir}/${d.name}`;
    if (d.isDirectory()) return d.name === 'fixtures' || d.name === 'node_modules' ? [] : listTs(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [path] : [];
  });

/** A specifier → repo-relative path, or undefined for packages and built-ins. */
const resolveSpecifier = (from, spec) => {
  for (const [alias, folder] of Object.entries(ALIASES))
    if (spec.startsWith(alias)) return folder + spec.slice(alias.length);
  if (spec.startsWith('.'))
    return relative(ROOT, resolve(ROOT, dirname(from), spec))
      .split('\\')
      .join('/');
  return undefined;
};

/** Comments are dropped first so an example in a comment is not an import. */
const stripComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** file → the repo files it imports, from the sources on disk (or `files` given: path → text). */
const importGraph = (files) => {
  const graph = new Map();
  for (const [file, text] of Object.entries(files)) {
    const deps = new Set();
    for (const m of stripComments(text).matchAll(IMPORT)) {
      const target = resolveSpecifier(file, m[2]);
      if (target !== undefined) deps.add(target);
    }
    graph.set(file, [...deps].sort());
  }
  return graph;
};

/** Strongly connected components with more than one file (or a file importing itself): the circles. */
const circles = (graph) => {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
};

const top = (file) => file.split('/')[0];
const PRODUCT = new Set(['events', 'functions', 'shared']);

/** Every broken layering rule, one line each. */
const layerViolations = (graph) => {
  const isLeaf = (file) => (graph.get(file) ?? []).length === 0;
  const out = [];
  for (const [file, deps] of graph) {
    for (const dep of deps) {
      const [from, to] = [top(file), top(dep)];
      if (from === 'shared' && (to === 'functions' || to === 'cli'))
        out.push(`${file} → ${dep}: shared/ imports nothing from functions/ or cli/`);
      if (from === 'events' && to !== 'events' && !isLeaf(dep))
        out.push(
          `${file} → ${dep}: events/ imports only events/ and leaf helpers (modules that import none of ours)`,
        );
      if (from === 'emulator' && to !== 'emulator')
        out.push(`${file} → ${dep}: the emulator imports no product code`);
      if (PRODUCT.has(from) && to === 'emulator')
        out.push(`${file} → ${dep}: product code never imports the emulator`);
    }
  }
  return out;
};

/** The whole check over a set of files (path → source text); an empty list means every rule holds. */
const checkImports = (files) => {
  const graph = importGraph(files);
  return [...circles(graph).map((c) => `import circle: ${c.join(' ↔ ')}`), ...layerViolations(graph)];
};

const readTree = () =>
  Object.fromEntries(FOLDERS.flatMap(listTs).map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const problems = checkImports(readTree());
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`check-imports: ${problems.length} broken import rule(s)`);
    process.exit(1);
  }
}

export { checkImports, circles, importGraph, layerViolations, readTree };
