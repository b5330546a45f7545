// Decisions → the report's numbers, one record at a time, in memory bounded by the number of
// distinct keys (rules, initiators, hours…), not by the number of records.
import { OUTCOMES, type Outcome } from '#shared/audit/decision.ts';
import type { FormatName } from './formats.ts';
import { createQuantiles, type Quantiles } from './quantiles.ts';
import type { Decision } from './record.ts';

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
} as const satisfies Record<Outcome, Category>;

/** Exposure-window bins: human boundaries, read on a log scale. */
const EXPOSURE_BINS = [
  { label: '< 1 s', to: 1_000 },
  { label: '1–2 s', to: 2_000 },
  { label: '2–5 s', to: 5_000 },
  { label: '5–10 s', to: 10_000 },
  { label: '10–30 s', to: 30_000 },
  { label: '30 s–1 m', to: 60_000 },
  { label: '1–2 m', to: 120_000 },
  { label: '2–5 m', to: 300_000 },
  { label: '5–15 m', to: 900_000 },
  { label: '15 m–1 h', to: 3_600_000 },
  { label: '1–6 h', to: 21_600_000 },
  { label: '≥ 6 h', to: Number.POSITIVE_INFINITY },
] as const;

const MIN_BINS_SHOWN = 6;
const HOURLY_UP_TO_MS = 72 * 3_600_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface Count {
  key: string;
  count: number;
  remediated: number;
  failed: number;
}

interface Breakdown {
  /** Most frequent first (ties by key), at most `top`. */
  items: Count[];
  distinct: number;
  /** Decisions beyond `items`. */
  others: number;
  /** Decisions that do not carry this dimension (e.g. ignored events have no region). */
  missing: number;
}

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

interface ExposureBin {
  label: string;
  from_ms: number;
  /** null: open-ended. */
  to_ms: number | null;
  count: number;
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
  timeline: { unit: 'hour' | 'day'; buckets: TimeBucket[] };
  failures: { count: number; recent: FailureRow[] };
}

