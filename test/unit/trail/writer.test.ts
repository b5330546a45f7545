// The trail writer against a mocked S3 client (aws-sdk-client-mock: no network): throttling backs off
// honouring Retry-After, access denied fails at once, a name clash renames unless the object is ours,
// and a guard's response (shared/runtime/guard.ts `respond`) keeps the decision line, answers 503 only
// when a redelivery can help, and never writes a secret to a log line.
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { decodeDelivery, dedupeKey } from '#events/decode.ts';
import { requestFromParams } from '#events/request.ts';
import { type DecisionRecord, decisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { flushTrail } from '#shared/audit/trail/index.ts';
import { openStore } from '#shared/audit/trail/open.ts';
import { md5Hex, prepareBatch, writeBatch } from '#shared/audit/trail/writer.ts';
import { loadConfig } from '#shared/config.ts';
import type { CeParams } from '#shared/runtime/ce-params.ts';
import { respond, runtimeLoader } from '#shared/runtime/guard.ts';
import { checkRequest } from '#shared/runtime/invocation-auth.ts';
import updateEvent from '../../../events/fixtures/at/is.instance.instance.update.json' with { type: 'json' };

const KEY_ID = 'trail-unit-key-id-0001';
const SECRET = 'trail-unit-secret-9f8e7d6c5b4a';
const ENV = {
  IMDS_GUARD_TRAIL_BUCKET: 'trail-bucket',
  IMDS_GUARD_TRAIL_ENDPOINT: 'https://s3.us-south.cloud-object-storage.appdomain.cloud',
  IMDS_GUARD_TRAIL_ACCESS_KEY_ID: KEY_ID,
  IMDS_GUARD_TRAIL_SECRET_ACCESS_KEY: SECRET,
  IMDS_GUARD_POLICY: JSON.stringify({ instances: { default: { mode: 'secure' } } }),
};
const NOW = new Date('2026-05-04T13:15:42.123Z');

const s3 = mockClient(S3Client);

afterAll(() => {
  s3.restore();
});

beforeEach(() => {
  s3.reset();
});

const s3Error = (name: string, status: number, retryAfter?: string): S3ServiceException =>
  Object.assign(
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: `${name} from the store`,
    }),
    { $response: { statusCode: status, headers: retryAfter ? { 'retry-after': retryAfter } : {} } },
  );

const networkError = (): Error =>
  Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });

const record = (outcome: DecisionRecord['outcome'] = 'remediated'): DecisionRecord =>
  decisionRecord(
    {
      fn: 'instance-guard',
      event_id: 'evt-1',
      action: 'is.instance.instance.update',
      target_crn: 'crn:v1:bluemix:public:is:us-south-1:a/0123::instance:0717_1',
      outcome,
      reason: 'metadata service over http',
      before: null,
      after: null,
      initiator: 'IBMid-alice',
      correlation_id: null,
      dry_run: false,
      api_calls: 2,
      latency_ms: 3,
    },
    NOW,
  );

const setup = async (env: Record<string, string> = {}) => {
  const config = loadConfig({ ...ENV, ...env });
  const logger = memoryLogger();
  const store = await openStore(config, config.trail.connection);
  const waits: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms);
  };
  return { config, logger, store, waits, sleep, host: { config, logger, now: () => NOW } };
};

const putKeys = (): string[] => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key ?? '');

