// The suite must pass from a lone clone (issue 9): no code or test may read the design folder that sits
// beside the repository in the team's layout. What a test needs from it is copied under test/fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ROOTS = ['bench', 'bin', 'cli', 'emulator', 'events', 'functions', 'scripts', 'shared', 'test'];
const CODE = /\.(ts|mts|mjs|js)$/;
// Fixtures are read by tests too: no fixture file may name a path outside the repository.
const FIXTURE = /\.(md|json|jsonl|ya?ml|txt|tf|hcl)$/;
// A relative `../shared/` counts when it leaves the repository from the file's own folder (an import of
// the repo's own shared/ from one level down is fine); the absolute team path always counts.
const RELATIVE = /(?:\.\.\/)+shared\//g;
const ABSOLUTE = /\/work\/shared\b/;

/** Code resolves a relative path from its own folder; a fixture's text names the team's `../shared/` as is. */
const leavesRepo = (file: string, line: string): boolean =>
  ABSOLUTE.test(line) ||
  [...line.matchAll(RELATIVE)].some(
    (m) => FIXTURE.test(file) || relative(REPO, resolve(dirname(file), m[0])).startsWith('..'),
  );
const COMMENT = /^\s*(\/\/|\*|\/\*)/;

const listFiles = (dir: string, kind: RegExp): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : listFiles(path, kind);
    return kind.test(d.name) ? [path] : [];
  });

const filesToCheck = (): string[] => [
  ...ROOTS.flatMap((root) => listFiles(join(REPO, root), CODE)),
  ...listFiles(join(REPO, 'test', 'fixtures'), FIXTURE),
];

const findOutsideReads = (): string[] =>
  filesToCheck().flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        leavesRepo(file, line) && !COMMENT.test(line)
          ? [`${relative(REPO, file)}:${i + 1}: ${line.trim()}`]
          : [],
      ),
  );

describe('lone clone', () => {
  test('no code, test or fixture reads ../shared', () => {
    // Act
    const reads = findOutsideReads();

    // Assess
    expect(reads).toEqual([]);
  });

  test("IBM's published payloads are in the repository with their sources file", () => {
    // Act
    const files = readdirSync(join(REPO, 'test', 'fixtures', 'ibm-docs'));

    // Assess
    expect(files).toContain('SOURCES.md');
    expect(files.filter((f) => f.endsWith('.json')).length).toBeGreaterThan(20);
  });
});
