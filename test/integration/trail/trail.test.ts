// The COS audit trail against a local S3-compatible server: write-once objects under hourly prefixes,
// If-None-Match refusals, renaming after a clash, no duplicate after a write whose answer was lost,
// gzip, throttling over real HTTP, and the guard function answering 503 when the trail cannot be written.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type DecisionRecord, decisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { flushTrail } from '#shared/audit/trail/index.ts';
import { openStore } from '#shared/audit/trail/open.ts';
import { prepareBatch, writeBatch } from '#shared/audit/trail/writer.ts';
import { loadConfig } from '#shared/config.ts';
import { adminClient, withEmulator } from '../../helpers/emulator.ts';
import { asParams, bodyOf, startWorld, type World } from '../instance-guard/support.ts';
import { type S3Server, startS3 } from './s3-server.ts';

const BUCKET = 'decision-trail';
const NOW = new Date('2026-05-04T13:15:42.123Z');
const SECURE = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };

const record = (n: number, outcome: DecisionRecord['outcome'] = 'remediated'): DecisionRecord =>
  decisionRecord(
    {
      fn: 'instance-guard',
      event_id: `evt-${n}`,
      action: 'is.instance.instance.update',
      target_crn: `crn:v1:bluemix:public:is:us-south-1:a/0123456789abcdef0123456789abcdef::instance:0717_${n}`,
      outcome,
      reason: 'metadata service over http',
      before: { protocol: 'http' },
      after: { protocol: 'https' },
      initiator: 'IBMid-alice',
      correlation_id: null,
      dry_run: false,
      api_calls: 2,
      latency_ms: 12.5,
    },
    NOW,
  );

let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
});

afterAll(async () => {
  await s3.close();
});

beforeEach(() => {
  s3.clearFailures();
});

const hostFor = (extra: Record<string, string> = {}) => ({
  config: loadConfig(
    s3.trailEnv(BUCKET, { IMDS_GUARD_TRAIL_PREFIX: `t-${Math.random().toString(36).slice(2)}`, ...extra }),
  ),
  logger: memoryLogger(),
  now: () => NOW,
});

