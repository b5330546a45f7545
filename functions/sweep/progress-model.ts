// What a progress display shows, as a pure function of the engine's counters and a clock: the total
// (only once every listing has said how big it is — until then the display says "listing…", so the
// total never jumps as late listings start) and an ETA from the recent rate (none until a few seconds
// and a few resources are decided: the first seconds hold token and first-page latency, not the rate).
import type { Progress } from './run-context.ts';

interface ProgressView {
  /** Owned resources in all, once every listing is sized; undefined while listings are still starting. */
  total: number | undefined;
  /** Time left at the recent rate; undefined until it can be estimated. */
  etaMs: number | undefined;
}

interface EtaOptions {
  /** No ETA before this long after the first decision (ms). */
  minElapsedMs: number;
  /** No ETA before this many resources are decided. */
  minDecided: number;
  /** The rate is measured over (about) this last stretch of time (ms). */
  windowMs: number;
}

const ETA_DEFAULTS: EtaOptions = { minElapsedMs: 3_000, minDecided: 20, windowMs: 10_000 };

interface Sample {
  at: number;
  decided: number;
}

/** Every listing of the pass has reported its size (IBM's total_count, or listed to its end). */
const totalOf = (p: Progress): number | undefined =>
  p.listings > 0 && p.listingsSized >= p.listings ? Math.max(p.expected, p.decided) : undefined;

/** A model for one display: feed it every progress report with the time it was seen. */
const createProgressModel = (options: Partial<EtaOptions> = {}) => {
  const o = { ...ETA_DEFAULTS, ...options };
  let samples: Sample[] = [];
  let pass: Progress['pass'] | undefined;
  let firstDecidedAt: number | undefined;
  const restart = (p: Progress): void => {
    samples = [];
    pass = p.pass;
    firstDecidedAt = undefined;
  };
  const eta = (p: Progress, total: number | undefined, now: number): number | undefined => {
    if (total === undefined || firstDecidedAt === undefined) return undefined;
    if (p.decided >= total) return 0;
    if (now - firstDecidedAt < o.minElapsedMs || p.decided < o.minDecided) return undefined;
    const oldest = samples[0];
    if (!oldest || now <= oldest.at || p.decided <= oldest.decided) return undefined;
    const perMs = (p.decided - oldest.decided) / (now - oldest.at);
    return Math.round((total - p.decided) / perMs);
  };
  return {
    observe: (p: Progress, now: number): ProgressView => {
      // A new pass (the apply after a counting plan) or counters going back: the rate starts over.
      const last = samples[samples.length - 1];
      if (p.pass !== pass || (last && p.decided < last.decided)) restart(p);
      if (firstDecidedAt === undefined && p.decided > 0) firstDecidedAt = now;
      if (firstDecidedAt !== undefined) samples.push({ at: now, decided: p.decided });
      // Keep one sample at or before the window's start, so the window spans windowMs once it can.
      while (samples.length > 2 && (samples[1] as Sample).at <= now - o.windowMs) samples.shift();
      const total = totalOf(p);
      return { total, etaMs: eta(p, total, now) };
    },
  };
};

type ProgressModel = ReturnType<typeof createProgressModel>;

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
const formatEta = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
};

/**
 * A count as `toLocaleString('en-US')` writes it (`100,000`), without loading Intl's number formatting
 * for it (~20 ms of a scan's CPU, once); anything but a safe integer goes through toLocaleString.
 */
const formatCount = (x: number): string =>
  Number.isSafeInteger(x) ? String(x).replace(/\B(?=(\d{3})+$)/g, ',') : x.toLocaleString('en-US');

export type { EtaOptions, ProgressModel, ProgressView };
export { createProgressModel, ETA_DEFAULTS, formatCount, formatEta, totalOf };
