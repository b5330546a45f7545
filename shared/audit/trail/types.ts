// What the rest of the code knows about object storage: a small interface, no SDK. The S3 client
// behind it (`s3.ts`) is its own bundle file, loaded only when a trail is written or an object read.

/** Why an object-storage request failed, sorted by what to do about it. */
type FailureKind =
  /** 412 / 409 on a conditional write: the name is taken. */
  | 'clash'
  /** SlowDown, 429, 503: back off (honouring Retry-After), then try again. */
  | 'throttled'
  /** Other 5xx, timeouts, connection errors: try again. */
  | 'transient'
  /** 404 on an object read. */
  | 'not-found'
  /** 401/403: credentials or IAM roles; retrying will not help until a human fixes them. */
  | 'denied'
  /** Anything else (400, NoSuchBucket, …): retrying will not help. */
  | 'permanent';

interface StoreFailure {
  kind: FailureKind;
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** S3 error code (`SlowDown`, `AccessDenied`, `PreconditionFailed`…) or the network error's name. */
  code: string;
  /** The store's message, with anything that looks like a credential removed. */
  message: string;
  retryAfterMs?: number;
}

type StoreResult<T> = ({ ok: true } & T) | { ok: false; failure: StoreFailure };

interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
}

interface PutOptions {
  contentType: string;
  /** Send `If-None-Match: *`: never replace an existing object. */
  ifNoneMatch: boolean;
  metadata?: Record<string, string>;
}

/** One S3-compatible endpoint with its credentials. */
interface ObjectStore {
  put(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<StoreResult<{ etag: string }>>;
  head(bucket: string, key: string): Promise<StoreResult<{ etag: string; size: number }>>;
  /** The whole object (Activity Tracker files are small enough to hold). */
  get(bucket: string, key: string): Promise<StoreResult<{ body: Buffer; etag: string }>>;
  /** The object's bytes as they arrive; throws (with a StoreFailure in `cause`) when it cannot be read. */
  stream(bucket: string, key: string): AsyncIterable<Uint8Array>;
  /** Every object under a prefix, in key order. Throws like `stream`. */
  list(bucket: string, prefix: string): AsyncIterable<ObjectInfo>;
}

const RETRYABLE = new Set<FailureKind>(['throttled', 'transient']);

const isRetryable = (f: StoreFailure): boolean => RETRYABLE.has(f.kind);

/** `"abc"` → `abc` (S3 quotes ETags; some stores do not). */
const bareEtag = (etag: string | undefined): string =>
  (etag ?? '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();

const describeFailure = (f: StoreFailure): string =>
  `${f.code}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`;

export type { FailureKind, ObjectInfo, ObjectStore, PutOptions, StoreFailure, StoreResult };
export { bareEtag, describeFailure, isRetryable };
