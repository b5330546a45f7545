// The emulator's token grants at the HTTP level, as strict as IBM is (docs/fidelity/iam.md): the
// VPC metadata service's identity operations, the assume grant's trust rule, the claims of a trusted
// profile's token, and roles read from the profile's policies on every request.
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { authFor } from '../../helpers/emulator.ts';
import { ACCOUNT, KEYS, startWorld, type World } from './support.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});
beforeEach(() => {
  world.restore();
});

const V1 = '2022-03-01';

const call = async (
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) => {
  const res = await fetch(`${world.url}${path}`, { method, ...init });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

const identityToken = async (body = '{}', headers: Record<string, string> = { 'Metadata-Flavor': 'ibm' }) =>
  call('PUT', `/instance_identity/v1/token?version=${V1}`, { headers, body });

const form = async (fields: Record<string, string>) =>
  call('POST', '/identity/token', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

const accessTokenFor = async (apikey: string): Promise<string> =>
  (await form({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey })).body.access_token as string;

const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('the VPC metadata service (identity operations)', () => {
  test('an identity token: 5 minutes by default, expires_in 5..3600, IBM’s response fields', async () => {
    const plain = await identityToken();
    const hour = await identityToken('{"expires_in": 3600}');

    expect(plain.status).toBe(200);
    expect(Object.keys(plain.body).sort()).toEqual([
      'access_token',
      'created_at',
      'expires_at',
      'expires_in',
    ]);
    expect(plain.body.expires_in).toBe(300);
    expect(hour.body.expires_in).toBe(3600);
    expect((await identityToken('{"expires_in": 4}')).status).toBe(400);
    expect((await identityToken('{"expires_in": 3601}')).status).toBe(400);
  });

  test('Metadata-Flavor: ibm is required, in IBM’s VPC error shape', async () => {
    const res = await identityToken('{}', {});

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      errors: [{ code: 'missing_metadata_flavor', target: { name: 'Metadata-Flavor', type: 'header' } }],
      status_code: 400,
    });
  });

  test('each path takes its own versions: /instance_identity/v1 before 2025-08-26, /identity/v1 from it', async () => {
    const h = { 'Metadata-Flavor': 'ibm' };
    expect((await call('PUT', '/instance_identity/v1/token?version=2025-08-26', { headers: h })).status).toBe(
      400,
    );
    expect((await call('PUT', `/identity/v1/token?version=${V1}`, { headers: h })).status).toBe(400);
    expect((await call('PUT', '/identity/v1/token?version=2025-08-26', { headers: h })).status).toBe(200);
    expect((await call('PUT', '/instance_identity/v1/token', { headers: h })).status).toBe(400);
  });

  test('the IAM token exchange needs the instance identity token, not an IAM one', async () => {
    const iam = await accessTokenFor(KEYS.guard);

    const none = await call('POST', `/instance_identity/v1/iam_token?version=${V1}`, { body: '{}' });
    const wrong = await call('POST', `/instance_identity/v1/iam_token?version=${V1}`, {
      headers: { Authorization: `Bearer ${iam}` },
      body: '{}',
    });

    expect([none.status, wrong.status]).toEqual([401, 401]);
  });

  test('the IAM token of the default profile carries a trusted profile’s claims and who applied it', async () => {
    const id = (await identityToken()).body.access_token as string;
    const profile = await world.profile('guard-vsi');

    const res = await call('POST', `/instance_identity/v1/iam_token?version=${V1}`, {
      headers: { Authorization: `Bearer ${id}` },
      body: '',
    });

    expect(res.status).toBe(200);
    expect(claimsOf(res.body.access_token as string)).toMatchObject({
      iam_id: profile.iam_id,
      sub: profile.id,
      sub_type: 'Profile',
      name: 'guard-vsi',
      account: { bss: ACCOUNT },
      grant_type: 'urn:ibm:params:oauth:grant-type:cr-token',
      authn: { sub_type: 'ComputeResource', name: 'guard-host' },
    });
  });

  test('off a VSI (no metadata_host) nothing answers', async () => {
    world.emu.load({ doc: { seed: 'no-host', api_keys: [] } });

    await expect(
      fetch(`${world.url}/instance_identity/v1/token?version=${V1}`, { method: 'PUT' }),
    ).rejects.toThrow();
  });
});