describe('write-once objects', () => {
  test('a batch becomes one JSON-lines object under <prefix>/yyyy/mm/dd/hh, written with If-None-Match: *', async () => {
    // Prepare
    const host = hostFor();
    const records = [record(1), record(2, 'compliant'), record(3, 'ignored')];

    // Act
    const out = await flushTrail(host, { pending: [] }, 'instance-guard', records);

    // Assess: ignored records stay out of the trail; the object holds the others, one per line.
    expect(out).toMatchObject({ ok: true });
    const keys = await s3.keys(BUCKET, host.config.trail.prefix);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(
      new RegExp(
        `^${host.config.trail.prefix}/2026/05/04/13/instance-guard-20260504T131542123Z-[0-9a-f]{16}\\.jsonl$`,
      ),
    );
    const lines = (await s3.text(BUCKET, keys[0] ?? ''))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([record(1), record(2, 'compliant')]);
    const puts = s3.requests.filter((r) => r.method === 'PUT' && r.path.includes(host.config.trail.prefix));
    expect(puts.map((p) => p.ifNoneMatch)).toEqual(['*']);
  });

  test('If-None-Match: * refuses to replace an existing object (412), and the object keeps its content', async () => {
    // Prepare
    const host = hostFor();
    const store = await openStore(host.config, host.config.trail.connection);
    const key = `${host.config.trail.prefix}/existing.jsonl`;
    await store.put(BUCKET, key, Buffer.from('first\n'), {
      contentType: 'application/x-ndjson',
      ifNoneMatch: true,
    });

    // Act
    const second = await store.put(BUCKET, key, Buffer.from('second\n'), {
      contentType: 'application/x-ndjson',
      ifNoneMatch: true,
    });

    // Assess
    expect(second).toMatchObject({
      ok: false,
      failure: { kind: 'clash', status: 412, code: 'PreconditionFailed' },
    });
    expect(await s3.text(BUCKET, key)).toBe('first\n');
  });

  test('a name taken by another object: the batch is written under a new name, the other stays as it was', async () => {
    // Prepare: someone else's object already sits at the batch's name.
    const host = hostFor();
    const store = await openStore(host.config, host.config.trail.connection);
    const batch = prepareBatch(host.config.trail, 'instance-guard', [record(1)], NOW);
    const taken = batch.key;
    await store.put(BUCKET, taken, Buffer.from('not ours\n'), {
      contentType: 'text/plain',
      ifNoneMatch: true,
    });

    // Act
    const out = await writeBatch(store, batch, { logger: host.logger });

    // Assess
    expect(out).toMatchObject({ ok: true });
    expect(batch.key).not.toBe(taken);
    expect(await s3.text(BUCKET, taken)).toBe('not ours\n');
    expect(JSON.parse(await s3.text(BUCKET, batch.key))).toEqual(record(1));
    expect(host.logger.lines).toContainEqual(
      expect.objectContaining({ message: 'trail object name taken, renamed' }),
    );
  });

  test('a write whose answer was lost is not duplicated: the 412 on retry finds our own bytes', async () => {
    // Prepare: the first PUT landed.
    const host = hostFor();
    const store = await openStore(host.config, host.config.trail.connection);
    const batch = prepareBatch(host.config.trail, 'instance-guard', [record(1), record(2)], NOW);
    expect(await writeBatch(store, batch, { logger: host.logger })).toMatchObject({ ok: true });

    // Act: the same batch again, as after a timeout.
    const again = await writeBatch(store, batch, { logger: host.logger });

    // Assess
    expect(again).toMatchObject({ ok: true, deduplicated: true, key: batch.key });
    expect(await s3.keys(BUCKET, host.config.trail.prefix)).toEqual([batch.key]);
  });

  test('IMDS_GUARD_TRAIL_GZIP=true writes .jsonl.gz objects', async () => {
    // Prepare
    const host = hostFor({ IMDS_GUARD_TRAIL_GZIP: 'true' });

    // Act
    await flushTrail(host, { pending: [] }, 'profile-guard', [record(7, 'ticket_opened')]);

    // Assess
    const [key] = await s3.keys(BUCKET, host.config.trail.prefix);
    expect(key).toMatch(/\/profile-guard-20260504T131542123Z-[0-9a-f]{16}\.jsonl\.gz$/);
    const text = gunzipSync(await s3.bytes(BUCKET, key ?? '')).toString('utf8');
    expect(JSON.parse(text)).toEqual(record(7, 'ticket_opened'));
  });
});

