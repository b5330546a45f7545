// The S3 client behind `ObjectStore`, for IBM Cloud Object Storage (or any S3-compatible store). Its
// own bundle file: @aws-sdk/client-s3 is ~600 KB, so it is required only when a trail is written or an
// object read. Checksums only when an operation requires them (S3-compatible stores reject or ignore
// the newer defaults), path-style URLs, one attempt per call: retries are the caller's (writer.ts).
// The SDK itself is imported when the first store is created: the CLI bundle (ESM, packages
// external) would otherwise load it at every start.
import type { ListObjectsV2CommandOutput, S3ClientConfig } from '@aws-sdk/client-s3';
import type { CosConnection } from '../../config.ts';
import { parseRetryAfter } from '../../runtime/retry.ts';
import type { FailureKind, ObjectInfo, ObjectStore, PutOptions, StoreFailure, StoreResult } from './types.ts';

interface StoreOptions {
  /** IAM bearer tokens instead of HMAC signatures (IBM COS accepts `Authorization: Bearer <IAM token>`). */
  bearer?: () => Promise<string>;
  /** Per-request limits (ms): a hung connection must not eat the function's 60 s. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'RequestLimitExceeded',
]);
const CLASH_409 = new Set(['ConditionalRequestConflict', 'ObjectAlreadyExists', 'OperationAborted']);

// An S3 error message never carries the secret key, but SignatureDoesNotMatch bodies can echo the
// request; keep messages short and strip anything shaped like a signature or a bearer token.
const scrub = (message: string): string =>
  message
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/Signature=[0-9a-f]+/gi, 'Signature=[redacted]')
    .slice(0, 300);

const kindOf = (status: number, code: string, operation: 'write' | 'read'): FailureKind => {
  if (status === 412 || code === 'PreconditionFailed') return 'clash';
  if (status === 409 && CLASH_409.has(code)) return operation === 'write' ? 'clash' : 'transient';
  if (THROTTLING.has(code) || status === 429 || status === 503) return 'throttled';
  if (status === 0 || status >= 500) return 'transient';
  if (status === 404 && code !== 'NoSuchBucket' && operation === 'read') return 'not-found';
  if (status === 401 || status === 403) return 'denied';
  return 'permanent';
};

/** Any SDK or network error → what to do about it. */
const classify = (err: unknown, operation: 'write' | 'read'): StoreFailure => {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode ?? 0;
  const code = e.Code ?? e.code ?? e.name ?? 'Error';
  const retryAfterMs = parseRetryAfter(e.$response?.headers?.['retry-after'] ?? undefined);
  return {
    kind: kindOf(status, code, operation),
    status,
    code,
    message: scrub(e.message ?? String(err)),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
};

class StoreReadError extends Error {
  override name = 'StoreReadError';
}

const clientConfig = (conn: CosConnection, o: StoreOptions): S3ClientConfig => {
  const base: S3ClientConfig = {
    endpoint: conn.endpoint,
    region: conn.region,
    forcePathStyle: true,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      requestTimeout: o.requestTimeoutMs ?? 10_000,
      connectionTimeout: o.connectionTimeoutMs ?? 3_000,
    },
  };
  if (conn.accessKeyId && conn.secretAccessKey)
    return { ...base, credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey } };
  const bearer = o.bearer;
  if (!bearer) throw new Error('object storage needs HMAC keys or an IAM token provider');
  // IBM COS takes an IAM token instead of a SigV4 signature: replace the signer, skip credential lookup.
  return {
    ...base,
    httpAuthSchemes: [
      {
        schemeId: 'aws.auth#sigv4',
        identityProvider: () => async () => ({}),
        signer: {
          sign: async (request) => {
            const req = request as { headers: Record<string, string> };
            req.headers.authorization = `Bearer ${await bearer()}`;
            return request;
          },
        },
      },
    ],
  };
};

/** One call, its error classified instead of thrown. */
const attempt = async <T>(
  operation: 'write' | 'read',
  run: () => Promise<T>,
): Promise<StoreResult<{ value: T }>> => {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, failure: classify(err, operation) };
  }
};

/** A streamed read or listing that failed: the generator throws this (its cause: the failure). */
const readError = (what: string, err: unknown): StoreReadError => {
  const f = classify(err, 'read');
  return new StoreReadError(`cannot ${what}: ${f.code} ${f.message}`, { cause: f });
};

const createStore = async (conn: CosConnection, o: StoreOptions = {}): Promise<ObjectStore> => {
  const { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } =
    await import('@aws-sdk/client-s3');
  const client = new S3Client(clientConfig(conn, o));
  const put: ObjectStore['put'] = async (bucket, key, body, options: PutOptions) => {
    const r = await attempt('write', () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          ContentLength: body.length,
          ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          ...(options.metadata ? { Metadata: options.metadata } : {}),
        }),
      ),
    );
    return r.ok ? { ok: true, etag: r.value.ETag ?? '' } : r;
  };
  const head: ObjectStore['head'] = async (bucket, key) => {
    const r = await attempt('read', () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    return r.ok ? { ok: true, etag: r.value.ETag ?? '', size: r.value.ContentLength ?? 0 } : r;
  };
  const get: ObjectStore['get'] = async (bucket, key) => {
    const r = await attempt('read', async () => {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      return { body: Buffer.from(bytes), etag: res.ETag ?? '' };
    });
    return r.ok ? { ok: true, ...r.value } : r;
  };
  const stream = async function* (bucket: string, key: string): AsyncGenerator<Uint8Array> {
    let body: AsyncIterable<Uint8Array> | undefined;
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      body = res.Body as AsyncIterable<Uint8Array> | undefined;
    } catch (err) {
      throw readError(`read ${bucket}/${key}`, err);
    }
    if (body) yield* body;
  };
  const list = async function* (bucket: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
      } catch (err) {
        throw readError(`list ${bucket}/${prefix}`, err);
      }
      for (const o of page.Contents ?? [])
        if (o.Key) yield { key: o.Key, size: o.Size ?? 0, etag: o.ETag ?? '' };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  };
  return { put, head, get, stream, list };
};

export type { StoreOptions };
export { classify, createStore, StoreReadError };
