// Many accounts in bulk: `scan`, the sweep and shards cover account × region, each account with its
// own credential (platform: the guard's API key; workloads: its assumed trusted profile; sandbox, when
// listed: its own API key variable); records carry the account; an account IAM refuses is one failed
// record and the others are still decided; an unlisted account is never called.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runScan, type ScanOptions } from '#functions/sweep/engine.ts';
import { createMain as sweepMain } from '#functions/sweep/index.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { ACCOUNTS, KEYS, startAccounts, type World } from './support.ts';

let world: World;
beforeAll(async () => {
  world = await startAccounts();
});
afterAll(async () => {
  await world.close();
});

const scan = async (env: Record<string, string>, options: Partial<ScanOptions> = {}) => {
  const rt = await runtimeLoader('instance-guard', { env, logger: memoryLogger('warn') })();
  const records: DecisionRecord[] = [];
  const summary = await runScan(rt, {
    fn: 'scan',
    apply: false,
    include: ['instances'],
    concurrency: 4,
    regionConcurrency: 2,
    ...options,
    onRecord: (r) => records.push(r),
  });
  return { summary, records };
};

describe('scan over the listed accounts', () => {
  test('a plan: platform and workloads (us-south and eu-de), each read with its own credential; sandbox never', async () => {
    const mark = await world.admin.lastSeq();

    const { summary, records } = await scan(world.env());

    const planned = records.filter((r) => r.outcome === 'planned');
    // platform: web (http) and db (disabled; the policy wants it on, https); workloads: us-south and eu-de.
    expect(planned.map((r) => r.account).sort()).toEqual([
      ACCOUNTS.platform,
      ACCOUNTS.platform,
      ACCOUNTS.workloads,
      ACCOUNTS.workloads,
    ]);
    expect(records.filter((r) => r.outcome === 'compliant').map((r) => r.account)).toEqual([
      ACCOUNTS.workloads,
    ]);
    expect(records.every((r) => r.account !== ACCOUNTS.sandbox)).toBe(true);
    expect(summary).toMatchObject({ decided: 5, failures: 0, complete: true, changes: { planned: 4 } });
    expect(Object.keys(summary.accounts ?? {})).toEqual([ACCOUNTS.platform, ACCOUNTS.workloads]);
    expect(summary.accounts?.[ACCOUNTS.workloads]).toMatchObject({ via: 'assume', complete: true });
    expect(Object.keys(summary.accounts?.[ACCOUNTS.workloads]?.regions ?? {})).toEqual(
      expect.arrayContaining(['eu-de', 'us-south']),
    );
    const vpcCalls = (await world.since(mark)).filter((e) => e.service === 'vpc');
    expect(new Set(vpcCalls.map((e) => e.account))).toEqual(new Set([ACCOUNTS.platform, ACCOUNTS.workloads]));
    for (const e of vpcCalls)
      expect(e.caller?.startsWith(e.account === ACCOUNTS.workloads ? 'iam-Profile-' : 'iam-ServiceId-')).toBe(
        true,
      );
  });

  test('shards 0/2 and 1/2 together decide every instance of every account exactly once', async () => {
    const [a, b] = await Promise.all([
      scan(world.env(), { shard: { index: 0, count: 2 } }),
      scan(world.env(), { shard: { index: 1, count: 2 } }),
    ]);
    const crns = [...a.records, ...b.records].map((r) => r.target_crn).filter((c) => c !== null);
    expect(crns.length).toBe(5);
    expect(new Set(crns).size).toBe(5);
  });

  test('workloads refused by IAM (no such profile to assume): one failed record for it; platform decided', async () => {
    const accounts = JSON.stringify([
      { id: ACCOUNTS.platform, name: 'platform' },
      { id: ACCOUNTS.workloads, name: 'workloads', assume: { profile_name: 'no-such-profile' } },
    ]);

    const { summary, records } = await scan(world.env({ IMDS_GUARD_ACCOUNTS: accounts }));

    const failed = records.filter((r) => r.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      account: ACCOUNTS.workloads,
      target_crn: null,
      detail: { kind: 'account' },
    });
    expect(failed[0]?.reason).toMatch(
      /^cannot act in account 2b0+2 \(workloads\): cannot authenticate \(HTTP 4\d\d\)/,
    );
    expect(
      records
        .filter((r) => r.account === ACCOUNTS.platform)
        .map((r) => r.outcome)
        .sort(),
    ).toEqual(['planned', 'planned']);
    expect(summary).toMatchObject({
      failures: 1,
      complete: false,
      resume: { accounts: { [ACCOUNTS.workloads]: {} } },
    });
    expect(summary.accounts?.[ACCOUNTS.workloads]?.error).toBe(failed[0]?.reason);
  });

  test('an API key of another account than its entry says: that account fails, named; nothing read with it', async () => {
    const accounts = JSON.stringify([
      { id: ACCOUNTS.platform },
      { id: ACCOUNTS.sandbox, name: 'sandbox', apikey_env: 'SANDBOX_APIKEY' },
    ]);
    const mark = await world.admin.lastSeq();

    const { records } = await scan(
      world.env({ IMDS_GUARD_ACCOUNTS: accounts, SANDBOX_APIKEY: KEYS.workloadsAdmin }),
    );

    const failed = records.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => [r.account, r.reason])).toEqual([
      [
        ACCOUNTS.sandbox,
        `cannot act in account ${ACCOUNTS.sandbox} (sandbox): configuration: the credentials for account ${ACCOUNTS.sandbox} (sandbox) are of account ${ACCOUNTS.workloads}`,
      ],
    ]);
    const read = (await world.since(mark)).filter((e) => e.service === 'vpc');
    expect(read.some((e) => e.account === ACCOUNTS.workloads || e.account === ACCOUNTS.sandbox)).toBe(false);
  });
});

