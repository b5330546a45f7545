import GlobalTaggingV1 from '@ibm-cloud/platform-services/global-tagging/v1.js';
import { NoAuthAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const SCENARIO = `
seed: tagging-test
api_keys:
  - { name: guard, key: tag-guard-key-0001, roles: { global-tagging: [Viewer], is: [Editor] } }
  - { name: admin, key: tag-admin-key-0001, roles: { global-tagging: [Viewer], is: [Administrator] } }
  - { name: reader, key: tag-reader-key-0001, roles: { is: [Viewer] } }
  - { name: nobody, key: tag-nobody-key-0001, roles: {} }
regions:
  - name: us-south
    vpcs: [{ name: v }]
    instances:
      - name: web-01
        tags: { user: ['env:prod', 'team:web'], access: ['imds-guard:exempt'] }
      - name: web-02
        tags: { user: ['env:dev', 'team:web'] }
      - name: db-01
        tags: { user: ['Owner:Alice'] }
    templates:
      - name: tmpl-01
        tags: { user: ['env:prod', 'golden'] }
`;

let emu: RunningEmulator;

const client = (key: string): GlobalTaggingV1 =>
  new GlobalTaggingV1({ authenticator: authFor(emu.url, key), serviceUrl: emu.url });

const crnOf = (name: string): string => {
  for (const rs of emu.emulator.state.regions.values()) {
    for (const r of [...rs.instances.values(), ...rs.templates.values()]) if (r.name === name) return r.crn;
  }
  throw new Error(`no resource named ${name}`);
};

const namesOf = (items: GlobalTaggingV1.Tag[] | undefined): string[] => (items ?? []).map((t) => t.name);

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.reset();
});

