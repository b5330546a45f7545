// `imds-guard scan`: every instance, template and (optionally) trusted profile of the account against
// the policy — a plan by default, the changes with --apply — through the same engine as the cron sweep
// and the Code Engine job (functions/sweep/engine.ts). Usage and exit codes: docs/scan.md.
import { type Command, type CommanderError, InvalidArgumentError } from 'commander';
import { DEFAULTS, parseCount, parseInclude, parseRegions } from '#functions/sweep/options.ts';
import { parseShard, type Shard } from '#functions/sweep/shard.ts';
import type { Include, ScanSummary } from '#functions/sweep/summary.ts';
import { EXIT, exitCodeFor } from '#functions/sweep/summary.ts';
import { createLogger } from '#shared/audit/logger.ts';
import { ConfigError, errorMessage, InvalidInputError } from '#shared/errors.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';

interface ScanFlags {
  apply?: boolean;
  regions?: string[];
  include: Include[];
  concurrency: number;
  regionConcurrency: number;
  maxChanges?: number;
  shard?: Shard;
  json?: boolean;
  output?: string;
  timeLimit?: number;
  manifest?: string;
  progress: boolean;
}

const HELP_AFTER = `
Without --apply nothing is changed: the plan is printed (a table grouped by region, or JSON lines
with --json) and the exit code says whether it has changes. With --apply the changes are made through
the same code as the event-driven functions; the policy's dry_run still wins.

Exit codes:
  0  nothing to do, or every change applied
  1  some resources (or a listing) failed; the others were decided
  2  bad arguments or configuration; nothing was read
  3  changes found and not applied (a plan, a dry-run policy, or held back by --max-changes)
  4  --apply refused: the plan has more changes than --max-changes; nothing was changed
  5  stopped at --time-limit before every resource was decided

Sharding: --shard i/n decides the resources whose id hashes to i (of n); n runs with i = 0..n-1 decide
every resource exactly once. In a Code Engine array job, JOB_INDEX/JOB_ARRAY_SIZE do this (docs/scan.md).
Credentials and endpoints come from the environment (IMDS_GUARD_APIKEY, IMDS_GUARD_ENDPOINT, …); the
policy from IMDS_GUARD_POLICY, --manifest, IMDS_GUARD_MANIFEST or ./manifest.yaml.`;

/** Commander parsers over the shared ones: a bad value is a usage error (exit 2). */
const asOption =
  <T>(parse: (raw: string) => T) =>
  (raw: string): T => {
    try {
      return parse(raw);
    } catch (err) {
      throw new InvalidArgumentError(errorMessage(err));
    }
  };

const int = (name: string, min: number, max: number) =>
  asOption((raw) => parseCount(raw, name, { min, max }) as number);

const n = (x: number): string => x.toLocaleString('en-US');

const summaryText = (s: ScanSummary, code: number): string => {
  const lines: string[] = [];
  const outcomes = Object.entries(s.outcomes)
    .map(([o, c]) => `${n(c)} ${o}`)
    .join(' · ');
  lines.push(
    `imds-guard scan (${s.mode}${s.shard ? `, shard ${s.shard}` : ''}): ${n(s.decided)} decided in ${(s.elapsed_ms / 1000).toFixed(1)} s${outcomes ? ` — ${outcomes}` : ''}`,
  );
  lines.push(
    `  changes: ${n(s.changes.planned)} planned, ${n(s.changes.applied)} applied · failures: ${n(s.failures)} · API calls: ${n(s.api_calls)}`,
  );
  const throttled = s.lanes.filter((l) => l.throttled > 0);
  if (throttled.length > 0)
    lines.push(
      `  throttled: ${throttled.map((l) => `${l.lane} ${l.throttled}× (concurrency now ${l.limit})`).join(', ')}`,
    );
  if (!s.complete && s.resume) lines.push(`  not reached: ${JSON.stringify(s.resume)}`);
  const why = {
    [EXIT.ok]: s.mode === 'apply' ? 'every change applied' : 'nothing to do',
    [EXIT.failures]: 'some resources failed (outcome failed in the records)',
    [EXIT.changes]:
      s.mode === 'plan' && !s.dry_run
        ? 'changes pending'
        : 'the plan has changes; run with --apply to make them',
    [EXIT.refused]: s.refused
      ? `refused: the plan has ${n(s.refused.planned_changes)} changes, more than --max-changes ${n(s.refused.max_changes)}; nothing was changed`
      : '',
    [EXIT.incomplete]: 'stopped at --time-limit; some resources were not reached',
  } as Record<number, string>;
  lines.push(`exit ${code}: ${why[code] ?? ''}`);
  return `${lines.join('\n')}\n`;
};

const fail = (code: number, message: string): void => {
  process.stderr.write(`imds-guard scan: ${message}\n`);
  process.exitCode = code;
};

