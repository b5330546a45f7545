// What one bulk run holds for all its passes: the options, the lanes and the clients routed through
// them, the acting contexts (the policy's dry_run applies, and one with dry-run forced), the regions
// to scan, and how a guard's failure becomes a result.
import { randomUUID } from 'node:crypto';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import type { ChangeLog } from '#shared/audit/intent.ts';
import { createClients } from '#shared/cloud/clients.ts';
import { ALL_SERVICES } from '#shared/cloud/service-loaders.ts';
import type { VpcClient } from '#shared/cloud/vpc.ts';
import { CloudApiError, errorMessage } from '#shared/errors.ts';
import { type ActContext, actContext, ibmReason } from '#shared/runtime/acting.ts';
import type { Guarded, GuardRuntime } from '#shared/runtime/records.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { TicketSinkError } from '#shared/tickets/index.ts';
import type { PendingIntent } from './journal.ts';
import { clientsThroughLanes, createLanes, type Lanes } from './lanes.ts';
import type { Shard } from './shard.ts';
import type { Include, Resume } from './summary.ts';
import { type Assignment, hashedAssignment } from './units.ts';
import { assignUnits } from './vpc-units.ts';

interface ScanOptions {
  fn: 'scan' | 'sweep';
  /** Act (through the guards) instead of only planning. The policy's dry_run still wins. */
  apply: boolean;
  /** Regions to scan; default every available region (listRegions). */
  regions?: readonly string[];
  include: readonly Include[];
  /** Resources in flight across all lanes. */
  concurrency: number;
  /** Resources in flight per lane (a region, or IAM for profiles); AIMD lowers it on 429. */
  regionConcurrency: number;
  /** With `apply`: plan first and refuse to act if the plan has more changes than this. */
  maxChanges?: number;
  shard?: Shard;
  /** Start no new work at or after this time (ms epoch): in-flight work still finishes. */
  stopAt?: number;
  /** How long in-flight work may keep waiting (retries) after `stopAt`; default 10 s. */
  graceMs?: number;
  /** Continue where an earlier run of the same shard stopped. */
  resume?: Resume;
  /** Put in every record: the run (correlation_id) and the triggering delivery (event_id). */
  runId?: string;
  eventId?: string | null;
  /** Instances per page (IBM allows up to 100). */
  pageSize?: number;
  /** Pages fetched at once across all listings (default 10, about one per IBM region). */
  listingConcurrency?: number;
  /** The region whose endpoint lists regions (any region answers for all). */
  discoveryRegion?: string;
  onRecord?: (record: DecisionRecord) => void;
  onProgress?: (progress: Progress) => void;
  /** Where intents and outcomes of changes go (default: the runtime's log, as the functions write them). */
  changes?: ChangeLog;
  /** Aborted on SIGTERM/SIGINT: no new work; in-flight work gets `signalGraceMs` (default 5 s). */
  signal?: AbortSignal;
  signalGraceMs?: number;
  /** Intents an interrupted run left unresolved: read again and recorded before anything else. */
  reconcile?: readonly PendingIntent[];
}

interface Progress {
  pass: 'plan' | 'apply';
  decided: number;
  planned: number;
  applied: number;
  failures: number;
  notReached: number;
  listed: number;
  owned: number;
  /** Owned resources expected, from IBM's total_count (grows as listings start). */
  expected: number;
  listingsDone: number;
  /** Listings whose size is known (a total_count, or listed to the end, or failed). */
  listingsSized: number;
  listings: number;
  elapsedMs: number;
  throttled: number;
}

/** What a guard returns. */
type Result = Guarded;

interface Run {
  rt: GuardRuntime;
  o: ScanOptions & { changes: ChangeLog };
  runId: string;
  lanes: Lanes;
  /** Acting context (the policy's dry_run applies) and the same with dry-run forced. */
  apply: ActContext;
  plan: ActContext;
  profiles?: { apply: ActContext; plan: ActContext };
  guardProfile?: typeof import('../profile-guard/act.ts').guardProfile;
  regions: string[] | { error: string };
  /** Which listings this shard makes and what it decides. */
  assignment: Assignment;
  started: number;
}

