// The sweep on the COS audit trail (a local S3-compatible server; the emulator serves the IBM APIs):
// its decisions are written in batches while it runs — not one object at the end — every logged
// decision is in the trail, a SIGTERM loses none, and `imds-guard report cos://…` reads them.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMain } from '#functions/sweep/index.ts';
import { runJob } from '#functions/sweep/job-run.ts';
import { type DecisionRecord, decisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { buildReport } from '#shared/audit/report/report.ts';
import { RESOLVERS } from '#shared/audit/report/sources.ts';
import { cosSources } from '#shared/audit/trail/read.ts';
import { openTrailStream } from '#shared/audit/trail/stream.ts';
import { loadConfig } from '#shared/config.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { envFor } from '../../helpers/emulator.ts';
import { type Account, GUARD_KEY, startAccount } from '../bulk/support.ts';
import { type S3Server, startS3 } from './s3-server.ts';

const BUCKET = 'sweep-trail';
const POLICY = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };
const NOW = new Date('2026-05-04T13:15:42.123Z');

let s3: S3Server;
let account: Account;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  account = await startAccount({
    instances: 240,
    regions: 2,
    seed: 'sweep-trail',
    profiles: 0,
    templatesPerRegion: 0,
    groupsPerRegion: 0,
  });
});

afterAll(async () => {
  await account.close();
  await s3.close();
});

const prefix = (): string => `t-${Math.random().toString(36).slice(2)}`;

const record = (n: number, outcome: DecisionRecord['outcome'] = 'remediated'): DecisionRecord =>
  decisionRecord(
    {
      fn: 'sweep',
      event_id: null,
      action: null,
      target_crn: `crn:v1:bluemix:public:is:us-south-1:a/0123456789abcdef0123456789abcdef::instance:0717_${n}`,
      outcome,
      reason: 'metadata service over http',
      before: null,
      after: null,
      initiator: null,
      correlation_id: 'run-1',
      dry_run: false,
      api_calls: 2,
      latency_ms: 1,
    },
    NOW,
  );

/** Every trail line under a prefix, object by object in key (time) order. */
const objects = async (p: string): Promise<{ key: string; lines: Record<string, unknown>[] }[]> =>
  Promise.all(
    (await s3.keys(BUCKET, p)).map(async (key) => ({
      key,
      lines: (await s3.text(BUCKET, key))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    })),
  );

describe('the trail stream', () => {
  test('an object per full batch as records arrive, the rest on close; ignored records stay out', async () => {
    // Prepare
    const p = prefix();
    let t = NOW.getTime();
    const host = {
      config: loadConfig(s3.trailEnv(BUCKET, { IMDS_GUARD_TRAIL_PREFIX: p })),
      logger: memoryLogger(),
      // Each batch is named at its own millisecond, as in a run: names sort in write order.
      now: () => {
        t += 1;
        return new Date(t);
      },
    };
    const stream = openTrailStream(host, { pending: [] }, 'sweep', { batchRecords: 3 });

    // Act: two full batches, then one record and an ignored one
    for (let n = 1; n <= 6; n += 1) stream.add(record(n));
    await stream.flush();
    const before = await objects(p);
    stream.add(record(7));
    stream.add(record(8, 'ignored'));
    const report = await stream.close();

    // Assess
    expect(before.map((o) => o.lines.length)).toEqual([3, 3]);
    const after = await objects(p);
    expect(after.map((o) => o.lines.length)).toEqual([3, 3, 1]);
    expect(after.flatMap((o) => o.lines.map((l) => l.target_crn))).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => record(n).target_crn),
    );
    expect(after.every((o) => /\/sweep-\d{8}T\d{9}Z-[0-9a-f]{16}\.jsonl$/.test(o.key))).toBe(true);
    expect(report).toEqual({ objects: after.map((o) => o.key), records: 7 });
  });

  test('a batch that cannot be written is kept and written before the next one', async () => {
    // Prepare
    const p = prefix();
    let t = NOW.getTime();
    const logger = memoryLogger();
    const host = {
      config: loadConfig(s3.trailEnv(BUCKET, { IMDS_GUARD_TRAIL_PREFIX: p })),
      logger,
      now: () => {
        t += 1;
        return new Date(t);
      },
    };
    const stream = openTrailStream(host, { pending: [] }, 'sweep', { batchRecords: 2, attempts: 1 });
    s3.fail({ method: 'PUT', status: 500, code: 'InternalError' });

    // Act
    stream.add(record(1));
    stream.add(record(2));
    await stream.flush();
    const afterFailure = await objects(p);
    stream.add(record(3));
    const report = await stream.close();

    // Assess: the failure was logged; nothing lost, order kept
    expect(afterFailure).toEqual([]);
    expect(logger.lines.some((l) => l.message === 'trail write failed')).toBe(true);
    const after = await objects(p);
    expect(after.flatMap((o) => o.lines.map((l) => l.target_crn))).toEqual(
      [1, 2, 3].map((n) => record(n).target_crn),
    );
    expect(report.failed).toBeUndefined();
  });

  test('off without a bucket', async () => {
    const host = { config: loadConfig({}), logger: memoryLogger(), now: () => NOW };
    const stream = openTrailStream(host, { pending: [] }, 'sweep');
    stream.add(record(1));
    expect(await stream.close()).toEqual({ objects: [], records: 0 });
  });
});

