import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2.js';
import { NoAuthAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ChangeEvent } from '#emulator/core/context.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const ACCOUNT = '3333444455556666aaaabbbbccccdddd';

const SCENARIO = `
seed: access-groups-test
account: { id: ${ACCOUNT} }
api_keys:
  - { name: editor, key: iamgrp-editor-key-01, roles: { iam-groups: [Editor] } }
  - { name: viewer, key: iamgrp-viewer-key-01, roles: { iam-groups: [Viewer] } }
  - { name: nobody, key: iamgrp-nobody-key-01, kind: user, roles: { is: [Viewer] } }
profiles:
  - { name: deployer, access_groups: [g-00, g-02, g-04] }
  - { name: spare }
access_groups:
  - name: g-00
    description: admins of nothing
    members: [{ key: nobody }, { iam_id: iam-ServiceId-aaaaaaaa-0000-4000-8000-000000000001 }]
    policies: [{ roles: [Viewer], resource: { serviceName: is } }]
  - { name: g-01 }
  - { name: g-02 }
  - { name: g-03 }
  - { name: g-04 }
  - { name: g-05 }
  - { name: g-06 }
`;

let emu: RunningEmulator;
const changes: ChangeEvent[] = [];

const client = (key: string): IamAccessGroupsV2 =>
  new IamAccessGroupsV2({ authenticator: authFor(emu.url, key), serviceUrl: emu.url });

const groupId = (name: string): string => {
  for (const g of emu.emulator.state.accessGroups.values()) if (g.name === name) return g.id;
  throw new Error(`no group ${name}`);
};
const iamIdOf = (name: string): string => {
  for (const p of emu.emulator.state.profiles.values()) if (p.name === name) return p.iam_id;
  for (const k of emu.emulator.state.apiKeys.values()) if (k.name === name) return k.iam_id;
  throw new Error(`no identity ${name}`);
};

