// The import layers (scripts/check-imports.mjs, run by `npm run lint`): the tree keeps them, and each
// rule fails when broken.
import { describe, expect, test } from 'vitest';
import { checkImports, readTree } from '../../scripts/check-imports.mjs';

describe('import layers', () => {
  test('the tree has no import circle and keeps every layer', () => {
    expect(checkImports(readTree())).toEqual([]);
  });

  test.each([
    [
      'a circle through a dynamic import',
      {
        'shared/a.ts': "import { b } from './b.ts';",
        'shared/b.ts': "const load = () => import('./a.ts');",
      },
      /import circle: shared\/a\.ts ↔ shared\/b\.ts/,
    ],
    [
      'shared/ importing functions/',
      { 'shared/a.ts': "import type { X } from '#functions/x.ts';", 'functions/x.ts': '' },
      /shared\/ imports nothing from functions\//,
    ],
    [
      'events/ importing a helper that is not a leaf',
      {
        'events/a.ts': "import { c } from '#shared/config.ts';",
        'shared/config.ts': "import { e } from './errors.ts';",
        'shared/errors.ts': '',
      },
      /events\/ imports only events\/ and leaf helpers/,
    ],
    [
      'the emulator importing product code',
      { 'emulator/a.ts': "import { x } from '../shared/x.ts';", 'shared/x.ts': '' },
      /the emulator imports no product code/,
    ],
    [
      'product code importing the emulator',
      { 'functions/a.ts': "const e = await import('#emulator/index.ts');", 'emulator/index.ts': '' },
      /product code never imports the emulator/,
    ],
  ])('%s is reported', (_what, files, problem) => {
    expect(checkImports(files).join('\n')).toMatch(problem);
  });

  test('an import written in a comment is not an import', () => {
    expect(
      checkImports({ 'shared/a.ts': "// import { x } from '#functions/x.ts';", 'functions/x.ts': '' }),
    ).toEqual([]);
  });
});
