// `imds-guard scan`: every instance, template and (optionally) trusted profile of the account against
// the policy — a plan by default, the changes with --apply — through the same engine as the cron sweep
// and the Code Engine job (functions/sweep/engine.ts). Usage and exit codes: docs/scan.md.
import { randomUUID } from 'node:crypto';
import { type Command, type CommanderError, InvalidArgumentError } from 'commander';
import type { Progress } from '#functions/sweep/engine.ts';
import type { StopSignal } from '#functions/sweep/interrupt.ts';
import { DEFAULTS, parseCount, parseInclude, parseRegions } from '#functions/sweep/options.ts';
import { formatCount as n } from '#functions/sweep/progress-model.ts';
import { parseShard, type Shard } from '#functions/sweep/shard.ts';
import type { Include, ScanSummary } from '#functions/sweep/summary.ts';
import { changeOf, EXIT, exitCodeFor } from '#functions/sweep/summary.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
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

/** After a first SIGTERM/SIGINT: how long in-flight work may take before a hard stop (Code Engine's grace is longer). */
const HARD_STOP_MS = 8_000;

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
  if (s.reconciled)
    lines.push(
      `  reconciled ${n(s.reconciled.intents)} change(s) left by interrupted runs: ${n(s.reconciled.landed)} landed, ${n(s.reconciled.not_landed)} did not, ${n(s.reconciled.gone)} gone${s.reconciled.kept ? `, ${n(s.reconciled.kept)} kept for the next run` : ''}`,
    );
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
  const stopped = s.interrupted
    ? `interrupted by ${s.interrupted}: every change made is recorded; the rest was not reached`
    : '';
  lines.push(`exit ${code}: ${why[code] ?? stopped}`);
  return `${lines.join('\n')}\n`;
};

const fail = (code: number, message: string): void => {
  process.stderr.write(`imds-guard scan: ${message}\n`);
  process.exitCode = code;
};

type Runtime = Awaited<ReturnType<ReturnType<typeof runtimeLoader>>>;

/** Lines for stderr: written straight away until the progress display exists, then through it. */
interface StderrLines {
  write: (line: string) => void;
}

/** Config and policy; undefined (after saying why, exit 2) when they are unusable. */
const loadRuntime = async (flags: ScanFlags, stderr: StderrLines): Promise<Runtime | undefined> => {
  const env = flags.manifest ? { ...process.env, IMDS_GUARD_MANIFEST: flags.manifest } : process.env;
  // Policy warnings and the log sink's ticket lines go to stderr (never over the progress bar):
  // stdout carries only the plan/records.
  const logger = createLogger({ level: 'warn', sink: (line) => stderr.write(line) });
  try {
    const rt = await runtimeLoader('instance-guard', { env, logger })();
    if (rt.config.auth) return rt;
    fail(EXIT.usage, 'no credentials: set IMDS_GUARD_APIKEY (or IBMCLOUD_API_KEY), or a trusted profile');
  } catch (err) {
    fail(err instanceof ConfigError ? EXIT.usage : EXIT.failures, errorMessage(err));
  }
  return undefined;
};

type Output = typeof import('#functions/sweep/output.ts');
type Journals = typeof import('#functions/sweep/journal.ts');

/** Where records go: JSON lines on stdout and/or a file, or the plan table. Changes are flushed at once. */
const openSinks = (flags: ScanFlags, output: Output, progress: Reporter) => {
  const file = flags.output ? output.fileWriter(flags.output) : undefined;
  // Records on a terminal share it with the bar: they are written around it.
  const terminal = { write: (chunk: string) => progress.around(() => process.stdout.write(chunk)) };
  const to = process.stdout.isTTY ? terminal : process.stdout;
  const stdout = flags.json ? output.streamWriter(to) : undefined;
  const table = flags.json ? undefined : output.createPlanTable();
  return {
    table,
    add: (r: DecisionRecord): void => {
      // Text only for a writer: a table-only run (no --json, no --output) never stringifies (~10 µs a record).
      if (stdout || file) {
        const line = JSON.stringify(r);
        stdout?.write(line);
        file?.write(line);
      }
      table?.add(r);
      // A change (or a failed attempt at one) must be on disk before anything else happens.
      if (!r.dry_run && (changeOf(r) === 'applied' || r.outcome === 'failed')) {
        stdout?.flush();
        file?.flush();
      }
    },
    close: (): void => {
      stdout?.close();
      file?.close();
    },
  };
};

/**
 * The change journal of an apply (intents before PATCHes, outcomes after) and what killed runs left
 * for this account. Undefined without an apply; throws when the journal cannot be written.
 */
const openChanges = async (rt: Runtime, journals: Journals, runId: string) => {
  const { authenticatorFor, tokenClaims } = await import('#shared/cloud/auth.ts');
  const self = await tokenClaims(authenticatorFor(rt.config));
  const scope = {
    account: self.account?.bss ?? '(unknown)',
    endpoint: rt.config.endpoint ?? 'https://cloud.ibm.com',
  };
  const dir = journals.stateDir(rt.config.env);
  const leftovers = journals.readLeftovers(dir, scope);
  for (const u of leftovers.unreadable) rt.logger.warn('unreadable change journal', { ...u });
  const journal = journals.openJournal(dir, {
    run_id: runId,
    started_at: new Date().toISOString(),
    ...scope,
  });
  return { journal, leftovers };
};

