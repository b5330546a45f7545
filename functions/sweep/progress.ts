// Progress on stderr: a one-line bar redrawn in place on a terminal, plain lines (every few seconds)
// otherwise — Code Engine job logs and CI capture stderr line by line, and a redrawn bar is noise there.
// Everything else written to the bar's terminal while it is drawn (log lines, --json records on a
// terminal stdout) goes through `log`/`around`, which clear the bar's line first and draw it again
// after, so nothing lands in the middle of the bar. What is shown comes from progress-model.ts.
import { createProgressModel, formatEta, formatCount as n, type ProgressView } from './progress-model.ts';
import type { Progress } from './run-context.ts';

interface ProgressReporter {
  update(p: Progress): void;
  /** A line of its own (a warning, a notice), never drawn over by the bar. */
  log(line: string): void;
  /** Another write to the bar's terminal (records on stdout): the bar is cleared around it. */
  around(write: () => void): void;
  stop(p?: Progress): void;
}

/** Where progress is written: stderr, or a test's fake (only `write` is used, and the terminal's width). */
interface TextStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

interface ReporterOptions {
  /** Milliseconds, injectable for tests (default Date.now). */
  now?: () => number;
}

const etaText = (v: ProgressView): string => (v.etaMs === undefined ? '' : ` · ETA ${formatEta(v.etaMs)}`);

/** One plain line: decided of the total (or "listing…" while the total is not known), counters, ETA. */
const line = (label: string, p: Progress, v: ProgressView): string =>
  `${label} ${p.pass}: ${n(p.decided)}${v.total !== undefined ? `/${n(v.total)}` : ''} decided` +
  (v.total === undefined ? ' (listing…)' : '') +
  ` · ${n(p.planned)} planned · ${n(p.applied)} applied · ${n(p.failures)} failed` +
  (p.notReached > 0 ? ` · ${n(p.notReached)} not reached` : '') +
  ` · listings ${p.listingsDone}/${p.listings}` +
  (p.throttled > 0 ? ` · ${n(p.throttled)} throttled` : '') +
  ` · ${(p.elapsedMs / 1000).toFixed(1)} s${etaText(v)}`;

/** Plain lines, at most one per `everyMs`, plus one at the end. */
const plainProgress = (
  stream: TextStream,
  label: string,
  everyMs = 2_000,
  options: ReporterOptions = {},
): ProgressReporter => {
  const now = options.now ?? Date.now;
  const model = createProgressModel();
  let last = now();
  return {
    update: (p) => {
      const t = now();
      const view = model.observe(p, t);
      if (t - last < everyMs) return;
      last = t;
      stream.write(`${line(label, p, view)}\n`);
    },
    log: (text) => {
      stream.write(`${text}\n`);
    },
    around: (write) => write(),
    stop: (p) => {
      if (p) stream.write(`${line(label, p, model.observe(p, now()))}\n`);
    },
  };
};

const BAR_WIDTH = 24;
/** The bar is redrawn at most this often. */
const DRAW_EVERY_MS = 100;
const CLEAR = '\r\x1b[K';

/** The bar's line: `scan apply [█████░░░░░] 1,234/20,010 6% · … · ETA 42 s`, or `[listing… 3/12]`. */
const barLine = (label: string, p: Progress, v: ProgressView): string => {
  const counters =
    ` · ${n(p.planned)} planned · ${n(p.applied)} applied · ${n(p.failures)} failed` +
    (p.throttled > 0 ? ` · ${n(p.throttled)} throttled` : '');
  if (v.total === undefined)
    return `${label} ${p.pass} [listing… ${p.listingsSized}/${p.listings}] ${n(p.decided)} decided${counters}`;
  const share = v.total > 0 ? Math.min(1, p.decided / v.total) : 1;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const eta = v.etaMs === undefined ? ' · ETA …' : etaText(v);
  return `${label} ${p.pass} [${bar}] ${n(p.decided)}/${n(v.total)} ${Math.floor(share * 100)}%${counters}${eta}`;
};

/** A bar on a terminal: one line redrawn in place, cut to the terminal's width (a wrapped line could not be). */
const barProgress = (stream: TextStream, label: string, options: ReporterOptions = {}): ProgressReporter => {
  const now = options.now ?? Date.now;
  const model = createProgressModel();
  let shown: string | undefined;
  let lastDraw = Number.NEGATIVE_INFINITY;
  const cut = (text: string): string => {
    const width = Math.max(20, (stream.columns || 80) - 1);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  };
  const draw = (text: string): void => {
    shown = cut(text);
    stream.write(`${CLEAR}${shown}`);
  };
  const around = (write: () => void): void => {
    if (shown !== undefined) stream.write(CLEAR);
    write();
    if (shown !== undefined) stream.write(shown);
  };
  return {
    update: (p) => {
      const t = now();
      const view = model.observe(p, t);
      if (t - lastDraw < DRAW_EVERY_MS) return;
      lastDraw = t;
      draw(barLine(label, p, view));
    },
    log: (text) => around(() => stream.write(`${text}\n`)),
    around,
    stop: (p) => {
      if (p) draw(barLine(label, p, model.observe(p, now())));
      if (shown !== undefined) stream.write('\n');
      shown = undefined;
    },
  };
};

/** Nothing shown; notices (a signal received) and log lines still get their line. */
const silentProgress = (stream?: TextStream): ProgressReporter => ({
  update: () => {},
  log: (text) => void stream?.write(`${text}\n`),
  around: (write) => write(),
  stop: () => {},
});

/** The reporter for a stream: a bar on a TTY, plain lines elsewhere, nothing when disabled. */
const progressFor = (
  stream: TextStream,
  options: { enabled: boolean; label?: string } & ReporterOptions,
): ProgressReporter => {
  if (!options.enabled) return silentProgress(stream);
  const label = options.label ?? 'scan';
  return stream.isTTY ? barProgress(stream, label, options) : plainProgress(stream, label, 2_000, options);
};

export type { ProgressReporter, TextStream };
export { barProgress, plainProgress, progressFor, silentProgress };
