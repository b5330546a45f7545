// The COS job end to end: Activity Tracker objects (plain JSON lines, gzip, a JSON array, an empty
// 20-byte file) in a local S3-compatible bucket, the job run with the env a COS subscription gives it,
// the emulator as IBM Cloud. Each object is processed once: a second notification finds the marker and
// does nothing; a failing event is recorded, the others still run, and the object is retried.
import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMain, main } from '#functions/cos-job/index.ts';
import { runCosJob } from '#functions/cos-job/run.ts';
import { isDecisionLine } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { type AtEventLike, GUARD_KEY, startWorld, type World } from '../instance-guard/support.ts';
import { type S3Server, startS3 } from '../trail/s3-server.ts';

const AT_BUCKET = 'at-logs';
const TRAIL_BUCKET = 'guard-trail';
const POLICY = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };

let world: World;
let s3: S3Server;

beforeAll(async () => {
  [world, s3] = await Promise.all([startWorld(), startS3([AT_BUCKET, TRAIL_BUCKET])]);
});

afterAll(async () => {
  await Promise.all([world.close(), s3.close()]);
});

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** An AT-style object name: `<account>/<region>/<date hour>/<timestamp>+<offset>_<uuid>.log`. */
const atKey = (): string => `${world.account}/us-south/2026-05-04T13/1777899600+0000_${randomUUID()}.log`;

const putObject = async (key: string, body: Buffer): Promise<void> => {
  await s3.client.send(new PutObjectCommand({ Bucket: AT_BUCKET, Key: key, Body: body }));
};

/** The env Code Engine gives a job run started by a COS subscription (CE-COS, ce-cos-job--env). */
const jobEnv = (key: string, size: number, operation = 'Object:Write'): Record<string, string> => ({
  CE_DATA: JSON.stringify({
    bucket: AT_BUCKET,
    endpoint: '',
    key,
    notification: {
      bucket_name: AT_BUCKET,
      content_type: 'application/octet-stream',
      event_type: operation,
      format: '2.0',
      object_length: String(size),
      object_name: key,
      request_id: randomUUID(),
      request_time: new Date().toISOString(),
    },
    operation,
  }),
  CE_ID: randomUUID(),
  CE_SOURCE: `https://cloud.ibm.com/catalog/services/cloud-object-storage/${AT_BUCKET}`,
  CE_SPECVERSION: '1.0',
  CE_SUBJECT: key,
  CE_TIME: new Date().toISOString(),
  CE_TYPE:
    operation === 'Object:Delete' ? 'com.ibm.cloud.cos.document.delete' : 'com.ibm.cloud.cos.document.write',
  CE_JOB: 'imds-guard-cos',
  CE_JOBRUN: 'imds-guard-cos-run',
  JOB_INDEX: '0',
  IMDS_GUARD_ENDPOINT: world.url,
  IMDS_GUARD_APIKEY: GUARD_KEY,
  IMDS_GUARD_POLICY: JSON.stringify(POLICY),
  ...s3.trailEnv(TRAIL_BUCKET),
});

const run = async (env: Record<string, string>) => {
  const logger = memoryLogger();
  const result = await runCosJob({ env, logger });
  return { ...result, logger };
};

const markerOf = (key: string, body: Buffer): string =>
  `imds-guard/processed/${AT_BUCKET}/${key}@${md5(body)}`;

const jsonLines = (values: unknown[]): Buffer =>
  Buffer.from(`${values.map((v) => JSON.stringify(v)).join('\n')}\n`);

const unrelated = (e: AtEventLike): AtEventLike => ({ ...e, id: randomUUID(), action: 'is.vpc.vpc.create' });

