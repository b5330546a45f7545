import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import { getQueryParam, NoAuthAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ChangeEvent } from '#emulator/core/context.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const ACCOUNT = '1111222233334444aaaabbbbccccdddd';

const SCENARIO = `
seed: iam-identity-test
account: { id: ${ACCOUNT} }
api_keys:
  - { name: admin, key: iamid-admin-key-01, roles: { iam-identity: [Administrator] } }
  - { name: reader, key: iamid-reader-key-01, roles: { iam-identity: [Viewer] } }
  - { name: nobody, key: iamid-nobody-key-01, roles: { is: [Viewer] } }
regions:
  - name: us-south
    vpcs: [{ name: v }]
    instances: [{ name: web-01 }, { name: web-02 }]
access_groups:
  - { name: readers }
profiles:
  - name: p-00
    description: the one with everything
    rules:
      - name: vsi-in-vpc
        type: Profile-CR
        cr_type: VSI
        conditions: [{ claim: vpc_id, operator: EQUALS, value: r006-vpc }]
    links:
      - { name: web-01-link, cr_type: VSI, instance: web-01 }
    identities:
      - { type: user, identifier: IBMid-5500000ABC, accounts: [${ACCOUNT}] }
  - name: p-01
    access_groups: [readers]
    policies: [{ roles: [Viewer], resource: { serviceName: is } }]
  - { name: p-02 }
  - { name: p-03 }
  - { name: p-04 }
  - { name: p-05 }
  - { name: p-06 }
`;

let emu: RunningEmulator;
const changes: ChangeEvent[] = [];

const client = (key: string): IamIdentityV1 =>
  new IamIdentityV1({ authenticator: authFor(emu.url, key), serviceUrl: emu.url });

const profileId = (name: string): string => {
  for (const p of emu.emulator.state.profiles.values()) if (p.name === name) return p.id;
  throw new Error(`no profile ${name}`);
};

