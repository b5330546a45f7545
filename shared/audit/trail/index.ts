// The COS audit trail: after an invocation's decisions are logged (always first), they are written as
// one write-once object. A batch that cannot be written stays in this container's memory and is tried
// again before the next batch; when a transient failure outlasts the retries the function answers 503
// so the platform delivers the event again (shared/runtime/guard.ts `respond`; the guards are idempotent).
import type { Config } from '../../config.ts';
import { errorMessage } from '../../errors.ts';
import type { DecisionRecord } from '../decision.ts';
import type { Logger } from '../logger.ts';
import { openStore } from './open.ts';
import type { ObjectStore, StoreFailure } from './types.ts';
import { type Batch, errorFields, prepareBatch, type WriteOptions, writeBatch } from './writer.ts';

/** What writing a trail needs from its host (a guard runtime, the COS job). */
interface TrailHost {
  config: Config;
  logger: Logger;
  now: () => Date;
}

/** Batches not yet written, per runtime (a warm container). */
interface TrailState {
  pending: Batch[];
}

type TrailFlush =
  | { ok: true; written: string[]; skipped?: 'off' | 'empty' }
  | {
      ok: false;
      object: string;
      failure: StoreFailure;
      retryable: boolean;
      pending: number;
      written: string[];
    };

type FlushOptions = Omit<WriteOptions, 'logger'> & {
  /** Tests and the COS job may hand over a store; otherwise one is opened from the configuration. */
  store?: ObjectStore;
};

// Bounds on what a container keeps when object storage is down: beyond them the oldest batch is
// dropped, with an error line naming it (its records are still in the function's log lines).
const MAX_PENDING_BATCHES = 20;
const MAX_PENDING_RECORDS = 10_000;
// Earlier batches get one attempt each per invocation, so an outage does not multiply waiting.
const PENDING_PER_FLUSH = 3;

const states = new WeakMap<object, TrailState>();

const stateFor = (owner: object): TrailState => {
  let s = states.get(owner);
  if (!s) {
    s = { pending: [] };
    states.set(owner, s);
  }
  return s;
};

/** The records a trail keeps: every outcome but `ignored`, unless configured otherwise. */
const trailRecords = (config: Config, records: readonly DecisionRecord[]): DecisionRecord[] =>
  records.filter((r) => config.trail.includeIgnored || r.outcome !== 'ignored');

const configFailure = (err: unknown): StoreFailure => ({
  kind: 'permanent',
  status: 0,
  code: err instanceof Error ? err.name : 'Error',
  message: errorMessage(err),
});

const keepPending = (host: TrailHost, state: TrailState, batch: Batch): void => {
  state.pending.push(batch);
  let records = state.pending.reduce((n, b) => n + b.records, 0);
  while (state.pending.length > MAX_PENDING_BATCHES || records > MAX_PENDING_RECORDS) {
    const dropped = state.pending.shift();
    if (!dropped) break;
    records -= dropped.records;
    host.logger.error('trail batch dropped', {
      bucket: dropped.bucket,
      object: dropped.key,
      records: dropped.records,
      reason: 'too many unwritten batches in this container; the records remain in the log lines',
    });
  }
};

/** Writes earlier unwritten batches (one attempt each), then this invocation's records. */
const flushTrail = async (
  host: TrailHost,
  state: TrailState,
  fn: string,
  records: readonly DecisionRecord[],
  options: FlushOptions = {},
): Promise<TrailFlush> => {
  const cfg = host.config.trail;
  if (!cfg.bucket) return { ok: true, written: [], skipped: 'off' };
  const kept = trailRecords(host.config, records);
  if (kept.length === 0 && state.pending.length === 0) return { ok: true, written: [], skipped: 'empty' };
  const batch = kept.length > 0 ? prepareBatch(cfg, fn, kept, host.now()) : undefined;
  let store: ObjectStore;
  try {
    store = options.store ?? (await openStore(host.config, cfg.connection));
  } catch (err) {
    const failure = configFailure(err);
    if (batch) keepPending(host, state, batch);
    host.logger.warn('trail write failed', {
      bucket: cfg.bucket,
      object: batch?.key ?? null,
      records: batch?.records ?? 0,
      error: errorFields(failure),
    });
    return {
      ok: false,
      object: batch?.key ?? '',
      failure,
      retryable: false,
      pending: state.pending.length,
      written: [],
    };
  }
  const writeOptions: WriteOptions = { ...options, logger: host.logger };
  const written: string[] = [];
  for (const earlier of state.pending.slice(0, PENDING_PER_FLUSH)) {
    const out = await writeBatch(store, earlier, { ...writeOptions, attempts: 1 });
    if (!out.ok) break;
    written.push(out.key);
    state.pending.splice(state.pending.indexOf(earlier), 1);
  }
  if (!batch) return { ok: true, written };
  const out = await writeBatch(store, batch, writeOptions);
  if (out.ok) return { ok: true, written: [...written, out.key] };
  keepPending(host, state, batch);
  const retryable = out.failure.kind === 'throttled' || out.failure.kind === 'transient';
  host.logger.warn('trail write failed', {
    bucket: batch.bucket,
    object: batch.key,
    records: batch.records,
    attempts: out.attempts,
    error: errorFields(out.failure),
    kept_in_memory: state.pending.length,
  });
  return {
    ok: false,
    object: batch.key,
    failure: out.failure,
    retryable,
    pending: state.pending.length,
    written,
  };
};

export type { FlushOptions, TrailFlush, TrailHost, TrailState };
export { flushTrail, stateFor, trailRecords };
