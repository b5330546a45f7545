// Many accounts (IMDS_GUARD_ACCOUNTS): a bulk run covers each listed account in turn, each with its own
// credentials (its API key, or the trusted profile it is reached by assuming) and its own run (lanes,
// regions, units (account, region, VPC)). An account that cannot be acted in (IAM refuses the key or
// the assume, or the credentials are another account's) is one failed record; the others go on.
// --max-changes counts the changes of every account: all are planned before any is applied.
import type { DecisionRecord } from '#shared/audit/decision.ts';
import type { ChangeLog } from '#shared/audit/intent.ts';
import type { AccountAccess } from '#shared/cloud/accounts.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { ALL_SERVICES } from '#shared/cloud/service-loaders.ts';
import { ConfigError } from '#shared/errors.ts';
import { actContext } from '#shared/runtime/acting.ts';
import { authFailure } from '#shared/runtime/misconfigured.ts';
import { type GuardRuntime, recordFor } from '#shared/runtime/records.ts';
import type { PassOptions } from './pass.ts';
import { reconcileIntents } from './reconcile.ts';
import { openRun, type Run, type ScanOptions, shortenOnAbort } from './run-context.ts';
import { shardLabel } from './shard.ts';
import type { AccountSummary, ScanSummary } from './summary.ts';

type RunPass = (run: Run, opts: PassOptions) => Promise<ScanSummary>;

/** One listed account of the run: its run, or why there is none. */
type Opened = { access: AccountAccess; run: Run } | { access: AccountAccess; failed: string };

/** The runtime one account is acted in with: the guard's, with that account's credentials. */
const runtimeFor = (rt: GuardRuntime, access: AccountAccess): GuardRuntime =>
  access.auth ? { ...rt, config: { ...rt.config, auth: access.auth } } : rt;

const label = (a: AccountAccess): string => `account ${a.id}${a.name ? ` (${a.name})` : ''}`;

/** The record of an account the run could not act in (no target: the account is the record's). */
const accountFailed = (rt: GuardRuntime, o: ScanOptions, runId: string, a: AccountAccess, reason: string) =>
  recordFor(
    rt,
    undefined,
    {
      fn: o.fn,
      event_id: o.eventId ?? null,
      account: a.id,
      outcome: 'failed',
      reason,
      correlation_id: runId,
      detail: { kind: 'account', via: a.via, ...(a.name ? { account_name: a.name } : {}) },
    },
    performance.now(),
  );

/** Records without a target (a failed listing) carry the account they were listed in. */
const stamped =
  (account: string, onRecord: ScanOptions['onRecord']) =>
  (r: DecisionRecord): void =>
    onRecord?.(r.account === null ? { ...r, account } : r);

/** Opens each account's run; credentials IAM refuses, or of another account, fail that account only. */
const openAccount = async (
  rt: GuardRuntime,
  o: ScanOptions & { changes: ChangeLog },
  runId: string,
  access: AccountAccess,
): Promise<Opened> => {
  const art = runtimeFor(rt, access);
  try {
    // Cached per runtime: openRun below acts with this very context.
    const self = (await actContext(art, { services: ALL_SERVICES })).self;
    const bss = self.account?.bss;
    if (bss !== access.id)
      throw new ConfigError(
        `the credentials for ${label(access)} are of account ${bss ?? '(none)'}${access.via === 'own' ? ' (the guard own credentials act only in its own account: give this entry apikey_env or assume)' : ''}`,
      );
    // An account left whole (it could not be acted in) starts again from the top.
    const left = o.resume?.accounts?.[access.id];
    const resume = left && Object.keys(left).length > 0 ? left : undefined;
    const run = await openRun(art, {
      ...o,
      runId,
      ...(resume ? { resume } : {}),
      onRecord: stamped(access.id, o.onRecord),
    });
    shortenOnAbort(run);
    return { access, run };
  } catch (err) {
    return { access, failed: `cannot act in ${label(access)}: ${authFailure(err).reason}` };
  }
};

/** The accounts this run covers: all of them, or those a resumed run left. */
const accountsToRun = (rt: GuardRuntime, o: ScanOptions): AccountAccess[] => {
  const left = o.resume?.accounts;
  return rt.config.accounts.filter((a) => !o.resume || left?.[a.id] !== undefined);
};

/** The intents a killed run left, each read again in its own account (by its CRN) before anything else. */
const reconcileAll = async (runs: Run[], o: ScanOptions) => {
  if (!o.reconcile?.length) return undefined;
  const total = { intents: 0, landed: 0, not_landed: 0, gone: 0, kept: 0 };
  const byAccount = new Map(runs.map((r) => [r.apply.self.account?.bss, r]));
  for (const run of runs) {
    const mine = o.reconcile.filter((i) => parseCrn(i.target_crn)?.account === run.apply.self.account?.bss);
    if (mine.length === 0) continue;
    const got = await reconcileIntents(run.rt, run.apply.clients, mine, (r) => o.onRecord?.(r));
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += got[k];
  }
  // Intents of accounts not acted in this run are kept for the next.
  const orphans = o.reconcile.filter((i) => !byAccount.has(parseCrn(i.target_crn)?.account)).length;
  total.intents += orphans;
  total.kept += orphans;
  return total;
};

const sumInto = <K extends string>(into: Partial<Record<K, number>>, add: Partial<Record<K, number>>) => {
  for (const [k, n] of Object.entries(add) as [K, number][]) into[k] = (into[k] ?? 0) + n;
};

