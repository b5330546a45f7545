// The bulk engine behind `imds-guard scan`, the cron sweep and the job: every region's instances (page
// by page), templates and — on request — trusted profiles, each decided by the same decide() and acted
// on by the same guardInstance / guardTemplate / guardProfile as the event path. Nothing here decides
// anything itself: it lists, shards, schedules (lanes with AIMD), counts and emits decision records.
import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import { type DecisionRecord, decisionRecord, type Outcome } from '#shared/audit/decision.ts';
import { createClients } from '#shared/cloud/clients.ts';
import { ALL_SERVICES } from '#shared/cloud/service-loaders.ts';
import type { Instance, InstanceTemplate, VpcClient } from '#shared/cloud/vpc.ts';
import { CloudApiError, errorMessage } from '#shared/errors.ts';
import { type ActContext, actContext, ibmReason } from '#shared/runtime/acting.ts';
import { countCalls } from '#shared/runtime/call-counter.ts';
import type { GuardRuntime } from '#shared/runtime/guard.ts';
import { cloudCall, sleep, withRetry } from '#shared/runtime/retry.ts';
import { TicketSinkError } from '#shared/tickets/index.ts';
import { guardInstance, guardTemplate, readTags } from '../instance-guard/act.ts';
import { decideInstance, instanceSnapshot } from '../instance-guard/decide.ts';
import { clientsThroughLanes, createLanes, type Lane, type Lanes } from './lanes.ts';
import { ownsResource, type Shard, shardLabel } from './shard.ts';
import {
  changeOf,
  createStats,
  type Include,
  type Kind,
  type ListingState,
  type Resume,
  type ScanSummary,
} from './summary.ts';
import { NO_TAGS, tagsCanMatter } from './tag-rule.ts';

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
  listings: number;
  elapsedMs: number;
  throttled: number;
}

/** What a guard returns (instance-guard's and profile-guard's Guarded share this shape). */
interface Result {
  outcome: Outcome;
  reason: string;
  before: unknown;
  after: unknown;
  detail?: Record<string, unknown>;
  retry?: boolean;
  target_crn?: string;
  level?: 'info';
}

interface Run {
  rt: GuardRuntime;
  o: ScanOptions;
  runId: string;
  lanes: Lanes;
  /** Acting context (the policy's dry_run applies) and the same with dry-run forced. */
  apply: ActContext;
  plan: ActContext;
  profiles?: { apply: ActContext; plan: ActContext };
  guardProfile?: typeof import('../profile-guard/act.ts').guardProfile;
  regions: string[] | { error: string };
  started: number;
}

interface Pass {
  /** Changes are made (not a plan, not a dry-run policy). */
  applying: boolean;
  /** Records go to onRecord (the counting plan before an apply emits none). */
  emit: boolean;
  /** --max-changes during the apply pass: what the world changed since the plan cannot exceed it. */
  cap?: { max: number; used: number };
}

const DEFAULT_PAGE = 100;
const PROFILE_PAGE = 100;
const DEFAULT_LISTING_CONCURRENCY = 10;
/** Attempts per resource when a guard reports a retryable failure (sdk-core retried inside already). */
const RESOURCE_ATTEMPTS = 3;

/** Only what decide/act read, so a 5 KB listed instance does not stay in the queue. */
const slim = (i: Instance): Instance => ({
  id: i.id,
  crn: i.crn,
  href: i.href,
  name: i.name,
  created_at: i.created_at,
  status: i.status,
  metadata_service: { ...i.metadata_service },
  vpc: { id: i.vpc.id, crn: i.vpc.crn, ...(i.vpc.name !== undefined ? { name: i.vpc.name } : {}) },
  zone: { name: i.zone.name },
  resource_group: { id: i.resource_group.id, name: i.resource_group.name },
});

const startOf = (href: string | undefined, key: string): string | undefined => {
  if (!href) return undefined;
  try {
    return new URL(href, 'http://x').searchParams.get(key) ?? undefined;
  } catch {
    return undefined;
  }
};

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

// ---- Set-up --------------------------------------------------------------------------------------

const openRun = async (rt: GuardRuntime, o: ScanOptions): Promise<Run> => {
  const lanes = createLanes({ regionConcurrency: o.regionConcurrency });
  const clients = clientsThroughLanes(createClients(rt.config), lanes);
  const deadline = o.stopAt !== undefined ? o.stopAt + (o.graceMs ?? 10_000) : Number.MAX_SAFE_INTEGER;
  // The one acting context (shared/runtime/acting.ts) serves instances, templates and profiles alike.
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
    started: Date.now(),
  };
  if (o.include.includes('profiles')) {
    const { guardProfile } = await import('../profile-guard/act.ts');
    run.profiles = { apply, plan };
    run.guardProfile = guardProfile;
  }
  run.regions = await listRegions(run, clients.vpc);
  return run;
};