const failure = async (p: Promise<unknown>): Promise<{ status: number; result: Record<string, unknown> }> => {
  try {
    await p;
  } catch (err) {
    return err as { status: number; result: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
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

describe('groups', () => {
  test('AccessGroupsPager walks ≥ 3 pages through next.href offsets', async () => {
    // Prepare
    const pager = new IamAccessGroupsV2.AccessGroupsPager(client('iamgrp-viewer-key-01'), {
      accountId: ACCOUNT,
      limit: 3,
    });
    // Act
    const pages: string[][] = [];
    while (pager.hasNext()) pages.push((await pager.getNext()).map((g) => g.name ?? ''));
    // Assess
    expect(pages).toEqual([['g-00', 'g-01', 'g-02'], ['g-03', 'g-04', 'g-05'], ['g-06']]);
  });

  test('a page is a GroupsList with total_count and first/previous/next/last hrefs', async () => {
    const res = await client('iamgrp-viewer-key-01').listAccessGroups({
      accountId: ACCOUNT,
      limit: 2,
      offset: 2,
    });
    expect(res.result).toMatchObject({
      limit: 2,
      offset: 2,
      total_count: 7,
      first: { href: expect.stringMatching(/\/v2\/groups\?.*offset=0/) },
      previous: { href: expect.stringContaining('offset=0') },
      next: { href: expect.stringContaining('offset=4') },
      last: { href: expect.stringContaining('offset=6') },
    });
    expect(res.result.groups?.[0]).toEqual({
      id: groupId('g-02'),
      name: 'g-02',
      description: '',
      account_id: ACCOUNT,
      created_at: '2026-01-15T09:00:00Z',
      created_by_id: expect.any(String),
      last_modified_at: '2026-01-15T09:00:00Z',
      last_modified_by_id: expect.any(String),
      href: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/v2/groups/${groupId('g-02')}$`)),
    });
  });

  test('iam_id with membership_type finds the groups of a trusted profile; one without the other is 400', async () => {
    const grp = client('iamgrp-viewer-key-01');
    const mine = await grp.listAccessGroups({
      accountId: ACCOUNT,
      iamId: iamIdOf('deployer'),
      membershipType: 'all',
    });
    const dynamic = await grp.listAccessGroups({
      accountId: ACCOUNT,
      iamId: iamIdOf('deployer'),
      membershipType: 'dynamic',
    });
    const alone = await failure(grp.listAccessGroups({ accountId: ACCOUNT, iamId: iamIdOf('deployer') }));
    const search = await grp.listAccessGroups({
      accountId: ACCOUNT,
      search: 'description:NOTHING',
      showCrn: true,
    });
    expect(mine.result.groups?.map((g) => g.name)).toEqual(['g-00', 'g-02', 'g-04']);
    expect(dynamic.result.groups).toEqual([]);
    expect(alone.status).toBe(400);
    expect(alone.result).toMatchObject({
      errors: [{ code: 'bad_request' }],
      status_code: 400,
      trace: expect.any(String),
    });
    expect(search.result.groups).toEqual([
      expect.objectContaining({
        name: 'g-00',
        crn: `crn:v1:bluemix:public:iam-groups::a/${ACCOUNT}::group:${groupId('g-00')}`,
      }),
    ]);
  });

  test('refuses limit outside 0..100 and another account', async () => {
    const grp = client('iamgrp-viewer-key-01');
    const big = await failure(grp.listAccessGroups({ accountId: ACCOUNT, limit: 101 }));
    const other = await failure(grp.listAccessGroups({ accountId: 'f'.repeat(32) }));
    const zero = await grp.listAccessGroups({ accountId: ACCOUNT, limit: 0 });
    expect(big.status).toBe(400);
    expect(other.status).toBe(403);
    expect(zero.result).toMatchObject({ limit: 0, total_count: 7, groups: [] });
  });

  test('create (ETag), get, update with If-Match, stale 412, delete with force, 404 — each emitted', async () => {
    // Prepare
    const grp = client('iamgrp-editor-key-01');
    // Act
    const created = await grp.createAccessGroup({
      accountId: ACCOUNT,
      name: 'vpc-admins',
      description: 'VPC',
    });
    const id = created.result.id ?? '';
    const got = await grp.getAccessGroup({ accessGroupId: id });
    const updated = await grp.updateAccessGroup({
      accessGroupId: id,
      ifMatch: got.headers.etag as string,
      description: 'VPC v2',
    });
    const stale = await failure(
      grp.updateAccessGroup({ accessGroupId: id, ifMatch: got.headers.etag as string, name: 'x' }),
    );
    await grp.addMembersToAccessGroup({
      accessGroupId: id,
      members: [{ iam_id: iamIdOf('spare'), type: 'profile' }],
    });
    const notEmpty = await failure(grp.deleteAccessGroup({ accessGroupId: id }));
    const deleted = await grp.deleteAccessGroup({ accessGroupId: id, force: true });
    const gone = await failure(grp.getAccessGroup({ accessGroupId: id }));
    // Assess
    expect(created.status).toBe(201);
    expect(id).toMatch(/^AccessGroupId-[0-9a-f-]{36}$/);
    expect(got.headers.etag).toBe(created.headers.etag);
    expect(updated.result.description).toBe('VPC v2');
    expect(updated.headers.etag).not.toBe(got.headers.etag);
    expect(stale.status).toBe(412);
    expect(notEmpty.status).toBe(400);
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
    expect(gone.result).toMatchObject({
      errors: [{ code: 'not_found', message: `Access group ${id} was not found.` }],
      status_code: 404,
      trace: expect.any(String),
    });
    expect(changes.map((c) => c.action)).toEqual([
      'iam-groups.group.create',
      'iam-groups.group.update',
      'iam-groups.member.add',
      'iam-groups.group.delete',
    ]);
    expect(changes[0]).toMatchObject({
      target: {
        id: `crn:v1:bluemix:public:iam-groups:global:a/${ACCOUNT}::groups:${id}`,
        name: 'vpc-admins',
        typeURI: 'iam-groups/group',
      },
      reasonCode: 201,
      location: 'global',
      message: 'IAM Access Groups: create group vpc-admins',
    });
  });

  test('a group created without a description comes back with description "" (as IBM answers its SDK test)', async () => {
    // Prepare
    const grp = client('iamgrp-editor-key-01');
    // Act
    const created = await grp.createAccessGroup({ accountId: ACCOUNT, name: 'no-description' });
    const got = await grp.getAccessGroup({ accessGroupId: created.result.id ?? '' });
    // Assess
    expect(created.result.description).toBe('');
    expect(got.result.description).toBe('');
  });

  test('group names are unique per account, case-insensitively (409)', async () => {
    const res = await failure(
      client('iamgrp-editor-key-01').createAccessGroup({ accountId: ACCOUNT, name: 'G-01' }),
    );
    expect(res.status).toBe(409);
  });

  test('deleting a group deletes its policies', async () => {
    const id = groupId('g-00');
    await client('iamgrp-editor-key-01').deleteAccessGroup({ accessGroupId: id, force: true });
    const left = [...emu.emulator.state.policies.values()].filter((p) =>
      p.subject.attributes.some((a) => a.key === 'access_group_id' && a.value === id),
    );
    expect(left).toEqual([]);
  });
});

describe('members', () => {
  test('list with type and verbose; HEAD membership 204/404', async () => {
    const grp = client('iamgrp-viewer-key-01');
    const id = groupId('g-00');
    const all = await grp.listAccessGroupMembers({ accessGroupId: id, verbose: true });
    const services = await grp.listAccessGroupMembers({ accessGroupId: id, type: 'service' });
    const yes = await grp.isMemberOfAccessGroup({ accessGroupId: id, iamId: iamIdOf('deployer') });
    const no = await failure(grp.isMemberOfAccessGroup({ accessGroupId: id, iamId: iamIdOf('spare') }));
    expect(all.result).toMatchObject({ limit: 50, offset: 0, total_count: 3 });
    expect(all.result.members?.map((m) => [m.type, m.name])).toEqual([
      ['user', 'nobody'],
      ['service', undefined],
      ['profile', 'deployer'],
    ]);
    expect(all.result.members?.[2]).toMatchObject({
      iam_id: iamIdOf('deployer'),
      membership_type: 'static',
      href: expect.any(String),
    });
    expect(services.result.members?.map((m) => m.iam_id)).toEqual([
      'iam-ServiceId-aaaaaaaa-0000-4000-8000-000000000001',
    ]);
    expect(yes.status).toBe(204);
    expect(no.status).toBe(404);
  });

  test('add answers 207 with one outcome per member; only the added ones are emitted', async () => {
    // Prepare
    const grp = client('iamgrp-editor-key-01');
    const id = groupId('g-01');
    // Act
    const res = await grp.addMembersToAccessGroup({
      accessGroupId: id,
      members: [
        { iam_id: iamIdOf('spare'), type: 'profile' },
        { iam_id: 'iam-Profile-00000000-0000-4000-8000-000000000000', type: 'profile' },
        { iam_id: iamIdOf('deployer'), type: 'service' },
      ],
    });
    const again = await grp.addMembersToAccessGroup({
      accessGroupId: id,
      members: [{ iam_id: iamIdOf('spare'), type: 'profile' }],
    });
    // Assess
    expect(res.status).toBe(207);
    expect(res.result.members).toEqual([
      {
        iam_id: iamIdOf('spare'),
        type: 'profile',
        created_at: expect.any(String),
        created_by_id: iamIdOf('editor'),
        status_code: 200,
      },
      expect.objectContaining({ status_code: 404, errors: [expect.objectContaining({ code: 'not_found' })] }),
      expect.objectContaining({ status_code: 400, trace: expect.any(String) }),
    ]);
    expect(again.result.members?.[0]).toMatchObject({ status_code: 409 });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      action: 'iam-groups.member.add',
      target: { name: 'g-01', typeURI: 'iam-groups/group' },
      requestData: { access_group_id: id, iam_ids: [iamIdOf('spare')] },
    });
  });

  test('remove a member: 204 and emitted; removing again is 404', async () => {
    const grp = client('iamgrp-editor-key-01');
    const id = groupId('g-02');
    const removed = await grp.removeMemberFromAccessGroup({ accessGroupId: id, iamId: iamIdOf('deployer') });
    const again = await failure(
      grp.removeMemberFromAccessGroup({ accessGroupId: id, iamId: iamIdOf('deployer') }),
    );
    expect(removed.status).toBe(204);
    expect(again.status).toBe(404);
    expect(changes.map((c) => [c.action, c.requestData?.iam_ids])).toEqual([
      ['iam-groups.member.delete', [iamIdOf('deployer')]],
    ]);
  });

  test('a trusted profile can be in at most 50 groups; at most 50 members per request', async () => {
    // Prepare: 50 groups holding the spare profile.
    const grp = client('iamgrp-editor-key-01');
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      ids.push((await grp.createAccessGroup({ accountId: ACCOUNT, name: `bulk-${i}` })).result.id ?? '');
    }
    for (const id of ids)
      await grp.addMembersToAccessGroup({
        accessGroupId: id,
        members: [{ iam_id: iamIdOf('spare'), type: 'profile' }],
      });
    // Act
    const over = await grp.addMembersToAccessGroup({
      accessGroupId: groupId('g-03'),
      members: [{ iam_id: iamIdOf('spare'), type: 'profile' }],
    });
    const tooMany = await failure(
      grp.addMembersToAccessGroup({
        accessGroupId: groupId('g-03'),
        members: Array.from({ length: 51 }, (_, i) => ({ iam_id: `IBMid-${1000 + i}`, type: 'user' })),
      }),
    );
    // Assess
    expect(over.result.members?.[0]).toMatchObject({
      status_code: 400,
      errors: [{ code: 'member_group_limit' }],
    });
    expect(tooMany.status).toBe(400);
  });
});

describe('authorization', () => {
  test('401 without a token', async () => {
    const noAuth = new IamAccessGroupsV2({ authenticator: new NoAuthAuthenticator(), serviceUrl: emu.url });
    const res = await failure(noAuth.listAccessGroups({ accountId: ACCOUNT }));
    expect(res.status).toBe(401);
  });

  test('403 reading or writing without the role; listing without a role shows no groups', async () => {
    const read = await failure(
      client('iamgrp-nobody-key-01').getAccessGroup({ accessGroupId: groupId('g-00') }),
    );
    const write = await failure(
      client('iamgrp-viewer-key-01').createAccessGroup({ accountId: ACCOUNT, name: 'nope' }),
    );
    const list = await client('iamgrp-nobody-key-01').listAccessGroups({ accountId: ACCOUNT });
    expect([read.status, write.status]).toEqual([403, 403]);
    expect(read.result).toMatchObject({
      errors: [{ code: 'forbidden' }],
      status_code: 403,
      trace: expect.any(String),
    });
    expect(list.result).toMatchObject({ total_count: 0, groups: [] });
    expect(changes).toEqual([]);
  });
});
