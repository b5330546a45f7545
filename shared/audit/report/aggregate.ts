// Decisions → the report's numbers, one record at a time: what the guard did (outcomes, breakdowns,
// exposure, latency, timeline) and the state it left (posture, failures by cause, exemptions, trend).
// Memory is bounded by distinct keys and resources (rules, time buckets, one row per resource), never
// by the number of records.
import { OUTCOMES, type Outcome } from '#shared/audit/decision.ts';
import { type Breakdown, type Count, createCounter } from './breakdown.ts';
import { type Cause, createCauses } from './causes.ts';
import { type ExemptionInventory, inventoryOf } from './exemptions.ts';
import { binOf, EXPOSURE_BINS, type ExposureBin, exposureHistogram } from './exposure-bins.ts';
import type { FormatName } from './formats.ts';
import { createPostureState } from './posture.ts';
import { type Posture, summarizePosture } from './posture-summary.ts';
import { createQuantiles, type Quantiles } from './quantiles.ts';
import type { Decision } from './record.ts';
import type { RunSummary } from './run-summary.ts';
import { chooseStep, createBucketStore, stepLabel } from './time-buckets.ts';
import { createExposureTrend, runPoints, type Trend } from './trend.ts';

/** How the timeline and its colours group the eleven outcomes. */
type Category = 'remediated' | 'failed' | 'planned' | 'tickets' | 'compliant' | 'other';

// Stacking order, bottom up: failures first, so a thin red slice is never lost on top of the rest.
const CATEGORIES = [
  'failed',
  'remediated',
  'planned',
  'tickets',
  'compliant',
  'other',
] as const satisfies readonly Category[];

const CATEGORY_OF = {
  remediated: 'remediated',
  compliant: 'compliant',
  exempt: 'compliant',
  ignored: 'other',
  refused: 'other',
  gone: 'other',
  planned: 'planned',
  ticket_opened: 'tickets',
  ticket_updated: 'tickets',
  ticket_resolved: 'tickets',
  failed: 'failed',
  deferred: 'planned',
} as const satisfies Record<Outcome, Category>;

interface Distribution {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  /** The values outgrew exact tracking; percentiles are within 1%. */
  approximate: boolean;
}

interface TimeBucket {
  start: string;
  start_ms: number;
  total: number;
  by_category: Record<Category, number>;
}

interface FailureRow {
  timestamp: string;
  fn: string;
  target: string | null;
  name: string | null;
  region: string | null;
  rule: string | null;
  reason: string;
}

interface MalformedLine {
  source: string;
  line: number;
  reason: string;
}

interface InputStats {
  sources: string[];
  /** Non-blank lines read. */
  lines: number;
  /** Decision records counted (within --since). */
  decisions: number;
  /** Decision records older than --since. */
  before_since: number;
  /** Valid lines that carry no decision record (other log lines, query API progress events). */
  skipped: number;
  malformed: number;
  /** The first few, to point at. */
  malformed_samples: MalformedLine[];
  /** Decision records by the shape they came in. */
  formats: Partial<Record<FormatName, number>>;
}

type Dimension = 'rule' | 'initiator' | 'resource_group' | 'region' | 'function' | 'action';

interface ReportSummary {
  generated_at: string;
  period: { from: string | null; to: string | null; since: string | null; span_ms: number };
  input: InputStats;
  /** The account now: latest complete scan/sweep plus decisions since. */
  posture: Posture;
  exemptions: ExemptionInventory;
  trend: Trend;
  totals: {
    decisions: number;
    remediated: number;
    failed: number;
    planned: number;
    tickets: number;
    dry_run: number;
    /** remediated + failed: what the failure rate is of. */
    remediation_attempts: number;
  };
  outcomes: Record<Outcome, number>;
  by: Record<Dimension, Breakdown>;
  dry_run: { records: number; planned: number; planned_dry_run: number; planned_audit: number };
  exposure: Distribution & { histogram: ExposureBin[] };
  latency_ms: Distribution;
  api_calls: Distribution & { total: number };
  /** `unit`: the bucket size in words ("2 s", "hour", "day"); it fits the span. */
  timeline: { unit: string; step_ms: number; buckets: TimeBucket[] };
  failures: { count: number; recent: FailureRow[]; by_cause: Cause[] };
}

interface Aggregator {
  add(d: Decision): void;
  /** A bulk run's summary line: whether it saw the whole account. */
  run(s: RunSummary): void;
  summary(input: InputStats, options?: { since?: Date; now?: Date; top?: number }): ReportSummary;
}