const listRegions = async (
  run: Pick<Run, 'o'>,
  vpcOf: (region: string) => Promise<VpcClient>,
): Promise<string[] | { error: string }> => {
  const { o } = run;
  const wanted = o.resume
    ? [...Object.keys(o.resume.instances ?? {}), ...(o.resume.templates ?? [])]
    : (o.regions ?? []);
  if (o.resume || wanted.length > 0) return [...new Set(wanted)].sort();
  if (!o.include.includes('instances') && !o.include.includes('templates')) return [];
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

// ---- One pass ------------------------------------------------------------------------------------

/** A page of a listing, whatever the API's paging looks like (VPC `start`, IAM `pagetoken`). */
interface Page<T> {
  items: T[];
  /** Token of the next page; undefined on the last. */
  next: string | undefined;
  total?: number;
}

type Decided = { kind: Kind; crn: string; result: Result; ctxRt: GuardRuntime };

const runPass = async (run: Run, pass: Pass): Promise<ScanSummary> => {
  const { rt, o } = run;
  const stats = createStats();
  const overall = new PQueue({ concurrency: o.concurrency });
  // Pages in flight across all listings: a 100-instance page is ~0.5 MB of JSON and several MB parsed,
  // so this (not the account's size) bounds the memory of a run.
  const listing = new PQueue({ concurrency: o.listingConcurrency ?? DEFAULT_LISTING_CONCURRENCY });
  const pastStop = (): boolean => o.stopAt !== undefined && Date.now() >= o.stopAt;
  const label = shardLabel(o.shard);
  const passStarted = performance.now();
  const listings: ListingState[] = [];
  const finishers: (() => void)[] = [];
  const resume: Resume = {};
  let expected = 0;
  const highWater = Math.max(o.pageSize ?? DEFAULT_PAGE, 2 * o.regionConcurrency);

  const progress = (): void => {
    if (!o.onProgress) return;
    const l = stats.live;
    o.onProgress({
      pass: pass.applying ? 'apply' : 'plan',
      decided: l.decided,
      planned: l.planned,
      applied: l.applied,
      failures: l.failures,
      notReached: l.notReached,
      listed: l.listed,
      owned: l.owned,
      expected,
      listingsDone: listings.filter((s) => s.complete || s.error !== undefined).length,
      listings: listings.length,
      elapsedMs: Date.now() - run.started,
      throttled: run.lanes.report().reduce((n, r) => n + r.throttled, 0),
    });
  };

  const record = (
    kind: Kind | 'listing',
    crn: string | null,
    r: Result,
    calls: number,
    started: number,
    ctxRt: GuardRuntime,
    extra: Record<string, unknown> = {},
  ): void => {
    const rec = decisionRecord(
      {
        fn: o.fn,
        event_id: o.eventId ?? null,
        action: null,
        target_crn: r.target_crn ?? crn,
        outcome: r.outcome,
        reason: r.reason,
        before: r.before,
        after: r.after,
        initiator: null,
        correlation_id: run.runId,
        dry_run: ctxRt.dryRun,
        api_calls: calls,
        latency_ms: Math.round((performance.now() - started) * 10) / 10,
        ...(r.level ? { level: r.level } : {}),
        detail: {
          ...r.detail,
          ...extra,
          kind,
          ...(label ? { shard: label } : {}),
          ...(r.outcome === 'failed' && r.retry ? { retryable: true } : {}),
        },
      },
      rt.now(),
    );
    stats.record(rec, kind);
    if (pass.emit) o.onRecord?.(rec);
    progress();
  };

  const listingFailed = (
    state: ListingState,
    what: string,
    region: string | undefined,
    err: unknown,
  ): void => {
    const r = failedResult(err);
    stats.listingFailed(state, r.reason);
    const where = region ? `in ${region}` : 'of the account';
    record(
      'listing',
      null,
      { ...r, reason: `listing ${what} ${where} failed: ${r.reason}` },
      0,
      performance.now(),
      rt,
      { listing: what, ...(region ? { region } : {}) },
    );
  };

  /** Runs one resource through its lane and the overall limit; `done(reached)` when it is over. */
  const submit = async (
    lane: Lane,
    state: ListingState,
    work: (mode: 'apply' | 'plan') => Promise<Decided>,
    done: (reached: boolean) => void,
  ): Promise<void> => {
    await lane.queue.onSizeLessThan(highWater);
    const region = lane.name.startsWith('vpc:') ? { region: lane.name.slice(4) } : {};
    void lane.queue.add(() =>
      overall.add(async () => {
        if (pastStop()) {
          state.not_reached += 1;
          stats.live.notReached += 1;
          done(false);
          return;
        }
        const started = performance.now();
        try {
          const { result, tally } = await countCalls(async () => {
            for (let attempt = 1; ; attempt += 1) {
              const out = await work(pass.applying ? 'apply' : 'plan');
              const r = out.result;
              if (r.outcome !== 'failed' || !r.retry || attempt >= RESOURCE_ATTEMPTS || pastStop())
                return out;
              // IBM kept pushing back through the guard's own retries: wait for the lane, then again.
              await sleep(250 * 2 ** attempt);
              await lane.gate();
            }
          });
          const r = result.result;
          record(
            result.kind,
            result.crn,
            r,
            tally.calls,
            started,
            result.ctxRt,
            r.detail?.region ? {} : region,
          );
        } catch (err) {
          // Only a broken sink (stdout closed) gets here; the resource counts as failed.
          stats.live.failures += 1;
          process.stderr.write(`imds-guard: ${errorMessage(err)}\n`);
        }
        done(true);
      }),
    );
  };

  /**
   * Pages through a listing, deciding the resources this shard owns. Remembers, per page, whether
   * everything on it was decided, so an unfinished run can say where to continue; fully decided
   * pages are forgotten at once, so memory stays flat however long the listing.
   */
  const pagedListing = async <T>(args: {
    state: ListingState;
    lane: Lane;
    from: string | null;
    fetch: (token: string | null) => Promise<Page<T>>;
    idOf: (item: T) => string;
    decide: (item: T) => (mode: 'apply' | 'plan') => Promise<Decided>;
    what: string;
    region?: string;
    onIncomplete: (resumeFrom: string | null) => void;
  }): Promise<void> => {
    const { state } = args;
    listings.push(state);
    type Mark = { start: string | null; pending: number; skipped: boolean; open: boolean };
    const marks: Mark[] = [];
    const prune = (): void => {
      while (marks[0] && !marks[0].open && marks[0].pending === 0 && !marks[0].skipped) marks.shift();
    };
    let token: string | null = args.from;
    let unlisted: string | null | undefined;
    let reachedEnd = false;
    try {
      for (;;) {
        if (pastStop()) {
          unlisted = token;
          break;
        }
        const page = await listing.add(() => args.fetch(token));
        state.pages += 1;
        if (state.total === undefined && page.total !== undefined) {
          state.total = page.total;
          expected += o.shard ? Math.round(page.total / o.shard.count) : page.total;
        }
        const mark: Mark = { start: token, pending: 0, skipped: false, open: true };
        marks.push(mark);
        for (const [i, item] of page.items.entries()) {
          state.listed += 1;
          stats.live.listed += 1;
          if (!ownsResource(o.shard, args.idOf(item))) continue;
          if (pastStop()) {
            const left = page.items.slice(i).filter((x) => ownsResource(o.shard, args.idOf(x))).length;
            state.owned += left;
            stats.live.owned += left;
            state.not_reached += left;
            stats.live.notReached += left;
            mark.skipped = true;
            break;
          }
          state.owned += 1;
          stats.live.owned += 1;
          mark.pending += 1;
          await submit(args.lane, state, args.decide(item), (reached) => {
            mark.pending -= 1;
            if (!reached) mark.skipped = true;
            prune();
          });
        }
        mark.open = false;
        prune();
        if (mark.skipped) break;
        if (page.next === undefined) {
          reachedEnd = true;
          break;
        }
        token = page.next;
      }
    } catch (err) {
      listingFailed(state, args.what, args.region, err);
      unlisted = token;
    }
    // After the lanes drain: continue from the first page with an undecided resource, else from
    // the first page never fetched.
    finishers.push(() => {
      const first = marks.find((m) => m.skipped);
      state.listing_finished = state.error === undefined && reachedEnd;
      state.complete = state.listing_finished && first === undefined;
      if (state.complete) return;
      state.resume_from = first ? first.start : (unlisted ?? null);
      args.onIncomplete(state.resume_from);
    });
  };

  /** --max-changes while applying: take a slot for a change, or be told to only plan it. */
  const takeSlot = (): boolean => {
    if (!pass.cap) return true;
    if (pass.cap.used >= pass.cap.max) return false;
    pass.cap.used += 1;
    return true;
  };
  /** Templates and profiles take a slot before they know; one that changed nothing gives it back. */
  const giveBack = (result: Result): void => {
    if (pass.cap && changeOf(result) !== 'applied' && result.outcome !== 'failed') pass.cap.used -= 1;
  };
  const heldBack = (result: Result): Result =>
    pass.cap && changeOf(result) === 'planned'
      ? {
          ...result,
          reason: `not applied: --max-changes ${pass.cap.max} reached in the apply pass; ${result.reason}`,
        }
      : result;

  // ---- Instances ----
  const guardOneInstance =
    (region: string, inst: Instance) =>
    async (mode: 'apply' | 'plan'): Promise<Decided> => {
      const ctx = mode === 'apply' ? run.apply : run.plan;
      const now = rt.now();
      const tags = tagsCanMatter(rt.policy, inst, region, now) ? await readTags(ctx, inst.crn) : NO_TAGS;
      let use = ctx;
      if (mode === 'apply' && pass.cap) {
        const d = decideInstance(rt.policy, instanceSnapshot(inst, tags, region), now);
        if (d.kind === 'patch' && !takeSlot()) use = run.plan;
      }
      let result: Result;
      try {
        result = await guardInstance(
          use,
          { region, type: 'instance', id: inst.id, crn: inst.crn },
          { known: inst, tags },
        );
      } catch (err) {
        result = failedResult(err);
      }
      return {
        kind: 'instance',
        crn: inst.crn,
        result: use === ctx ? result : heldBack(result),
        ctxRt: use.rt,
      };
    };

  const listInstancesIn = async (region: string, from: string | null): Promise<void> => {
    const vpc = await run.apply.clients.vpc(region);
    await pagedListing<Instance>({
      state: stats.listing(region, 'instances'),
      lane: run.lanes.region(region),
      from,
      what: 'instances',
      region,
      fetch: async (token) => {
        const res = await withRetry(
          () =>
            cloudCall(
              vpc.listInstances({
                limit: o.pageSize ?? DEFAULT_PAGE,
                ...(token !== null ? { start: token } : {}),
              }),
            ),
          { attempts: 3, deadline: run.apply.deadline },
        );
        // Only what decide/act read is kept: the 5 KB-per-instance page can be collected at once.
        return {
          items: res.result.instances.map(slim),
          next: startOf(res.result.next?.href, 'start'),
          total: res.result.total_count,
        };
      },
      idOf: (i) => i.id,
      decide: (i) => guardOneInstance(region, i),
      onIncomplete: (at) => {
        resume.instances = { ...resume.instances, [region]: at };
      },
    });
  };

  // ---- Templates ----
  const guardOneTemplate =
    (region: string, t: InstanceTemplate) =>
    async (mode: 'apply' | 'plan'): Promise<Decided> => {
      const slot = mode === 'apply' && takeSlot();
      const use = slot ? run.apply : run.plan;
      let result: Result;
      try {
        result = await guardTemplate(use, { region, type: 'instance-template', id: t.id, crn: t.crn });
      } catch (err) {
        result = failedResult(err);
      }
      if (slot) giveBack(result);
      return {
        kind: 'instance-template',
        crn: t.crn,
        result: mode === 'apply' && !slot ? heldBack(result) : result,
        ctxRt: use.rt,
      };
    };

  const listTemplatesIn = async (region: string): Promise<void> => {
    const vpc = await run.apply.clients.vpc(region);
    await pagedListing<InstanceTemplate>({
      state: stats.listing(region, 'templates'),
      lane: run.lanes.region(region),
      from: null,
      what: 'instance templates',
      region,
      // Templates come in one collection (the SDK takes no paging parameters, facts §1.8).
      fetch: async () => {
        const res = await withRetry(() => cloudCall(vpc.listInstanceTemplates()), {
          attempts: 3,
          deadline: run.apply.deadline,
        });
        return { items: res.result.templates, next: undefined, total: res.result.templates.length };
      },
      idOf: (t) => t.id,
      decide: (t) => guardOneTemplate(region, t),
      onIncomplete: () => {
        resume.templates = [...(resume.templates ?? []), region];
      },
    });
  };

  // ---- Profiles ----
  const guardOneProfile =
    (id: string, crn: string) =>
    async (mode: 'apply' | 'plan'): Promise<Decided> => {
      const ctxs = run.profiles;
      const guard = run.guardProfile;
      if (!ctxs || !guard) throw new Error('profiles are not part of this run');
      const slot = mode === 'apply' && takeSlot();
      const use = slot ? ctxs.apply : ctxs.plan;
      let result: Result;
      try {
        result = await guard(use, { profileId: id, via: o.fn });
      } catch (err) {
        result = { ...failedResult(err), detail: { profile: { id } } };
      }
      if (slot) giveBack(result);
      return {
        kind: 'profile',
        crn,
        result: mode === 'apply' && !slot ? heldBack(result) : result,
        ctxRt: use.rt,
      };
    };

  const listProfiles = async (from: string | null): Promise<void> => {
    const ctxs = run.profiles;
    const state = stats.profiles();
    if (!ctxs) return;
    const accountId = ctxs.apply.self.account?.bss;
    const identity = await ctxs.apply.clients.identity();
    await pagedListing({
      state,
      lane: run.lanes.global('iam'),
      from,
      what: 'trusted profiles',
      fetch: async (token) => {
        if (!accountId) throw new Error("the guard's token names no account (account.bss)");
        const res = await withRetry(
          () =>
            cloudCall(
              identity.listProfiles({
                accountId,
                pagesize: PROFILE_PAGE,
                ...(token !== null ? { pagetoken: token } : {}),
              }),
            ),
          { attempts: 3, deadline: run.apply.deadline },
        );
        return { items: res.result.profiles, next: startOf(res.result.next, 'pagetoken') };
      },
      idOf: (p) => p.id,
      decide: (p) => guardOneProfile(p.id, p.crn),
      onIncomplete: (at) => {
        resume.profiles = at;
      },
    });
  };

  // ---- Run the listers, then wait for every lane to drain ----
  const listers: Promise<void>[] = [];
  if (!Array.isArray(run.regions)) {
    const state = stats.listing('*', 'instances');
    listings.push(state);
    listingFailed(state, 'regions', undefined, new Error(run.regions.error));
  }
  const regions = Array.isArray(run.regions) ? run.regions : [];
  const want = (what: Include): boolean => o.include.includes(what);
  for (const region of regions) {
    const from = o.resume ? o.resume.instances?.[region] : null;
    if (want('instances') && from !== undefined) listers.push(listInstancesIn(region, from));
    if (want('templates') && (!o.resume || o.resume.templates?.includes(region)))
      listers.push(listTemplatesIn(region));
  }
  if (want('profiles') && (!o.resume || o.resume.profiles !== undefined))
    listers.push(listProfiles(o.resume ? (o.resume.profiles ?? null) : null));
  await Promise.all(listers);
  // Listers finish enqueueing before the lanes drain; a lane paused by a 429 is waited out.
  await Promise.all(run.lanes.all().map((l) => l.queue.onIdle()));
  await overall.onIdle();
  for (const f of finishers) f();
  progress();

  const complete = listings.every((s) => s.complete);
  const l = stats.live;
  return {
    fn: o.fn,
    run_id: run.runId,
    mode: pass.applying ? 'apply' : 'plan',
    dry_run: !pass.applying,
    ...(label ? { shard: label } : {}),
    started_at: new Date(run.started).toISOString(),
    elapsed_ms: Math.round(performance.now() - passStarted),
    decided: l.decided,
    outcomes: stats.outcomes(),
    kinds: stats.kinds(),
    changes: { planned: l.planned, applied: l.applied },
    failures: l.failures,
    complete,
    regions: stats.regions(),
    ...(stats.profileState() ? { profiles: stats.profileState() } : {}),
    ...(complete ? {} : { resume }),
    lanes: run.lanes.report(),
    api_calls: l.apiCalls,
  };
};

/**
 * One bulk run. With `apply` and `maxChanges`, a counting plan comes first and the apply happens only
 * if the plan stays within the limit (otherwise nothing is changed and `refused` is set).
 */
const runScan = async (rt: GuardRuntime, o: ScanOptions): Promise<ScanSummary> => {
  const run = await openRun(rt, o);
  try {
    const applying = o.apply && !rt.dryRun;
    if (applying && o.maxChanges !== undefined) {
      const plan = await runPass(run, { applying: false, emit: false });
      if (plan.changes.planned > o.maxChanges) {
        return {
          ...plan,
          refused: {
            max_changes: o.maxChanges,
            planned_changes: plan.changes.planned,
            plan_complete: plan.complete,
          },
        };
      }
      const applied = await runPass(run, { applying: true, emit: true, cap: { max: o.maxChanges, used: 0 } });
      return { ...applied, elapsed_ms: Date.now() - run.started };
    }
    return await runPass(run, { applying, emit: true });
  } finally {
    run.lanes.close();
  }
};

export type { Progress, ScanOptions };
export { runScan };
