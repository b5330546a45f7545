// A local S3-compatible server for tests: s3rver on a free port with a temporary directory, plus what
// s3rver 3.7 lacks — conditional writes (`If-None-Match: *` answered 412 PreconditionFailed when the key
// exists, as S3 and, by IBM's COS System docs, COS do) — and injectable failures (status, code,
// Retry-After) so throttling and denials run over real HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's default credentials (not secrets). */
const S3_KEY_ID = 'S3RVER';
const S3_SECRET = 'S3RVER';

interface Failure {
  method?: string;
  /** Only requests whose path contains this. */
  pathIncludes?: string;
  status: number;
  code: string;
  retryAfter?: string;
  times: number;
}

interface Seen {
  method: string;
  path: string;
  ifNoneMatch: string | undefined;
  authorization: string | undefined;
}

const errorXml = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>test</RequestId></Error>`;

const startS3 = async (buckets: string[] = []) => {
  const directory = mkdtempSync(join(tmpdir(), 'imds-guard-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const failures: Failure[] = [];
  const requests: Seen[] = [];
  let lock: Promise<void> = Promise.resolve();
  server.middleware.unshift(async (ctx, next) => {
    requests.push({
      method: ctx.method,
      path: decodeURIComponent(ctx.path),
      ifNoneMatch: ctx.get('if-none-match') || undefined,
      authorization: ctx.get('authorization') || undefined,
    });
    const f = failures.find(
      (x) =>
        x.times > 0 &&
        (x.method === undefined || x.method === ctx.method) &&
        (x.pathIncludes === undefined || decodeURIComponent(ctx.path).includes(x.pathIncludes)),
    );
    if (f) {
      f.times -= 1;
      ctx.req.resume();
      ctx.status = f.status;
      ctx.type = 'application/xml';
      if (f.retryAfter !== undefined) ctx.set('Retry-After', f.retryAfter);
      ctx.body = errorXml(f.code, `injected ${f.code}`);
      return;
    }
    const [bucket, ...rest] = decodeURIComponent(ctx.path).replace(/^\//, '').split('/');
    const key = rest.join('/');
    if (ctx.method !== 'PUT' || ctx.get('if-none-match') !== '*' || !bucket || !key) return next();
    // Check and write under one lock, so two conditional writes of one key cannot both succeed.
    const previous = lock;
    let release = (): void => {};
    lock = new Promise((r) => {
      release = r;
    });
    await previous;
    try {
      if (await server.store.existsObject(bucket, key)) {
        ctx.req.resume();
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body = errorXml(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
        return;
      }
      await next();
    } finally {
      release();
    }
  });
  const { port } = await server.run();
  const url = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint: url,
    region: 'us-south',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const keys = async (bucket: string, prefix = ''): Promise<string[]> => {
    const res = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (res.Contents ?? []).map((o) => o.Key ?? '').sort();
  };
  const bytes = async (bucket: string, key: string): Promise<Buffer> => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await (res.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
  };
  return {
    url,
    client,
    requests,
    /** Environment for a trail (or the COS job) on this server, HMAC-signed. */
    trailEnv: (bucket: string, extra: Record<string, string> = {}): Record<string, string> => ({
      IMDS_GUARD_TRAIL_BUCKET: bucket,
      IMDS_GUARD_TRAIL_ENDPOINT: url,
      IMDS_GUARD_TRAIL_REGION: 'us-south',
      IMDS_GUARD_TRAIL_ACCESS_KEY_ID: S3_KEY_ID,
      IMDS_GUARD_TRAIL_SECRET_ACCESS_KEY: S3_SECRET,
      ...extra,
    }),
    /** The next `times` matching requests fail with this status and S3 error code. */
    fail: (f: Omit<Failure, 'times'> & { times?: number }): void => {
      failures.push({ ...f, times: f.times ?? 1 });
    },
    clearFailures: (): void => {
      failures.length = 0;
    },
    keys,
    bytes,
    text: async (bucket: string, key: string): Promise<string> => (await bytes(bucket, key)).toString('utf8'),
    close: async (): Promise<void> => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
};

type S3Server = Awaited<ReturnType<typeof startS3>>;

export type { S3Server };
export { S3_KEY_ID, S3_SECRET, startS3 };
