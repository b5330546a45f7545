// `npm run bench`: runs every benchmark (or those named on the command line) and prints one table.
// Machines are 2 cores and noisy: benchmarks report medians and ratios, never assert in unit tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { bulkScan } from './bulk.ts';
import { coldStart } from './cold-start.ts';
import { emulatorThroughput } from './emulator.ts';
import { fuzz } from './fuzz.ts';
import type { Row } from './lib.ts';
import { machineRows } from './machine.ts';
import { remediation } from './remediation.ts';
import { reportBench } from './report.ts';
import { scenarioLoad } from './scenario.ts';
import { ticketBurst } from './tickets.ts';
import { timingGoals } from './timing.ts';

const BENCHMARKS = {
  emulator: emulatorThroughput,
  scenario: scenarioLoad,
  tickets: ticketBurst,
  'cold-start': coldStart,
  remediation,
  bulk: bulkScan,
  fuzz,
  report: reportBench,
  timing: timingGoals,
} satisfies Record<string, () => Promise<Row[]>>;

type BenchName = keyof typeof BENCHMARKS;

const printTable = (rows: Row[]): void => {
  const cells = rows.map((r) => [
    r.bench,
    r.metric,
    `${r.value} ${r.unit}`,
    r.goal ?? '',
    r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const head = ['bench', 'metric', 'value', 'goal', 'met', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
};

const main = async (): Promise<void> => {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = (wanted.length ? wanted : Object.keys(BENCHMARKS)) as BenchName[];
  // Every run says what the CPUs were like: absolute CPU rows depend on it (bench/machine.ts).
  const rows: Row[] = await machineRows('start');
  for (const name of names) {
    const bench = BENCHMARKS[name];
    if (!bench) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.stderr.write(`running ${name}…\n`);
    rows.push(...(await bench()));
  }
  rows.push(...(await machineRows('end')));
  printTable(rows);
  mkdirSync('test-output', { recursive: true });
  writeFileSync(
    'test-output/bench.json',
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
  );
};

await main();