describe('--max-changes counts every account', () => {
  test('4 changes over two accounts, limit 3: refused, nothing changed in either', async () => {
    const mark = await world.admin.lastSeq();

    const { summary, records } = await scan(world.env(), { apply: true, maxChanges: 3 });

    expect(summary.refused).toEqual({ max_changes: 3, planned_changes: 4, plan_complete: true });
    expect(records).toEqual([]);
    expect((await world.since(mark)).filter((e) => e.method === 'PATCH')).toEqual([]);
  });
});

describe('the sweep over the listed accounts', () => {
  test('applies in platform and workloads (both regions) with each credential; a listed API-key account too', async () => {
    const accounts = JSON.stringify([
      { id: ACCOUNTS.platform, name: 'platform' },
      { id: ACCOUNTS.workloads, name: 'workloads', assume: { profile_name: 'imds-guard' } },
    ]);
    const main = sweepMain({
      env: world.env({ IMDS_GUARD_ACCOUNTS: accounts }),
      logger: memoryLogger('warn'),
    });

    const res = await main(
      paramsFromHttp({
        method: 'POST',
        path: '/',
        query: '',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ mode: 'sweep', include: 'instances' })),
      }),
    );

    expect(res.statusCode).toBe(200);
    const body = res.body as { complete: boolean; decisions: DecisionRecord[] };
    expect(body.complete).toBe(true);
    expect(body.decisions.map((r) => [r.account, r.outcome]).sort()).toEqual([
      [ACCOUNTS.platform, 'remediated'],
      [ACCOUNTS.platform, 'remediated'],
      [ACCOUNTS.workloads, 'remediated'],
      [ACCOUNTS.workloads, 'remediated'],
    ]);
    for (const [key, name, region] of [
      [KEYS.workloadsAdmin, 'wl-web-01', 'us-south'],
      [KEYS.workloadsAdmin, 'wl-eu-web-01', 'eu-de'],
    ] as const)
      expect((await world.instanceAs(key, name, region)).metadata_service).toMatchObject({
        protocol: 'https',
      });
    // Not listed: untouched.
    expect((await world.instanceAs(KEYS.sandboxAdmin, 'sb-web-01')).metadata_service).toMatchObject({
      protocol: 'http',
    });

    // Sandbox listed with its own API key (apikey_env): the next sweep acts there with that key.
    const withSandbox = JSON.stringify([
      { id: ACCOUNTS.platform },
      { id: ACCOUNTS.sandbox, apikey_env: 'SANDBOX_APIKEY' },
    ]);
    const mark = await world.admin.lastSeq();
    const { records } = await scan(
      world.env({ IMDS_GUARD_ACCOUNTS: withSandbox, SANDBOX_APIKEY: KEYS.sandboxAdmin }),
      { apply: true, regions: ['us-south'] },
    );
    expect(records.filter((r) => r.outcome === 'remediated').map((r) => r.account)).toEqual([
      ACCOUNTS.sandbox,
    ]);
    expect((await world.instanceAs(KEYS.sandboxAdmin, 'sb-web-01')).metadata_service).toMatchObject({
      protocol: 'https',
    });
    const patches = (await world.since(mark)).filter((e) => e.method === 'PATCH');
    expect(patches.map((e) => e.account)).toEqual([ACCOUNTS.sandbox]);
  });
});