/** A guard that threw (rather than reporting): the failure as a result, IBM's reason when it is IBM's. */
const failedResult = (err: unknown): Result => {
  if (err instanceof TicketSinkError)
    return { outcome: 'failed', reason: err.message, before: null, after: null, retry: err.retryable };
  // Every IBM call goes through cloudCall, so anything else is our own (e.g. a token without account).
  if (!(err instanceof CloudApiError))
    return { outcome: 'failed', reason: errorMessage(err), before: null, after: null, retry: false };
  const e = err;
  return {
    outcome: 'failed',
    reason: ibmReason(e),
    before: null,
    after: null,
    retry: e.retryable,
  };
};

/** The regions to scan: given, resumed, or every available one (listRegions, any region answers). */
const listRegions = async (
  o: ScanOptions,
  vpcOf: (region: string) => Promise<VpcClient>,
): Promise<string[] | { error: string }> => {
  const wanted = o.resume
    ? [
        ...Object.keys(o.resume.instances ?? {}).map((k) => k.split('/')[0] ?? k),
        ...(o.resume.templates ?? []),
        ...(o.resume.network ?? []),
      ]
    : (o.regions ?? []);
  if (o.resume || wanted.length > 0) return [...new Set(wanted)].sort();
  if (!o.include.some((i) => i === 'instances' || i === 'templates' || i === 'network')) return [];
  try {
    const vpc = await vpcOf(o.discoveryRegion ?? 'us-south');
    const res = await withRetry(() => cloudCall(vpc.listRegions()), { attempts: 3 });
    return res.result.regions
      .filter((r) => r.status === 'available')
      .map((r) => r.name)
      .sort();
  } catch (err) {
    return { error: failedResult(err).reason };
  }
};

/** Trusted profiles need profile-guard's acting code: loaded only when asked for. The one acting
 * context (shared/runtime/acting.ts) serves instances, templates and profiles alike. */
const openProfiles = async (run: Run): Promise<void> => {
  const { guardProfile } = await import('../profile-guard/act.ts');
  run.profiles = { apply: run.apply, plan: run.plan };
  run.guardProfile = guardProfile;
};

const openRun = async (rt: GuardRuntime, o: ScanOptions & { changes: ChangeLog }): Promise<Run> => {
  const lanes = createLanes({ regionConcurrency: o.regionConcurrency });
  const clients = clientsThroughLanes(createClients(rt.config), lanes);
  const deadline = o.stopAt !== undefined ? o.stopAt + (o.graceMs ?? 10_000) : Number.MAX_SAFE_INTEGER;
  const base = await actContext(rt, { services: ALL_SERVICES });
  const apply: ActContext = { ...base, clients, deadline };
  const plan: ActContext = { ...apply, rt: { ...rt, dryRun: true } };
  const run: Run = {
    rt,
    o,
    runId: o.runId ?? randomUUID(),
    lanes,
    apply,
    plan,
    regions: [],
    assignment: hashedAssignment(o.shard, []),
    started: Date.now(),
  };
  if (o.include.includes('profiles')) await openProfiles(run);
  run.regions = await listRegions(o, clients.vpc);
  run.assignment = await assignUnits(o, base.self.account?.bss ?? '', run.regions, clients.vpc);
  return run;
};

/** On abort, in-flight work may keep retrying only for the grace period. */
const shortenOnAbort = (run: Run): void => {
  const { o } = run;
  o.signal?.addEventListener(
    'abort',
    () => {
      const until = Date.now() + (o.signalGraceMs ?? 5_000);
      for (const ctx of [run.apply, run.plan, run.profiles?.apply, run.profiles?.plan]) {
        if (ctx) ctx.deadline = Math.min(ctx.deadline, until);
      }
    },
    { once: true },
  );
};

export type { Progress, Result, Run, ScanOptions };
export { failedResult, openRun, shortenOnAbort };
