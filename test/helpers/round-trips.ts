// Round trips on the critical path, from the emulator journal: the longest chain of requests where
// each starts after the previous one answered. Concurrent requests share a link of the chain. Run it
// with injected latency (a fault with latency_ms) so overlap is structural, not a matter of timing.
import type { JournalEntry } from '#emulator/core/journal.ts';

/** Slack for the journal's millisecond start times; far below the injected latency. */
const SLACK_MS = 5;

const interval = (e: JournalEntry): { start: number; end: number } => {
  const start = Date.parse(e.time);
  return { start, end: start + e.duration_ms };
};

/** Length of the longest chain of strictly sequential requests among `entries`. */
export const criticalPathRoundTrips = (entries: readonly JournalEntry[]): number => {
  const spans = entries.map(interval).sort((a, b) => a.end - b.end);
  const depth: number[] = [];
  spans.forEach((s, i) => {
    let best = 0;
    for (let j = 0; j < i; j += 1) {
      const before = spans[j];
      if (before && before.end - SLACK_MS <= s.start) best = Math.max(best, depth[j] ?? 0);
    }
    depth.push(best + 1);
  });
  return Math.max(0, ...depth);
};
