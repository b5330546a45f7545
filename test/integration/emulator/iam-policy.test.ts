import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1.js';
import { NoAuthAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ChangeEvent } from '#emulator/core/context.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const ACCOUNT = '2222333344445555aaaabbbbccccdddd';
const ROLE = (r: string) => `crn:v1:bluemix:public:iam::::role:${r}`;
const SERVICE_ROLE = (r: string) => `crn:v1:bluemix:public:iam::::serviceRole:${r}`;

const SCENARIO = `
seed: iam-policy-test
account: { id: ${ACCOUNT} }
api_keys:
  - { name: admin, key: iampol-admin-key-01, roles: { '*': [Administrator] } }
  - { name: am-admin, key: iampol-amadmin-key-01, roles: { iam-access-management: [Administrator] } }
  - { name: viewer, key: iampol-viewer-key-01, roles: { iam-access-management: [Viewer] } }
  - { name: nobody, key: iampol-nobody-key-01, roles: { is: [Viewer] } }
access_groups:
  - name: vpc-operators
    policies:
      - { roles: [Operator], resource: { serviceName: is } }
profiles:
  - name: deployer
    policies:
      - { roles: [Viewer, Reader], resource: { serviceName: is }, description: vpc read }
      - { roles: [Editor], resource: { serviceName: is, resourceGroupId: rg-1 } }
      - { roles: [Administrator], resource: { serviceType: service } }
      - { roles: [Viewer], resource: { serviceType: platform_service } }
      - { roles: [Writer], resource: { serviceName: cloud-object-storage }, resource_tags: { env: prod } }
  - name: other
policies:
  - subject: { key: nobody }
    roles: [Viewer]
    resource: { serviceName: is }
  - subject: { profile: other }
    roles: [Viewer]
    resource: { serviceName: is }
    rule: { key: '{{environment.attributes.day_of_week}}', operator: dayOfWeekAnyOf, value: ['1+00:00'] }
    pattern: 'time-based-conditions:weekly:custom-hours'
`;

let emu: RunningEmulator;
const changes: ChangeEvent[] = [];

const client = (key: string): IamPolicyManagementV1 =>
  new IamPolicyManagementV1({ authenticator: authFor(emu.url, key), serviceUrl: emu.url });

const iamIdOf = (name: string): string => {
  for (const p of emu.emulator.state.profiles.values()) if (p.name === name) return p.iam_id;
  for (const k of emu.emulator.state.apiKeys.values()) if (k.name === name) return k.iam_id;
  throw new Error(`no identity ${name}`);
};
const groupId = (name: string): string => {
  for (const g of emu.emulator.state.accessGroups.values()) if (g.name === name) return g.id;
  throw new Error(`no group ${name}`);
};

const failure = async (p: Promise<unknown>): Promise<{ status: number; result: Record<string, unknown> }> => {
  try {
    await p;
  } catch (err) {
    return err as { status: number; result: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
};

/** A v1 access policy body for a subject iam_id on a service. */
const v1Access = (iamId: string, service: string, role = ROLE('Viewer')) => ({
  type: 'access',
  subjects: [{ attributes: [{ name: 'iam_id', value: iamId }] }],
  roles: [{ role_id: role }],
  resources: [
    {
      attributes: [
        { name: 'accountId', value: ACCOUNT },
        { name: 'serviceName', value: service },
      ],
    },
  ],
});

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
  emu.emulator.onChange((c) => changes.push(c));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.reset();
  changes.length = 0;
});