/** A Code Engine cron ping as the function's params. */
const ping = () =>
  paramsFromHttp({
    method: 'POST',
    path: '/',
    query: '',
    headers: {
      'content-type': 'application/json',
      'ce-id': `ping-${Math.random().toString(16).slice(2)}`,
      'ce-source': '/apis/v1/namespaces/k3x9qv2m7ta/pingsources/sweep-hourly',
      'ce-specversion': '1.0',
      'ce-time': '2026-09-01T12:17:00.000Z',
      'ce-type': 'dev.knative.sources.ping',
    },
    body: Buffer.from('{}'),
  });

const sweep = (p: string) => {
  const logger = memoryLogger('info');
  const env = envFor(account.url, GUARD_KEY, {
    IMDS_GUARD_POLICY: JSON.stringify(POLICY),
    IMDS_GUARD_SWEEP_TRAIL_BATCH: '25',
    ...s3.trailEnv(BUCKET, { IMDS_GUARD_TRAIL_PREFIX: p }),
  });
  const main = createMain({ env, logger });
  const decisions = () =>
    (logger.lines.filter(isDecisionLine) as unknown as DecisionRecord[]).filter(
      (r) => r.outcome !== 'ignored',
    );
  return { main, decisions, env };
};

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls the trail until an object is there; true if that happened while `running()` still held. */
const trailedWhile = async (p: string, running: () => boolean): Promise<boolean> => {
  while (running()) {
    if ((await s3.keys(BUCKET, p)).length > 0) return running();
    await pause(20);
  }
  return false;
};

describe('the sweep on the trail', () => {
  test('SIGTERM: what was decided is written at once, in-flight decisions when they end; none lost', async () => {
    // Prepare: every PATCH is slow, so the signal comes with changes in flight.
    const fault = await account.admin.fault({ service: 'vpc', method: 'PATCH', latency_ms: 300 });
    const p = prefix();
    const s = sweep(p);
    const since = await account.mark();

    // Act
    const res = s.main(ping());
    while ((await account.journal(since, 'vpc')).filter((e) => e.method === 'PATCH').length < 5)
      await pause(20);
    process.emit('SIGTERM');
    const body = (await res).body as { complete: boolean; summary: { interrupted?: string } };
    await account.admin.call('DELETE', `/faults/${fault.faults[0]?.id}`);

    // Assess
    expect(body.summary.interrupted).toBe('SIGTERM');
    expect(body.complete).toBe(false);
    const trailed = (await objects(p)).flatMap((o) => o.lines);
    const logged = s.decisions();
    expect(logged.length).toBeGreaterThan(0);
    expect(trailed.map((l) => l.target_crn).sort()).toEqual(logged.map((l) => l.target_crn).sort());
  }, 120_000);

  test('writes its decisions in batches while it runs; every logged decision is in the trail; report reads it', async () => {
    // Prepare: PATCHes after the first 30 are slow, so the run is still going when batches land.
    const fault = await account.admin.fault({ service: 'vpc', method: 'PATCH', latency_ms: 200, after: 30 });
    const p = prefix();
    const s = sweep(p);

    // Act
    let done = false;
    const res = s.main(ping()).finally(() => {
      done = true;
    });
    const streamed = await trailedWhile(p, () => !done);
    const body = (await res).body as { trail?: { objects: string[] }; complete: boolean };
    await account.admin.call('DELETE', `/faults/${fault.faults[0]?.id}`);

    // Assess
    expect(streamed).toBe(true);
    const written = await objects(p);
    expect(written.length).toBeGreaterThan(2);
    expect(written.every((o) => o.lines.length <= 25 && /\/sweep-/.test(o.key))).toBe(true);
    const trailed = written.flatMap((o) => o.lines);
    const logged = s.decisions();
    expect(logged.length).toBeGreaterThanOrEqual(240);
    expect(trailed.map((l) => JSON.stringify([l.target_crn, l.outcome])).sort()).toEqual(
      logged.map((l) => JSON.stringify([l.target_crn, l.outcome])).sort(),
    );
    expect(body.trail?.objects.sort()).toEqual(written.map((o) => o.key));
    // imds-guard report reads the sweep's trail like the guards'.
    const resolvers = { ...RESOLVERS, cos: (spec: string) => cosSources(spec, s.env) };
    const summary = await buildReport([`cos://${BUCKET}/${p}`], { resolvers });
    expect(summary.totals.decisions).toBe(logged.length);
    expect(summary.input.malformed).toBe(0);
  }, 120_000);

  test('the job (the sweep for large accounts) writes its records to the trail in batches too', async () => {
    // Prepare
    const p = prefix();
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    err.resume();

    // Act: a plan (nothing changes), 40 records per object
    const code = await runJob(
      envFor(account.url, GUARD_KEY, {
        IMDS_GUARD_POLICY: JSON.stringify(POLICY),
        IMDS_GUARD_SCAN_APPLY: 'false',
        IMDS_GUARD_SWEEP_TRAIL_BATCH: '40',
        ...s3.trailEnv(BUCKET, { IMDS_GUARD_TRAIL_PREFIX: p }),
      }),
      { out, err },
    );

    // Assess
    expect(code).toBe(0);
    const logged = (
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter(isDecisionLine) as unknown as DecisionRecord[]
    ).filter((r) => r.outcome !== 'ignored');
    const written = await objects(p);
    expect(logged.length).toBeGreaterThanOrEqual(240);
    expect(written.length).toBeGreaterThanOrEqual(Math.ceil(logged.length / 40));
    expect(written.every((o) => o.lines.length <= 40 && /\/sweep-/.test(o.key))).toBe(true);
    expect(written.flatMap((o) => o.lines.map((l) => l.target_crn)).sort()).toEqual(
      logged.map((r) => r.target_crn).sort(),
    );
  }, 120_000);
});
