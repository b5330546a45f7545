// One pass of a bulk run (a plan, or an apply): the counters, the record every resource ends as (the
// one `recordFor`), the queues a resource waits in (its lane and the overall limit) and the end of the
// pass as a summary. The listers (listers/) feed it; it decides nothing itself.
import PQueue from 'p-queue';
import { errorMessage } from '#shared/errors.ts';
import { countCalls } from '#shared/runtime/call-counter.ts';
import { type GuardRuntime, recordFor } from '#shared/runtime/records.ts';
import { sleep } from '#shared/runtime/retry.ts';
import type { Lane } from './lanes.ts';
import { failedResult, type Result, type Run } from './run-context.ts';
import { shardLabel } from './shard.ts';
import {
  changeOf,
  createStats,
  type Kind,
  type ListingState,
  type Resume,
  type ScanSummary,
} from './summary.ts';

interface PassOptions {
  /** Changes are made (not a plan, not a dry-run policy). */
  applying: boolean;
  /** Records go to onRecord (the counting plan before an apply emits none). */
  emit: boolean;
  /** --max-changes during the apply pass: what the world changed since the plan cannot exceed it. */
  cap?: { max: number; used: number };
}

/** A resource decided: its record's kind, target, result and the runtime it was decided under. */
interface Decided {
  kind: Kind;
  crn: string;
  result: Result;
  ctxRt: GuardRuntime;
}

/** A resource that needs requests: run in its lane, as a plan or an apply. */
type Work = (mode: 'apply' | 'plan') => Promise<Decided>;

const DEFAULT_PAGE = 100;
const DEFAULT_LISTING_CONCURRENCY = 10;
/** Attempts per resource when a guard reports a retryable failure (sdk-core retried inside already). */
const RESOURCE_ATTEMPTS = 3;
/** Progress is reported at most this often (records come in thousands per second). */
const PROGRESS_EVERY_MS = 100;

const createPass = (run: Run, opts: PassOptions) => {
  const { o } = run;
  const stats = createStats();
  const label = shardLabel(o.shard);
  const pass = {
    run,
    opts,
    stats,
    label,
    started: performance.now(),
    listings: [] as ListingState[],
    finishers: [] as (() => void)[],
    resume: {} as Resume,
    /** Owned resources expected, from IBM's total_count (grows as listings start). */
    expected: 0,
    lastProgress: 0,
    overall: new PQueue({ concurrency: o.concurrency }),
    // Pages in flight across all listings: a 100-instance page is ~0.5 MB of JSON and several MB
    // parsed, so this (not the account's size) bounds the memory of a run.
    pages: new PQueue({ concurrency: o.listingConcurrency ?? DEFAULT_LISTING_CONCURRENCY }),
    highWater: Math.max(o.pageSize ?? DEFAULT_PAGE, 2 * o.regionConcurrency),
    pastStop: (): boolean => o.signal?.aborted === true || (o.stopAt !== undefined && Date.now() >= o.stopAt),
  };
  return pass;
};

type Pass = ReturnType<typeof createPass>;

/** Progress to the caller, at most every 100 ms unless `force`d (the end of a pass). */
const reportProgress = (pass: Pass, force = false): void => {
  const { o } = pass.run;
  if (!o.onProgress) return;
  const now = performance.now();
  if (!force && now - pass.lastProgress < PROGRESS_EVERY_MS) return;
  pass.lastProgress = now;
  const l = pass.stats.live;
  o.onProgress({
    pass: pass.opts.applying ? 'apply' : 'plan',
    decided: l.decided,
    planned: l.planned,
    applied: l.applied,
    failures: l.failures,
    notReached: l.notReached,
    listed: l.listed,
    owned: l.owned,
    expected: pass.expected,
    listingsDone: pass.listings.filter((s) => s.complete || s.listing_finished || s.error !== undefined)
      .length,
    listingsSized: pass.listings.filter(
      (s) => s.total !== undefined || s.listing_finished || s.error !== undefined,
    ).length,
    listings: pass.listings.length,
    elapsedMs: Date.now() - pass.run.started,
    throttled: pass.run.lanes.report().reduce((n, r) => n + r.throttled, 0),
  });
};

/** The decision record of one resource (or a failed listing), through the one `recordFor`. */
const record = (
  pass: Pass,
  kind: Kind | 'listing',
  crn: string | null,
  r: Result,
  calls: number,
  started: number,
  ctxRt: GuardRuntime,
  extra: Record<string, unknown> = {},
): void => {
  const { o } = pass.run;
  // Object.assign, not `{ ...r.detail, ...extra, kind }`: V8 gives each object made by a spread that
  // more keys follow a map of its own (µs and KB per record); the keys and their order are the same.
  const detail: Record<string, unknown> = Object.assign({}, r.detail, extra);
  detail.kind = kind;
  if (pass.label) detail.shard = pass.label;
  if (r.outcome === 'failed' && r.retry) detail.retryable = true;
  const rec = recordFor(
    ctxRt,
    undefined,
    {
      fn: o.fn,
      event_id: o.eventId ?? null,
      target_crn: r.target_crn ?? crn,
      outcome: r.outcome,
      reason: r.reason,
      before: r.before,
      after: r.after,
      correlation_id: pass.run.runId,
      api_calls: calls,
      ...(r.level ? { level: r.level } : {}),
      detail,
    },
    started,
  );
  pass.stats.record(rec, kind);
  if (pass.opts.emit) o.onRecord?.(rec);
  reportProgress(pass);
};