describe('listing', () => {
  test('v1 PoliciesPager walks ≥ 3 pages via next.start and returns every policy of a subject', async () => {
    // Prepare
    const pager = new IamPolicyManagementV1.PoliciesPager(client('iampol-viewer-key-01'), {
      accountId: ACCOUNT,
      iamId: iamIdOf('deployer'),
      limit: 2,
    });
    // Act
    const pages: number[] = [];
    while (pager.hasNext()) pages.push((await pager.getNext()).length);
    // Assess
    expect(pages).toEqual([2, 2, 1]);
  });

  test('v2 V2PoliciesPager getAll collects all pages', async () => {
    const pager = new IamPolicyManagementV1.V2PoliciesPager(client('iampol-viewer-key-01'), {
      accountId: ACCOUNT,
      iamId: iamIdOf('deployer'),
      limit: 1,
    });
    const all = await pager.getAll();
    expect(all).toHaveLength(5);
    expect(all.every((p) => p.subject?.attributes[0]?.value === iamIdOf('deployer'))).toBe(true);
  });

  test('a v1 page is a PolicyCollection with first/next links and the v1 shape of each policy', async () => {
    const res = await client('iampol-viewer-key-01').listPolicies({
      accountId: ACCOUNT,
      iamId: iamIdOf('deployer'),
      limit: 2,
    });
    expect(res.result.limit).toBe(2);
    expect(res.result.first?.href).toMatch(/\/v1\/policies\?/);
    expect(res.result.next).toEqual({ href: expect.stringContaining('start='), start: expect.any(String) });
    expect(res.result.policies[0]).toEqual({
      id: expect.any(String),
      type: 'access',
      description: 'vpc read',
      subjects: [{ attributes: [{ name: 'iam_id', value: iamIdOf('deployer') }] }],
      roles: [
        { role_id: ROLE('Viewer'), display_name: 'Viewer', description: expect.stringContaining('viewer') },
        {
          role_id: SERVICE_ROLE('Reader'),
          display_name: 'Reader',
          description: expect.stringContaining('reader'),
        },
      ],
      resources: [
        {
          attributes: [
            { name: 'accountId', value: ACCOUNT, operator: 'stringEquals' },
            { name: 'serviceName', value: 'is', operator: 'stringEquals' },
          ],
        },
      ],
      href: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1\/policies\//),
      created_at: '2026-01-15T09:00:00.000Z',
      created_by_id: expect.any(String),
      last_modified_at: '2026-01-15T09:00:00.000Z',
      last_modified_by_id: expect.any(String),
      state: 'active',
    });
  });

  test('v2 renders subject/resource/control, rule and pattern; format=display enriches roles', async () => {
    const iam = client('iampol-viewer-key-01');
    const plain = await iam.listV2Policies({ accountId: ACCOUNT, iamId: iamIdOf('other') });
    const display = await iam.listV2Policies({
      accountId: ACCOUNT,
      iamId: iamIdOf('other'),
      format: 'display',
    });
    expect(plain.result.policies).toHaveLength(1);
    expect(plain.result.policies[0]).toMatchObject({
      subject: { attributes: [{ key: 'iam_id', operator: 'stringEquals', value: iamIdOf('other') }] },
      resource: {
        attributes: [{ key: 'accountId' }, { key: 'serviceName', operator: 'stringEquals', value: 'is' }],
      },
      control: { grant: { roles: [{ role_id: ROLE('Viewer') }] } },
      pattern: 'time-based-conditions:weekly:custom-hours',
      rule: { operator: 'dayOfWeekAnyOf' },
      state: 'active',
    });
    expect(display.result.policies[0]?.control).toEqual({
      grant: {
        roles: [
          { role_id: ROLE('Viewer'), display_name: 'Viewer', description: expect.any(String), actions: [] },
        ],
      },
    });
  });

  test('filters by access_group_id, service_type, service_name, tags and type', async () => {
    const iam = client('iampol-viewer-key-01');
    const group = await iam.listPolicies({ accountId: ACCOUNT, accessGroupId: groupId('vpc-operators') });
    const platform = await iam.listPolicies({ accountId: ACCOUNT, serviceType: 'platform_service' });
    const cos = await iam.listV2Policies({ accountId: ACCOUNT, serviceName: 'cloud-object-storage' });
    const tagged = await iam.listPolicies({ accountId: ACCOUNT, tagName: 'env', tagValue: 'prod' });
    const authz = await iam.listPolicies({ accountId: ACCOUNT, type: 'authorization' });
    expect(group.result.policies.map((p) => p.roles[0]?.display_name)).toEqual(['Operator']);
    expect(platform.result.policies).toHaveLength(1);
    expect(cos.result.policies).toHaveLength(1);
    expect(tagged.result.policies[0]?.resources[0]?.tags).toEqual([
      { name: 'env', value: 'prod', operator: 'stringEquals' },
    ]);
    expect(authz.result.policies).toEqual([]);
  });

  test('refuses limit outside 1..100, unknown enums and sort fields; account_id is required', async () => {
    const iam = client('iampol-viewer-key-01');
    const big = await failure(iam.listPolicies({ accountId: ACCOUNT, limit: 101 }));
    const zero = await failure(iam.listV2Policies({ accountId: ACCOUNT, limit: 0 }));
    const type = await failure(iam.listPolicies({ accountId: ACCOUNT, type: 'everything' }));
    const sort = await failure(iam.listPolicies({ accountId: ACCOUNT, sort: 'roles' }));
    const o: { headers: Record<string, string> } = { headers: {} };
    await authFor(emu.url, 'iampol-viewer-key-01').authenticate(o);
    const missing = await fetch(`${emu.url}/v2/policies`, {
      headers: { authorization: o.headers.Authorization ?? '' },
    });
    expect([big.status, zero.status, type.status, sort.status, missing.status]).toEqual([
      400, 400, 400, 400, 400,
    ]);
    expect(await missing.json()).toMatchObject({
      errors: [{ code: 'missing_required_query_parameter' }],
      status_code: 400,
      trace: expect.any(String),
    });
  });

  test('without a role on iam-access-management a caller lists only the policies granted to itself', async () => {
    const mine = await client('iampol-nobody-key-01').listPolicies({ accountId: ACCOUNT });
    const someoneElse = await client('iampol-nobody-key-01').listPolicies({
      accountId: ACCOUNT,
      iamId: iamIdOf('deployer'),
    });
    expect(mine.status).toBe(200);
    expect(mine.result.policies.map((p) => p.subjects[0]?.attributes[0]?.value)).toEqual([iamIdOf('nobody')]);
    expect(someoneElse.result.policies).toEqual([]);
  });
});

