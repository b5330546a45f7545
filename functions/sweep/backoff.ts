// Adaptive backoff for one lane (a VPC region, or a global service). A 429 means the whole lane is over
// IBM's budget, not one request, so the lane reacts as a whole:
//  - pause: no request of the lane starts until Retry-After has passed (429s that answer requests sent
//    before the pause do not extend it: they report the same overrun);
//  - concurrency, AIMD: halved on a throttle (once per pause), +1 per window of `limit` successes;
//  - interval, AIMD: from the first throttle on, requests are paced at 95 % of the rate the lane
//    actually achieved since the previous throttle (measured over at least 10 successes; never less
//    than half the previous pace), growing by 5 % of that per second without one — so the lane
//    settles just under IBM's rate instead of draining and refilling its budget.
// Pure state over an injected clock.

interface AimdOptions {
  /** Highest concurrency (the configured one); the lane starts there. */
  max: number;
  /** Lowest concurrency; default 1. */
  min?: number;
  /** Pause when IBM sends no Retry-After: `fallbackMs × 2^(k−1)` for the k-th throttle in a row. */
  fallbackMs?: number;
  /** Longest pause honoured (a Retry-After of minutes would stall a sweep; default 60 s). */
  maxPauseMs?: number;
  /** Lowest pace, requests per second (default 0.5). */
  minRate?: number;
  now?: () => number;
}

interface AimdStats {
  /** Throttled answers seen (429, 503). */
  throttled: number;
  /** Multiplicative decreases made. */
  cuts: number;
  /** Pause time requested in total, ms. */
  pausedMs: number;
  /** Current pace in requests per second; null while unpaced. */
  rate: number | null;
}

interface Aimd {
  /** Current concurrency limit. */
  readonly limit: number;
  /** ms epoch until which no request of the lane may start. */
  readonly pausedUntil: number;
  /** Requests per second the lane is paced at (Infinity until the first throttle). */
  readonly rate: number;
  /** A throttled answer; returns whether the concurrency limit changed. */
  throttled(retryAfterMs?: number): boolean;
  /** A successful answer; returns whether the concurrency limit changed. */
  succeeded(): boolean;
  /** Takes the next send slot: ms to wait before sending (0 = now). */
  reserve(): number;
  /** ms left in the current pause (0 when none). */
  waitMs(): number;
  stats(): AimdStats;
}

/** Of the rate achieved since the last throttle, what the lane is paced at after one. */
const BACK_OFF = 0.95;
/** Pace growth per second without a throttle, as a share of the pace set at the last one. */
const GROWTH_PER_SECOND = 0.05;
/** Shortest stretch a rate is measured over (shorter ones are bursts, not rates). */
const MIN_WINDOW_MS = 200;
/**
 * Fewest successes a rate is measured from: a 429 after a handful (a stray one, or the tail of a
 * storm right after a pause) says the lane was stopped, not how fast it may go.
 */
const MIN_SAMPLES = 10;

const createAimd = (options: AimdOptions): Aimd => {
  const max = Math.max(1, Math.floor(options.max));
  const min = Math.min(max, Math.max(1, Math.floor(options.min ?? 1)));
  const fallbackMs = options.fallbackMs ?? 1_000;
  const maxPauseMs = options.maxPauseMs ?? 60_000;
  const minRate = options.minRate ?? 0.5;
  const now = options.now ?? Date.now;
  let limit = max;
  let pausedUntil = 0;
  let successes = 0;
  let streak = 0;
  // Pacing: unpaced until IBM first pushes back.
  let rate = Number.POSITIVE_INFINITY;
  let baseRate = Number.POSITIVE_INFINITY;
  let pacedSince = 0;
  let nextSlot = 0;
  // Successes since the last throttle, and when the first of them came: the achieved rate.
  let okSinceCut = 0;
  let windowStart: number | undefined;
  const stats = { throttled: 0, cuts: 0, pausedMs: 0 };

  /** The pace grows linearly with the time since it was set. */
  const currentRate = (t: number): number =>
    Number.isFinite(rate) ? rate + baseRate * GROWTH_PER_SECOND * Math.max(0, (t - pacedSince) / 1000) : rate;

  return {
    get limit() {
      return limit;
    },
    get pausedUntil() {
      return pausedUntil;
    },
    get rate() {
      return currentRate(now());
    },
    throttled(retryAfterMs) {
      const t = now();
      stats.throttled += 1;
      successes = 0;
      // Answers to requests sent before the pause began arrive during it: same overrun, no new pause.
      if (t < pausedUntil) return false;
      streak += 1;
      const wait = Math.min(
        maxPauseMs,
        retryAfterMs !== undefined && retryAfterMs > 0
          ? retryAfterMs
          : fallbackMs * 2 ** Math.min(streak - 1, 5),
      );
      pausedUntil = t + wait;
      stats.pausedMs += wait;
      stats.cuts += 1;
      // What the lane really got through since the last throttle (pauses included) sets the pace.
      const elapsed = windowStart === undefined ? 0 : t - windowStart;
      if (elapsed >= MIN_WINDOW_MS && okSinceCut >= MIN_SAMPLES) {
        const achieved = (okSinceCut * 1000) / elapsed;
        const current = currentRate(t);
        // Never more than halved at once (multiplicative decrease), whatever one window suggests.
        const floor = Number.isFinite(current) ? current / 2 : minRate;
        baseRate = Math.max(minRate, floor, Math.min(current, achieved) * BACK_OFF);
        rate = baseRate;
        pacedSince = pausedUntil;
      }
      okSinceCut = 0;
      windowStart = t;
      const next = Math.max(min, Math.floor(limit / 2));
      const changed = next !== limit;
      limit = next;
      return changed;
    },
    succeeded() {
      const t = now();
      streak = 0;
      okSinceCut += 1;
      windowStart ??= t;
      // Completions of requests that started before the pause say nothing about the new rate.
      if (t < pausedUntil) return false;
      successes += 1;
      if (successes < limit) return false;
      successes = 0;
      if (limit >= max) return false;
      limit += 1;
      return true;
    },
    reserve() {
      const t = now();
      const start = Math.max(t, pausedUntil, nextSlot);
      const r = currentRate(start);
      if (Number.isFinite(r)) nextSlot = start + 1000 / r;
      return start - t;
    },
    waitMs() {
      return Math.max(0, pausedUntil - now());
    },
    stats: () => ({
      ...stats,
      rate: Number.isFinite(rate) ? Math.round(currentRate(now()) * 100) / 100 : null,
    }),
  };
};

export type { Aimd, AimdOptions, AimdStats };
export { createAimd };