const zeroCategories = (): Record<Category, number> => ({
  remediated: 0,
  failed: 0,
  planned: 0,
  tickets: 0,
  compliant: 0,
  other: 0,
});

const round = (x: number | null, digits = 1): number | null =>
  x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits;

const distribution = (q: Quantiles, digits = 1): Distribution => ({
  count: q.count,
  min: round(q.min, digits),
  max: round(q.max, digits),
  mean: round(q.mean, digits),
  p50: round(q.quantile(0.5), digits),
  p90: round(q.quantile(0.9), digits),
  p99: round(q.quantile(0.99), digits),
  approximate: q.approximate,
});

const FAILURES_KEPT = 100;

const toFailureRow = (d: Decision): FailureRow => ({
  timestamp: d.timestamp,
  fn: d.fn,
  target: d.target,
  name: d.name,
  region: d.region,
  rule: d.rules[0] ?? null,
  reason: d.reason,
});

/** The most recent failures, kept in batches (sorting on every push would be quadratic). */
const createRecentFailures = (kept: number) => {
  let failures: Decision[] = [];
  let count = 0;
  return {
    add(d: Decision): void {
      count += 1;
      failures.push(d);
      if (failures.length >= kept * 2) {
        failures.sort((a, b) => b.at - a.at);
        failures = failures.slice(0, kept);
      }
    },
    summary: () => ({
      count,
      recent: [...failures]
        .sort((a, b) => b.at - a.at)
        .slice(0, kept)
        .map(toFailureRow),
    }),
  };
};

const createTimeline = () => {
  const store = createBucketStore<Record<Category, number>>({
    zero: zeroCategories,
    merge: (into, from) => {
      for (const c of CATEGORIES) into[c] += from[c];
    },
  });
  return {
    add(d: Decision): void {
      store.at(d.at)[CATEGORY_OF[d.outcome]] += 1;
    },
    summary(): ReportSummary['timeline'] {
      if (store.first === null || store.last === null)
        return { unit: 'hour', step_ms: 3_600_000, buckets: [] };
      const step = chooseStep(store.first, store.last, store.resolution);
      const buckets = store.series(step).map(({ start, value }) => ({
        start: new Date(start).toISOString(),
        start_ms: start,
        total: CATEGORIES.reduce((n, c) => n + value[c], 0),
        by_category: value,
      }));
      return { unit: stepLabel(step), step_ms: step, buckets };
    },
  };
};

/** Each dimension's keys on one decision (none: the decision does not carry it). */
const KEYS_OF = {
  rule: (d) => d.rules,
  initiator: (d) => (d.initiator ? [d.initiator] : []),
  resource_group: (d) => (d.resourceGroup ? [d.resourceGroup] : []),
  region: (d) => (d.region ? [d.region] : []),
  function: (d) => [d.fn],
  action: (d) => (d.action ? [d.action] : []),
} satisfies Record<Dimension, (d: Decision) => readonly string[]>;

// Key order is the order of `by` in the summary.
const DIMENSIONS = Object.keys(KEYS_OF) as Dimension[];

/** One value per dimension, in `DIMENSIONS` order. */
const perDimension = <T>(f: (dim: Dimension) => T): Record<Dimension, T> =>
  Object.fromEntries(DIMENSIONS.map((dim) => [dim, f(dim)])) as Record<Dimension, T>;

/** Everything the aggregator folds each record into. */
interface AggregateState {
  outcomes: Record<Outcome, number>;
  counters: Record<Dimension, ReturnType<typeof createCounter>>;
  exposure: Quantiles;
  latency: Quantiles;
  apiCalls: Quantiles;
  exposureBins: number[];
  timeline: ReturnType<typeof createTimeline>;
  failures: ReturnType<typeof createRecentFailures>;
  causes: ReturnType<typeof createCauses>;
  posture: ReturnType<typeof createPostureState>;
  exposureTrend: ReturnType<typeof createExposureTrend>;
  total: number;
  dryRun: number;
  plannedDryRun: number;
  plannedAudit: number;
  first: number;
  last: number;
}

