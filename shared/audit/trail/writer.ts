// One batch of decision records → one write-once object. Every PUT carries `If-None-Match: *`, so no
// object is ever replaced. A clash (412, or 409 from stores that answer so) means the name is taken:
// if the object there holds exactly our bytes an earlier attempt landed (its answer was lost) and we
// are done; otherwise a new name is picked. Throttling and 5xx are retried with backoff that honours
// Retry-After; denials and other 4xx are not retried at all.
import { createHash } from 'node:crypto';
import type { TrailConfig } from '../../config.ts';
import { zlib } from '../../runtime/builtins.ts';
import { type Logger, redact } from '../logger.ts';
import { renameKey, trailObjectKey } from './names.ts';
import { bareEtag, describeFailure, isRetryable, type ObjectStore, type StoreFailure } from './types.ts';

interface Batch {
  bucket: string;
  key: string;
  body: Buffer;
  /** MD5 of `body`, hex: what S3 and IBM COS report as the ETag of a single-part, unencrypted PUT. */
  md5: string;
  contentType: string;
  records: number;
}

interface WriteOptions {
  logger: Logger;
  /** Attempts for throttling/5xx/network failures, the first included (default 4). */
  attempts?: number;
  baseDelayMs?: number;
  /** Least wait after SlowDown/429/503 when the store sends no Retry-After (default 1 s). */
  throttleFloorMs?: number;
  maxDelayMs?: number;
  /** A longer Retry-After gives up at once: the platform's redelivery is the better wait (default 10 s). */
  maxRetryAfterMs?: number;
  /** Never start a wait that would end later than this many ms after the first attempt (default 20 s). */
  budgetMs?: number;
  /** New names tried after clashes (default 3). */
  maxClashes?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type WriteOutcome =
  | { ok: true; key: string; attempts: number; deduplicated?: true }
  | { ok: false; key: string; attempts: number; failure: StoreFailure };

const md5Hex = (body: Buffer): string => createHash('md5').update(body).digest('hex');

/** Records → JSON lines (redacted like log lines), gzip if configured, under a fresh name. */
const prepareBatch = (cfg: TrailConfig, fn: string, records: readonly object[], at: Date): Batch => {
  const text = records.map((r) => JSON.stringify(redact(r))).join('\n');
  const body = cfg.gzip
    ? zlib().gzipSync(Buffer.from(`${text}\n`, 'utf8'))
    : Buffer.from(`${text}\n`, 'utf8');
  return {
    bucket: cfg.bucket ?? '',
    key: trailObjectKey(cfg.prefix, fn, at, { gzip: cfg.gzip }),
    body,
    md5: md5Hex(body),
    contentType: cfg.gzip ? 'application/gzip' : 'application/x-ndjson',
    records: records.length,
  };
};

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const errorFields = (f: StoreFailure): Record<string, unknown> => ({
  status: f.status,
  code: f.code,
  message: f.message,
});

/** Writes the batch (renaming it on a genuine clash); `batch.key` ends as the name written or tried. */
const writeBatch = async (store: ObjectStore, batch: Batch, o: WriteOptions): Promise<WriteOutcome> => {
  const attempts = o.attempts ?? 4;
  const base = o.baseDelayMs ?? 250;
  const floor = o.throttleFloorMs ?? 1_000;
  const cap = o.maxDelayMs ?? 8_000;
  const maxRetryAfter = o.maxRetryAfterMs ?? 10_000;
  const deadline = Date.now() + (o.budgetMs ?? 20_000);
  const sleep = o.sleep ?? defaultSleep;
  const random = o.random ?? Math.random;
  let clashes = 0;
  for (let attempt = 1; ; ) {
    const put = await store.put(batch.bucket, batch.key, batch.body, {
      contentType: batch.contentType,
      ifNoneMatch: true,
    });
    if (put.ok) return { ok: true, key: batch.key, attempts: attempt };
    const f = put.failure;
    if (f.kind === 'clash') {
      const there = await store.head(batch.bucket, batch.key);
      if (there.ok && bareEtag(there.etag) === batch.md5)
        return { ok: true, key: batch.key, attempts: attempt, deduplicated: true };
      clashes += 1;
      if (clashes > (o.maxClashes ?? 3)) return { ok: false, key: batch.key, attempts: attempt, failure: f };
      const taken = batch.key;
      batch.key = renameKey(batch.key);
      o.logger.warn('trail object name taken, renamed', {
        bucket: batch.bucket,
        object: taken,
        renamed: batch.key,
      });
      continue;
    }
    if (!isRetryable(f) || attempt >= attempts)
      return { ok: false, key: batch.key, attempts: attempt, failure: f };
    if (f.retryAfterMs !== undefined && f.retryAfterMs > maxRetryAfter)
      return { ok: false, key: batch.key, attempts: attempt, failure: f };
    const backoff = Math.min(cap, base * 2 ** (attempt - 1));
    const jittered = Math.round(backoff / 2 + (random() * backoff) / 2);
    const delayMs = Math.max(f.retryAfterMs ?? (f.kind === 'throttled' ? floor : 0), jittered);
    if (Date.now() + delayMs > deadline) return { ok: false, key: batch.key, attempts: attempt, failure: f };
    o.logger.warn('trail write failed, retrying', {
      bucket: batch.bucket,
      object: batch.key,
      records: batch.records,
      attempt,
      retry_in_ms: delayMs,
      error: errorFields(f),
    });
    await sleep(delayMs);
    attempt += 1;
  }
};

export type { Batch, WriteOptions, WriteOutcome };
export { describeFailure, errorFields, md5Hex, prepareBatch, writeBatch };
