// The machine a bench ran on, one row per CPU at the start and at the end of the run: the same fixed
// CPU work (JSON.parse of a 5 KB document, 3,000 times) pinned to each CPU with `taskset`, median of 3.
// Absolute CPU rows (cold over bare, plan CPU per instance) depend on which CPU a process ran on when
// the CPUs differ; ratios measured in one process mostly do not. Without `taskset` (util-linux) or with
// one CPU: one unpinned row.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { canPin, median, nodeCommand, type Row } from './lib.ts';

const run = promisify(execFile);

const PROBE = `
const doc = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: 'id-' + i, name: 'name-' + i, crn: 'crn:v1:bluemix:public:is:us-south-1:a/0123456789abcdef::instance:' + i, enabled: i % 2 === 0, n: i * 7 })) });
for (let i = 0; i < 300; i++) JSON.parse(doc);
const c0 = process.cpuUsage();
for (let i = 0; i < 3000; i++) JSON.parse(doc);
const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ us: (c.user + c.system) / 3000, bytes: doc.length }));`;

const probe = async (cpu?: number): Promise<{ us: number; bytes: number }> => {
  const { stdout } = await run(...nodeCommand(PROBE, cpu));
  return JSON.parse(stdout) as { us: number; bytes: number };
};

/** `when`: 'start' or 'end' of the run (the CPUs of a shared host can change during it). */
const machineRows = async (when: 'start' | 'end'): Promise<Row[]> => {
  const targets: (number | undefined)[] = (await canPin())
    ? Array.from({ length: Math.min(availableParallelism(), 8) }, (_, i) => i)
    : [undefined];
  const rows: Row[] = [];
  for (const cpu of targets) {
    const runs = [await probe(cpu), await probe(cpu), await probe(cpu)];
    rows.push({
      bench: 'machine',
      metric: `CPU speed probe at the ${when} of the run, ${cpu === undefined ? 'unpinned' : `pinned to CPU ${cpu}`}`,
      value: Number(median(runs.map((r) => r.us)).toFixed(1)),
      unit: 'µs',
      note: `JSON.parse of a ${runs[0]?.bytes ?? 0}-byte document, CPU per parse over 3,000 (after 300 warm-up), median of 3 processes: ${runs.map((r) => r.us.toFixed(1)).join(', ')} µs; the same work on every CPU, so unequal values mean unequal CPUs`,
    });
  }
  return rows;
};

export { machineRows };