describe('failures over HTTP', () => {
  test('SlowDown with Retry-After: waits at least that long, then writes', async () => {
    // Prepare
    const host = hostFor();
    s3.fail({
      method: 'PUT',
      pathIncludes: host.config.trail.prefix,
      status: 503,
      code: 'SlowDown',
      retryAfter: '1',
      times: 2,
    });
    const waits: number[] = [];

    // Act
    const out = await flushTrail(host, { pending: [] }, 'instance-guard', [record(1)], {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    // Assess
    expect(out).toMatchObject({ ok: true });
    expect(waits).toHaveLength(2);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(1000);
    expect(await s3.keys(BUCKET, host.config.trail.prefix)).toHaveLength(1);
  });

  test('AccessDenied: one attempt, a warning naming the object and the error, no credentials in it', async () => {
    // Prepare
    const host = hostFor();
    s3.fail({
      method: 'PUT',
      pathIncludes: host.config.trail.prefix,
      status: 403,
      code: 'AccessDenied',
      times: 5,
    });

    // Act
    const out = await flushTrail(host, { pending: [] }, 'instance-guard', [record(1)]);

    // Assess
    expect(out).toMatchObject({ ok: false, retryable: false, failure: { kind: 'denied', status: 403 } });
    const puts = s3.requests.filter((r) => r.method === 'PUT' && r.path.includes(host.config.trail.prefix));
    expect(puts).toHaveLength(1);
    const warning = host.logger.lines.find((l) => l.message === 'trail write failed');
    expect(warning).toMatchObject({
      level: 'warn',
      bucket: BUCKET,
      error: { status: 403, code: 'AccessDenied' },
    });
    expect(String(warning?.object)).toMatch(/\.jsonl$/);
    expect(JSON.stringify(host.logger.lines)).not.toContain('S3RVER');
  });
});

describe('instance-guard with a trail', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });

  afterAll(async () => {
    await world.close();
  });

  test('the remediation is logged and written to the trail', async () => {
    // Prepare
    const prefix = 'guard-ok';
    const guard = world.guard(SECURE, s3.trailEnv(BUCKET, { IMDS_GUARD_TRAIL_PREFIX: prefix }));
    const event = await world.userSets('web-01', { enabled: true, protocol: 'http' });

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).outcome).toBe('remediated');
    const keys = await s3.keys(BUCKET, prefix);
    expect(keys).toHaveLength(1);
    expect(res.body).toMatchObject({ trail: { objects: keys } });
    const trailed = JSON.parse(await s3.text(BUCKET, keys[0] ?? ''));
    expect(trailed).toMatchObject({ outcome: 'remediated', target_crn: event.target.id, event_id: event.id });
    expect(guard.decisions()).toEqual([expect.objectContaining({ outcome: 'remediated' })]);
  });

  test('trail down: decision logged first, 503, the redelivery is handled again and both records reach COS', async () => {
    // Prepare
    const prefix = 'guard-down';
    const guard = world.guard(SECURE, s3.trailEnv(BUCKET, { IMDS_GUARD_TRAIL_PREFIX: prefix }));
    const event = await world.userSets('web-02', { enabled: true, protocol: 'http' });
    s3.fail({ method: 'PUT', pathIncludes: prefix, status: 500, code: 'InternalError', times: 4 });

    // Act
    const first = await guard.main(asParams(event));
    const again = await guard.main(asParams(event));

    // Assess: the first answer asks for a redelivery; the decision line precedes the warning.
    expect(first.statusCode).toBe(503);
    expect(first.body).toMatchObject({
      outcome: 'remediated',
      trail: { written: false, error: 'InternalError (HTTP 500)' },
    });
    const messages = guard.logger.lines.map((l) => l.message);
    expect(guard.logger.lines.findIndex(isDecisionLine)).toBeLessThan(messages.indexOf('trail write failed'));
    // The redelivery is not a "duplicate": the guard re-reads and finds the instance compliant.
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again).outcome).toBe('compliant');
    const outcomes = [];
    for (const key of await s3.keys(BUCKET, prefix))
      outcomes.push(JSON.parse(await s3.text(BUCKET, key)).outcome);
    expect(outcomes.sort()).toEqual(['compliant', 'remediated']);
  });
});

describe('IAM tokens instead of HMAC keys', () => {
  test("without HMAC keys, requests carry the guard's IAM token (fetched once), not a SigV4 signature", async () => {
    // Prepare: IBM COS accepts `Authorization: Bearer <IAM token>`; s3rver does not (it answers 400),
    // so this checks what is sent.
    const emu = await withEmulator();
    try {
      const config = loadConfig({
        IMDS_GUARD_ENDPOINT: emu.url,
        IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
        IMDS_GUARD_TRAIL_BUCKET: BUCKET,
        IMDS_GUARD_TRAIL_ENDPOINT: s3.url,
      });
      const store = await openStore(config, config.trail.connection);
      const before = s3.requests.length;

      // Act
      await store.put(BUCKET, 'iam/one', Buffer.from('1'), { contentType: 'text/plain', ifNoneMatch: true });
      await store.put(BUCKET, 'iam/two', Buffer.from('2'), { contentType: 'text/plain', ifNoneMatch: true });

      // Assess
      const sent = s3.requests.slice(before);
      expect(sent).toHaveLength(2);
      for (const r of sent) expect(r.authorization).toMatch(/^Bearer ey[\w-]+\.[\w-]+\.[\w-]*$/);
      const tokens = (await adminClient(emu.url).journal()).filter((e) => e.path === '/identity/token');
      expect(tokens).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });
});