const loadTools = async () => {
  const [{ runScan }, output, { progressFor }, journals, interrupt] = await Promise.all([
    import('#functions/sweep/engine.ts'),
    import('#functions/sweep/output.ts'),
    import('#functions/sweep/progress.ts'),
    import('#functions/sweep/journal.ts'),
    import('#functions/sweep/interrupt.ts'),
  ]);
  return { runScan, output, progressFor, journals, interrupt };
};

type Tools = Awaited<ReturnType<typeof loadTools>>;
type Reporter = ReturnType<Tools['progressFor']>;

/** Where records and intents go; undefined (after saying why) when they cannot be written. */
const openOutputs = async (
  flags: ScanFlags,
  rt: Runtime,
  tools: Tools,
  runId: string,
  progress: Reporter,
) => {
  let sinks: ReturnType<typeof openSinks>;
  try {
    sinks = openSinks(flags, tools.output, progress);
  } catch (err) {
    fail(EXIT.usage, `cannot write ${flags.output}: ${errorMessage(err)}`);
    return undefined;
  }
  try {
    const changes = flags.apply && !rt.dryRun ? await openChanges(rt, tools.journals, runId) : undefined;
    return { sinks, changes };
  } catch (err) {
    sinks.close();
    fail(err instanceof tools.journals.JournalError ? EXIT.usage : EXIT.failures, errorMessage(err));
    return undefined;
  }
};

type Outputs = NonNullable<Awaited<ReturnType<typeof openOutputs>>>;

/** SIGTERM/SIGINT: stop new work; a second signal or the hard-stop time flushes what there is and exits. */
const watchSignals = (tools: Tools, out: Outputs, progress: Reporter, last: () => Progress | undefined) => {
  const { onTermination, signalExitCode } = tools.interrupt;
  return onTermination({
    hardStopMs: HARD_STOP_MS,
    onSignal: (sig) =>
      progress.log(`imds-guard scan: ${sig}: no new work; in-flight changes finish and are recorded`),
    onHardStop: (sig) => {
      progress.stop(last());
      out.sinks.close();
      out.changes?.journal.close();
      const open = out.changes?.journal.unresolved() ?? 0;
      const left =
        open > 0
          ? `; ${open} change(s) without an answer are journaled in ${out.changes?.journal.path} and the next run reconciles them`
          : '';
      process.stderr.write(`imds-guard scan: ${sig}: stopped before in-flight work finished${left}\n`);
      process.exit(signalExitCode(sig));
    },
  });
};

/** The flags as engine options. */
const scanOptions = (flags: ScanFlags, runId: string, out: Outputs) => ({
  fn: 'scan' as const,
  apply: flags.apply === true,
  ...(flags.regions ? { regions: flags.regions } : {}),
  include: flags.include,
  concurrency: flags.concurrency,
  regionConcurrency: flags.regionConcurrency,
  ...(flags.maxChanges !== undefined ? { maxChanges: flags.maxChanges } : {}),
  ...(flags.shard ? { shard: flags.shard } : {}),
  ...(flags.timeLimit !== undefined ? { stopAt: Date.now() + flags.timeLimit * 1000 } : {}),
  runId,
  ...(out.changes ? { changes: out.changes.journal, reconcile: out.changes.leftovers.intents } : {}),
  onRecord: (r: DecisionRecord) => {
    out.sinks.add(r);
    if (r.target_crn) out.changes?.journal.recorded(r.target_crn);
  },
});

/** Everything written and closed; reconciled journals removed; the plan table, the summary, the code. */
const finish = (tools: Tools, out: Outputs, summary: ScanSummary, sig: StopSignal | undefined): void => {
  out.sinks.close();
  out.changes?.journal.close();
  // Leftovers are recorded now; their journals go once every one of them could be read.
  if (out.changes && (summary.reconciled?.kept ?? 0) === 0)
    tools.journals.removeJournals(out.changes.leftovers.files);
  if (out.sinks.table) process.stdout.write(`${out.sinks.table.render()}\n`);
  const code = sig ? tools.interrupt.signalExitCode(sig) : exitCodeFor(summary);
  process.stderr.write(summaryText(summary, code));
  process.exitCode = code;
};

const runScanCommand = async (flags: ScanFlags): Promise<void> => {
  const stderr: StderrLines = { write: (line) => void process.stderr.write(`${line}\n`) };
  const rt = await loadRuntime(flags, stderr);
  if (!rt) return;
  const tools = await loadTools();
  const runId = randomUUID();
  const progress = tools.progressFor(process.stderr, { enabled: flags.progress });
  stderr.write = progress.log;
  const out = await openOutputs(flags, rt, tools, runId, progress);
  if (!out) return;
  let last: Progress | undefined;
  const termination = watchSignals(tools, out, progress, () => last);
  let summary: ScanSummary;
  try {
    summary = await tools.runScan(rt, {
      ...scanOptions(flags, runId, out),
      signal: termination.signal,
      onProgress: (p) => {
        last = p;
        progress.update(p);
      },
    });
  } catch (err) {
    progress.stop();
    out.sinks.close();
    out.changes?.journal.close();
    const usage = err instanceof ConfigError || err instanceof InvalidInputError;
    return fail(usage ? EXIT.usage : EXIT.failures, errorMessage(err));
  } finally {
    termination.dispose();
  }
  progress.stop(last);
  finish(tools, out, summary, termination.received());
};

const registerScan = (program: Command): void => {
  program
    .command('scan')
    .description('check every instance, template and profile against the policy; --apply to fix them')
    .option('--apply', 'make the changes (through the same code as the functions), not only plan them')
    .option('--regions <list>', 'all, or comma-separated region names', asOption(parseRegions))
    .option(
      '--include <kinds>',
      'comma-separated: instances, templates, profiles, network',
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