describe('v1 writes', () => {
  test('create (ETag), get, replace with If-Match, patch state, delete, then 404 — each emitted', async () => {
    // Prepare
    const iam = client('iampol-admin-key-01');
    const subject = iamIdOf('other');
    // Act
    const created = await iam.createPolicy(v1Access(subject, 'is'));
    const id = created.result.id ?? '';
    const got = await iam.getPolicy({ policyId: id });
    const replaced = await iam.replacePolicy({
      policyId: id,
      ifMatch: got.headers.etag as string,
      ...v1Access(subject, 'is', ROLE('Editor')),
    });
    const patched = await iam.updatePolicyState({
      policyId: id,
      ifMatch: replaced.headers.etag as string,
      state: 'deleted',
    });
    const deletedList = await iam.listPolicies({ accountId: ACCOUNT, iamId: subject, state: 'deleted' });
    const removed = await iam.deletePolicy({ policyId: id });
    const gone = await failure(iam.getPolicy({ policyId: id }));
    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.etag).toMatch(/^1-[0-9a-f]{32}$/);
    expect(got.headers.etag).toBe(created.headers.etag);
    expect(replaced.result.roles.map((r) => r.role_id)).toEqual([ROLE('Editor')]);
    expect(replaced.headers.etag).toMatch(/^2-/);
    expect(patched.result.state).toBe('deleted');
    expect(deletedList.result.policies.map((p) => p.id)).toEqual([id]);
    expect(removed.status).toBe(204);
    expect(gone.status).toBe(404);
    expect(gone.result).toMatchObject({
      errors: [{ code: 'policy_not_found', message: `Policy with ID ${id} not found.` }],
      status_code: 404,
      trace: expect.any(String),
    });
    expect(changes.map((c) => c.action)).toEqual([
      'iam-am.policy.create',
      'iam-am.policy.update',
      'iam-am.policy.update',
      'iam-am.policy.delete',
    ]);
    expect(changes[0]).toMatchObject({
      target: {
        id: `crn:v1:bluemix:public:iam-am::a/${ACCOUNT}::policy:${id}`,
        name: id,
        typeURI: 'iam-am/policy',
      },
      reasonCode: 201,
      location: 'global',
      message: `IAM Access Management: create policy ${id}`,
      requestData: { api_name: 'postPolicyV1', method: 'POST', iam_id: subject, policy_id: id },
      responseData: { status: '201 Created' },
    });
    expect(changes[3]?.requestData).toMatchObject({ iam_id: subject, api_name: 'deletePolicyV1' });
  });

  test('a stale If-Match is 412; a second policy on the same subject and resource is 409 naming the first', async () => {
    const iam = client('iampol-admin-key-01');
    const created = await iam.createPolicy(v1Access(iamIdOf('other'), 'cloud-object-storage'));
    const id = created.result.id ?? '';
    await iam.replacePolicy({
      policyId: id,
      ifMatch: created.headers.etag as string,
      ...v1Access(iamIdOf('other'), 'cloud-object-storage', ROLE('Operator')),
    });
    changes.length = 0;
    const stale = await failure(
      iam.replacePolicy({
        policyId: id,
        ifMatch: created.headers.etag as string,
        ...v1Access(iamIdOf('other'), 'cloud-object-storage'),
      }),
    );
    const dup = await failure(
      iam.createPolicy(v1Access(iamIdOf('other'), 'cloud-object-storage', ROLE('Editor'))),
    );
    expect(stale.status).toBe(412);
    expect(stale.result).toMatchObject({ errors: [{ code: 'precondition_failed' }], status_code: 412 });
    expect(dup.status).toBe(409);
    expect(dup.result).toMatchObject({
      errors: [
        {
          code: 'policy_conflict_error',
          details: {
            conflicts_with: {
              etag: expect.stringMatching(/^2-/),
              policy: { id, roles: [{ role_id: ROLE('Operator') }] },
            },
          },
        },
      ],
      status_code: 409,
    });
    expect(changes).toEqual([]);
  });

  test('validates the body: roles, accountId, resource scope, subject existence', async () => {
    const iam = client('iampol-admin-key-01');
    const base = v1Access(iamIdOf('other'), 'is');
    const badRole = await failure(
      iam.createPolicy({ ...base, roles: [{ role_id: 'crn:v1:bluemix:public:iam::::role:God' }] }),
    );
    const noAccount = await failure(
      iam.createPolicy({ ...base, resources: [{ attributes: [{ name: 'serviceName', value: 'is' }] }] }),
    );
    const noScope = await failure(
      iam.createPolicy({ ...base, resources: [{ attributes: [{ name: 'accountId', value: ACCOUNT }] }] }),
    );
    const ghost = await failure(
      iam.createPolicy(v1Access('iam-Profile-00000000-0000-4000-8000-000000000000', 'is')),
    );
    const twoSubjects = await failure(
      iam.createPolicy({ ...base, subjects: [...base.subjects, ...base.subjects] }),
    );
    expect([badRole, noAccount, noScope, ghost, twoSubjects].map((f) => f.status)).toEqual([
      400, 400, 400, 400, 400,
    ]);
    expect(noScope.result).toMatchObject({ errors: [{ code: 'invalid_body' }] });
  });
});

