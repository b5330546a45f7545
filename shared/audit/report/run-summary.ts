// The summary line a bulk run logs when it ends — `sweep summary` (the cron function), `job summary`
// (one shard of the job), `scan summary` (the demo's scans) — read so the report knows which runs saw
// the whole account: the state now starts from the latest complete one.

import { type LineMeta, toEpochMs } from './record.ts';
import { isRecord, text } from './record-detail.ts';

interface RunSummary {
  fn: string;
  runId: string;
  at: number;
  complete: boolean;
  /** `i/n` for one shard of a job array. */
  shard: string | null;
}

const SUMMARY_MESSAGE = /^(sweep|job|scan) summary$/;

const looksLikeRunSummary = (x: unknown): boolean =>
  isRecord(x) &&
  typeof x.message === 'string' &&
  SUMMARY_MESSAGE.test(x.message) &&
  (text(x.correlation_id) ?? text(x.run_id)) !== null;

/** The run's identity and whether it finished; null when the line lacks a time or a verdict. */
const normalizeRunSummary = (x: unknown, meta: LineMeta = {}): RunSummary | null => {
  if (!isRecord(x)) return null;
  const runId = text(x.run_id) ?? text(x.correlation_id);
  const at = toEpochMs(x.timestamp) ?? meta.timestamp ?? null;
  if (!runId || at === null || typeof x.complete !== 'boolean') return null;
  const message = typeof x.message === 'string' ? x.message : '';
  return {
    fn: text(x.fn) ?? (message.startsWith('scan') ? 'scan' : 'sweep'),
    runId,
    at,
    complete: x.complete,
    shard: text(x.shard),
  };
};

export type { RunSummary };
export { looksLikeRunSummary, normalizeRunSummary };
