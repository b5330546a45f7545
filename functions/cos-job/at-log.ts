// An Activity Tracker object in COS → its events, in file order. Objects are named
// `<account>/<region>/<date hour>/<timestamp>+<offset>_<uuid>.log` (AT-COSNAME) and hold JSON; whether
// they are gzip-compressed is not documented ("a file of 20 bytes … does not contain any data" suggests
// gzip, AT-DE), so both are read: gzip by its magic bytes, then a JSON array, JSON lines, or one object.
// Pure and total: a bad line becomes a problem with its line number, never an exception.
import { gunzipSync } from 'node:zlib';
import { isRecord } from '#events/schema.ts';

/** One entry of the file, in order: a candidate event, or a line that could not be read. */
type Candidate =
  | {
      /** 1-based line of the file (1 for a JSON array or a single object). */
      line: number;
      value: unknown;
    }
  | { line: number; problem: string };

interface AtLog {
  /** Everything in file order, unreadable lines included (they are recorded where they stand). */
  candidates: Candidate[];
  problems: { line: number; reason: string }[];
  format: 'empty' | 'json-array' | 'json-object' | 'json-lines';
  gzip: boolean;
}

/** Decompressed size limit: a job has memory, but a corrupt or hostile file must not take it all. */
const MAX_TEXT_BYTES = 512 * 1024 * 1024;

const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

const shortError = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 120);

/** A wrapper some exports use (`{logs:[…]}`, `{events:[…]}`) or the event itself. */
const eventsOf = (value: unknown): unknown[] => {
  if (Array.isArray(value)) return value;
  if (isRecord(value)) {
    for (const k of ['events', 'logs', 'lines'] as const)
      if (Array.isArray(value[k])) return value[k] as unknown[];
  }
  return [value];
};

const parseAtLog = (bytes: Buffer): AtLog => {
  const gzip = isGzip(bytes);
  let text: string;
  try {
    text = (gzip ? gunzipSync(bytes, { maxOutputLength: MAX_TEXT_BYTES }) : bytes).toString('utf8');
  } catch (err) {
    const reason = `cannot gunzip: ${shortError(err)}`;
    return {
      candidates: [{ line: 0, problem: reason }],
      problems: [{ line: 0, reason }],
      format: 'empty',
      gzip,
    };
  }
  text = text.replace(/^\uFEFF/, '');
  const trimmed = text.trim();
  if (trimmed === '') return { candidates: [], problems: [], format: 'empty', gzip };
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const whole: unknown = JSON.parse(trimmed);
      const list = eventsOf(whole);
      return {
        candidates: list.map((value) => ({ line: 1, value })),
        problems: [],
        format: Array.isArray(whole) ? 'json-array' : 'json-object',
        gzip,
      };
    } catch {
      // Several JSON documents: read line by line below.
    }
  }
  const candidates: Candidate[] = [];
  const problems: AtLog['problems'] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim().replace(/,$/, '');
    if (line === '' || line === '[' || line === ']') return;
    try {
      for (const value of eventsOf(JSON.parse(line))) candidates.push({ line: i + 1, value });
    } catch (err) {
      const reason = `not JSON (${shortError(err)})`;
      problems.push({ line: i + 1, reason });
      candidates.push({ line: i + 1, problem: reason });
    }
  });
  return { candidates, problems, format: 'json-lines', gzip };
};

export type { AtLog, Candidate };
export { parseAtLog };