/** The accounts' summaries as one: counts summed, each account's listings and resume under `accounts`. */
const mergeSummaries = (
  parts: { access: AccountAccess; summary?: ScanSummary; failed?: string }[],
  base: ScanSummary,
) => {
  const first = parts.find((p) => p.summary)?.summary;
  const out: ScanSummary = { ...base, decided: 0, failures: 0, api_calls: 0, outcomes: {}, kinds: {} };
  if (first) Object.assign(out, { mode: first.mode, dry_run: first.dry_run });
  out.changes = { planned: 0, applied: 0 };
  out.regions = {};
  out.lanes = [];
  out.accounts = {};
  const left: Record<string, NonNullable<ScanSummary['resume']>> = {};
  for (const { access, summary: s, failed } of parts) {
    const entry: AccountSummary = {
      ...(access.name ? { name: access.name } : {}),
      via: access.via,
      complete: false,
    };
    out.accounts[access.id] = entry;
    if (!s) {
      out.failures += 1;
      out.outcomes.failed = (out.outcomes.failed ?? 0) + 1;
      Object.assign(entry, { error: failed ?? 'not acted in', regions: {} });
      left[access.id] = {};
      continue;
    }
    Object.assign(entry, {
      complete: s.complete,
      regions: s.regions,
      ...(s.profiles ? { profiles: s.profiles } : {}),
    });
    out.decided += s.decided;
    out.failures += s.failures;
    out.api_calls += s.api_calls;
    out.changes.planned += s.changes.planned;
    out.changes.applied += s.changes.applied;
    sumInto(out.outcomes, s.outcomes);
    for (const [kind, counts] of Object.entries(s.kinds) as [
      keyof ScanSummary['kinds'],
      Record<string, number>,
    ][]) {
      const into = out.kinds[kind] ?? {};
      out.kinds[kind] = into;
      sumInto(into, counts);
    }
    out.lanes.push(...s.lanes.map((l) => ({ ...l, lane: `${access.id}/${l.lane}` })));
    if (!s.complete) left[access.id] = s.resume ?? {};
  }
  out.complete = Object.keys(left).length === 0;
  if (out.complete) delete out.resume;
  else out.resume = { accounts: left };
  return out;
};

/** Every account's pass, one account after the other (their lanes are their own; the overall limit holds). */
const passAll = async (runPass: RunPass, opened: Opened[], opts: PassOptions) => {
  const parts: { access: AccountAccess; summary?: ScanSummary; failed?: string }[] = [];
  for (const o of opened)
    parts.push(
      'run' in o
        ? { access: o.access, summary: await runPass(o.run, opts) }
        : { access: o.access, failed: o.failed },
    );
  return parts;
};

/** A plan, or an apply; with `maxChanges` every account is planned first and the limit is the run's. */
const passes = async (
  rt: GuardRuntime,
  o: ScanOptions,
  opened: Opened[],
  runPass: RunPass,
  base: () => ScanSummary,
) => {
  const applying = o.apply && !rt.dryRun;
  if (!applying || o.maxChanges === undefined)
    return mergeSummaries(await passAll(runPass, opened, { applying, emit: true }), base());
  const plan = mergeSummaries(await passAll(runPass, opened, { applying: false, emit: false }), base());
  if (plan.changes.planned > o.maxChanges)
    return {
      ...plan,
      refused: {
        max_changes: o.maxChanges,
        planned_changes: plan.changes.planned,
        plan_complete: plan.complete,
      },
    };
  const cap = { max: o.maxChanges, used: 0 };
  return mergeSummaries(await passAll(runPass, opened, { applying: true, emit: true, cap }), base());
};

/** One bulk run over every listed account (see the top of this file). */
const scanAccounts = async (
  rt: GuardRuntime,
  o: ScanOptions & { changes: ChangeLog; runId: string },
  runPass: RunPass,
): Promise<ScanSummary> => {
  const started = Date.now();
  const opened: Opened[] = [];
  for (const access of accountsToRun(rt, o)) {
    const one = await openAccount(rt, o, o.runId, access);
    if ('failed' in one) o.onRecord?.(accountFailed(rt, o, o.runId, access, one.failed));
    opened.push(one);
  }
  const runs = opened.flatMap((x) => ('run' in x ? [x.run] : []));
  try {
    const reconciled = await reconcileAll(runs, o);
    const base = (): ScanSummary => ({
      fn: o.fn,
      run_id: o.runId,
      mode: o.apply && !rt.dryRun ? 'apply' : 'plan',
      dry_run: !(o.apply && !rt.dryRun),
      started_at: new Date(started).toISOString(),
      elapsed_ms: Date.now() - started,
      ...emptyCounts(),
      ...(shardLabel(o.shard) ? { shard: shardLabel(o.shard) } : {}),
      ...(o.signal?.aborted ? { interrupted: String(o.signal.reason ?? 'signal') } : {}),
    });
    const summary = await passes(rt, o, opened, runPass, base);
    return reconciled ? { ...summary, reconciled } : summary;
  } finally {
    for (const r of runs) r.lanes.close();
  }
};

const emptyCounts = () => ({
  decided: 0,
  outcomes: {},
  kinds: {},
  changes: { planned: 0, applied: 0 },
  failures: 0,
  complete: true,
  regions: {},
  lanes: [],
  api_calls: 0,
});

export { scanAccounts };
