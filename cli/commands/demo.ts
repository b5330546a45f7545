// `imds-guard demo` (what `npm start` runs): the guard against the embedded emulator, as a story.
import type { Command } from 'commander';
import { runDemo } from '../demo/run.ts';
import { colorFor } from '../options.ts';

const registerDemo = (program: Command): void => {
  program
    .command('demo')
    .description(
      'run the guard against the embedded IBM Cloud emulator: users make changes, the guard reacts',
    )
    .option('--json', 'one JSON line per step and a summary line, instead of the timeline')
    .option('--no-color', 'plain text')
    .option(
      '--out <dir>',
      'write decisions.jsonl (and report.html) here (default: a new temporary directory)',
    )
    .option('--report', 'also write the HTML report (report.html next to the records)')
    .action(async (opts: { json?: boolean; color: boolean; out?: string; report?: boolean }) => {
      process.exitCode = await runDemo({
        json: opts.json === true,
        color: opts.color && colorFor(process.stdout),
        ...(opts.out ? { out: opts.out } : {}),
        report: opts.report === true,
        write: (line) => {
          process.stdout.write(`${line}\n`);
        },
      });
    });
};

export { registerDemo };