describe('one object, once', () => {
  test('plain JSON lines: insecure instances remediated in order, a bad line refused, the marker written', async () => {
    // Prepare
    const a = await world.userSets('web-01', { enabled: true, protocol: 'http' });
    const b = await world.userSets('web-02', { enabled: true, protocol: 'http' });
    const body = Buffer.concat([
      jsonLines([a, unrelated(a)]),
      Buffer.from('{this is not json\n'),
      jsonLines([b]),
    ]);
    const key = atKey();
    await putObject(key, body);

    // Act
    const out = await run(jobEnv(key, body.length));

    // Assess
    expect(out).toMatchObject({
      exitCode: 0,
      status: 'processed',
      marker: `cos://${TRAIL_BUCKET}/${markerOf(key, body)}`,
    });
    expect(out.decisions.map((d) => [d.outcome, d.target_crn])).toEqual([
      ['remediated', a.target.id],
      ['ignored', a.target.id],
      ['refused', null],
      ['remediated', b.target.id],
    ]);
    expect(out.decisions[2]).toMatchObject({ reason: expect.stringMatching(/^line 3: not JSON/) });
    expect((await world.instance('web-01')).metadata_service.protocol).toBe('https');
    expect((await world.instance('web-02')).metadata_service.protocol).toBe('https');
    expect(await s3.keys(TRAIL_BUCKET, 'imds-guard/processed/')).toContain(markerOf(key, body));
    // Every decision was logged; the trail holds the ones that are not "ignored".
    expect(out.logger.lines.filter(isDecisionLine)).toHaveLength(4);
    const trailed = [];
    for (const k of await s3.keys(TRAIL_BUCKET, 'imds-guard/decisions/'))
      if (k.includes('/cos-job-'))
        trailed.push(
          ...(await s3.text(TRAIL_BUCKET, k))
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        );
    expect(
      trailed.filter((r) => r.detail?.cos_object === `cos://${AT_BUCKET}/${key}`).map((r) => r.outcome),
    ).toEqual(['remediated', 'refused', 'remediated']);
  });

  test('the same notification twice (and a third time): nothing new — no IBM call, no trail object, one marker', async () => {
    // Prepare
    const e = await world.userSets('batch-01', { enabled: true, protocol: 'http' });
    const body = jsonLines([e]);
    const key = atKey();
    await putObject(key, body);
    const env = jobEnv(key, body.length);
    const first = await run(env);
    const trailBefore = await s3.keys(TRAIL_BUCKET, 'imds-guard/decisions/');
    const since = await world.mark();

    // Act
    const second = await run({ ...env, CE_ID: randomUUID() });
    const third = await run(env);

    // Assess
    expect(first).toMatchObject({ exitCode: 0, status: 'processed' });
    for (const again of [second, third]) {
      expect(again).toMatchObject({ exitCode: 0, status: 'already-processed' });
      expect(again.decisions).toEqual([
        expect.objectContaining({
          outcome: 'ignored',
          reason: expect.stringMatching(/^duplicate notification/),
        }),
      ]);
    }
    expect(await world.calls(since)).toEqual([]);
    expect(await s3.keys(TRAIL_BUCKET, 'imds-guard/decisions/')).toEqual(trailBefore);
    expect(
      (await s3.keys(TRAIL_BUCKET, 'imds-guard/processed/')).filter((k) => k.includes(key)),
    ).toHaveLength(1);
  });

  test('gzip JSON lines through the job entry (main) are read like plain ones', async () => {
    // Prepare
    const e = await world.userSets('k8s-worker-02', { enabled: true, protocol: 'http' });
    const body = gzipSync(jsonLines([e]));
    const key = atKey();
    await putObject(key, body);

    // Act
    const code = await main({ ...jobEnv(key, body.length), IMDS_GUARD_LOG_LEVEL: 'error' });

    // Assess
    expect(code).toBe(0);
    expect((await world.instance('k8s-worker-02')).metadata_service.protocol).toBe('https');
    expect(await s3.keys(TRAIL_BUCKET, 'imds-guard/processed/')).toContain(markerOf(key, body));
  });

  test('a JSON array, and an empty 20-byte gzip file (no events, still marked done)', async () => {
    // Prepare
    const e = await world.userSets('agent-01', { enabled: true, protocol: 'http' });
    const arrayBody = Buffer.from(JSON.stringify([e]));
    const emptyBody = gzipSync(Buffer.alloc(0));
    const [arrayKey, emptyKey] = [atKey(), atKey()];
    await putObject(arrayKey, arrayBody);
    await putObject(emptyKey, emptyBody);

    // Act
    const array = await run(jobEnv(arrayKey, arrayBody.length));
    const empty = await run(jobEnv(emptyKey, emptyBody.length));

    // Assess
    expect(emptyBody.length).toBe(20);
    expect(array.decisions.map((d) => d.target_crn)).toEqual([e.target.id]);
    expect(array.exitCode).toBe(0);
    expect(empty).toMatchObject({ exitCode: 0, status: 'processed' });
    expect(empty.decisions).toEqual([
      expect.objectContaining({ outcome: 'ignored', reason: 'the object holds no events (20 bytes)' }),
    ]);
    expect(await s3.keys(TRAIL_BUCKET, 'imds-guard/processed/')).toContain(markerOf(emptyKey, emptyBody));
  });
});

