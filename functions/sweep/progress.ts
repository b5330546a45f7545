// Progress on stderr: a cli-progress bar on a terminal, plain lines (every few seconds) otherwise —
// Code Engine job logs and CI capture stderr line by line, and a redrawn bar is noise there.
import type { Progress } from './engine.ts';

interface ProgressReporter {
  update(p: Progress): void;
  /** A line of its own (a warning, a notice), never drawn over by the bar. */
  log(line: string): void;
  stop(p?: Progress): void;
}

const n = (x: number): string => x.toLocaleString('en-US');

const line = (label: string, p: Progress): string =>
  `${label} ${p.pass}: ${n(p.decided)}${p.expected > 0 ? `/~${n(p.expected)}` : ''} decided` +
  ` · ${n(p.planned)} planned · ${n(p.applied)} applied · ${n(p.failures)} failed` +
  (p.notReached > 0 ? ` · ${n(p.notReached)} not reached` : '') +
  ` · listings ${p.listingsDone}/${p.listings}` +
  (p.throttled > 0 ? ` · ${n(p.throttled)} throttled` : '') +
  ` · ${(p.elapsedMs / 1000).toFixed(1)} s`;

/** Plain lines, at most one per `everyMs`, plus one at the end. */
const plainProgress = (stream: NodeJS.WritableStream, label: string, everyMs = 2_000): ProgressReporter => {
  let last = Date.now();
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      stream.write(`${line(label, p)}\n`);
    },
    log: (text) => {
      stream.write(`${text}\n`);
    },
    stop: (p) => {
      if (p) stream.write(`${line(label, p)}\n`);
    },
  };
};

/** A bar whose total grows as listings report their size (IBM's total_count). */
const barProgress = async (stream: NodeJS.WritableStream, label: string): Promise<ProgressReporter> => {
  const { SingleBar } = (await import('cli-progress')).default;
  const bar = new SingleBar({
    stream,
    format: `${label} {pass} [{bar}] {value}/{total} · {planned} planned · {failures} failed · {throttled} throttled · {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  let lastDraw = 0;
  const payload = (p: Progress) => ({
    pass: p.pass,
    planned: n(p.planned),
    failures: n(p.failures),
    throttled: n(p.throttled),
  });
  return {
    update: (p) => {
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      const total = Math.max(p.expected, p.decided, 1);
      if (!started) {
        bar.start(total, p.decided, payload(p));
        started = true;
      }
      bar.setTotal(total);
      bar.update(p.decided, payload(p));
    },
    log: (text) => {
      // Clear the bar's line, print, and let the next update draw the bar again below.
      stream.write(started ? `\r\x1b[K${text}\n` : `${text}\n`);
    },
    stop: (p) => {
      if (started && p) {
        bar.setTotal(Math.max(p.decided, 1));
        bar.update(p.decided, payload(p));
      }
      if (started) bar.stop();
    },
  };
};

const silentProgress: ProgressReporter = { update: () => {}, log: () => {}, stop: () => {} };

/** The reporter for a stream: a bar on a TTY, plain lines elsewhere, nothing when disabled. */
const progressFor = async (
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  options: { enabled: boolean; label?: string },
): Promise<ProgressReporter> => {
  // Without progress, notices (a signal received) still get their line.
  if (!options.enabled) return { ...silentProgress, log: (text) => void stream.write(`${text}\n`) };
  const label = options.label ?? 'scan';
  return stream.isTTY ? barProgress(stream, label) : plainProgress(stream, label);
};

export type { ProgressReporter };
export { plainProgress, progressFor, silentProgress };
