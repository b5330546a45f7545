// `imds-guard revert --record FILE|- [--dry-run] [--force] [--exempt-tag TAG]`: restores the `before`
// state of remediation decision records (JSON lines), for the day a remediation breaks a workload.
import type { Command } from 'commander';
import { readRecords } from '#functions/instance-guard/revert-input.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { readInput, UsageError, verbosityOf } from '../options.ts';

const registerRevert = (program: Command): void => {
  program
    .command('revert')
    .description("restore the 'before' state recorded in remediation decision records")
    .requiredOption('--record <file>', 'decision records (JSON lines, as logged); - for stdin')
    .option('--dry-run', 'say what would be restored, change nothing')
    .option('--force', 'restore even if the resource changed since the record')
    .option(
      '--exempt-tag <tag>',
      'attach this access tag first so the guard leaves the instance alone (e.g. imds-guard:exempt)',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 all reverted (or planned), 1 some failed or were refused, 2 bad input.\nCredentials and endpoints come from the environment (IMDS_GUARD_APIKEY, IMDS_GUARD_ENDPOINT, …).',
    )
    .action(
      async (
        opts: { record: string; dryRun?: boolean; force?: boolean; exemptTag?: string },
        command: Command,
      ) => {
        const say = verbosityOf(command);
        const text = (await readInput(opts.record, '--record')).toString('utf8');
        const { records, problems } = readRecords(text);
        if (records.length === 0)
          throw new UsageError(
            `--record ${opts.record}: no decision records found${problems.length ? ` (${problems.join('; ')})` : ''}`,
          );
        if (say !== 'quiet') for (const p of problems) process.stderr.write(`${opts.record}: ${p}\n`);
        const rt = await runtimeLoader('instance-guard')();
        const { revertRecords } = await import('#functions/instance-guard/revert.ts');
        const out = await revertRecords(rt, records, {
          dryRun: opts.dryRun === true,
          force: opts.force === true,
          ...(opts.exemptTag ? { exemptTag: opts.exemptTag } : {}),
        });
        for (const r of out) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          if (say === 'verbose')
            process.stderr.write(`${r.outcome} ${r.target_crn ?? '(no target)'}: ${r.reason}\n`);
        }
        const bad = out.filter((r) => r.outcome === 'failed' || r.outcome === 'refused');
        if (say !== 'quiet')
          process.stderr.write(`${out.length} records: ${out.map((r) => r.outcome).join(', ')}\n`);
        process.exitCode = bad.length > 0 ? 1 : 0;
      },
    );
};

export { registerRevert };