describe('listTags', () => {
  test('lists the user tags attached to one resource (attached_to with providers=ghost)', async () => {
    // Prepare
    const tagging = client('tag-guard-key-0001');
    // Act
    const res = await tagging.listTags({
      attachedTo: crnOf('web-01'),
      providers: ['ghost'],
      tagType: 'user',
      orderByName: 'asc',
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.result).toEqual({
      total_count: 2,
      offset: 0,
      limit: 100,
      items: [{ name: 'env:prod' }, { name: 'team:web' }],
    });
  });

  test('attached_to without providers defaults to ghost (200), as IBM answers its own SDK test', async () => {
    // Prepare
    const tagging = client('tag-guard-key-0001');
    // Act
    const res = await tagging.listTags({ attachedTo: crnOf('web-01'), tagType: 'user', orderByName: 'asc' });
    // Assess
    expect(res.status).toBe(200);
    expect(namesOf(res.result.items)).toEqual(['env:prod', 'team:web']);
  });

  test('lists access tags separately from user tags', async () => {
    const tagging = client('tag-guard-key-0001');
    const res = await tagging.listTags({
      attachedTo: crnOf('web-01'),
      providers: ['ghost'],
      tagType: 'access',
    });
    expect(namesOf(res.result.items)).toEqual(['imds-guard:exempt']);
  });

  test('pages the account-wide tag list with offset and limit, names lower-cased and distinct', async () => {
    // Prepare
    const tagging = client('tag-guard-key-0001');
    const seen: string[] = [];
    // Act
    for (let offset = 0; ; offset += 2) {
      const res = await tagging.listTags({ tagType: 'user', offset, limit: 2, orderByName: 'asc' });
      expect(res.result).toMatchObject({ total_count: 5, offset, limit: 2 });
      if ((res.result.items ?? []).length === 0) break;
      seen.push(...namesOf(res.result.items));
    }
    // Assess
    expect(seen).toEqual(['env:dev', 'env:prod', 'golden', 'owner:alice', 'team:web']);
  });

  test('full_data adds where each tag lives and how many resources carry it', async () => {
    const tagging = client('tag-guard-key-0001');
    const res = await tagging.listTags({ tagType: 'user', fullData: true, orderByName: 'desc', limit: 1 });
    expect(res.result.items).toEqual([{ name: 'team:web', providers: ['ghost'], attached_count: 2 }]);
  });

  test.each([
    ['attached_to with both providers', { attachedTo: 'crn:v1:x', providers: ['ghost', 'ims'] }],
    ['limit above 1000', { limit: 1001 }],
    ['limit 0', { limit: 0 }],
    ['a negative offset', { offset: -1 }],
    ['an unknown tag_type', { tagType: 'system' }],
    ['service tags without account_id', { tagType: 'service' }],
    ['access tags from IMS', { tagType: 'access', providers: ['ims'] }],
  ])("refuses %s with IBM's 400", async (_label, params) => {
    const tagging = client('tag-guard-key-0001');
    await expect(tagging.listTags(params as GlobalTaggingV1.ListTagsParams)).rejects.toMatchObject({
      status: 400,
      result: { errors: [{ code: 'bad_request', message: expect.any(String) }], status_code: 400 },
    });
  });

  test('401 without a token', async () => {
    const tagging = new GlobalTaggingV1({ authenticator: new NoAuthAuthenticator(), serviceUrl: emu.url });
    await expect(tagging.listTags({})).rejects.toMatchObject({
      status: 401,
      result: { errors: [{ code: 'not_authorized' }], status_code: 401, trace: expect.any(String) },
    });
  });

  test('any key of the account lists its tags: no Global Tagging role (IBM: any user can view tags)', async () => {
    const items = (await client('tag-nobody-key-0001').listTags({ tagType: 'user' })).result.items;
    expect(namesOf(items)).toContain('env:prod');
  });

  test("a resource's tags take read access to the resource (Viewer on is), not a tagging role", async () => {
    const attachedTo = crnOf('web-01');
    const read = await client('tag-reader-key-0001').listTags({ attachedTo, tagType: 'user' });
    expect(namesOf(read.result.items)).toEqual(['env:prod', 'team:web']);
    await expect(client('tag-nobody-key-0001').listTags({ attachedTo })).rejects.toMatchObject({
      status: 403,
      result: { errors: [{ code: 'forbidden', message: expect.stringContaining("service 'is'") }] },
    });
  });
});

describe('attachTag / detachTag', () => {
  test('attaches user tags (lower-cased), then detaches them; no change event is emitted', async () => {
    // Prepare
    const tagging = client('tag-guard-key-0001');
    const crn = crnOf('web-02');
    let changes = 0;
    emu.emulator.onChange(() => {
      changes += 1;
    });
    // Act
    const attached = await tagging.attachTag({
      resources: [{ resource_id: crn }],
      tagNames: ['IMDS-Guard:Exempt', 'reviewed'],
      tagType: 'user',
    });
    const afterAttach = await tagging.listTags({ attachedTo: crn, providers: ['ghost'], orderByName: 'asc' });
    const detached = await tagging.detachTag({
      resources: [{ resource_id: crn }],
      tagName: 'imds-guard:exempt',
    });
    const afterDetach = await tagging.listTags({ attachedTo: crn, providers: ['ghost'], orderByName: 'asc' });
    // Assess
    expect(attached.result).toEqual({ results: [{ resource_id: crn, is_error: false }] });
    expect(namesOf(afterAttach.result.items)).toEqual([
      'env:dev',
      'imds-guard:exempt',
      'reviewed',
      'team:web',
    ]);
    expect(detached.result).toEqual({ results: [{ resource_id: crn, is_error: false }] });
    expect(namesOf(afterDetach.result.items)).toEqual(['env:dev', 'reviewed', 'team:web']);
    expect(changes).toBe(0);
  });

  test('replace=true swaps every tag of the type; update=true swaps tags with the same key', async () => {
    const tagging = client('tag-guard-key-0001');
    const crn = crnOf('web-01');
    await tagging.attachTag({ resources: [{ resource_id: crn }], tagNames: ['env:staging'], update: true });
    const updated = await tagging.listTags({ attachedTo: crn, providers: ['ghost'], orderByName: 'asc' });
    await tagging.attachTag({ resources: [{ resource_id: crn }], tagNames: ['only'], replace: true });
    const replaced = await tagging.listTags({ attachedTo: crn, providers: ['ghost'] });
    expect(namesOf(updated.result.items)).toEqual(['env:staging', 'team:web']);
    expect(namesOf(replaced.result.items)).toEqual(['only']);
  });

  test('reports an unknown resource per item with is_error, leaving the others tagged', async () => {
    const tagging = client('tag-guard-key-0001');
    const ghost = crnOf('web-01').replace(
      /instance:.*$/,
      'instance:0717_00000000-0000-4000-8000-000000000000',
    );
    const res = await tagging.attachTag({
      resources: [{ resource_id: crnOf('web-01') }, { resource_id: ghost }],
      tagNames: ['x'],
    });
    expect(res.result.results).toEqual([
      { resource_id: crnOf('web-01'), is_error: false },
      { resource_id: ghost, is_error: true, message: expect.stringContaining('not found') },
    ]);
  });

  test('access tags need Administrator on the resource service: 403 for Editor, 200 for Administrator', async () => {
    // Prepare
    const crn = crnOf('db-01');
    const params = { resources: [{ resource_id: crn }], tagNames: ['imds-guard:exempt'], tagType: 'access' };
    // Act
    const refused = client('tag-guard-key-0001').attachTag(params);
    // Assess
    await expect(refused).rejects.toMatchObject({
      status: 403,
      result: {
        errors: [
          { code: 'forbidden', message: expect.stringContaining("Administrator role on service 'is'") },
        ],
      },
    });
    const ok = await client('tag-admin-key-0001').attachTag(params);
    expect(ok.result.results).toEqual([{ resource_id: crn, is_error: false }]);
  });

  test('user tags need Editor on the resource service', async () => {
    const tagging = client('tag-reader-key-0001');
    await expect(
      tagging.attachTag({ resources: [{ resource_id: crnOf('web-01') }], tagNames: ['x'] }),
    ).rejects.toMatchObject({ status: 403, result: { errors: [{ code: 'forbidden' }] } });
  });

  test('nobody but a service may attach service tags', async () => {
    const tagging = client('tag-admin-key-0001');
    const accountId = emu.emulator.state.account.id;
    await expect(
      tagging.attachTag({
        resources: [{ resource_id: crnOf('web-01') }],
        tagNames: ['svc:x'],
        tagType: 'service',
        accountId,
      }),
    ).rejects.toMatchObject({ status: 403 });
  });

  test.each([
    ['an access tag that is not key:value', { tagNames: ['exempt'], tagType: 'access' }],
    ['a tag with a forbidden character', { tagNames: ['env=prod'] }],
    ['a tag longer than 128 characters', { tagNames: ['x'.repeat(129)] }],
    ['both tag_name and tag_names', { tagName: 'a', tagNames: ['b'] }],
    ['no tag at all', {}],
    ['no resources', { tagNames: ['a'], resources: [] }],
  ])("refuses %s with IBM's 400", async (_label, extra) => {
    const tagging = client('tag-admin-key-0001');
    const params = { resources: [{ resource_id: crnOf('web-01') }], ...extra };
    await expect(tagging.attachTag(params as GlobalTaggingV1.AttachTagParams)).rejects.toMatchObject({
      status: 400,
      result: { errors: [{ code: 'bad_request' }], status_code: 400 },
    });
  });

  test('401 without a token', async () => {
    const tagging = new GlobalTaggingV1({ authenticator: new NoAuthAuthenticator(), serviceUrl: emu.url });
    await expect(
      tagging.detachTag({ resources: [{ resource_id: crnOf('web-01') }], tagNames: ['env:prod'] }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
