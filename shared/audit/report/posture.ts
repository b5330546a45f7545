// The state of the account now, from decision records: each resource's latest decision, starting from
// the latest complete scan or sweep (a resource such a run covered but did not see is gone) and
// updated by every decision since (events, later partial runs). Memory: one small row per resource.
import type { Outcome } from '#shared/audit/decision.ts';
import type { Decision } from './record.ts';
import type { Exemption, Finding, Metadata } from './record-detail.ts';
import type { RunSummary } from './run-summary.ts';

type Status = 'compliant' | 'exempt' | 'noncompliant';

/** What a decision says about its resource now; null: nothing (not ours, refused); `gone`: deleted. */
const STATUS_OF = {
  remediated: 'compliant',
  compliant: 'compliant',
  exempt: 'exempt',
  ignored: null,
  refused: null,
  gone: 'gone',
  planned: 'noncompliant',
  ticket_opened: 'noncompliant',
  ticket_updated: 'noncompliant',
  ticket_resolved: 'compliant',
  failed: 'noncompliant',
  deferred: 'noncompliant',
} as const satisfies Record<Outcome, Status | 'gone' | null>;

interface Target {
  crn: string;
  kind: string;
  id: string | null;
  name: string | null;
  region: string | null;
  location: string | null;
  resourceGroup: string | null;
  vpc: string | null;
  vpcId: string | null;
  rules: string[];
  status: Status | 'gone';
  outcome: Outcome;
  reason: string;
  at: number;
  fn: string;
  metadata: Metadata | null;
  patch: Record<string, unknown> | null;
  exemption: Exemption | null;
  findings: Finding[];
  severity: string | null;
  ticketId: string | null;
  audit: boolean;
  /** The scan/sweep run that decided it last, and when. */
  scanRun: string | null;
  scanAt: number;
}

interface Run {
  key: string;
  fn: string;
  runId: string;
  first: number;
  last: number;
  decided: number;
  /** Instances by status, as this run decided them (the trend's compliant share). */
  instances: Record<Status, number>;
  /** `kind|region` pairs the run listed: a resource of one of them that the run did not see is gone. */
  coverage: Set<string>;
  /** Verdicts of the run's summary lines by shard (`''` for an unsharded run); none read: unknown. */
  verdicts: Map<string, boolean>;
  /** `n` of `i/n` when the run was sharded. */
  shards: number | null;
}

const RUN_FNS: ReadonlySet<string> = new Set(['scan', 'sweep']);

const zeroStatus = (): Record<Status, number> => ({ compliant: 0, exempt: 0, noncompliant: 0 });

const runKeyOf = (fn: string, runId: string | null): string => `${fn}:${runId ?? 'unknown'}`;

/** Complete when every summary says so (and every shard reported); unknown without summaries. */
const completeness = (r: Run): boolean | null => {
  if (r.verdicts.size === 0) return null;
  if ([...r.verdicts.values()].some((v) => !v)) return false;
  return r.shards === null || r.verdicts.size >= r.shards;
};

/** The run `key`, created on first sight; its first and last times widened to `at`. */
const runFor = (runs: Map<string, Run>, key: string, fn: string, runId: string, at: number): Run => {
  let r = runs.get(key);
  if (!r) {
    r = {
      key,
      fn,
      runId,
      first: at,
      last: at,
      decided: 0,
      instances: zeroStatus(),
      coverage: new Set(),
      verdicts: new Map(),
      shards: null,
    };
    runs.set(key, r);
  }
  if (at < r.first) r.first = at;
  if (at > r.last) r.last = at;
  return r;
};

/** The resource's row after decision `d`; what `d` does not say is kept from the prior row. */
const fromDecision = (d: Decision, target: string, status: Status | 'gone', prior?: Target): Target => ({
  crn: target,
  kind: d.kind,
  id: d.resourceId,
  name: d.name ?? prior?.name ?? null,
  region: d.region ?? prior?.region ?? null,
  location: d.location ?? prior?.location ?? null,
  resourceGroup: d.resourceGroup ?? prior?.resourceGroup ?? null,
  vpc: d.vpc ?? prior?.vpc ?? null,
  vpcId: d.vpcId ?? prior?.vpcId ?? null,
  rules: d.rules.length > 0 || !prior ? d.rules : prior.rules,
  status,
  outcome: d.outcome,
  reason: d.reason,
  at: d.at,
  fn: d.fn,
  metadata: d.metadata ?? prior?.metadata ?? null,
  patch: d.patch,
  exemption: d.exemption,
  findings: d.findings,
  severity: d.severity,
  ticketId: d.ticketId ?? prior?.ticketId ?? null,
  audit: d.audit,
  scanRun: prior?.scanRun ?? null,
  scanAt: prior?.scanAt ?? Number.NEGATIVE_INFINITY,
});

const createPostureState = () => {
  const targets = new Map<string, Target>();
  const runs = new Map<string, Run>();
  return {
    add(d: Decision): void {
      const status = STATUS_OF[d.outcome];
      if (!d.target || status === null) return;
      const prior = targets.get(d.target);
      let t = prior;
      if (!prior || d.at >= prior.at) {
        t = fromDecision(d, d.target, status, prior);
        targets.set(d.target, t);
      }
      if (!RUN_FNS.has(d.fn) || !t) return;
      const key = runKeyOf(d.fn, d.correlationId);
      const run = runFor(runs, key, d.fn, d.correlationId ?? 'unknown', d.at);
      run.decided += 1;
      run.coverage.add(`${d.kind}|${d.region ?? ''}`);
      if (d.kind === 'instance' && status !== 'gone') run.instances[status] += 1;
      if (d.at >= t.scanAt) {
        t.scanRun = key;
        t.scanAt = d.at;
      }
    },
    run(s: RunSummary): void {
      const run = runFor(runs, runKeyOf(s.fn, s.runId), s.fn, s.runId, s.at);
      const m = s.shard ? /^(\d+)\/(\d+)$/.exec(s.shard) : null;
      if (m) run.shards = Number(m[2]);
      run.verdicts.set(m ? (m[1] ?? '') : '', s.complete);
    },
    targets: (): ReadonlyMap<string, Target> => targets,
    runs: (): Run[] => [...runs.values()].sort((a, b) => a.first - b.first),
  };
};

type PostureState = ReturnType<typeof createPostureState>;

/** The latest run not known to be incomplete: the state now starts from it. */
const basisRun = (runs: readonly Run[]): Run | undefined =>
  [...runs].reverse().find((r) => completeness(r) !== false && r.decided > 0);

/** Is the resource part of the account now, as far as the records tell? */
const isCurrent = (t: Target, basis: Run | undefined): boolean => {
  if (t.status === 'gone') return false;
  if (!basis) return true;
  if (t.scanRun === basis.key || t.at >= basis.first) return true;
  // The complete run listed its kind and region and did not see it: deleted since, or out of scope.
  return !basis.coverage.has(`${t.kind}|${t.region ?? ''}`);
};

export type { PostureState, Run, Status, Target };
export { basisRun, completeness, createPostureState, isCurrent, STATUS_OF };
