// The trail of a long run (the sweep): records are written as the run goes, in batches — one write-once
// object per `batchRecords` records, or sooner once the batch's first record is `batchAgeMs` old — not
// one object at the end, so a run that is stopped (SIGTERM, the function's time limit) has its records
// in COS up to the last batch. Each batch goes through `flushTrail` (the guards' path: retries, write-once
// names, unwritten batches kept in the container and tried again first), one at a time, in order.
import type { DecisionRecord } from '../decision.ts';
import { type FlushOptions, flushTrail, type TrailFlush, type TrailHost, type TrailState } from './index.ts';

interface TrailStreamOptions extends FlushOptions {
  /** Records per object (default 500). */
  batchRecords?: number;
  /** A batch is written once its first record is this old, however small (default 5 s). */
  batchAgeMs?: number;
}

/** What a stream wrote, for the run's response and summary. */
interface TrailStreamReport {
  objects: string[];
  records: number;
  /** The last failed write (its records stay in the container's memory, tried again first). */
  failed?: Extract<TrailFlush, { ok: false }>;
}

const DEFAULT_BATCH_RECORDS = 500;
const DEFAULT_BATCH_AGE_MS = 5_000;

const openTrailStream = (
  host: TrailHost,
  state: TrailState,
  fn: string,
  options: TrailStreamOptions = {},
) => {
  const { batchRecords = DEFAULT_BATCH_RECORDS, batchAgeMs = DEFAULT_BATCH_AGE_MS, ...flush } = options;
  const on = Boolean(host.config.trail.bucket);
  const report: TrailStreamReport = { objects: [], records: 0 };
  let buffer: DecisionRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writes: Promise<void> = Promise.resolve();
  const write = async (batch: DecisionRecord[]): Promise<void> => {
    const out = await flushTrail(host, state, fn, batch, flush);
    report.objects.push(...out.written);
    if (out.ok) {
      report.records += batch.length;
      delete report.failed;
    } else report.failed = out;
  };
  /** Hands the buffered records to the writer (after the batches before them). */
  const cut = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (buffer.length > 0) {
      const batch = buffer;
      buffer = [];
      writes = writes.then(() => write(batch));
    }
    return writes;
  };
  return {
    /** A record the run has logged: kept for the next batch (ignored ones only if configured). */
    add: (r: DecisionRecord): void => {
      if (!on || (r.outcome === 'ignored' && !host.config.trail.includeIgnored)) return;
      buffer.push(r);
      if (buffer.length >= batchRecords) void cut();
      else if (!timer) timer = setTimeout(() => void cut(), batchAgeMs).unref();
    },
    /** Write what is buffered now (a stop signal): resolves when every batch so far is written or kept. */
    flush: cut,
    /** The last batch written; what the stream wrote. */
    close: async (): Promise<TrailStreamReport> => {
      await cut();
      return report;
    },
  };
};

type TrailStream = ReturnType<typeof openTrailStream>;

export type { TrailStream, TrailStreamOptions, TrailStreamReport };
export { DEFAULT_BATCH_RECORDS, openTrailStream };
