// The README's configuration table lists every environment variable the product code reads (issue 14):
// the source is scanned for reads, so a new variable without a README line fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Product code: what ships or runs for a user (tests and benchmarks are not). */
const ROOTS = ['bin', 'cli', 'emulator', 'events', 'functions', 'scripts', 'shared'];
const CODE = /\.(ts|mts|mjs|js)$/;
/** Environment variable names are SCREAMING_CASE; `env.kind` on an envelope is not an env read. */
const NAME = '[A-Z][A-Z0-9_]*';

const listCode = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : listCode(path);
    return CODE.test(d.name) ? [path] : [];
  });

/**
 * Names one file reads: `env.NAME`, `env?.NAME`, `env['NAME']`, and `env[`${prefix}_SUFFIX`]` combined with
 * the file's SCREAMING_CASE string literals (the prefixes it passes, e.g. 'IMDS_GUARD_TRAIL'). Reads by a
 * name held in a variable (`env[name]`) cannot be resolved statically; the README lists those by hand.
 */
const readsIn = (text: string): string[] => {
  // Comment lines only explain (`jq`'s env.NAME, examples); reads are code.
  const source = text
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join('\n');
  const direct = [
    ...source.matchAll(new RegExp(`\\benv\\??\\.(${NAME})\\b`, 'g')),
    ...source.matchAll(new RegExp(`\\benv\\[\\s*(['"])(${NAME})\\1\\s*\\]`, 'g')),
  ].map((m) => m[2] ?? m[1] ?? '');
  const suffixes = [...source.matchAll(/\benv\[\s*`\$\{[^}]+\}([A-Z0-9_]+)`\s*\]/g)].map((m) => m[1] ?? '');
  const prefixes = suffixes.length
    ? [...new Set([...source.matchAll(new RegExp(`'(${NAME})'`, 'g'))].map((m) => m[1] ?? ''))].filter(
        (p) => !direct.includes(p),
      )
    : [];
  return [...direct, ...prefixes.flatMap((p) => suffixes.map((s) => `${p}${s}`))];
};

/** name → files that read it. */
const envReads = (): Map<string, string[]> => {
  const reads = new Map<string, string[]>();
  for (const file of ROOTS.flatMap((r) => listCode(join(REPO, r)))) {
    for (const name of new Set(readsIn(readFileSync(file, 'utf8'))))
      reads.set(name, [...(reads.get(name) ?? []), relative(REPO, file)]);
  }
  return reads;
};

const readmeConfiguration = (): string => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('## Configuration');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
};

describe('README configuration table', () => {
  test('lists every environment variable the code reads', () => {
    // Prepare
    const table = readmeConfiguration();
    // Act
    const missing = [...envReads()]
      .filter(([name]) => !table.includes(`\`${name}\``))
      .map(([name, files]) => `${name} (read in ${files.join(', ')})`);
    // Assess
    expect(missing).toEqual([]);
  });

  test('the scanner finds reads in each form the code uses', () => {
    // Act
    const names = readsIn(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text the scanner reads, not a template
      "env.A_B; process.env?.C; cfg.env['D_E']; parse(env, 'IMDS_GUARD_X'); env[`${prefix}_REGION`]; env.kind",
    );
    // Assess
    expect(names.sort()).toEqual(['A_B', 'C', 'D_E', 'IMDS_GUARD_X_REGION']);
  });
});
