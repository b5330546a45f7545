// Issue 9's fuzz: 1,000 invalid or foreign deliveries (test/helpers/fuzz.ts) through instance-guard and
// profile-guard `main`, the app and the COS job's line processor: none throws, none answers 5xx, and
// the emulator's journal shows no write at all. `npm run bench fuzz` runs 10,000.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FuzzWorld,
  invalidInput,
  runEntryPoints,
  startFuzzWorld,
  writesSince,
} from '../../helpers/fuzz.ts';

let world: FuzzWorld;

beforeAll(async () => {
  world = await startFuzzWorld();
});

afterAll(async () => {
  await world.close();
});

describe('every entry point with invalid or foreign input', () => {
  test('never throws, never 5xx, no write in the journal (1,000 runs)', async () => {
    // Prepare
    const since = await world.admin.lastSeq();
    const problems: string[] = [];

    // Act: fc.check, not fc.assert, so a failure reports the problems, not a 5 MB counterexample.
    const out = await fc.check(
      fc.asyncProperty(invalidInput, async (input) => {
        const found = await runEntryPoints(world, input);
        problems.push(...found.map((p) => p.slice(0, 300)));
        return found.length === 0;
      }),
      { numRuns: 1_000, seed: 20261204, endOnFailure: true },
    );

    // Assess
    expect(problems).toEqual([]);
    expect(out.numRuns).toBe(1_000);
    expect(await writesSince(world, since)).toEqual([]);
  }, 120_000);
});
