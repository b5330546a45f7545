// The sweep's acting half (its own bundle file, loaded on demand): request parameters → one budgeted
// run of the bulk engine → every decision logged, a summary line, and the response. It stops starting
// work at the budget, lets in-flight work finish, and says what it did not reach and how to continue.
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { type DecisionRecord, logDecision, summariseOutcomes } from '#shared/audit/decision.ts';
import { stateFor } from '#shared/audit/trail/index.ts';
import { openTrailStream, type TrailStreamReport } from '#shared/audit/trail/stream.ts';
import { errorMessage, InvalidInputError } from '#shared/errors.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { authFailure, failedForGood, failsForGood } from '#shared/runtime/misconfigured.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { runScan } from './engine.ts';
import { onTermination } from './interrupt.ts';
import { DEFAULTS, parseCount, parseFlag, parseInclude, parseRegions, sweepBudgetMs } from './options.ts';
import { shardFromJobEnv } from './shard.ts';
import { exitCodeFor, type Resume, type ScanSummary, unreachedOf } from './summary.ts';

const Names = v.union(
  [v.string(), v.array(v.string())],
  'expected a list of names or a comma-separated string',
);
/** Query parameters arrive as text, cron data as JSON: numbers and flags are taken either way. */
const Num = v.union([v.number(), v.string()], 'expected a number');

const ResumeEntries = {
  instances: v.optional(v.record(v.string(), v.nullable(v.string()))),
  templates: v.optional(v.array(v.string())),
  network: v.optional(v.array(v.string())),
  profiles: v.optional(v.nullable(v.string())),
};

/** What a request may set. Everything else in params (`__ce_*`, the cron body) is ignored. */
const SweepRequest = v.object({
  mode: v.optional(v.literal('sweep', 'mode must be "sweep"')),
  regions: v.optional(Names),
  include: v.optional(Names),
  budget_seconds: v.optional(Num),
  concurrency: v.optional(Num),
  region_concurrency: v.optional(Num),
  max_changes: v.optional(Num),
  dry_run: v.optional(v.union([v.boolean(), v.string()])),
  resume: v.optional(
    v.strictObject({
      ...ResumeEntries,
      // Many accounts: each unfinished account's own resume.
      accounts: v.optional(v.record(v.string(), v.strictObject(ResumeEntries))),
    }),
  ),
});

/** Records returned in the response (all are logged): the ones that say something, up to this many. */
const MAX_RETURNED = 200;

interface SweepInput {
  regions: string[] | undefined;
  include: ReturnType<typeof parseInclude>;
  budgetMs: number;
  concurrency: number;
  regionConcurrency: number;
  maxChanges: number | undefined;
  dryRun: boolean;
  resume: Resume | undefined;
  /** Records per COS trail object (IMDS_GUARD_SWEEP_TRAIL_BATCH, default 500). */
  trailBatch: number | undefined;
}

const parseInput = (params: CeParams, env: Readonly<Record<string, string | undefined>>): SweepInput => {
  const parsed = v.safeParse(SweepRequest, params);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const at = issue?.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new InvalidInputError(`${at ? `${at}: ` : ''}${issue?.message ?? 'invalid request'}`);
  }
  const p = parsed.output;
  const budget = parseCount(p.budget_seconds, 'budget_seconds', { min: 1, max: 105 });
  const dryRun = typeof p.dry_run === 'boolean' ? p.dry_run : parseFlag(p.dry_run, 'dry_run', false);
  return {
    regions: parseRegions(p.regions ?? env.IMDS_GUARD_SWEEP_REGIONS),
    include: parseInclude(p.include ?? env.IMDS_GUARD_SWEEP_INCLUDE, DEFAULTS.sweepInclude),
    budgetMs: sweepBudgetMs(env, budget),
    concurrency:
      parseCount(p.concurrency ?? env.IMDS_GUARD_SWEEP_CONCURRENCY, 'concurrency', { min: 1, max: 256 }) ??
      DEFAULTS.concurrency,
    regionConcurrency:
      parseCount(p.region_concurrency ?? env.IMDS_GUARD_SWEEP_REGION_CONCURRENCY, 'region_concurrency', {
        min: 1,
        max: 64,
      }) ?? DEFAULTS.regionConcurrency,
    maxChanges: parseCount(p.max_changes ?? env.IMDS_GUARD_SWEEP_MAX_CHANGES, 'max_changes', {
      min: 0,
      max: 10_000_000,
    }),
    dryRun,
    resume: p.resume,
    trailBatch: parseCount(env.IMDS_GUARD_SWEEP_TRAIL_BATCH, 'IMDS_GUARD_SWEEP_TRAIL_BATCH', {
      min: 1,
      max: 10_000,
    }),
  };
};

const json = (statusCode: number, body: Record<string, unknown>): CeResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body,
});

type Trigger = { startedAt: number; deliveryId?: string | undefined; deliveryTime?: Date | undefined };

/** The records the response returns: the ones that say something, up to MAX_RETURNED (all are logged). */
const collectReturned = () => {
  const records: DecisionRecord[] = [];
  let truncated = 0;
  return {
    add: (r: DecisionRecord): void => {
      if (r.outcome === 'compliant') return;
      if (records.length < MAX_RETURNED) records.push(r);
      else truncated += 1;
    },
    body: () => ({ decisions: records, ...(truncated > 0 ? { decisions_truncated: truncated } : {}) }),
  };
};