/** The SDK rejects with an Error carrying status and the parsed body. */
const failure = async (p: Promise<unknown>): Promise<{ status: number; result: Record<string, unknown> }> => {
  try {
    await p;
  } catch (err) {
    return err as { status: number; result: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
};

const bearer = async (key: string): Promise<string> => {
  const o: { headers: Record<string, string> } = { headers: {} };
  await authFor(emu.url, key).authenticate(o);
  return o.headers.Authorization ?? '';
};

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

describe('profiles', () => {
  test('listProfiles pages with pagesize and the pagetoken of the `next` URL', async () => {
    // Prepare
    const iam = client('iamid-reader-key-01');
    const names: string[] = [];
    let pagetoken: string | undefined;
    let pages = 0;
    // Act
    do {
      const res = await iam.listProfiles({
        accountId: ACCOUNT,
        pagesize: 3,
        ...(pagetoken ? { pagetoken } : {}),
      });
      names.push(...res.result.profiles.map((p) => p.name));
      pagetoken = res.result.next ? (getQueryParam(res.result.next, 'pagetoken') ?? undefined) : undefined;
      pages += 1;
    } while (pagetoken);
    // Assess
    expect(pages).toBe(3);
    expect(names).toEqual(['p-00', 'p-01', 'p-02', 'p-03', 'p-04', 'p-05', 'p-06']);
  });

  test('a page is a TrustedProfilesList with URL strings and full TrustedProfile models', async () => {
    const res = await client('iamid-reader-key-01').listProfiles({ accountId: ACCOUNT, pagesize: 2 });
    expect(res.status).toBe(200);
    expect(res.result).toMatchObject({
      offset: 0,
      limit: 2,
      first: expect.stringContaining('/v1/profiles?'),
    });
    expect(res.result.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/profiles\?.*pagetoken=/);
    expect(res.result.previous).toBeUndefined();
    const id = profileId('p-00');
    expect(res.result.profiles[0]).toEqual({
      id,
      entity_tag: expect.stringMatching(/^1-[0-9a-f]{32}$/),
      crn: `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::profile:${id}`,
      name: 'p-00',
      description: 'the one with everything',
      created_at: '2026-01-15T09:00+0000',
      modified_at: '2026-01-15T09:00+0000',
      iam_id: `iam-${id}`,
      account_id: ACCOUNT,
    });
  });

  test('sort, order, name and filter narrow and order the list', async () => {
    const iam = client('iamid-reader-key-01');
    const desc = await iam.listProfiles({ accountId: ACCOUNT, sort: 'name', order: 'desc', pagesize: 2 });
    const byName = await iam.listProfiles({ accountId: ACCOUNT, name: 'p-03' });
    const filtered = await iam.listProfiles({
      accountId: ACCOUNT,
      filter: 'name co "-0" and description sw "the"',
    });
    expect(desc.result.profiles.map((p) => p.name)).toEqual(['p-06', 'p-05']);
    expect(byName.result.profiles.map((p) => p.name)).toEqual(['p-03']);
    expect(filtered.result.profiles.map((p) => p.name)).toEqual(['p-00']);
  });

  test('refuses a pagesize outside 1..100, a bad sort and a bad pagetoken with 400', async () => {
    const iam = client('iamid-reader-key-01');
    const tooBig = await failure(iam.listProfiles({ accountId: ACCOUNT, pagesize: 101 }));
    const zero = await failure(iam.listProfiles({ accountId: ACCOUNT, pagesize: 0 }));
    const sort = await failure(iam.listProfiles({ accountId: ACCOUNT, sort: 'iam_id' }));
    const token = await failure(iam.listProfiles({ accountId: ACCOUNT, pagetoken: 'not-a-token' }));
    expect([tooBig.status, zero.status, sort.status, token.status]).toEqual([400, 400, 400, 400]);
    expect(tooBig.result).toMatchObject({
      status_code: 400,
      errors: [{ code: 'bad_request', message: expect.stringContaining('pagesize') }],
      context: { requestType: 'incoming.Identity', url: expect.stringContaining('/v1/profiles') },
    });
  });

  test('account_id is required (400) and another account is refused (403)', async () => {
    // The SDK insists on accountId itself, so this goes over plain HTTP.
    const authorization = await bearer('iamid-reader-key-01');
    const missing = await fetch(`${emu.url}/v1/profiles`, { headers: { authorization } });
    const other = await failure(client('iamid-reader-key-01').listProfiles({ accountId: 'f'.repeat(32) }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      errors: [{ code: 'bad_request', message: 'account_id is a required query parameter.' }],
    });
    expect(other.status).toBe(403);
  });

  test('create, get (ETag), update with If-Match, delete, then 404 — each change emitted', async () => {
    // Prepare
    const iam = client('iamid-admin-key-01');
    // Act
    const created = await iam.createProfile({ name: 'ci-deployer', accountId: ACCOUNT, description: 'CI' });
    const id = created.result.id;
    const got = await iam.getProfile({ profileId: id, includeActivity: true });
    const etag = got.headers.etag as string;
    const updated = await iam.updateProfile({ profileId: id, ifMatch: etag, description: 'CI v2' });
    const deleted = await iam.deleteProfile({ profileId: id });
    const gone = await failure(iam.getProfile({ profileId: id }));
    // Assess
    expect(created.status).toBe(201);
    expect(created.result).toMatchObject({ name: 'ci-deployer', iam_id: `iam-${id}`, account_id: ACCOUNT });
    expect(id).toMatch(/^Profile-[0-9a-f-]{36}$/);
    expect(etag).toBe(created.result.entity_tag);
    expect(got.result.activity).toEqual({ authn_count: 0 });
    expect(updated.status).toBe(200);
    expect(updated.result.description).toBe('CI v2');
    expect(updated.result.entity_tag).not.toBe(etag);
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
    expect(gone.result).toMatchObject({
      status_code: 404,
      errors: [{ code: 'not_found', message: `Trusted profile with id ${id} not found.` }],
      trace: expect.any(String),
      context: expect.any(Object),
    });
    expect(changes.map((c) => c.action)).toEqual([
      'iam-identity.account-profile.create',
      'iam-identity.account-profile.update',
      'iam-identity.account-profile.delete',
    ]);
    expect(changes[1]).toMatchObject({
      target: {
        id: `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::profile:${id}`,
        name: 'ci-deployer',
        typeURI: 'iam-identity/account-profile',
      },
      reasonCode: 200,
      location: 'global',
      logSourceCRN: `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::`,
      message: 'IAM Identity Service: update account-profile ci-deployer',
      requestData: { profile_id: id, description: 'CI v2' },
    });
  });

  test('deleting a profile also removes its access-group memberships and its policies', async () => {
    // Prepare
    const id = profileId('p-01');
    const state = emu.emulator.state;
    const members = () => [...state.accessGroups.values()].flatMap((g) => g.members.map((m) => m.iam_id));
    const subjects = () =>
      [...state.policies.values()].flatMap((p) => p.subject.attributes.map((a) => a.value));
    expect([members(), subjects()]).toEqual([[`iam-${id}`], [`iam-${id}`]]);
    // Act
    await client('iamid-admin-key-01').deleteProfile({ profileId: id });
    // Assess
    expect([members(), subjects()]).toEqual([[], []]);
  });

  test('a stale If-Match is a 409 and changes nothing', async () => {
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-01');
    const first = await iam.getProfile({ profileId: id });
    await iam.updateProfile({ profileId: id, ifMatch: first.result.entity_tag, description: 'one' });
    changes.length = 0;
    const stale = await failure(
      iam.updateProfile({ profileId: id, ifMatch: first.result.entity_tag, description: 'two' }),
    );
    expect(stale.status).toBe(409);
    expect(stale.result).toMatchObject({ errors: [{ code: 'conflict' }] });
    expect((await iam.getProfile({ profileId: id })).result.description).toBe('one');
    expect(changes).toEqual([]);
  });

  test("createProfile validates account_id before authorizing: 'invalid' is 400, another account 403", async () => {
    // Prepare: IBM's own SDK test (createProfileBadRequest) sends accountId 'invalid' and expects 400
    const iam = client('iamid-admin-key-01');
    // Act
    const invalid = await failure(iam.createProfile({ name: 'x', accountId: 'invalid' }));
    const other = await failure(iam.createProfile({ name: 'x', accountId: 'f'.repeat(32) }));
    // Assess
    expect(invalid.status).toBe(400);
    expect(invalid.result).toMatchObject({
      status_code: 400,
      errors: [{ code: 'bad_request', message: expect.stringContaining('account_id') }],
    });
    expect(other.status).toBe(403);
    expect(changes).toEqual([]);
  });

  test('names are unique per account (409) and If-Match * updates any version', async () => {
    const iam = client('iamid-admin-key-01');
    const dup = await failure(iam.createProfile({ name: 'P-02', accountId: ACCOUNT }));
    const star = await iam.updateProfile({
      profileId: profileId('p-02'),
      ifMatch: '*',
      name: 'p-02-renamed',
    });
    expect(dup.status).toBe(409);
    expect(star.result.name).toBe('p-02-renamed');
  });

  test('401 without a token; 403 for a Viewer writing and for a key without any IAM Identity role', async () => {
    const noAuth = new IamIdentityV1({ authenticator: new NoAuthAuthenticator(), serviceUrl: emu.url });
    const unauth = await failure(noAuth.listProfiles({ accountId: ACCOUNT }));
    const readerWrites = await failure(
      client('iamid-reader-key-01').createProfile({ name: 'x', accountId: ACCOUNT }),
    );
    const nobodyReads = await failure(
      client('iamid-nobody-key-01').getProfile({ profileId: profileId('p-00') }),
    );
    expect(unauth.status).toBe(401);
    expect(readerWrites.status).toBe(403);
    expect(nobodyReads.status).toBe(403);
    expect(nobodyReads.result).toMatchObject({
      status_code: 403,
      errors: [{ code: 'forbidden' }],
      context: expect.any(Object),
    });
    expect(changes).toEqual([]);
  });
});

describe('claim rules', () => {
  test('list, create (Profile-CR), get with ETag, update with If-Match, delete — emitted as profile updates', async () => {
    // Prepare
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-00');
    // Act
    const before = await iam.listClaimRules({ profileId: id });
    const created = await iam.createClaimRule({
      profileId: id,
      type: 'Profile-CR',
      crType: 'VSI',
      conditions: [
        { claim: 'crn', operator: 'EQUALS', value: '"crn:v1:bluemix:public:is:us-south-1:a/x::instance:1"' },
      ],
    });
    const got = await iam.getClaimRule({ profileId: id, ruleId: created.result.id });
    const updated = await iam.updateClaimRule({
      profileId: id,
      ruleId: created.result.id,
      ifMatch: got.headers.etag as string,
      type: 'Profile-CR',
      crType: 'VSI',
      conditions: [{ claim: 'resource_group_id', operator: 'IN', value: '["a","b"]' }],
    });
    const stale = await failure(
      iam.updateClaimRule({
        profileId: id,
        ruleId: created.result.id,
        ifMatch: got.result.entity_tag,
        type: 'Profile-CR',
        crType: 'VSI',
        conditions: [{ claim: 'x', operator: 'EQUALS', value: '"y"' }],
      }),
    );
    await iam.deleteClaimRule({ profileId: id, ruleId: created.result.id });
    const after = await iam.listClaimRules({ profileId: id });
    // Assess
    expect(before.result.rules).toHaveLength(1);
    expect(before.result.rules[0]).toMatchObject({
      name: 'vsi-in-vpc',
      type: 'Profile-CR',
      cr_type: 'VSI',
      conditions: [{ claim: 'vpc_id', operator: 'EQUALS', value: '"r006-vpc"' }],
    });
    expect(created.status).toBe(201);
    expect(created.result).toMatchObject({ type: 'Profile-CR', cr_type: 'VSI', expiration: 43200 });
    expect(created.result.id).toMatch(/^ClaimRule-/);
    expect(updated.result.conditions).toEqual([
      { claim: 'resource_group_id', operator: 'IN', value: '["a","b"]' },
    ]);
    expect(stale.status).toBe(409);
    expect(after.result.rules).toHaveLength(1);
    expect(changes.map((c) => [c.action, c.reasonCode])).toEqual([
      ['iam-identity.account-profile.update', 201],
      ['iam-identity.account-profile.update', 200],
      ['iam-identity.account-profile.update', 204],
    ]);
    expect(changes[0]?.requestData).toMatchObject({
      operation: 'create-claim-rule',
      rule: { cr_type: 'VSI' },
    });
  });

  test('validates type-specific fields, operators, values and expiration with 400', async () => {
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-01');
    const cond = [{ claim: 'blueGroups', operator: 'EQUALS', value: '"dev"' }];
    const samlNoRealm = await failure(
      iam.createClaimRule({ profileId: id, type: 'Profile-SAML', expiration: 3600, conditions: cond }),
    );
    const crNoType = await failure(
      iam.createClaimRule({ profileId: id, type: 'Profile-CR', conditions: cond }),
    );
    const badType = await failure(
      iam.createClaimRule({ profileId: id, type: 'Profile-X', conditions: cond }),
    );
    const badOp = await failure(
      iam.createClaimRule({
        profileId: id,
        type: 'Profile-CR',
        crType: 'VSI',
        conditions: [{ ...cond[0], operator: 'LIKE' }] as never,
      }),
    );
    const rawValue = await failure(
      iam.createClaimRule({
        profileId: id,
        type: 'Profile-CR',
        crType: 'VSI',
        conditions: [{ ...cond[0], value: 'dev' }] as never,
      }),
    );
    const shortSession = await failure(
      iam.createClaimRule({
        profileId: id,
        type: 'Profile-SAML',
        realmName: 'https://idp',
        expiration: 60,
        conditions: cond,
      }),
    );
    const saml = await iam.createClaimRule({
      profileId: id,
      type: 'Profile-SAML',
      realmName: 'https://idp.example.com/realm',
      expiration: 3600,
      conditions: cond,
    });
    expect([samlNoRealm, crNoType, badType, badOp, rawValue, shortSession].map((f) => f.status)).toEqual([
      400, 400, 400, 400, 400, 400,
    ]);
    expect(samlNoRealm.result).toMatchObject({
      errors: [{ message: expect.stringContaining('realm_name') }],
    });
    expect(saml.result).toMatchObject({
      type: 'Profile-SAML',
      realm_name: 'https://idp.example.com/realm',
      expiration: 3600,
    });
  });

  test('a profile has at most 20 claim rules', async () => {
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-02');
    const cond = [{ claim: 'crn', operator: 'EQUALS', value: '"x"' }];
    for (let i = 0; i < 20; i += 1)
      await iam.createClaimRule({ profileId: id, type: 'Profile-CR', crType: 'VSI', conditions: cond });
    const over = await failure(
      iam.createClaimRule({ profileId: id, type: 'Profile-CR', crType: 'VSI', conditions: cond }),
    );
    expect(over.status).toBe(400);
    expect((await iam.listClaimRules({ profileId: id })).result.rules).toHaveLength(20);
  });
});

describe('links', () => {
  test('list, create for a VSI, get, delete by id and by parameters; 404 afterwards', async () => {
    // Prepare
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-00');
    const web02 = [...(emu.emulator.state.regions.get('us-south')?.instances.values() ?? [])].find(
      (i) => i.name === 'web-02',
    );
    const crn = web02?.crn ?? '';
    // Act
    const listed = await iam.listLinks({ profileId: id });
    const created = await iam.createLink({ profileId: id, crType: 'VSI', name: 'web-02', link: { crn } });
    const got = await iam.getLink({ profileId: id, linkId: created.result.id });
    const dup = await failure(iam.createLink({ profileId: id, crType: 'VSI', link: { crn } }));
    const byParams = await iam.deleteLinkByParameters({ profileId: id, type: 'VSI', crn });
    const byParamsAgain = await failure(iam.deleteLinkByParameters({ profileId: id, type: 'VSI', crn }));
    const first = listed.result.links[0]?.id ?? '';
    const byId = await iam.deleteLink({ profileId: id, linkId: first });
    const gone = await failure(iam.getLink({ profileId: id, linkId: first }));
    // Assess
    expect(listed.result.links).toEqual([
      expect.objectContaining({
        name: 'web-01-link',
        cr_type: 'VSI',
        entity_tag: expect.any(String),
        link: { crn: expect.stringContaining('::instance:') },
      }),
    ]);
    expect(created.status).toBe(201);
    expect(got.result).toMatchObject({ id: created.result.id, cr_type: 'VSI', link: { crn } });
    expect(dup.status).toBe(409);
    expect([byParams.status, byId.status]).toEqual([204, 204]);
    expect(byParamsAgain.status).toBe(404);
    expect(gone.status).toBe(404);
    expect((await iam.listLinks({ profileId: id })).result.links).toEqual([]);
    expect(changes.map((c) => c.action)).toEqual(Array(3).fill('iam-identity.account-profile.update'));
    expect(changes[0]?.requestData).toMatchObject({ operation: 'create-link', link: { link: { crn } } });
  });

  test('validates cr_type fields, the CRN and its account', async () => {
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-01');
    const roksNoNs = await failure(
      iam.createLink({
        profileId: id,
        crType: 'ROKS_SA',
        link: { crn: `crn:v1:bluemix:public:containers-kubernetes:us-south:a/${ACCOUNT}::cluster:c1` },
      }),
    );
    const otherAccount = await failure(
      iam.createLink({
        profileId: id,
        crType: 'VSI',
        link: { crn: `crn:v1:bluemix:public:is:us-south-1:a/${'e'.repeat(32)}::instance:0717_x` },
      }),
    );
    const unknownVsi = await failure(
      iam.createLink({
        profileId: id,
        crType: 'VSI',
        link: { crn: `crn:v1:bluemix:public:is:us-south-1:a/${ACCOUNT}::instance:0717_nope` },
      }),
    );
    const roks = await iam.createLink({
      profileId: id,
      crType: 'ROKS_SA',
      link: {
        crn: `crn:v1:bluemix:public:containers-kubernetes:us-south:a/${ACCOUNT}::cluster:c1`,
        namespace: 'default',
        name: 'sa',
      },
    });
    expect([roksNoNs.status, otherAccount.status, unknownVsi.status]).toEqual([400, 400, 400]);
    expect(roks.result.link).toEqual({
      crn: `crn:v1:bluemix:public:containers-kubernetes:us-south:a/${ACCOUNT}::cluster:c1`,
      namespace: 'default',
      name: 'sa',
    });
  });
});

describe('identities', () => {
  test('get with entity_tag, set with If-Match (stale: 409), single identity add/get/delete', async () => {
    // Prepare
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-00');
    // Act
    const before = await iam.getProfileIdentities({ profileId: id });
    const set = await iam.setProfileIdentities({
      profileId: id,
      ifMatch: before.result.entity_tag ?? '',
      identities: [
        { identifier: 'IBMid-5500000ABC', type: 'user', accounts: [ACCOUNT] },
        { identifier: 'ServiceId-1234', type: 'serviceid', description: 'deployer' },
      ],
    });
    const stale = await failure(
      iam.setProfileIdentities({ profileId: id, ifMatch: before.result.entity_tag ?? '', identities: [] }),
    );
    const crn = `crn:v1:bluemix:public:project:global:a/${ACCOUNT}::project:p1`;
    const added = await iam.setProfileIdentity({
      profileId: id,
      identityType: 'crn',
      identifier: crn,
      type: 'crn',
    });
    const one = await iam.getProfileIdentity({ profileId: id, identityType: 'crn', identifierId: crn });
    const removed = await iam.deleteProfileIdentity({
      profileId: id,
      identityType: 'crn',
      identifierId: crn,
    });
    const after = await iam.getProfileIdentities({ profileId: id });
    // Assess
    expect(before.result).toEqual({
      entity_tag: expect.any(String),
      identities: [
        { iam_id: 'IBMid-5500000ABC', identifier: 'IBMid-5500000ABC', type: 'user', accounts: [ACCOUNT] },
      ],
    });
    expect(set.result.identities).toEqual([
      { iam_id: 'IBMid-5500000ABC', identifier: 'IBMid-5500000ABC', type: 'user', accounts: [ACCOUNT] },
      {
        iam_id: 'iam-ServiceId-1234',
        identifier: 'ServiceId-1234',
        type: 'serviceid',
        description: 'deployer',
      },
    ]);
    expect(set.result.entity_tag).not.toBe(before.result.entity_tag);
    expect(stale.status).toBe(409);
    expect(added.result).toEqual({ iam_id: `crn-${crn}`, identifier: crn, type: 'crn' });
    expect(one.result.identifier).toBe(crn);
    expect(removed.status).toBe(204);
    expect(after.result.identities).toHaveLength(2);
    expect(changes.map((c) => c.requestData?.operation)).toEqual([
      'set-identities',
      'add-identity',
      'delete-identity',
    ]);
  });

  test('accounts are only for users, and identifiers must fit their type', async () => {
    const iam = client('iamid-admin-key-01');
    const id = profileId('p-01');
    const wrongAccounts = await failure(
      iam.setProfileIdentities({
        profileId: id,
        ifMatch: '*',
        identities: [{ identifier: 'ServiceId-1', type: 'serviceid', accounts: [ACCOUNT] }],
      }),
    );
    const wrongId = await failure(
      iam.setProfileIdentities({
        profileId: id,
        ifMatch: '*',
        identities: [{ identifier: 'ServiceId-1', type: 'user' }],
      }),
    );
    const noIfMatch = await fetch(`${emu.url}/v1/profiles/${id}/identities`, {
      method: 'PUT',
      headers: { authorization: await bearer('iamid-admin-key-01'), 'content-type': 'application/json' },
      body: JSON.stringify({ identities: [] }),
    });
    expect([wrongAccounts.status, wrongId.status, noIfMatch.status]).toEqual([400, 400, 400]);
  });
});
