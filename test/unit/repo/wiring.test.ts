// Each deployed component shows its wiring (parse → decide → act → respond) in its own index.ts of at
// most 40 lines (issue 11), so a newcomer reads a component's path in one screen.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const FUNCTIONS = fileURLToPath(new URL('../../../functions/', import.meta.url));
const DEPLOYED = ['instance-guard', 'profile-guard', 'sweep', 'app', 'cos-job'];

describe('functions/<fn>/index.ts', () => {
  test('every deployed component has its own index.ts', () => {
    const withIndex = readdirSync(FUNCTIONS).filter((d) => existsSync(join(FUNCTIONS, d, 'index.ts')));
    expect(withIndex.sort()).toEqual(expect.arrayContaining([...DEPLOYED].sort()));
  });

  test.each(DEPLOYED)('%s/index.ts is at most 40 lines', (fn) => {
    const text = readFileSync(join(FUNCTIONS, fn, 'index.ts'), 'utf8');
    expect(text.trimEnd().split('\n').length).toBeLessThanOrEqual(40);
  });
});