describe('writeBatch', () => {
  test('every PUT says If-None-Match: * and names the content type', async () => {
    // Prepare
    const { config, logger, store } = await setup();
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);

    // Act
    const out = await writeBatch(store, batch, { logger });

    // Assess
    expect(out).toEqual({ ok: true, key: batch.key, attempts: 1 });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'trail-bucket',
      Key: batch.key,
      IfNoneMatch: '*',
      ContentType: 'application/x-ndjson',
    });
  });

  test('SlowDown (503) twice: backs off at least 1 s each time, then writes', async () => {
    // Prepare
    const { config, logger, store, waits, sleep } = await setup();
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('SlowDown', 503))
      .rejectsOnce(s3Error('SlowDown', 503))
      .resolves({ ETag: '"x"' });
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);

    // Act
    const out = await writeBatch(store, batch, { logger, sleep });

    // Assess
    expect(out).toMatchObject({ ok: true, attempts: 3 });
    expect(waits).toHaveLength(2);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(1000);
    expect(logger.lines.filter((l) => l.message === 'trail write failed, retrying')).toHaveLength(2);
  });

  test('Retry-After is a floor; one beyond the limit gives up at once', async () => {
    // Prepare
    const { config, logger, store, waits, sleep } = await setup();
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('SlowDown', 503, '3'))
      .rejectsOnce(s3Error('SlowDown', 503, '60'))
      .resolves({});
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);

    // Act
    const out = await writeBatch(store, batch, { logger, sleep });

    // Assess
    expect(waits).toEqual([3000]);
    expect(out).toMatchObject({
      ok: false,
      attempts: 2,
      failure: { kind: 'throttled', retryAfterMs: 60_000 },
    });
  });

  test('5xx and dropped connections are retried a bounded number of times', async () => {
    // Prepare
    const { config, logger, store, waits, sleep } = await setup();
    s3.on(PutObjectCommand)
      .rejectsOnce(networkError())
      .rejectsOnce(s3Error('InternalError', 500))
      .rejects(s3Error('ServiceUnavailable', 503));
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);

    // Act
    const out = await writeBatch(store, batch, { logger, sleep, attempts: 4 });

    // Assess
    expect(out).toMatchObject({ ok: false, attempts: 4 });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(4);
    expect(waits).toHaveLength(3);
  });

  test('AccessDenied (403): one attempt, no wait, failed as denied', async () => {
    // Prepare
    const { config, logger, store, waits, sleep } = await setup();
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);

    // Act
    const out = await writeBatch(store, batch, { logger, sleep });

    // Assess
    expect(out).toMatchObject({
      ok: false,
      attempts: 1,
      failure: { kind: 'denied', status: 403, code: 'AccessDenied' },
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  test('412 on a name holding other bytes: a new name is written', async () => {
    // Prepare
    const { config, logger, store } = await setup();
    s3.on(PutObjectCommand).rejectsOnce(s3Error('PreconditionFailed', 412)).resolves({});
    s3.on(HeadObjectCommand).resolves({ ETag: '"0123456789abcdef0123456789abcdef"' });
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);
    const first = batch.key;

    // Act
    const out = await writeBatch(store, batch, { logger });

    // Assess
    expect(out).toMatchObject({ ok: true });
    const keys = putKeys();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(first);
    expect(keys[1]).not.toBe(first);
    expect(keys[1]?.replace(/-[0-9a-f]{16}\.jsonl$/, '')).toBe(first.replace(/-[0-9a-f]{16}\.jsonl$/, ''));
  });

  test('412 on a name holding our own bytes (an earlier attempt landed): done, nothing written twice', async () => {
    // Prepare
    const { config, logger, store } = await setup();
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves({ ETag: `"${md5Hex(batch.body)}"` });

    // Act
    const out = await writeBatch(store, batch, { logger });

    // Assess
    expect(out).toMatchObject({ ok: true, deduplicated: true });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  test('409 ConditionalRequestConflict counts as a clash too', async () => {
    // Prepare
    const { config, logger, store } = await setup();
    s3.on(PutObjectCommand).rejectsOnce(s3Error('ConditionalRequestConflict', 409)).resolves({});
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    const batch = prepareBatch(config.trail, 'instance-guard', [record()], NOW);

    // Act
    const out = await writeBatch(store, batch, { logger });

    // Assess
    expect(out).toMatchObject({ ok: true, attempts: 1 });
    expect(new Set(putKeys()).size).toBe(2);
  });
});

describe('flushTrail', () => {
  test('a batch that failed is kept and written, under its first name, before the next one', async () => {
    // Prepare
    const { host, sleep } = await setup();
    const state = { pending: [] };
    s3.on(PutObjectCommand).rejects(s3Error('ServiceUnavailable', 503));
    const failed = await flushTrail(host, state, 'instance-guard', [record('remediated')], { sleep });
    const firstName = putKeys()[0];
    s3.reset();
    s3.on(PutObjectCommand).resolves({});

    // Act
    const out = await flushTrail(host, state, 'instance-guard', [record('compliant')], { sleep });

    // Assess
    expect(failed).toMatchObject({ ok: false, retryable: true, pending: 1 });
    expect(out).toMatchObject({ ok: true });
    expect(putKeys()[0]).toBe(firstName);
    expect(putKeys()).toHaveLength(2);
    expect(state.pending).toEqual([]);
  });

  test('a container keeps at most 20 unwritten batches; older ones are dropped with an error line', async () => {
    // Prepare
    const { host, sleep } = await setup();
    const state = { pending: [] };
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));

    // Act
    for (let i = 0; i < 22; i += 1) await flushTrail(host, state, 'instance-guard', [record()], { sleep });

    // Assess
    expect(state.pending).toHaveLength(20);
    expect(host.logger.lines.filter((l) => l.message === 'trail batch dropped')).toHaveLength(2);
  });

  test('ignored records are not written, and an invocation with nothing else writes nothing', async () => {
    // Prepare
    const { host } = await setup();

    // Act
    const out = await flushTrail(host, { pending: [] }, 'instance-guard', [record('ignored')]);

    // Assess
    expect(out).toEqual({ ok: true, written: [], skipped: 'empty' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('respond (decision lines, status, then the trail)', () => {
  const params: CeParams = { ...updateEvent };

  const wrapped = async (env: Record<string, string> = {}) => {
    const logger = memoryLogger();
    const runtime = runtimeLoader('instance-guard', { env: { ...ENV, ...env }, logger, now: () => NOW });
    const rt = await runtime();
    const request = requestFromParams(params);
    const delivery = decodeDelivery(request);
    if (!delivery.ok) throw new Error('fixture must decode');
    const main = async (_params: CeParams) =>
      checkRequest(rt, request) ?? respond(rt, [{ record: record() }], delivery);
    return { main, rt, logger };
  };

  test('transient failure: decision line first, then the warning, 503, and the seen-cache forgets the event', async () => {
    // Prepare
    const { main, rt, logger } = await wrapped();
    s3.on(PutObjectCommand).rejects(s3Error('SlowDown', 503, '30'));
    const delivery = decodeDelivery(requestFromParams(params));
    if (!delivery.ok) throw new Error('fixture must decode');
    const key = dedupeKey(delivery.events[0]!);
    rt.seen.claim(key);

    // Act
    const res = await main(params);

    // Assess
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatchObject({
      outcome: 'remediated',
      trail: { written: false, error: 'SlowDown (HTTP 503)' },
    });
    const messages = logger.lines.map((l) => l.message);
    expect(isDecisionLine(logger.lines[0])).toBe(true);
    expect(messages).toContain('trail write failed');
    expect(rt.seen.claim(key)).toBe(true);
  });

  test('access denied: the answer stays 200 (a redelivery cannot help), the failure is in the body and the log', async () => {
    // Prepare
    const { main, logger } = await wrapped();
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));

    // Act
    const res = await main(params);

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ trail: { written: false, error: 'AccessDenied (HTTP 403)' } });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(logger.lines.filter(isDecisionLine)).toHaveLength(1);
  });

  test('a 401 answer and an unconfigured trail pass through without touching object storage', async () => {
    // Prepare
    const refused = await wrapped({ IMDS_GUARD_INVOKE_TOKEN: 'trail-unit-invoke-token-0123' });
    const off = await wrapped({ IMDS_GUARD_TRAIL_BUCKET: '' });

    // Act
    const a = await refused.main(params);
    const b = await off.main(params);

    // Assess
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(200);
    expect(b.body).not.toHaveProperty('trail');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('no log line carries the HMAC key id or secret, whatever failed', async () => {
    // Prepare
    const { main, logger } = await wrapped();
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('SignatureDoesNotMatch', 403))
      .rejects(s3Error('SlowDown', 503, '30'));

    // Act
    await main(params);
    await main(params);

    // Assess
    const all = JSON.stringify(logger.lines);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(KEY_ID);
  });
});