const runScanCommand = async (flags: ScanFlags): Promise<void> => {
  const env = flags.manifest ? { ...process.env, IMDS_GUARD_MANIFEST: flags.manifest } : process.env;
  // Policy warnings and the log sink's ticket lines go to stderr: stdout carries only the plan/records.
  const logger = createLogger({ level: 'warn', sink: (line) => process.stderr.write(`${line}\n`) });
  let rt: Awaited<ReturnType<ReturnType<typeof runtimeLoader>>>;
  try {
    rt = await runtimeLoader('instance-guard', { env, logger })();
  } catch (err) {
    return fail(err instanceof ConfigError ? EXIT.usage : EXIT.failures, errorMessage(err));
  }
  if (!rt.config.auth)
    return fail(
      EXIT.usage,
      'no credentials: set IMDS_GUARD_APIKEY (or IBMCLOUD_API_KEY), or a trusted profile',
    );

  const [{ runScan }, output, { progressFor }] = await Promise.all([
    import('#functions/sweep/engine.ts'),
    import('#functions/sweep/output.ts'),
    import('#functions/sweep/progress.ts'),
  ]);
  let file: ReturnType<typeof output.fileWriter> | undefined;
  try {
    if (flags.output) file = output.fileWriter(flags.output);
  } catch (err) {
    return fail(EXIT.usage, `cannot write ${flags.output}: ${errorMessage(err)}`);
  }
  const stdout = flags.json ? output.streamWriter(process.stdout) : undefined;
  const table = flags.json ? undefined : output.createPlanTable();
  const progress = await progressFor(process.stderr, { enabled: flags.progress });
  let last: Parameters<typeof progress.update>[0] | undefined;
  let summary: ScanSummary;
  try {
    summary = await runScan(rt, {
      fn: 'scan',
      apply: flags.apply === true,
      ...(flags.regions ? { regions: flags.regions } : {}),
      include: flags.include,
      concurrency: flags.concurrency,
      regionConcurrency: flags.regionConcurrency,
      ...(flags.maxChanges !== undefined ? { maxChanges: flags.maxChanges } : {}),
      ...(flags.shard ? { shard: flags.shard } : {}),
      ...(flags.timeLimit !== undefined ? { stopAt: Date.now() + flags.timeLimit * 1000 } : {}),
      onRecord: (r) => {
        const line = JSON.stringify(r);
        stdout?.write(line);
        file?.write(line);
        table?.add(r);
      },
      onProgress: (p) => {
        last = p;
        progress.update(p);
      },
    });
  } catch (err) {
    progress.stop();
    stdout?.close();
    file?.close();
    return fail(
      err instanceof ConfigError || err instanceof InvalidInputError ? EXIT.usage : EXIT.failures,
      errorMessage(err),
    );
  }
  progress.stop(last);
  stdout?.close();
  file?.close();
  if (table) process.stdout.write(`${table.render()}\n`);
  const code = exitCodeFor(summary);
  process.stderr.write(summaryText(summary, code));
  process.exitCode = code;
};

const registerScan = (program: Command): void => {
  program
    .command('scan')
    .description('check every instance, template and profile against the policy; --apply to fix them')
    .option('--apply', 'make the changes (through the same code as the functions), not only plan them')
    .option('--regions <list>', 'all, or comma-separated region names', asOption(parseRegions))
    .option(
      '--include <kinds>',
      'comma-separated: instances, templates, profiles',
      asOption((raw) => parseInclude(raw, DEFAULTS.scanInclude)),
      [...DEFAULTS.scanInclude],
    )
    .option(
      '--concurrency <n>',
      'resources in flight overall',
      int('--concurrency', 1, 256),
      DEFAULTS.concurrency,
    )
    .option(
      '--region-concurrency <n>',
      'resources in flight per region (halved on 429, grows back)',
      int('--region-concurrency', 1, 64),
      DEFAULTS.regionConcurrency,
    )
    .option(
      '--max-changes <n>',
      'with --apply: refuse to change anything if the plan has more changes than this',
      int('--max-changes', 0, 10_000_000),
    )
    .option('--shard <i/n>', 'decide only shard i of n (0-based)', asOption(parseShard))
    .option('--json', 'one decision record (JSON) per resource on stdout instead of the table')
    .option('--output <file>', 'also write the decision records (JSON lines) to <file>')
    .option(
      '--time-limit <seconds>',
      'start no new work after this many seconds',
      int('--time-limit', 1, 604_800),
    )
    .option('--manifest <file>', 'read the policy from this manifest (default: environment, ./manifest.yaml)')
    .option('--no-progress', 'no progress on stderr')
    .addHelpText('after', HELP_AFTER)
    // Bad arguments are exit 2 (commander's default is 1); help stays 0.
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    })
    .action(async (flags: ScanFlags) => {
      await runScanCommand(flags);
    });
};

export { registerScan };