/** A listing that failed: its resources were not decided; the run says so in one record. */
const listingFailed = (
  pass: Pass,
  state: ListingState,
  what: string,
  region: string | undefined,
  err: unknown,
): void => {
  const r = failedResult(err);
  pass.stats.listingFailed(state, r.reason);
  const where = region ? `in ${region}` : 'of the account';
  const reason = `listing ${what} ${where} failed: ${r.reason}`;
  const extra = { listing: what, ...(region ? { region } : {}) };
  record(pass, 'listing', null, { ...r, reason }, 0, performance.now(), pass.run.rt, extra);
};

/** Runs the work, trying again (after the lane's pause) while the guard reports a retryable failure. */
const attempt = async (pass: Pass, lane: Lane, work: Work): Promise<Decided> => {
  for (let n = 1; ; n += 1) {
    const out = await work(pass.opts.applying ? 'apply' : 'plan');
    const r = out.result;
    if (r.outcome !== 'failed' || !r.retry || n >= RESOURCE_ATTEMPTS || pass.pastStop()) return out;
    // IBM kept pushing back through the guard's own retries: wait for the lane, then again.
    await sleep(250 * 2 ** n);
    await lane.gate();
  }
};

/** Runs one resource through its lane and the overall limit; `done(reached)` when it is over. */
const submit = async (
  pass: Pass,
  lane: Lane,
  state: ListingState,
  work: Work,
  done: (reached: boolean) => void,
): Promise<void> => {
  await lane.queue.onSizeLessThan(pass.highWater);
  const region = lane.name.startsWith('vpc:') ? { region: lane.name.slice(4) } : {};
  void lane.queue.add(() =>
    pass.overall.add(async () => {
      if (pass.pastStop()) {
        state.not_reached += 1;
        pass.stats.live.notReached += 1;
        done(false);
        return;
      }
      const started = performance.now();
      try {
        const { result, tally } = await countCalls(() => attempt(pass, lane, work));
        const extra = result.result.detail?.region ? {} : region;
        record(pass, result.kind, result.crn, result.result, tally.calls, started, result.ctxRt, extra);
      } catch (err) {
        // Only a broken sink (stdout closed) gets here; the resource counts as failed.
        pass.stats.live.failures += 1;
        process.stderr.write(`imds-guard: ${errorMessage(err)}\n`);
      }
      done(true);
    }),
  );
};

/** --max-changes while applying: take a slot for a change, or be told to only plan it. */
const takeSlot = (pass: Pass): boolean => {
  const { cap } = pass.opts;
  if (!cap) return true;
  if (cap.used >= cap.max) return false;
  cap.used += 1;
  return true;
};

/** Templates and profiles take a slot before they know; one that changed nothing gives it back. */
const giveBack = (pass: Pass, result: Result): void => {
  const { cap } = pass.opts;
  if (cap && changeOf(result) !== 'applied' && result.outcome !== 'failed') cap.used -= 1;
};

/** A change held back by --max-changes says so. */
const heldBack = (pass: Pass, result: Result): Result => {
  const { cap } = pass.opts;
  return cap && changeOf(result) === 'planned'
    ? {
        ...result,
        reason: `not applied: --max-changes ${cap.max} reached in the apply pass; ${result.reason}`,
      }
    : result;
};

/** After the lanes drained: where unfinished listings continue, and the pass as a summary. */
const finishPass = (pass: Pass): ScanSummary => {
  for (const f of pass.finishers) f();
  reportProgress(pass, true);
  const { run, stats } = pass;
  const complete = pass.listings.every((s) => s.complete);
  const l = stats.live;
  return {
    fn: run.o.fn,
    run_id: run.runId,
    mode: pass.opts.applying ? 'apply' : 'plan',
    dry_run: !pass.opts.applying,
    ...(pass.label ? { shard: pass.label } : {}),
    started_at: new Date(run.started).toISOString(),
    elapsed_ms: Math.round(performance.now() - pass.started),
    decided: l.decided,
    outcomes: stats.outcomes(),
    kinds: stats.kinds(),
    changes: { planned: l.planned, applied: l.applied },
    failures: l.failures,
    complete,
    regions: stats.regions(),
    ...(stats.profileState() ? { profiles: stats.profileState() } : {}),
    ...(complete ? {} : { resume: pass.resume }),
    ...(run.o.signal?.aborted ? { interrupted: String(run.o.signal.reason ?? 'signal') } : {}),
    lanes: run.lanes.report(),
    api_calls: l.apiCalls,
  };
};

export type { Decided, Pass, PassOptions, Work };
export {
  createPass,
  DEFAULT_PAGE,
  finishPass,
  giveBack,
  heldBack,
  listingFailed,
  record,
  reportProgress,
  submit,
  takeSlot,
};