describe('assume: the profile’s identities are its trust', () => {
  const assume = async (accessToken: string, extra: Record<string, string>) =>
    form({ grant_type: 'urn:ibm:params:oauth:grant-type:assume', access_token: accessToken, ...extra });

  test('profile_name needs account; another account’s name is not found', async () => {
    const token = await accessTokenFor(KEYS.assumer);

    const noAccount = await assume(token, { profile_name: 'guard-assumed' });
    const elsewhere = await assume(token, { profile_name: 'guard-assumed', account: '0'.repeat(32) });

    expect(noAccount).toMatchObject({ status: 400, body: { errorCode: 'BXNIM0109E' } });
    expect(noAccount.body.errorMessage).toMatch(/Property: account$/);
    expect(elsewhere).toMatchObject({ status: 400, body: { errorCode: 'BXNIM0470E' } });
  });

  test('a user is trusted only from the accounts the identity lists', async () => {
    const { api_keys } = await world.admin.state<{ api_keys: { name: string; iam_id: string }[] }>();
    const alice = api_keys.find((k) => k.name === 'alice')?.iam_id ?? '';
    const profile = await world.profile('reader-only');
    const token = await accessTokenFor(KEYS.alice);
    const setIdentities = async (accounts: string[]) =>
      call('PUT', `/v1/profiles/${profile.id}/identities`, {
        headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', 'If-Match': '*' },
        body: JSON.stringify({ identities: [{ identifier: alice, type: 'user', accounts }] }),
      });

    expect((await setIdentities(['0'.repeat(32)])).status).toBe(200);
    const refused = await assume(token, { profile_id: profile.id });
    expect((await setIdentities([ACCOUNT])).status).toBe(200);
    const allowed = await assume(token, { profile_id: profile.id });

    expect(refused).toMatchObject({ status: 400, body: { errorCode: 'BXNIM0468E' } });
    expect(allowed.status).toBe(200);
    expect(claimsOf(allowed.body.access_token as string)).toMatchObject({
      iam_id: profile.iam_id,
      authn: { iam_id: alice, sub_type: 'IAMUser' },
    });
  });

  test('a trusted profile’s own token cannot assume another profile', async () => {
    const first = await assume(await accessTokenFor(KEYS.assumer), {
      profile_name: 'guard-assumed',
      account: ACCOUNT,
    });
    const profile = await world.profile('guard-assumed');

    const chained = await assume(first.body.access_token as string, { profile_id: profile.id });

    expect(chained).toMatchObject({ status: 400, body: { errorCode: 'BXNIM0468E' } });
  });
});

describe('a trusted profile’s roles, read from its policies on every request', () => {
  test('deleting the policy takes effect for a token already issued', async () => {
    const res = await form({
      grant_type: 'urn:ibm:params:oauth:grant-type:assume',
      access_token: await accessTokenFor(KEYS.assumer),
      profile_name: 'guard-assumed',
      account: ACCOUNT,
    });
    const token = res.body.access_token as string;
    const list = () =>
      call('GET', '/vpc/us-south/v1/instances?version=2026-03-24&generation=2', {
        headers: { Authorization: `Bearer ${token}` },
      });
    const before = await list();
    const profile = await world.profile('guard-assumed');
    const policies = new IamPolicyManagementV1({
      authenticator: authFor(world.url, KEYS.alice),
      serviceUrl: world.url,
    });
    const mine = await policies.listV2Policies({ accountId: ACCOUNT, iamId: profile.iam_id });
    for (const p of mine.result.policies ?? []) await policies.deleteV2Policy({ id: p.id ?? '' });

    const after = await list();

    expect([before.status, after.status]).toEqual([200, 403]);
  });

  test('a policy narrowed to a resource group grants nothing service-wide (strict: docs/fidelity/iam.md)', async () => {
    const profile = await world.profile('guard-assumed');
    const { resource_groups } = await world.admin.state<{ resource_groups: { id: string }[] }>(true);
    world.emu.load({
      doc: {
        seed: 'auth-it',
        account: { id: ACCOUNT },
        api_keys: [{ name: 'assumer', key: KEYS.assumer, kind: 'serviceid' }],
        regions: [{ name: 'us-south', vpcs: [{ name: 'v' }] }],
        profiles: [
          {
            name: 'guard-assumed',
            id: profile.id,
            identities: [{ key: 'assumer' }],
            policies: [
              {
                roles: ['Editor'],
                resource: { serviceName: 'is', resourceGroupId: resource_groups[0]?.id ?? '' },
              },
            ],
          },
        ],
      },
    });
    const res = await form({
      grant_type: 'urn:ibm:params:oauth:grant-type:assume',
      access_token: await accessTokenFor(KEYS.assumer),
      profile_id: profile.id,
    });

    const list = await call('GET', '/vpc/us-south/v1/instances?version=2026-03-24&generation=2', {
      headers: { Authorization: `Bearer ${res.body.access_token as string}` },
    });

    expect(list.status).toBe(403);
  });
});

describe('compute-resource tokens (the admin route that plays Code Engine)', () => {
  test('a request without a component is refused', async () => {
    const res = await call('POST', '/_emulator/compute-resource-tokens', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ crn: 'crn:v1:bluemix:public:codeengine:us-south:a/x:p::' }),
    });

    expect(res.status).toBe(400);
  });
});
