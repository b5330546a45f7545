// Percentiles over a stream of numbers in bounded memory: exact (nearest rank) while the values fit
// in `exactLimit`, then a log-bucket histogram whose answers are within `relativeError` of the truth.

interface Quantiles {
  add(value: number): void;
  /** Nearest-rank percentile, `q` in [0, 1]; null when empty. */
  quantile(q: number): number | null;
  readonly count: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly sum: number;
  /** True once the values no longer fit and answers come from the histogram. */
  readonly approximate: boolean;
}

interface QuantileOptions {
  /** Values kept exactly before switching to the histogram. */
  exactLimit?: number;
  /** Bucket growth factor − 1: the histogram's worst relative error. */
  relativeError?: number;
}

/** Log-spaced buckets, each `1 + relativeError` wider than the last; values ≤ 0 share `-Infinity`. */
const logScale = (relativeError: number) => {
  const growth = 1 + relativeError;
  const logGrowth = Math.log(growth);
  return {
    bucketOf: (v: number): number =>
      v <= 0 ? Number.NEGATIVE_INFINITY : Math.floor(Math.log(v) / logGrowth),
    bucketValue: (b: number): number => (b === Number.NEGATIVE_INFINITY ? 0 : growth ** (b + 0.5)),
  };
};

/** The nearest rank of `q` among `count` values (1-based). */
const rankOf = (q: number, count: number): number => Math.min(count, Math.max(1, Math.ceil(q * count)));

/** The value at `rank` in bucket counts, kept within the exact `min` and `max` seen. */
const bucketAt = (
  buckets: ReadonlyMap<number, number>,
  rank: number,
  bucketValue: (b: number) => number,
  bounds: { min: number; max: number },
): number => {
  let seen = 0;
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    seen += buckets.get(b) ?? 0;
    if (seen >= rank) return Math.min(bounds.max, Math.max(bounds.min, bucketValue(b)));
  }
  return bounds.max;
};

const createQuantiles = (options: QuantileOptions = {}): Quantiles => {
  const exactLimit = options.exactLimit ?? 200_000;
  const { bucketOf, bucketValue } = logScale(options.relativeError ?? 0.01);
  let exact: number[] | null = [];
  let sorted = true;
  // Bucket index → count; values ≤ 0 share the bucket `-Infinity` (exposure and latency are ≥ 0).
  const buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;

  const toBuckets = (values: number[]): void => {
    for (const v of values) {
      const b = bucketOf(v);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
  };

  return {
    add(value) {
      if (!Number.isFinite(value)) return;
      count += 1;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
      if (exact) {
        if (sorted && exact.length > 0 && value < (exact[exact.length - 1] ?? 0)) sorted = false;
        exact.push(value);
        if (exact.length > exactLimit) {
          toBuckets(exact);
          exact = null;
        }
      } else toBuckets([value]);
    },
    quantile(q) {
      if (count === 0) return null;
      const rank = rankOf(q, count);
      if (exact) {
        if (!sorted) {
          exact.sort((a, b) => a - b);
          sorted = true;
        }
        return exact[rank - 1] ?? null;
      }
      return bucketAt(buckets, rank, bucketValue, { min, max });
    },
    get count() {
      return count;
    },
    get min() {
      return count === 0 ? null : min;
    },
    get max() {
      return count === 0 ? null : max;
    },
    get mean() {
      return count === 0 ? null : sum / count;
    },
    get sum() {
      return sum;
    },
    get approximate() {
      return exact === null;
    },
  };
};

/**
 * A log-bucket histogram that merges with others of the same error: percentiles per time bucket (the
 * trend) in constant memory per bucket, answers within `relativeError`.
 */
interface LogHistogram {
  add(value: number): void;
  merge(other: LogHistogram): void;
  quantile(q: number): number | null;
  readonly count: number;
  /** Bucket index → count; `-Infinity` holds values ≤ 0. */
  readonly buckets: ReadonlyMap<number, number>;
  readonly max: number | null;
}

const createLogHistogram = (relativeError = 0.01): LogHistogram => {
  const { bucketOf, bucketValue } = logScale(relativeError);
  const buckets = new Map<number, number>();
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const put = (b: number, n: number): void => {
    buckets.set(b, (buckets.get(b) ?? 0) + n);
  };
  return {
    add(value) {
      if (!Number.isFinite(value)) return;
      count += 1;
      if (value < min) min = value;
      if (value > max) max = value;
      put(bucketOf(value), 1);
    },
    merge(other) {
      if (other.count === 0) return;
      for (const [b, n] of other.buckets) put(b, n);
      count += other.count;
      const q0 = other.quantile(0);
      if (q0 !== null && q0 < min) min = q0;
      if (other.max !== null && other.max > max) max = other.max;
    },
    quantile(q) {
      if (count === 0) return null;
      return bucketAt(buckets, rankOf(q, count), bucketValue, { min, max });
    },
    get count() {
      return count;
    },
    get buckets() {
      return buckets;
    },
    get max() {
      return count === 0 ? null : max;
    },
  };
};

export type { LogHistogram, QuantileOptions, Quantiles };
export { createLogHistogram, createQuantiles };