/** The response's `trail`: the objects written as the run went, or why the last batch was not. */
const trailBody = (t: TrailStreamReport) => {
  const f = t.failed;
  if (!f) return t.objects.length > 0 ? { trail: { objects: t.objects } } : {};
  const error = `${f.failure.code}${f.failure.status ? ` (HTTP ${f.failure.status})` : ''}`;
  return {
    trail: { written: false, objects: t.objects, object: f.object, error, kept_in_memory: f.pending },
  };
};

/** The decision-record-like line a dashboard reads: what the run did, and what it left. */
const summaryLine = (summary: ScanSummary, input: SweepInput, trigger: Trigger, runId: string) => {
  const unreached = unreachedOf(summary);
  return {
    fn: 'sweep',
    event_id: trigger.deliveryId ?? null,
    correlation_id: runId,
    outcome: summariseOutcomes((o) => (summary.outcomes[o] ?? 0) > 0),
    complete: summary.complete,
    decided: summary.decided,
    outcomes: summary.outcomes,
    changes: summary.changes,
    failures: summary.failures,
    budget_ms: input.budgetMs,
    elapsed_ms: Date.now() - trigger.startedAt,
    api_calls: summary.api_calls,
    exit_code: exitCodeFor(summary),
    ...(summary.interrupted ? { interrupted: summary.interrupted } : {}),
    ...(unreached.length > 0 ? { unreached } : {}),
    ...(summary.resume ? { resume: summary.resume } : {}),
    ...(summary.refused ? { refused: summary.refused } : {}),
    ...(trigger.deliveryTime ? { event_time: trigger.deliveryTime.toISOString() } : {}),
  };
};

/** The engine over the whole account with --apply semantics, stopping at the budget or a SIGTERM. */
const sweepOnce = (
  rt: GuardRuntime,
  input: SweepInput,
  trigger: Trigger,
  runId: string,
  extra: { signal: AbortSignal; onRecord: (r: DecisionRecord) => void },
): Promise<ScanSummary> => {
  const shard = shardFromJobEnv(rt.config.env);
  return runScan(input.dryRun ? { ...rt, dryRun: true } : rt, {
    fn: 'sweep',
    apply: true,
    ...(input.regions ? { regions: input.regions } : {}),
    include: input.include,
    concurrency: input.concurrency,
    regionConcurrency: input.regionConcurrency,
    ...(input.maxChanges !== undefined ? { maxChanges: input.maxChanges } : {}),
    ...(input.resume ? { resume: input.resume } : {}),
    // A sweep run as a job array shard (the manifest can point the cron at the job instead).
    ...(shard ? { shard } : {}),
    stopAt: trigger.startedAt + input.budgetMs,
    graceMs: DEFAULTS.sweepGraceSeconds * 1000,
    runId,
    eventId: trigger.deliveryId ?? null,
    ...extra,
  });
};

/** One sweep: budget from the request or IMDS_GUARD_SWEEP_BUDGET_SECONDS (default 100 s of 120). */
const runSweep = async (rt: GuardRuntime, params: CeParams, trigger: Trigger): Promise<CeResponse> => {
  let input: SweepInput;
  try {
    input = parseInput(params, rt.config.env);
  } catch (err) {
    const reason = errorMessage(err);
    rt.logger.warn('sweep refused', { reason });
    return json(400, { outcome: 'refused', reason, decisions: [] });
  }
  const runId = trigger.deliveryId ?? randomUUID();
  const event = { fn: 'sweep', event_id: trigger.deliveryId ?? null, correlation_id: runId };
  const returned = collectReturned();
  // Decisions go to the COS trail in batches as they are made (shared/audit/trail/stream.ts).
  const trail = openTrailStream(rt, stateFor(rt), 'sweep', { batchRecords: input.trailBatch });
  // A SIGTERM (the container going away) stops new work; in-flight changes finish and are logged;
  // what is decided is written to the trail at once, the rest when the run ends (or at the hard stop).
  const termination = onTermination({
    hardStopMs: DEFAULTS.sweepGraceSeconds * 1000,
    onSignal: () => void trail.flush(),
    onHardStop: (sig) => {
      rt.logger.warn('sweep summary', { ...event, outcome: 'failed', interrupted: sig, complete: false });
      void trail.flush();
    },
  });
  try {
    const summary = await sweepOnce(rt, input, trigger, runId, {
      signal: termination.signal,
      onRecord: (r) => {
        logDecision(rt.logger, r);
        returned.add(r);
        trail.add(r);
      },
    });
    const trailed = trailBody(await trail.close());
    const line = summaryLine(summary, input, trigger, runId);
    if (summary.complete && summary.failures === 0 && !summary.refused) rt.logger.info('sweep summary', line);
    else rt.logger.warn('sweep summary', line);
    return json(200, {
      outcome: line.outcome,
      complete: summary.complete,
      summary: line,
      ...(summary.resume ? { resume: summary.resume } : {}),
      ...returned.body(),
      ...trailed,
    });
  } catch (err) {
    await trail.close();
    // Credentials IAM refuses (or another 4xx) will not heal by redelivery: 200 with one failed record.
    if (failsForGood(err)) return failedForGood('sweep', authFailure(err).reason, rt.logger);
    // Cannot authenticate or read at all (an IAM outage): 503, the one case a retry may help.
    const reason = `sweep failed: ${errorMessage(err)}`;
    rt.logger.error('sweep summary', { fn: 'sweep', event_id: event.event_id, outcome: 'failed', reason });
    return json(503, { outcome: 'failed', reason, decisions: [] });
  } finally {
    termination.dispose();
  }
};

export { parseInput, runSweep };
