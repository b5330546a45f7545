// Time (and heap) to generate and load a 100,000-instance, 10-region account, in a fresh process each
// run so earlier work does not warm or bloat it; median of 3.
import { execFileSync } from 'node:child_process';
import { median, type Row } from './lib.ts';

const SCRIPT = `
import { generateState } from './emulator/scenario/generate.ts';
const t0 = performance.now();
const state = generateState({ instances: 100000, regions: 10, seed: 'bench', profiles: 50 });
const ms = performance.now() - t0;
globalThis.gc?.();
console.log(JSON.stringify({ ms, heapMb: process.memoryUsage().heapUsed / 1048576, instances: state.counts().instances }));
`;

const scenarioLoad = async (): Promise<Row[]> => {
  const runs: { ms: number; heapMb: number; instances: number }[] = [];
  for (let i = 0; i < 3; i += 1) {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', SCRIPT],
      {
        encoding: 'utf8',
      },
    );
    runs.push(JSON.parse(out.trim().split('\n').pop() ?? '{}'));
  }
  const ms = median(runs.map((r) => r.ms));
  return [
    {
      bench: 'emulator',
      metric: 'generate + load 100,000 instances / 10 regions',
      value: Math.round(ms),
      unit: 'ms',
      note: `median of 3 fresh processes; heap after load ${median(runs.map((r) => r.heapMb)).toFixed(0)} MB; ${runs[0]?.instances} instances`,
    },
  ];
};

export { scenarioLoad };
