// Time buckets whose size fits the span: 100 ms bars for a one-second demo, 2 s for a one-minute run,
// hours for a day, days for a month. Records are counted into fine buckets as they stream by; when
// there are too many, neighbours merge into the next step (each step divides the next), so memory
// stays bounded whatever the span, and the rendering picks the step that gives a readable bar count.

/** Bucket sizes, each a multiple of the one before (so buckets merge exactly). */
const STEPS_MS = [
  100, 200, 1_000, 2_000, 10_000, 30_000, 60_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000,
  21_600_000, 43_200_000, 86_400_000, 604_800_000,
] as const;

const COARSEST = 604_800_000;

/** Most buckets a chart shows. */
const MAX_BUCKETS = 40;
/** Most buckets kept while reading, before neighbours merge. */
const MAX_KEPT = 2_000;

const STEP_LABELS: Record<number, string> = {
  100: '100 ms',
  200: '200 ms',
  1000: 'second',
  2000: '2 s',
  10000: '10 s',
  30000: '30 s',
  60000: 'minute',
  120000: '2 min',
  600000: '10 min',
  1800000: '30 min',
  3600000: 'hour',
  7200000: '2 h',
  21600000: '6 h',
  43200000: '12 h',
  86400000: 'day',
  604800000: 'week',
};

const stepLabel = (step: number): string => STEP_LABELS[step] ?? `${step} ms`;

/** The smallest step (not finer than `min`) that covers `from`…`to` in at most MAX_BUCKETS buckets. */
const chooseStep = (from: number, to: number, min: number = STEPS_MS[0]): number => {
  for (const step of STEPS_MS) {
    if (step < min) continue;
    const n = Math.floor(to / step) - Math.floor(from / step) + 1;
    if (n <= MAX_BUCKETS) return step;
  }
  return COARSEST;
};

/** Axis ticks at whole steps between `from` and `to`: at most `max` of them (one when from = to). */
const timeTicks = (from: number, to: number, max = 6): { step: number; ticks: number[] } => {
  if (to <= from) return { step: STEPS_MS[0], ticks: [from] };
  const step = STEPS_MS.find((s) => Math.floor(to / s) - Math.ceil(from / s) + 1 <= max) ?? COARSEST;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return { step, ticks: ticks.length > 0 ? ticks : [from] };
};

interface BucketKind<T> {
  zero(): T;
  /** Adds `from` into `into`. */
  merge(into: T, from: T): void;
}

interface BucketStore<T> {
  /** The bucket holding instant `ms`, to count into. */
  at(ms: number): T;
  /** Buckets of `step` (a multiple of the kept resolution) from the first to the last, gaps as zero. */
  series(step: number): { start: number; value: T }[];
  readonly resolution: number;
  readonly first: number | null;
  readonly last: number | null;
}

const createBucketStore = <T>(kind: BucketKind<T>, maxKept = MAX_KEPT): BucketStore<T> => {
  let level = 0;
  let buckets = new Map<number, T>();
  let first: number | null = null;
  let last: number | null = null;
  const resolution = (): number => STEPS_MS[level] ?? COARSEST;
  const regroup = (step: number): Map<number, T> => {
    const out = new Map<number, T>();
    for (const [start, value] of buckets) {
      const key = Math.floor(start / step) * step;
      let into = out.get(key);
      if (!into) {
        into = kind.zero();
        out.set(key, into);
      }
      kind.merge(into, value);
    }
    return out;
  };
  return {
    at(ms) {
      if (first === null || ms < first) first = ms;
      if (last === null || ms > last) last = ms;
      while (buckets.size >= maxKept && level < STEPS_MS.length - 1) {
        level += 1;
        buckets = regroup(resolution());
      }
      const key = Math.floor(ms / resolution()) * resolution();
      let b = buckets.get(key);
      if (!b) {
        b = kind.zero();
        buckets.set(key, b);
      }
      return b;
    },
    series(step) {
      if (first === null || last === null) return [];
      const s = Math.max(step, resolution());
      const grouped = regroup(s);
      const out: { start: number; value: T }[] = [];
      for (let t = Math.floor(first / s) * s; t <= last; t += s)
        out.push({ start: t, value: grouped.get(t) ?? kind.zero() });
      return out;
    },
    get resolution() {
      return resolution();
    },
    get first() {
      return first;
    },
    get last() {
      return last;
    },
  };
};

export type { BucketKind, BucketStore };
export { chooseStep, createBucketStore, MAX_BUCKETS, STEPS_MS, stepLabel, timeTicks };