const createState = (options: { failuresKept?: number; exactLimit?: number }): AggregateState => {
  const quantileOptions = options.exactLimit !== undefined ? { exactLimit: options.exactLimit } : {};
  return {
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
    counters: perDimension(() => createCounter()),
    exposure: createQuantiles(quantileOptions),
    latency: createQuantiles(quantileOptions),
    apiCalls: createQuantiles(quantileOptions),
    exposureBins: EXPOSURE_BINS.map(() => 0),
    timeline: createTimeline(),
    failures: createRecentFailures(options.failuresKept ?? FAILURES_KEPT),
    causes: createCauses(),
    posture: createPostureState(),
    exposureTrend: createExposureTrend(),
    total: 0,
    dryRun: 0,
    plannedDryRun: 0,
    plannedAudit: 0,
    first: Number.POSITIVE_INFINITY,
    last: Number.NEGATIVE_INFINITY,
  };
};

/** Totals, the period, and the dry-run counts. */
const countDecision = (st: AggregateState, d: Decision): void => {
  st.total += 1;
  st.outcomes[d.outcome] += 1;
  if (d.at < st.first) st.first = d.at;
  if (d.at > st.last) st.last = d.at;
  if (d.dryRun) st.dryRun += 1;
  if (d.outcome === 'planned') {
    if (d.dryRun) st.plannedDryRun += 1;
    if (d.audit) st.plannedAudit += 1;
  }
};

/** Exposure (with its histogram bin), latency and API calls, when the decision has them. */
const addTimings = (st: AggregateState, d: Decision): void => {
  if (d.exposureMs !== null) {
    st.exposure.add(d.exposureMs);
    const bin = binOf(d.exposureMs);
    st.exposureBins[bin] = (st.exposureBins[bin] ?? 0) + 1;
  }
  if (d.latencyMs !== null) st.latency.add(d.latencyMs);
  if (d.apiCalls !== null) st.apiCalls.add(d.apiCalls);
};

const addDecision = (st: AggregateState, d: Decision): void => {
  countDecision(st, d);
  for (const dim of DIMENSIONS) st.counters[dim].add(KEYS_OF[dim](d), d);
  addTimings(st, d);
  st.timeline.add(d);
  st.exposureTrend.add(d);
  st.posture.add(d);
  if (d.outcome === 'failed') {
    st.failures.add(d);
    st.causes.add(d);
  }
};

const totalsOf = (st: AggregateState): ReportSummary['totals'] => {
  const { outcomes } = st;
  return {
    decisions: st.total,
    remediated: outcomes.remediated,
    failed: outcomes.failed,
    planned: outcomes.planned,
    tickets: outcomes.ticket_opened + outcomes.ticket_updated + outcomes.ticket_resolved,
    dry_run: st.dryRun,
    remediation_attempts: outcomes.remediated + outcomes.failed,
  };
};

const summarize = (
  st: AggregateState,
  input: InputStats,
  { since, now = new Date(), top = 50 }: { since?: Date; now?: Date; top?: number },
): ReportSummary => {
  const has = st.total > 0;
  const state = summarizePosture(st.posture);
  return {
    generated_at: now.toISOString(),
    period: {
      from: has ? new Date(st.first).toISOString() : null,
      to: has ? new Date(st.last).toISOString() : null,
      since: since ? since.toISOString() : null,
      span_ms: has ? st.last - st.first : 0,
    },
    input,
    posture: state,
    exemptions: inventoryOf(state.rows, now),
    trend: { runs: runPoints(st.posture.runs()), exposure: st.exposureTrend.summary() },
    totals: totalsOf(st),
    outcomes: { ...st.outcomes },
    by: perDimension((dim) => st.counters[dim].breakdown(top)),
    dry_run: {
      records: st.dryRun,
      planned: st.outcomes.planned,
      planned_dry_run: st.plannedDryRun,
      planned_audit: st.plannedAudit,
    },
    exposure: { ...distribution(st.exposure, 0), histogram: exposureHistogram(st.exposureBins) },
    latency_ms: distribution(st.latency),
    api_calls: { ...distribution(st.apiCalls, 2), total: st.apiCalls.sum },
    timeline: st.timeline.summary(),
    failures: { ...st.failures.summary(), by_cause: st.causes.summary() },
  };
};

const createAggregator = (options: { failuresKept?: number; exactLimit?: number } = {}): Aggregator => {
  const st = createState(options);
  return {
    add: (d) => addDecision(st, d),
    run: (s) => st.posture.run(s),
    summary: (input, options = {}) => summarize(st, input, options),
  };
};

export type {
  Aggregator,
  Breakdown,
  Category,
  Count,
  Dimension,
  Distribution,
  ExposureBin,
  FailureRow,
  InputStats,
  MalformedLine,
  ReportSummary,
  TimeBucket,
};
export { CATEGORIES, CATEGORY_OF, createAggregator, EXPOSURE_BINS };