interface Aggregator {
  add(d: Decision): void;
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

const createCounter = () => {
  const counts = new Map<string, Count>();
  let missing = 0;
  return {
    add(keys: readonly string[], d: Decision): void {
      if (keys.length === 0) {
        missing += 1;
        return;
      }
      for (const key of keys) {
        let c = counts.get(key);
        if (!c) {
          c = { key, count: 0, remediated: 0, failed: 0 };
          counts.set(key, c);
        }
        c.count += 1;
        if (d.outcome === 'remediated') c.remediated += 1;
        if (d.outcome === 'failed') c.failed += 1;
      }
    },
    breakdown(top: number): Breakdown {
      const all = [...counts.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
      const items = all.slice(0, top);
      const others = all.slice(top).reduce((n, c) => n + c.count, 0);
      return { items, distinct: all.length, others, missing };
    },
  };
};

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

const binOf = (ms: number): number => {
  const i = EXPOSURE_BINS.findIndex((b) => ms < b.to);
  return i === -1 ? EXPOSURE_BINS.length - 1 : i;
};

/** Bins from the first to the last non-empty one, widened to a readable minimum. */
const exposureHistogram = (counts: number[]): ExposureBin[] => {
  const nonEmpty = counts.flatMap((c, i) => (c > 0 ? [i] : []));
  if (nonEmpty.length === 0) return [];
  let first = nonEmpty[0] ?? 0;
  let last = nonEmpty[nonEmpty.length - 1] ?? 0;
  while (last - first + 1 < MIN_BINS_SHOWN && (last < EXPOSURE_BINS.length - 1 || first > 0)) {
    if (last < EXPOSURE_BINS.length - 1) last += 1;
    else first -= 1;
  }
  return EXPOSURE_BINS.slice(first, last + 1).map((b, i) => {
    const index = first + i;
    const from = index === 0 ? 0 : (EXPOSURE_BINS[index - 1]?.to ?? 0);
    return {
      label: b.label,
      from_ms: from,
      to_ms: Number.isFinite(b.to) ? b.to : null,
      count: counts[index] ?? 0,
    };
  });
};

const FAILURES_KEPT = 100;

const createAggregator = (options: { failuresKept?: number; exactLimit?: number } = {}): Aggregator => {
  const failuresKept = options.failuresKept ?? FAILURES_KEPT;
  const quantileOptions = options.exactLimit !== undefined ? { exactLimit: options.exactLimit } : {};
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const counters = {
    rule: createCounter(),
    initiator: createCounter(),
    resource_group: createCounter(),
    region: createCounter(),
    function: createCounter(),
    action: createCounter(),
  } satisfies Record<Dimension, ReturnType<typeof createCounter>>;
  const exposure = createQuantiles(quantileOptions);
  const latency = createQuantiles(quantileOptions);
  const apiCalls = createQuantiles(quantileOptions);
  const exposureBins: number[] = EXPOSURE_BINS.map(() => 0);
  const hours = new Map<number, Record<Category, number>>();
  let failures: Decision[] = [];
  let failureCount = 0;
  let total = 0;
  let dryRun = 0;
  let plannedDryRun = 0;
  let plannedAudit = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;

  const keepFailure = (d: Decision): void => {
    failureCount += 1;
    failures.push(d);
    // Trim in batches: sorting on every push would make many failures quadratic.
    if (failures.length >= failuresKept * 2) {
      failures.sort((a, b) => b.at - a.at);
      failures = failures.slice(0, failuresKept);
    }
  };

  return {
    add(d) {
      total += 1;
      outcomes[d.outcome] += 1;
      if (d.at < first) first = d.at;
      if (d.at > last) last = d.at;
      counters.rule.add(d.rules, d);
      counters.initiator.add(d.initiator ? [d.initiator] : [], d);
      counters.resource_group.add(d.resourceGroup ? [d.resourceGroup] : [], d);
      counters.region.add(d.region ? [d.region] : [], d);
      counters.function.add([d.fn], d);
      counters.action.add(d.action ? [d.action] : [], d);
      if (d.dryRun) dryRun += 1;
      if (d.outcome === 'planned') {
        if (d.dryRun) plannedDryRun += 1;
        if (d.audit) plannedAudit += 1;
      }
      if (d.exposureMs !== null) {
        exposure.add(d.exposureMs);
        exposureBins[binOf(d.exposureMs)] = (exposureBins[binOf(d.exposureMs)] ?? 0) + 1;
      }
      if (d.latencyMs !== null) latency.add(d.latencyMs);
      if (d.apiCalls !== null) apiCalls.add(d.apiCalls);
      const hour = Math.floor(d.at / HOUR_MS) * HOUR_MS;
      let bucket = hours.get(hour);
      if (!bucket) {
        bucket = zeroCategories();
        hours.set(hour, bucket);
      }
      bucket[CATEGORY_OF[d.outcome]] += 1;
      if (d.outcome === 'failed') keepFailure(d);
    },

    summary(input, { since, now = new Date(), top = 50 } = {}) {
      const has = total > 0;
      const span = has ? last - first : 0;
      const unit = span <= HOURLY_UP_TO_MS ? 'hour' : 'day';
      const step = unit === 'hour' ? HOUR_MS : DAY_MS;
      const buckets: TimeBucket[] = [];
      if (has) {
        const byStep = new Map<number, Record<Category, number>>();
        for (const [hour, cats] of hours) {
          const key = Math.floor(hour / step) * step;
          const into = byStep.get(key) ?? zeroCategories();
          for (const c of CATEGORIES) into[c] += cats[c];
          byStep.set(key, into);
        }
        for (let t = Math.floor(first / step) * step; t <= last; t += step) {
          const cats = byStep.get(t) ?? zeroCategories();
          const sum = CATEGORIES.reduce((n, c) => n + cats[c], 0);
          buckets.push({ start: new Date(t).toISOString(), start_ms: t, total: sum, by_category: cats });
        }
      }
      const recent = [...failures]
        .sort((a, b) => b.at - a.at)
        .slice(0, failuresKept)
        .map(
          (d): FailureRow => ({
            timestamp: d.timestamp,
            fn: d.fn,
            target: d.target,
            name: d.name,
            region: d.region,
            rule: d.rules[0] ?? null,
            reason: d.reason,
          }),
        );
      const tickets = outcomes.ticket_opened + outcomes.ticket_updated + outcomes.ticket_resolved;
      return {
        generated_at: now.toISOString(),
        period: {
          from: has ? new Date(first).toISOString() : null,
          to: has ? new Date(last).toISOString() : null,
          since: since ? since.toISOString() : null,
          span_ms: span,
        },
        input,
        totals: {
          decisions: total,
          remediated: outcomes.remediated,
          failed: outcomes.failed,
          planned: outcomes.planned,
          tickets,
          dry_run: dryRun,
          remediation_attempts: outcomes.remediated + outcomes.failed,
        },
        outcomes: { ...outcomes },
        by: {
          rule: counters.rule.breakdown(top),
          initiator: counters.initiator.breakdown(top),
          resource_group: counters.resource_group.breakdown(top),
          region: counters.region.breakdown(top),
          function: counters.function.breakdown(top),
          action: counters.action.breakdown(top),
        },
        dry_run: {
          records: dryRun,
          planned: outcomes.planned,
          planned_dry_run: plannedDryRun,
          planned_audit: plannedAudit,
        },
        exposure: { ...distribution(exposure, 0), histogram: exposureHistogram(exposureBins) },
        latency_ms: distribution(latency),
        api_calls: { ...distribution(apiCalls, 2), total: apiCalls.sum },
        timeline: { unit, buckets },
        failures: { count: failureCount, recent },
      };
    },
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
