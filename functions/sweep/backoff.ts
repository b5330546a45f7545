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

/** The lane's mutable state; the functions below change it. */
interface AimdState {
  max: number;
  min: number;
  fallbackMs: number;
  maxPauseMs: number;
  minRate: number;
  now: () => number;
  limit: number;
  pausedUntil: number;
  successes: number;
  streak: number;
  /** Pacing: unpaced (Infinity) until IBM first pushes back. */
  rate: number;
  baseRate: number;
  pacedSince: number;
  nextSlot: number;
  /** Successes since the last throttle, and when the first of them came: the achieved rate. */
  okSinceCut: number;
  windowStart: number | undefined;
  stats: { throttled: number; cuts: number; pausedMs: number };
}

/** The pace grows linearly with the time since it was set. */
const currentRate = (s: AimdState, t: number): number =>
  Number.isFinite(s.rate)
    ? s.rate + s.baseRate * GROWTH_PER_SECOND * Math.max(0, (t - s.pacedSince) / 1000)
    : s.rate;

/** What the lane really got through since the last throttle (pauses included) sets the pace. */
const repace = (s: AimdState, t: number): void => {
  const elapsed = s.windowStart === undefined ? 0 : t - s.windowStart;
  if (elapsed >= MIN_WINDOW_MS && s.okSinceCut >= MIN_SAMPLES) {
    const achieved = (s.okSinceCut * 1000) / elapsed;
    const current = currentRate(s, t);
    // Never more than halved at once (multiplicative decrease), whatever one window suggests.
    const floor = Number.isFinite(current) ? current / 2 : s.minRate;
    s.baseRate = Math.max(s.minRate, floor, Math.min(current, achieved) * BACK_OFF);
    s.rate = s.baseRate;
    s.pacedSince = s.pausedUntil;
  }
  s.okSinceCut = 0;
  s.windowStart = t;
};

const onThrottled = (s: AimdState, retryAfterMs: number | undefined): boolean => {
  const t = s.now();
  s.stats.throttled += 1;
  s.successes = 0;
  // Answers to requests sent before the pause began arrive during it: same overrun, no new pause.
  if (t < s.pausedUntil) return false;
  s.streak += 1;
  const fallback = s.fallbackMs * 2 ** Math.min(s.streak - 1, 5);
  const wait = Math.min(
    s.maxPauseMs,
    retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : fallback,
  );
  s.pausedUntil = t + wait;
  s.stats.pausedMs += wait;
  s.stats.cuts += 1;
  repace(s, t);
  const next = Math.max(s.min, Math.floor(s.limit / 2));
  const changed = next !== s.limit;
  s.limit = next;
  return changed;
};

const onSucceeded = (s: AimdState): boolean => {
  const t = s.now();
  s.streak = 0;
  s.okSinceCut += 1;
  s.windowStart ??= t;
  // Completions of requests that started before the pause say nothing about the new rate.
  if (t < s.pausedUntil) return false;
  s.successes += 1;
  if (s.successes < s.limit) return false;
  s.successes = 0;
  if (s.limit >= s.max) return false;
  s.limit += 1;
  return true;
};

const reserveSlot = (s: AimdState): number => {
  const t = s.now();
  const start = Math.max(t, s.pausedUntil, s.nextSlot);
  const r = currentRate(s, start);
  if (Number.isFinite(r)) s.nextSlot = start + 1000 / r;
  return start - t;
};

const createAimd = (options: AimdOptions): Aimd => {
  const max = Math.max(1, Math.floor(options.max));
  const s: AimdState = {
    max,
    min: Math.min(max, Math.max(1, Math.floor(options.min ?? 1))),
    fallbackMs: options.fallbackMs ?? 1_000,
    maxPauseMs: options.maxPauseMs ?? 60_000,
    minRate: options.minRate ?? 0.5,
    now: options.now ?? Date.now,
    limit: max,
    pausedUntil: 0,
    successes: 0,
    streak: 0,
    rate: Number.POSITIVE_INFINITY,
    baseRate: Number.POSITIVE_INFINITY,
    pacedSince: 0,
    nextSlot: 0,
    okSinceCut: 0,
    windowStart: undefined,
    stats: { throttled: 0, cuts: 0, pausedMs: 0 },
  };
  return {
    get limit() {
      return s.limit;
    },
    get pausedUntil() {
      return s.pausedUntil;
    },
    get rate() {
      return currentRate(s, s.now());
    },
    throttled: (retryAfterMs) => onThrottled(s, retryAfterMs),
    succeeded: () => onSucceeded(s),
    reserve: () => reserveSlot(s),
    waitMs: () => Math.max(0, s.pausedUntil - s.now()),
    stats: () => ({
      ...s.stats,
      rate: Number.isFinite(s.rate) ? Math.round(currentRate(s, s.now()) * 100) / 100 : null,
    }),
  };
};

export type { Aimd, AimdOptions, AimdStats };
export { createAimd };
