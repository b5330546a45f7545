// Many accounts on the event path: the target CRN's account picks the credentials — platform's own API
// key, workloads' assumed trusted profile — and an account nobody listed is refused with no IBM call.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMain as instanceGuard } from '#functions/instance-guard/index.ts';
import { createMain as profileGuard } from '#functions/profile-guard/index.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { ACCOUNTS, KEYS, startAccounts, type World } from './support.ts';

let world: World;
beforeAll(async () => {
  world = await startAccounts();
});
afterAll(async () => {
  await world.close();
});

const asParams = (body: unknown) =>
  paramsFromHttp({
    method: 'POST',
    path: '/',
    query: '',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });

const decisionsOf = (res: { body?: unknown }): DecisionRecord[] =>
  (res.body as { decisions: DecisionRecord[] }).decisions;

describe('instance-guard across accounts', () => {
  test('platform: acted in with the guard own API key; the record carries the account', async () => {
    const event = await world.userOpens('accounts-alice-key', 'plat-web-01');
    const mark = await world.admin.lastSeq();
    const main = instanceGuard({ env: world.env(), logger: memoryLogger() });

    const res = await main(asParams(event));

    const [record] = decisionsOf(res);
    expect(record?.outcome).toBe('remediated');
    expect(record?.account).toBe(ACCOUNTS.platform);
    const patches = (await world.since(mark)).filter((e) => e.method === 'PATCH');
    expect(patches.map((e) => [e.account, e.caller])).toEqual([
      [ACCOUNTS.platform, 'iam-ServiceId-accounts-guard'],
    ]);
  });

  test('workloads: acted in as the assumed trusted profile, never with the platform key there', async () => {
    const event = await world.userOpens(KEYS.workloadsAdmin, 'wl-web-01');
    const mark = await world.admin.lastSeq();
    const main = instanceGuard({ env: world.env(), logger: memoryLogger() });

    const res = await main(asParams(event));

    const [record] = decisionsOf(res);
    expect(record?.outcome).toBe('remediated');
    expect(record?.account).toBe(ACCOUNTS.workloads);
    const calls = await world.since(mark);
    // The token exchange: the API key, then assume (grant urn:ibm:params:oauth:grant-type:assume).
    expect(calls.filter((e) => e.path === '/identity/token').length).toBe(2);
    const inWorkloads = calls.filter((e) => e.service === 'vpc');
    expect(inWorkloads.length).toBeGreaterThan(0);
    expect(new Set(inWorkloads.map((e) => e.account))).toEqual(new Set([ACCOUNTS.workloads]));
    expect(inWorkloads.every((e) => e.caller?.startsWith('iam-Profile-'))).toBe(true);
    const after = await world.instanceAs(KEYS.workloadsAdmin, 'wl-web-01');
    expect(after.metadata_service).toMatchObject({ protocol: 'https' });
  });

  test('sandbox (not listed): refused before any call; the instance stays open', async () => {
    const event = await world.userOpens(KEYS.sandboxAdmin, 'sb-web-01');
    const mark = await world.admin.lastSeq();
    const main = instanceGuard({ env: world.env(), logger: memoryLogger() });

    const res = await main(asParams(event));

    const [record] = decisionsOf(res);
    expect(record).toMatchObject({ outcome: 'refused', account: ACCOUNTS.sandbox });
    expect(record?.reason).toBe(`account ${ACCOUNTS.sandbox} is not one the guard's accounts list`);
    expect(res.statusCode).toBe(202);
    expect(await world.since(mark)).toEqual([]);
    const still = await world.instanceAs(KEYS.sandboxAdmin, 'sb-web-01');
    expect(still.metadata_service).toMatchObject({ enabled: true, protocol: 'http' });
  });

  test('one delivery with events of all three accounts: each acted in, or refused (screened first)', async () => {
    const events = [
      await world.userOpens(KEYS.workloadsAdmin, 'wl-web-01'),
      await world.userOpens(KEYS.sandboxAdmin, 'sb-web-01'),
      await world.userOpens('accounts-alice-key', 'plat-web-01'),
    ];
    const main = instanceGuard({ env: world.env(), logger: memoryLogger() });

    const res = await main(asParams(events));

    expect(decisionsOf(res).map((d) => [d.account, d.outcome])).toEqual([
      [ACCOUNTS.sandbox, 'refused'],
      [ACCOUNTS.workloads, 'remediated'],
      [ACCOUNTS.platform, 'remediated'],
    ]);
  });
});

describe('profile-guard across accounts', () => {
  test('a profile event of an unlisted account is refused with no call', async () => {
    const crn = `crn:v1:bluemix:public:iam-identity::a/${ACCOUNTS.sandbox}::profile:Profile-00000000-0000-4000-8000-000000000001`;
    const event = {
      id: 'e-sandbox-profile',
      action: 'iam-identity.profile.create',
      outcome: 'success',
      eventTime: new Date().toISOString(),
      initiator: { id: 'IBMid-sandbox-admin', typeURI: 'service/security/account/user' },
      target: { id: crn, name: 'p', typeURI: 'iam-identity/profile' },
    };
    const mark = await world.admin.lastSeq();
    const main = profileGuard({ env: world.env(), logger: memoryLogger() });

    const res = await main(asParams(event));

    const [record] = decisionsOf(res);
    expect(record).toMatchObject({ outcome: 'refused', account: ACCOUNTS.sandbox });
    expect(await world.since(mark)).toEqual([]);
  });
});