describe('v2 writes', () => {
  test('create with a time-based rule, get with ETag and format, replace with If-Match, delete', async () => {
    // Prepare
    const iam = client('iampol-admin-key-01');
    const subject = {
      attributes: [{ key: 'access_group_id', operator: 'stringEquals', value: groupId('vpc-operators') }],
    };
    const resource = {
      attributes: [
        { key: 'accountId', operator: 'stringEquals', value: ACCOUNT },
        { key: 'serviceName', operator: 'stringEquals', value: 'is' },
        { key: 'resourceGroupId', operator: 'stringEquals', value: 'rg-2' },
      ],
    };
    const rule = {
      operator: 'and',
      conditions: [
        {
          key: '{{environment.attributes.current_time}}',
          operator: 'timeGreaterThanOrEquals',
          value: '09:00:00+00:00',
        },
        {
          key: '{{environment.attributes.current_time}}',
          operator: 'timeLessThanOrEquals',
          value: '17:00:00+00:00',
        },
      ],
    };
    // Act
    const created = await iam.createV2Policy({
      type: 'access',
      control: { grant: { roles: [{ role_id: ROLE('Editor') }] } },
      subject,
      resource,
      rule,
      pattern: 'time-based-conditions:weekly:custom-hours',
    });
    const id = created.result.id ?? '';
    const got = await iam.getV2Policy({ id, format: 'display' });
    const replaced = await iam.replaceV2Policy({
      id,
      ifMatch: got.headers.etag as string,
      type: 'access',
      control: { grant: { roles: [{ role_id: ROLE('Viewer') }] } },
      subject,
      resource,
    });
    const asV1 = await iam.getPolicy({ policyId: id });
    await iam.deleteV2Policy({ id });
    const gone = await failure(iam.getV2Policy({ id }));
    // Assess
    expect(created.status).toBe(201);
    expect(created.result).toMatchObject({
      subject,
      resource,
      rule,
      control: { grant: { roles: [{ role_id: ROLE('Editor') }] } },
    });
    expect(got.result.control).toMatchObject({ grant: { roles: [{ display_name: 'Editor', actions: [] }] } });
    expect(replaced.result).not.toHaveProperty('rule');
    expect(replaced.result).not.toHaveProperty('pattern');
    expect(asV1.result.subjects).toEqual([
      { attributes: [{ name: 'access_group_id', value: groupId('vpc-operators') }] },
    ]);
    expect(gone.status).toBe(404);
    expect(changes.map((c) => c.action)).toEqual([
      'iam-am.policy.create',
      'iam-am.policy.update',
      'iam-am.policy.delete',
    ]);
    expect(changes[0]?.requestData).toMatchObject({
      access_group_id: groupId('vpc-operators'),
      api_name: 'postPolicyV2',
    });
  });

  test('a rule needs a pattern; a stale If-Match on replace is 412', async () => {
    const iam = client('iampol-admin-key-01');
    const body = {
      type: 'access',
      control: { grant: { roles: [{ role_id: ROLE('Viewer') }] } },
      subject: { attributes: [{ key: 'iam_id', operator: 'stringEquals', value: iamIdOf('other') }] },
      resource: {
        attributes: [
          { key: 'accountId', operator: 'stringEquals', value: ACCOUNT },
          { key: 'serviceName', operator: 'stringEquals', value: 'cloud-object-storage' },
        ],
      },
    };
    const noPattern = await failure(
      iam.createV2Policy({
        ...body,
        rule: {
          key: '{{environment.attributes.day_of_week}}',
          operator: 'dayOfWeekAnyOf',
          value: ['1+00:00'],
        },
      }),
    );
    const created = await iam.createV2Policy(body);
    const stale = await failure(
      iam.replaceV2Policy({ id: created.result.id ?? '', ifMatch: '9-0', ...body }),
    );
    expect(noPattern.status).toBe(400);
    expect(stale.status).toBe(412);
  });
});