describe('failures', () => {
  test('one event keeps failing: the others are still remediated, exit 1, no marker; the rerun finishes', async () => {
    // Prepare: IBM throttles PATCHes of legacy-01 with a Retry-After longer than the guard waits.
    const bad = await world.userSets('eu-web-01', { enabled: true, protocol: 'http' });
    const good = await world.userSets('tok-cache-01', { enabled: true, protocol: 'http' });
    const target = await world.instance('eu-web-01');
    const { faults } = await world.admin.fault({
      service: 'vpc',
      method: 'PATCH',
      path: target.id,
      status: 429,
      retry_after: 60,
    });
    const body = jsonLines([bad, good]);
    const key = atKey();
    await putObject(key, body);
    const env = jobEnv(key, body.length);

    // Act
    const first = await run(env);
    await world.admin.call('DELETE', `/faults/${faults[0]?.id}`);
    const rerun = await run(env);

    // Assess
    expect(first).toMatchObject({ exitCode: 1, status: 'retry' });
    expect(first.marker).toBeUndefined();
    expect(first.decisions.map((d) => d.outcome)).toEqual(['failed', 'remediated']);
    expect(rerun).toMatchObject({ exitCode: 0, status: 'processed' });
    expect(rerun.decisions.map((d) => d.outcome)).toEqual(['remediated', 'compliant']);
    expect((await world.instance('eu-web-01')).metadata_service.protocol).toBe('https');
  });

  test('the trail cannot be written: exit 1 and no marker, so the rerun writes it', async () => {
    // Prepare
    const e = await world.userSets('web-01', { enabled: true, protocol: 'http' });
    const body = jsonLines([e]);
    const key = atKey();
    await putObject(key, body);
    const env = jobEnv(key, body.length);
    s3.fail({
      method: 'PUT',
      pathIncludes: '/cos-job-',
      status: 503,
      code: 'SlowDown',
      retryAfter: '30',
      times: 1,
    });

    // Act
    const first = await run(env);
    const rerun = await run(env);

    // Assess
    expect(first).toMatchObject({ exitCode: 1, status: 'retry' });
    expect(first.logger.lines.some(isDecisionLine)).toBe(true);
    expect(first.logger.lines.map((l) => l.message)).toContain('trail write failed');
    expect(rerun).toMatchObject({ exitCode: 0, status: 'processed' });
    expect(await s3.keys(TRAIL_BUCKET, 'imds-guard/processed/')).toContain(markerOf(key, body));
  });

  test('a notification for an object already deleted, and a delete notification: nothing to do, exit 0', async () => {
    // Prepare
    const key = atKey();

    // Act
    const missing = await run(jobEnv(key, 100));
    const deleted = await run(jobEnv(key, 0, 'Object:Delete'));

    // Assess
    expect(missing).toMatchObject({ exitCode: 0, decisions: [expect.objectContaining({ outcome: 'gone' })] });
    expect(deleted).toMatchObject({
      exitCode: 0,
      decisions: [expect.objectContaining({ outcome: 'ignored' })],
    });
  });

  test("a notification about the job's own marker objects is ignored without reading anything", async () => {
    // Prepare
    const key = 'imds-guard/processed/at-logs/x.log@abc';
    const before = s3.requests.length;

    // Act
    const out = await run(jobEnv(key, 10));

    // Assess
    expect(out).toMatchObject({ exitCode: 0, status: 'ignored' });
    expect(s3.requests.slice(before).filter((r) => r.path.includes(key))).toEqual([]);
  });
});

describe('behind HTTP (an app with a COS subscription, or imds-guard serve)', () => {
  test('the notification as a CloudEvents-binary POST: 401 without the token, processed with it', async () => {
    // Prepare
    const e = await world.userSets('web-02', { enabled: true, protocol: 'http' });
    const body = jsonLines([e]);
    const key = atKey();
    await putObject(key, body);
    const env: Record<string, string> = {
      ...jobEnv(key, body.length),
      IMDS_GUARD_INVOKE_TOKEN: 'cos-http-token-4e1f',
    };
    const headers = {
      'ce-id': env.CE_ID ?? '',
      'ce-source': env.CE_SOURCE ?? '',
      'ce-specversion': '1.0',
      'ce-subject': key,
      'ce-type': 'com.ibm.cloud.cos.document.write',
      'content-type': 'application/json',
    };
    const request = (extra: Record<string, string>) =>
      paramsFromHttp({
        method: 'POST',
        path: '/',
        query: '',
        headers: { ...headers, ...extra },
        body: Buffer.from(env.CE_DATA ?? ''),
      });
    const cosMain = createMain({ env, logger: memoryLogger() });

    // Act
    const refused = await cosMain(request({}));
    const accepted = await cosMain(request({ 'x-imds-guard-token': 'cos-http-token-4e1f' }));

    // Assess
    expect(refused.statusCode).toBe(401);
    expect(accepted).toMatchObject({ statusCode: 200, body: { outcome: 'processed', exitCode: 0 } });
    expect((await world.instance('web-02')).metadata_service.protocol).toBe('https');
  });
});
