// Sharding: four Code Engine array indices (JOB_INDEX 0..3 of JOB_ARRAY_SIZE 4) through the job entry
// decide every instance, template and trusted profile of the account exactly once between them.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runJob } from '#functions/sweep/job-run.ts';
import { type DecisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { envFor } from '../../helpers/emulator.ts';
import { type Account, crnsOnce, GUARD_KEY, SECURE, startAccount } from './support.ts';

let account: Account;

/** Collection reads of the VPC API (what the bench counts as list calls). */
const LIST = /\/v1\/(regions|vpcs|instances|instance\/templates|instance_groups)$/;

beforeAll(async () => {
  account = await startAccount({ instances: 2000, regions: 4, seed: 'bulk-shards', profiles: 24 });
});

afterAll(async () => {
  await account.close();
});

/** Runs the job entry for one array index; its stdout lines (records and summary) and exit code. */
const shard = async (index: number, size: number, extra: Record<string, string> = {}) => {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  err.resume();
  const code = await runJob(
    envFor(account.url, GUARD_KEY, {
      IMDS_GUARD_POLICY: JSON.stringify(SECURE),
      IMDS_GUARD_SCAN_APPLY: 'false',
      JOB_INDEX: String(index),
      JOB_ARRAY_SIZE: String(size),
      CE_JOBRUN: 'bulk-jobrun-1',
      ...extra,
    }),
    { out, err },
  );
  const lines = chunks
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    code,
    records: lines.filter(isDecisionLine) as unknown as DecisionRecord[],
    summary: lines.find((l) => l.message === 'job summary'),
  };
};

describe('shards', () => {
  test('4 shards cover every resource exactly once, evenly', async () => {
    // Prepare
    const { instances, templates, profiles } = account.inventory();
    const everything = [...instances, ...templates, ...profiles];

    // Act
    const runs = await Promise.all([0, 1, 2, 3].map((i) => shard(i, 4)));

    // Assess: the union is the account, with no duplicates across shards
    const all = runs.flatMap((r) => r.records);
    expect(new Set(crnsOnce(all))).toEqual(new Set(everything));
    expect(all).toHaveLength(everything.length);
    for (const [i, r] of runs.entries()) {
      expect(r.code).toBe(0); // a plan with changes is a successful job
      expect(
        r.records.every((rec) => rec.detail?.shard === `${i}/4` && rec.correlation_id === 'bulk-jobrun-1'),
      ).toBe(true);
      expect(r.records.length).toBeGreaterThan(everything.length / 4 - 100);
      expect(r.records.length).toBeLessThan(everything.length / 4 + 100);
      expect(r.summary).toMatchObject({ shard: `${i}/4`, complete: true, exit_code: 3, fn: 'sweep' });
    }
  });

  test('4 shards partition the listing: list calls in sum ≤ 1.10× one scan’s, none makes half', async () => {
    // Prepare: small pages, so the instance pages (not the fixed VPC listings) are most of the calls
    const listCalls = async (since: number): Promise<number> =>
      (await account.journal(since, 'vpc')).filter((e) => e.method === 'GET' && LIST.test(e.path)).length;
    const options = { include: ['instances', 'templates'] as const, pageSize: 5 };
    const mark = await account.mark();
    const one = await account.scan(SECURE, { ...options, include: [...options.include] });
    const oneCalls = await listCalls(mark);

    // Act: each shard on its own, its calls counted from the emulator's journal
    const shards: { records: DecisionRecord[]; calls: number }[] = [];
    for (const index of [0, 1, 2, 3]) {
      const since = await account.mark();
      const r = await account.scan(SECURE, {
        ...options,
        include: [...options.include],
        shard: { index, count: 4 },
      });
      shards.push({ records: r.records, calls: await listCalls(since) });
    }

    // Assess
    const union = shards.flatMap((s) => crnsOnce(s.records));
    expect(union).toHaveLength(one.records.length);
    expect(new Set(union)).toEqual(new Set(crnsOnce(one.records)));
    const sum = shards.reduce((a, s) => a + s.calls, 0);
    expect(sum).toBeLessThanOrEqual(1.1 * oneCalls);
    expect(Math.max(...shards.map((s) => s.calls))).toBeLessThanOrEqual(sum / 2);
    // Each shard lists each region's VPCs once, and only its own VPCs' instances (vpc.id filter).
    const vpcLists = (await account.journal(mark, 'vpc')).filter((e) => /\/v1\/vpcs$/.test(e.path));
    expect(vpcLists).toHaveLength(4 * 4);
  });

  test('the same split from --shard and from the job environment', async () => {
    // Act
    const fromJob = await shard(1, 3);
    const fromFlag = await account.scan(SECURE, {
      shard: { index: 1, count: 3 },
      include: ['instances', 'templates', 'profiles'],
    });

    // Assess
    expect(new Set(fromJob.records.map((r) => r.target_crn))).toEqual(
      new Set(fromFlag.records.map((r) => r.target_crn)),
    );
  });

  test('a bad array index is a usage error (exit 2) and reads nothing', async () => {
    const since = await account.mark();
    const r = await shard(4, 4);
    expect(r.code).toBe(2);
    expect(r.records).toEqual([]);
    expect(await account.journal(since)).toEqual([]);
  });
});
