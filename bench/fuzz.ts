// Issue 9's fuzz at full size: 10,000 invalid or foreign deliveries (test/helpers/fuzz.ts) through both
// guards' `main`, the app and the COS job's line processor. Reports problems (must be 0), writes seen by
// the emulator (must be 0) and the rate; `npm test` runs the same property 1,000 times.
import fc from 'fast-check';
import { invalidInput, runEntryPoints, startFuzzWorld, writesSince } from '../test/helpers/fuzz.ts';
import type { Row } from './lib.ts';

const RUNS = 10_000;

const fuzz = async (): Promise<Row[]> => {
  const world = await startFuzzWorld();
  try {
    const since = await world.admin.lastSeq();
    const problems: string[] = [];
    const started = performance.now();
    await fc.check(
      fc.asyncProperty(invalidInput, async (input) => {
        problems.push(...(await runEntryPoints(world, input)));
        return true;
      }),
      { numRuns: RUNS, seed: 20261205 },
    );
    const seconds = (performance.now() - started) / 1000;
    const writes = (await writesSince(world, since)).length;
    for (const p of problems.slice(0, 5)) process.stderr.write(`fuzz problem: ${p.slice(0, 300)}\n`);
    return [
      { bench: 'fuzz', metric: 'deliveries × 4 entry points', value: RUNS, unit: 'runs' },
      {
        bench: 'fuzz',
        metric: 'throws or 5xx',
        value: problems.length,
        unit: '',
        goal: '0',
        ok: problems.length === 0,
      },
      { bench: 'fuzz', metric: 'emulator writes', value: writes, unit: '', goal: '0', ok: writes === 0 },
      {
        bench: 'fuzz',
        metric: 'rate',
        value: Math.round(RUNS / seconds),
        unit: 'runs/s',
        note: 'loaded 2-core machine',
      },
    ];
  } finally {
    await world.close();
  }
};

export { fuzz };
