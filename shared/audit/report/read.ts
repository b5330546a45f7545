// Sources → decisions: split lines, peel Server-Sent-Events framing and JSON-array exports, find the
// decision records inside whatever wraps them, validate, filter by --since. Never throws for bad
// lines: they are counted and the first few located (`source:line`).
import type { InputStats, MalformedLine } from './aggregate.ts';
import { type FormatName, findCandidates, shortError } from './formats.ts';
import { splitLines } from './lines.ts';
import { type Decision, normalizeDecision } from './record.ts';
import { normalizeRunSummary, type RunSummary } from './run-summary.ts';
import type { LineSource } from './sources.ts';

interface ReadOptions {
  /** Decisions before this instant are counted as `before_since` and left out. */
  since?: Date;
  /** Malformed lines located in the summary (all are counted). */
  maxSamples?: number;
}

type LineResult =
  | { kind: 'blank' }
  | { kind: 'skipped' }
  | {
      kind: 'decisions';
      decisions: { decision: Decision; format: FormatName }[];
      runs: RunSummary[];
      problems: string[];
    }
  | { kind: 'malformed'; reason: string };

const MAX_SAMPLES = 20;

const emptyStats = (sources: readonly LineSource[]): InputStats => ({
  sources: sources.map((s) => s.label),
  lines: 0,
  decisions: 0,
  before_since: 0,
  skipped: 0,
  malformed: 0,
  malformed_samples: [],
  formats: {},
});

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false; error: string } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // A JSON array exported one element per line: `[{…},` … `{…},` … `{…}]`.
    const element = text
      .replace(/^\[/, '')
      .replace(/[,\]]$/, '')
      .trim();
    if (element !== text && element !== '') {
      try {
        return { ok: true, value: JSON.parse(element) };
      } catch {
        // fall through to the original error
      }
    }
    return { ok: false, error: shortError(err) };
  }
};

/** One line of input → what it holds. Pure, so each shape is tested without files. */
const readLine = (raw: string): LineResult => {
  let text = raw.trim();
  if (text === '' || text === '[' || text === ']') return { kind: 'blank' };
  // Server-Sent Events (the Cloud Logs query API): comments (": success") and non-data fields.
  if (text.startsWith(':') || /^(event|id|retry):/.test(text)) return { kind: 'skipped' };
  if (text.startsWith('data:')) text = text.slice(5).trim();
  const parsed = parseJson(text);
  if (!parsed.ok) return { kind: 'malformed', reason: `not JSON (${parsed.error})` };
  const decisions: { decision: Decision; format: FormatName }[] = [];
  const runs: RunSummary[] = [];
  const problems: string[] = [];
  for (const found of findCandidates(parsed.value)) {
    switch (found.kind) {
      case 'problem':
        problems.push(found.reason);
        break;
      case 'run': {
        // A summary without a verdict is only another log line: it says nothing about completeness.
        const run = normalizeRunSummary(found.value, found.meta);
        if (run) runs.push(run);
        break;
      }
      case 'candidate': {
        const n = normalizeDecision(found.candidate.value, found.candidate.meta);
        if (n.ok) decisions.push({ decision: n.decision, format: found.candidate.format });
        else problems.push(n.reason);
        break;
      }
    }
  }
  if (decisions.length === 0 && runs.length === 0 && problems.length === 0) return { kind: 'skipped' };
  if (decisions.length === 0 && runs.length === 0 && problems.length === 1)
    return { kind: 'malformed', reason: problems[0] ?? '' };
  return { kind: 'decisions', decisions, runs, problems };
};

/** Where read records go: every decision within --since, and every run summary. */
interface RecordSink {
  add(d: Decision): void;
  run?(r: RunSummary): void;
}

/** Reads every source in turn, handing each decision within --since (and each run summary) to `sink`. */
const readSources = async (
  sources: readonly LineSource[],
  sink: RecordSink | ((d: Decision) => void),
  options: ReadOptions = {},
): Promise<InputStats> => {
  const to: RecordSink = typeof sink === 'function' ? { add: sink } : sink;
  const stats = emptyStats(sources);
  const maxSamples = options.maxSamples ?? MAX_SAMPLES;
  const since = options.since?.getTime();
  const malformed = (m: MalformedLine): void => {
    stats.malformed += 1;
    if (stats.malformed_samples.length < maxSamples) stats.malformed_samples.push(m);
  };
  for (const source of sources) {
    let lineNo = 0;
    for await (const line of splitLines(source.open())) {
      lineNo += 1;
      if (line.tooLong) {
        stats.lines += 1;
        malformed({ source: source.label, line: lineNo, reason: 'line longer than 64 MiB' });
        continue;
      }
      const result = readLine(line.text);
      if (result.kind === 'blank') continue;
      stats.lines += 1;
      switch (result.kind) {
        case 'skipped':
          stats.skipped += 1;
          break;
        case 'malformed':
          malformed({ source: source.label, line: lineNo, reason: result.reason });
          break;
        case 'decisions': {
          const [firstProblem] = result.problems;
          if (firstProblem !== undefined) {
            const more = result.problems.length - 1;
            malformed({
              source: source.label,
              line: lineNo,
              reason: more > 0 ? `${firstProblem} (and ${more} more in this line)` : firstProblem,
            });
          }
          for (const { decision, format } of result.decisions) {
            if (since !== undefined && decision.at < since) {
              stats.before_since += 1;
              continue;
            }
            stats.decisions += 1;
            stats.formats[format] = (stats.formats[format] ?? 0) + 1;
            to.add(decision);
          }
          for (const run of result.runs) to.run?.(run);
          break;
        }
      }
    }
  }
  return stats;
};

export type { LineResult, ReadOptions, RecordSink };
export { readLine, readSources };