describe('authorization', () => {
  test('401 without a token', async () => {
    const noAuth = new IamPolicyManagementV1({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: emu.url,
    });
    const res = await failure(noAuth.listPolicies({ accountId: ACCOUNT }));
    expect(res.status).toBe(401);
  });

  test("403 (IBM's insufficent_permissions) reading another's policy, or writing without Administrator", async () => {
    const pid = (
      await client('iampol-viewer-key-01').listPolicies({ accountId: ACCOUNT, iamId: iamIdOf('deployer') })
    ).result.policies[0]?.id;
    const read = await failure(client('iampol-nobody-key-01').getPolicy({ policyId: pid ?? '' }));
    const viewerWrites = await failure(
      client('iampol-viewer-key-01').createPolicy(v1Access(iamIdOf('other'), 'cloud-object-storage')),
    );
    const noServiceAdmin = await failure(
      client('iampol-amadmin-key-01').createPolicy(v1Access(iamIdOf('other'), 'is')),
    );
    const ok = await client('iampol-amadmin-key-01').createPolicy(
      v1Access(iamIdOf('other'), 'cloud-object-storage'),
    );
    expect([read.status, viewerWrites.status, noServiceAdmin.status]).toEqual([403, 403, 403]);
    expect(read.result).toMatchObject({
      errors: [{ code: 'insufficent_permissions' }],
      status_code: 403,
      trace: expect.any(String),
    });
    expect(ok.status).toBe(201);
    expect(changes).toHaveLength(1);
  });
});
