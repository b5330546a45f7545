// Contract tests of the emulator's VPC service, through our VpcClient (sdk-core) and raw HTTP.
import { NoAuthAuthenticator } from 'ibm-cloud-sdk-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ChangeEvent } from '#emulator/core/context.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { type Instance, InstancesPager, VpcClient } from '#shared/cloud/vpc.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const EDITOR = 'vpc-editor-key-0001';
const VIEWER = 'vpc-viewer-key-0001';
const NOBODY = 'vpc-nobody-key-0001';
const BULK = 25;

const bulk = Array.from(
  { length: BULK },
  (_, i) => `      - { name: bulk-${String(i).padStart(2, '0')}, vpc: bulk-vpc, resource_group: prod }`,
).join('\n');

const SCENARIO = `
seed: vpc-contract
resource_groups:
  - name: default
  - name: prod
api_keys:
  - { name: editor, key: ${EDITOR}, roles: { is: [Editor] } }
  - { name: viewer, key: ${VIEWER}, roles: { is: [Viewer] } }
  - { name: nobody, key: ${NOBODY}, roles: { iam-identity: [Viewer] } }
profiles:
  - name: app-profile
regions:
  - name: us-south
    vpcs: [{ name: main-vpc }, { name: other-vpc }, { name: bulk-vpc }]
    images:
      - { name: ubuntu }
      - name: needs-imds
        allowed_use: { instance: 'metadata_service.enabled == true && (metadata_service.protocol == "https" || metadata_service.response_hop_limit <= 2)' }
    instances:
      - { name: web-01, vpc: main-vpc, image: ubuntu, metadata_service: { enabled: true, protocol: http, response_hop_limit: 1 } }
      - { name: locked-01, vpc: main-vpc, image: needs-imds, metadata_service: { enabled: true } }
      - { name: member-01, vpc: main-vpc, image: ubuntu, instance_group: group-a }
      - { name: stopping-01, vpc: main-vpc, image: ubuntu, status: stopping }
${bulk}
    templates:
      - { name: tmpl-a, vpc: main-vpc, image: ubuntu, metadata_service: { enabled: true, protocol: http } }
      - { name: tmpl-other-vpc, vpc: other-vpc, image: ubuntu }
      - { name: tmpl-autolink, vpc: main-vpc, image: ubuntu, default_trusted_profile: { profile: app-profile, auto_link: true } }
      - { name: tmpl-free, vpc: main-vpc, image: ubuntu }
    instance_groups:
      - { name: group-a, template: tmpl-a }
      - { name: group-b, template: tmpl-a }
      - { name: group-c, template: tmpl-a }
  - name: eu-de
    vpcs: [{ name: eu-vpc }]
`;

let emu: RunningEmulator;
let admin: ReturnType<typeof adminClient>;
let changes: ChangeEvent[] = [];
let editor: VpcClient;
let viewer: VpcClient;

const vpcClient = (key: string, region = 'us-south'): VpcClient =>
  new VpcClient({ authenticator: authFor(emu.url, key), serviceUrl: `${emu.url}/vpc/${region}/v1` });

/** The rejection sdk-core produced: status and IBM's first error (read from the body, not the message). */
const failure = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as { status: number; message: string; result: { errors: { code: string; message: string }[] } };
  return { status: err.status, error: err.result.errors[0], body: err.result };
};

const byName = async (name: string): Promise<Instance> => {
  const res = await editor.listInstances({ name });
  const found = res.result.instances[0];
  if (!found) throw new Error(`no instance ${name}`);
  return found;
};

/** A raw call with a valid token, to send what the SDK never would. */
const rawFetch = async (path: string, init: RequestInit = {}): Promise<Response> => {
  const opts: { headers: Record<string, string> } = { headers: {} };
  await authFor(emu.url, EDITOR).authenticate(opts);
  return fetch(`${emu.url}${path}`, {
    ...init,
    headers: { ...opts.headers, ...(init.headers as Record<string, string> | undefined) },
  });
};

const Q = 'version=2026-03-24&generation=2';

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
  admin = adminClient(emu.url);
  emu.emulator.onChange((change) => changes.push(change));
  editor = vpcClient(EDITOR);
  viewer = vpcClient(VIEWER);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  changes = [];
});

describe('regions and zones', () => {
  test('lists regions, gets one, lists and gets its zones', async () => {
    // Act
    const regions = await viewer.listRegions();
    const one = await viewer.getRegion({ name: 'eu-de' });
    const zones = await viewer.listRegionZones({ regionName: 'us-south' });
    const zone = await viewer.getRegionZone({ regionName: 'us-south', name: 'us-south-2' });
    // Assess
    expect(regions.result.regions.map((r) => r.name)).toEqual(['eu-de', 'us-south']);
    expect(one.result).toEqual({
      endpoint: `${emu.url}/vpc/eu-de`,
      href: `${emu.url}/vpc/us-south/v1/regions/eu-de`,
      name: 'eu-de',
      status: 'available',
    });
    expect(zones.result.zones.map((z) => z.name)).toEqual(['us-south-1', 'us-south-2', 'us-south-3']);
    expect(zone.result).toMatchObject({
      name: 'us-south-2',
      region: { name: 'us-south' },
      status: 'available',
    });
  });

  test('an unknown region name is 404; an unknown region endpoint is 404', async () => {
    // Act
    const named = await failure(viewer.getRegion({ name: 'mars-north' }));
    const endpoint = await failure(vpcClient(VIEWER, 'mars-north').listInstances());
    // Assess
    expect(named.status).toBe(404);
    expect(named.error?.code).toBe('not_found');
    expect(endpoint.status).toBe(404);
  });
});

describe('every request', () => {
  test('needs version: missing, malformed or future dates are 400 missing_version', async () => {
    // Act
    const missing = await rawFetch('/vpc/us-south/v1/instances?generation=2');
    const malformed = await rawFetch('/vpc/us-south/v1/instances?version=2026-3-24&generation=2');
    const future = await rawFetch('/vpc/us-south/v1/instances?version=2099-01-01&generation=2');
    const noGeneration = await rawFetch('/vpc/us-south/v1/instances?version=2026-03-24');
    // Assess
    for (const res of [missing, malformed, future]) {
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { code: string; target: { name: string } }[] };
      expect(body.errors[0]).toMatchObject({
        code: 'missing_version',
        target: { name: 'version', type: 'query' },
      });
    }
    expect(noGeneration.status).toBe(400);
    expect(((await noGeneration.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
      'missing_generation_parameter',
    );
  });

  test('without a token: 401', async () => {
    // Prepare
    const anon = new VpcClient({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: `${emu.url}/vpc/us-south/v1`,
    });
    // Act
    const res = await failure(anon.listInstances());
    // Assess
    expect(res.status).toBe(401);
    expect(res.error?.code).toBe('not_authorized');
  });

  test("without the role: 403 with IBM's body (reads need Viewer, writes Editor)", async () => {
    // Prepare
    const web = await byName('web-01');
    // Act
    const noRole = await failure(vpcClient(NOBODY).getInstance({ id: web.id }));
    const readOnly = await failure(
      viewer.updateInstance({ id: web.id, metadataService: { enabled: false } }),
    );
    // Assess
    expect(noRole.status).toBe(403);
    expect(noRole.error?.code).toBe('not_authorized');
    expect(noRole.error?.message).toMatch(/Viewer/);
    expect(noRole.body).toMatchObject({ status_code: 403, trace: expect.any(String) });
    expect(readOnly.status).toBe(403);
    expect(readOnly.error?.message).toMatch(/Editor/);
  });

  test("an unknown instance is 404 with IBM's error body", async () => {
    // Act
    const res = await failure(viewer.getInstance({ id: '0717_00000000-0000-4000-8000-000000000000' }));
    // Assess
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      errors: [
        {
          code: 'not_found',
          message: 'Instance not found',
          more_info: 'https://cloud.ibm.com/docs/vpc?topic=vpc-rias-error-messages#not_found',
          target: { name: 'id', type: 'parameter', value: '0717_00000000-0000-4000-8000-000000000000' },
        },
      ],
      trace: expect.any(String),
      status_code: 404,
    });
  });
});

describe('instances: read', () => {
  test("GET returns IBM's Instance shape with a weak ETag", async () => {
    // Prepare
    const { id } = await byName('web-01');
    // Act
    const res = await viewer.getInstance({ id });
    // Assess
    expect(res.headers.etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const inst = res.result;
    expect(inst).toMatchObject({
      id,
      crn: expect.stringMatching(/^crn:v1:bluemix:public:is:us-south-1:a\/[0-9a-f]{32}::instance:0\d{3}_/),
      href: `${emu.url}/vpc/us-south/v1/instances/${id}`,
      name: 'web-01',
      status: 'running',
      lifecycle_state: 'stable',
      health_state: 'ok',
      resource_type: 'instance',
      metadata_service: { enabled: true, protocol: 'http', response_hop_limit: 1 },
      vpc: { name: 'main-vpc', resource_type: 'vpc', crn: expect.stringContaining('::vpc:') },
      zone: { name: 'us-south-1', href: expect.stringContaining('/regions/us-south/zones/us-south-1') },
      resource_group: { name: 'default', href: expect.stringContaining('resource-controller') },
      profile: { name: 'bx2-2x8', resource_type: 'instance_profile' },
      vcpu: { architecture: 'amd64', count: 2 },
      memory: 8,
      image: { name: 'ubuntu', resource_type: 'image' },
      primary_network_interface: { resource_type: 'network_interface', subnet: { resource_type: 'subnet' } },
      boot_volume_attachment: { volume: { resource_type: 'volume' } },
      startable: true,
    });
    for (const key of [
      'status_reasons',
      'lifecycle_reasons',
      'health_reasons',
      'disks',
      'network_interfaces',
    ])
      expect(Array.isArray(inst[key])).toBe(true);
  });

  test('pages across several pages with InstancesPager, following next.href', async () => {
    // Prepare
    const bulkVpc = (await byName('bulk-00')).vpc.id;
    const pager = new InstancesPager(editor, { vpcId: bulkVpc, limit: 10 });
    const since = await admin.lastSeq();
    // Act
    const pages: Instance[][] = [];
    while (pager.hasNext()) pages.push(await pager.getNext());
    const first = await editor.listInstances({ vpcId: bulkVpc, limit: 10 });
    // Assess
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((i) => i.name)).toEqual(
      Array.from({ length: BULK }, (_, i) => `bulk-${String(i).padStart(2, '0')}`),
    );
    expect(first.result.total_count).toBe(BULK);
    expect(first.result.limit).toBe(10);
    const next = new URL(first.result.next?.href ?? '');
    expect(Object.fromEntries(next.searchParams)).toMatchObject({
      limit: '10',
      'vpc.id': bulkVpc,
      version: '2026-03-24',
      generation: '2',
      start: expect.any(String),
    });
    expect(new URL(first.result.first.href).searchParams.get('start')).toBeNull();
    const calls = await admin.journal({ since, path: '/instances' });
    expect(calls.filter((c) => c.query.start !== undefined)).toHaveLength(2);
  });

  test('the whole region in one walk; limit bounds and foreign start tokens are refused', async () => {
    // Act
    const all = await new InstancesPager(editor, { limit: 100 }).getAll();
    const zero = await failure(editor.listInstances({ limit: 0 }));
    const tooMany = await failure(editor.listInstances({ limit: 101 }));
    const badStart = await failure(editor.listInstances({ start: 'not-a-token' }));
    // Assess
    expect(all.length).toBeGreaterThanOrEqual(BULK + 4);
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    expect([zero.status, zero.error?.code]).toEqual([400, 'validation_min_value']);
    expect([tooMany.status, tooMany.error?.code]).toEqual([400, 'validation_max_value']);
    expect(badStart.status).toBe(400);
  });

  test('filters by name, resource group, VPC id/CRN/name and instance group', async () => {
    // Prepare
    const web = await byName('web-01');
    const member = await byName('member-01');
    const prod = (await byName('bulk-03')).resource_group.id;
    const groupId = member.instance_group_membership?.instance_group.id ?? '';
    // Act
    const byVpcCrn = await editor.listInstances({ vpcCrn: web.vpc.crn, limit: 100 });
    const byVpcName = await editor.listInstances({ vpcName: 'main-vpc', limit: 100 });
    const byGroup = await editor.listInstances({ instanceGroupMembershipInstanceGroupId: groupId });
    const byRg = await editor.listInstances({ resourceGroupId: prod, limit: 100 });
    const unknownFilter = await rawFetch(`/vpc/us-south/v1/instances?${Q}&tag=x`);
    // Assess
    const names = (r: { result: { instances: Instance[] } }) => r.result.instances.map((i) => i.name).sort();
    expect(names(byVpcCrn)).toEqual(['locked-01', 'member-01', 'stopping-01', 'web-01']);
    expect(names(byVpcName)).toEqual(names(byVpcCrn));
    expect(names(byGroup)).toEqual(['member-01']);
    expect(byRg.result.total_count).toBe(BULK);
    expect(unknownFilter.status).toBe(400);
  });

  test('initialization shows the default trusted profile', async () => {
    // Prepare
    const created = await editor.createInstance({
      instancePrototype: {
        name: 'init-01',
        zone: { name: 'us-south-2' },
        vpc: { id: (await byName('web-01')).vpc.id },
        image: { id: (await byName('web-01')).image?.id ?? '' },
        default_trusted_profile: {
          target: { id: [...emu.emulator.state.profiles.keys()][0] ?? '' },
          auto_link: false,
        },
      },
    });
    // Act
    const init = await viewer.getInstanceInitialization({ id: created.result.id });
    // Assess
    expect(init.result).toMatchObject({
      default_trusted_profile: {
        auto_link: false,
        target: {
          id: expect.stringMatching(/^Profile-/),
          crn: expect.stringContaining('::profile:'),
          resource_type: 'trusted_profile',
        },
      },
      keys: [],
      user_accounts: [],
      boot: { image: { name: 'ubuntu' } },
    });
  });
});

describe('instances: update', () => {
  test('merge-patch changes only the keys sent; new ETag; one update event', async () => {
    // Prepare
    const { id } = await byName('web-01');
    const before = await editor.getInstance({ id });
    // Act
    const res = await editor.updateInstance({
      id,
      metadataService: { protocol: 'https' },
      ifMatch: before.headers.etag,
    });
    // Assess
    expect(res.result.metadata_service).toEqual({ enabled: true, protocol: 'https', response_hop_limit: 1 });
    expect(res.headers.etag).not.toBe(before.headers.etag);
    expect((await editor.getInstance({ id })).headers.etag).toBe(res.headers.etag);
    expect(changes).toHaveLength(1);
    const account = emu.emulator.state.account.id;
    expect(changes[0]).toMatchObject({
      action: 'is.instance.instance.update',
      target: {
        id: before.result.crn,
        name: 'web-01',
        typeURI: 'is.instance/instance',
        resourceGroupId: expect.stringMatching(
          /^crn:v1:bluemix:public:resource-controller::a\/[0-9a-f]{32}::resource-group:/,
        ),
      },
      reasonCode: 200,
      reasonType: 'OK',
      message: 'Virtual Server for VPC: update instance web-01',
      location: 'us-south-1',
      logSourceCRN: `crn:v1:bluemix:public:is:us-south:a/${account}::::`,
      requestData: { generation: '2', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      responseData: { responseURI: `/v1/instances/${id}` },
    });
  });

  test('a stale If-Match is 412 and changes nothing; * matches', async () => {
    // Prepare
    const { id } = await byName('web-01');
    const stale = (await editor.getInstance({ id })).headers.etag;
    await editor.updateInstance({ id, metadataService: { response_hop_limit: 2 } });
    changes = [];
    // Act
    const refused = await failure(
      editor.updateInstance({ id, metadataService: { enabled: false }, ifMatch: stale }),
    );
    const star = await editor.updateInstance({
      id,
      metadataService: { response_hop_limit: 1 },
      ifMatch: '*',
    });
    // Assess
    expect(refused.status).toBe(412);
    expect(refused.error?.code).toBe('precondition_failed');
    expect(star.result.metadata_service.enabled).toBe(true);
    expect(changes.map((c) => c.action)).toEqual(['is.instance.instance.update']);
  });

  test.each([
    [{ response_hop_limit: 0 }, 'validation_min_value'],
    [{ response_hop_limit: 65 }, 'validation_max_value'],
    [{ response_hop_limit: 1.5 }, 'validation_invalid_field_type'],
    [{ protocol: 'ftp' }, 'validation_enum'],
    [{ enabled: 'yes' }, 'validation_invalid_field_type'],
    [{ colour: 'blue' }, 'validation_failure'],
  ])('metadata_service %j is refused with %s', async (patch, code) => {
    // Prepare
    const { id } = await byName('web-01');
    // Act
    const res = await failure(
      editor.updateInstance({ id, metadataService: patch as unknown as { enabled: boolean } }),
    );
    // Assess
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe(code);
    expect(changes).toHaveLength(0);
  });

  test('needs merge-patch+json, and refuses read-only or unknown properties', async () => {
    // Prepare
    const { id } = await byName('web-01');
    const path = `/vpc/us-south/v1/instances/${id}?${Q}`;
    // Act
    const json = await rawFetch(path, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"web-01"}',
    });
    const readOnly = await rawFetch(path, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"zone":{"name":"us-south-2"}}',
    });
    const nullMetadata = await rawFetch(path, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"metadata_service":null}',
    });
    // Assess
    expect(json.status).toBe(415);
    expect(readOnly.status).toBe(400);
    expect(nullMetadata.status).toBe(400);
    expect(((await nullMetadata.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
      'validation_not_null',
    );
  });

  test("the image's allowed-use expression refuses a result that violates it", async () => {
    // Prepare
    const { id } = await byName('locked-01');
    // Act
    const disable = await failure(editor.updateInstance({ id, metadataService: { enabled: false } }));
    const hops = await failure(editor.updateInstance({ id, metadataService: { response_hop_limit: 5 } }));
    const https = await editor.updateInstance({
      id,
      metadataService: { protocol: 'https', response_hop_limit: 5 },
    });
    // Assess
    expect([disable.status, disable.error?.code]).toEqual([400, 'instance_allowed_use_violation']);
    expect(hops.status).toBe(400);
    expect(https.result.metadata_service).toEqual({
      enabled: true,
      protocol: 'https',
      response_hop_limit: 5,
    });
  });
});

describe('instances: create and delete', () => {
  test('creates with IBM defaults, auto-links the profile, deletes and unlinks', async () => {
    // Prepare
    const web = await byName('web-01');
    const profile = [...emu.emulator.state.profiles.values()].find((p) => p.name === 'app-profile');
    const linksBefore = profile?.links.length ?? 0;
    // Act
    const created = await editor.createInstance({
      instancePrototype: {
        name: 'new-01',
        zone: { name: 'us-south-3' },
        vpc: { id: web.vpc.id },
        image: { id: web.image?.id ?? '' },
        profile: { name: 'cx2-4x8' },
        primary_network_interface: { subnet: { id: 'ignored' } },
        default_trusted_profile: { target: { crn: profile?.crn ?? '' } },
      },
    });
    const linked = profile?.links.filter((l) => l.link.crn === created.result.crn) ?? [];
    const deleted = await editor.deleteInstance({ id: created.result.id, ifMatch: created.headers.etag });
    const gone = await failure(editor.getInstance({ id: created.result.id }));
    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.etag).toMatch(/^W\//);
    expect(created.result).toMatchObject({
      name: 'new-01',
      zone: { name: 'us-south-3' },
      profile: { name: 'cx2-4x8' },
      vcpu: { count: 4 },
      metadata_service: { enabled: false, protocol: 'http', response_hop_limit: 1 },
      resource_group: { name: 'default' },
    });
    expect(created.result.id).toMatch(/^0\d{3}_[0-9a-f-]{36}$/);
    expect(linked).toMatchObject([{ cr_type: 'VSI', link: { crn: created.result.crn } }]);
    expect(deleted.status).toBe(204);
    expect(profile?.links.length).toBe(linksBefore);
    expect(gone.status).toBe(404);
    expect(changes.map((c) => [c.action, c.reasonCode, c.location])).toEqual([
      ['is.instance.instance.create', 201, 'us-south-3'],
      ['is.instance.instance.delete', 204, 'us-south-3'],
    ]);
    expect(changes[0]?.message).toBe('Virtual Server for VPC: create instance new-01');
  });

  test('creates from a source template, then applies the given properties', async () => {
    // Prepare
    const tmpl = (await editor.listInstanceTemplates()).result.templates.find((t) => t.name === 'tmpl-a');
    // Act
    const res = await editor.createInstance({
      instancePrototype: {
        source_template: { id: tmpl?.id ?? '' },
        name: 'from-tmpl-01',
        metadata_service: { enabled: true, protocol: 'https' },
      },
    });
    // Assess
    expect(res.result).toMatchObject({
      name: 'from-tmpl-01',
      vpc: { id: tmpl?.vpc?.id },
      zone: { name: tmpl?.zone?.name },
      metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 1 },
    });
  });

  test('refuses incomplete or dangling prototypes, duplicate names, and allowed-use violations', async () => {
    // Prepare
    const web = await byName('web-01');
    const locked = await byName('locked-01');
    const base = {
      zone: { name: 'us-south-1' },
      vpc: { id: web.vpc.id },
      image: { id: web.image?.id ?? '' },
    };
    // Act
    const noImage = await failure(
      editor.createInstance({ instancePrototype: { zone: base.zone, vpc: base.vpc } }),
    );
    const dangling = await failure(
      editor.createInstance({ instancePrototype: { ...base, vpc: { id: 'r006-nope' } } }),
    );
    const duplicate = await failure(
      editor.createInstance({ instancePrototype: { ...base, name: 'web-01' } }),
    );
    const violates = await failure(
      editor.createInstance({ instancePrototype: { ...base, image: { id: locked.image?.id ?? '' } } }),
    );
    const unknownKey = await failure(
      editor.createInstance({ instancePrototype: { ...base, colour: 'red' } }),
    );
    // Assess
    expect([noImage.status, noImage.error?.code]).toEqual([400, 'validation_required_field']);
    expect([dangling.status, dangling.error?.code]).toEqual([400, 'bad_field']);
    expect([duplicate.status, duplicate.error?.code]).toEqual([400, 'validation_unique_failed']);
    expect([violates.status, violates.error?.code]).toEqual([400, 'instance_allowed_use_violation']);
    expect(unknownKey.status).toBe(400);
    expect(changes).toHaveLength(0);
  });

  test('an instance in a transitional status cannot be deleted (409)', async () => {
    // Prepare
    const { id } = await byName('stopping-01');
    // Act
    const res = await failure(editor.deleteInstance({ id }));
    // Assess
    expect([res.status, res.error?.code]).toEqual([409, 'instance_delete_conflict']);
  });

  test('an instance not yet visible is 404 and not listed', async () => {
    // Prepare
    const created = await editor.createInstance({
      instancePrototype: {
        name: 'late-01',
        zone: { name: 'us-south-1' },
        vpc: { id: (await byName('web-01')).vpc.id },
        image: { id: (await byName('web-01')).image?.id ?? '' },
      },
    });
    const rec = emu.emulator.state.regionState('us-south')?.instances.get(created.result.id);
    if (rec) rec.visible_after = Date.now() + 60_000;
    // Act
    const get = await failure(editor.getInstance({ id: created.result.id }));
    const list = await editor.listInstances({ name: 'late-01' });
    // Assess
    expect(get.status).toBe(404);
    expect(list.result.instances).toEqual([]);
    expect(list.result.total_count).toBe(0);
  });
});

describe('instance templates', () => {
  test('lists all templates in one page and gets one', async () => {
    // Act
    const list = await viewer.listInstanceTemplates();
    const first = list.result.templates[0];
    const one = await viewer.getInstanceTemplate({ id: first?.id ?? '' });
    // Assess
    expect(list.result.templates.map((t) => t.name)).toEqual(
      expect.arrayContaining(['tmpl-a', 'tmpl-other-vpc', 'tmpl-autolink', 'tmpl-free']),
    );
    expect(list.result.total_count).toBe(list.result.templates.length);
    expect(list.result.first?.href).toContain('/instance/templates');
    expect(list.result.next).toBeUndefined();
    expect(one.result).toMatchObject({
      id: first?.id,
      crn: expect.stringContaining('::instance-template:'),
      resource_group: { name: 'default' },
    });
  });

  test('creates from source_template with a new metadata_service and emits a create', async () => {
    // Prepare
    const src = (await viewer.listInstanceTemplates()).result.templates.find((t) => t.name === 'tmpl-a');
    // Act
    const res = await editor.createInstanceTemplate({
      instanceTemplatePrototype: {
        name: 'tmpl-a-https',
        source_template: { id: src?.id ?? '' },
        metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 1 },
      },
    });
    // Assess
    expect(res.status).toBe(201);
    expect(res.result).toMatchObject({
      name: 'tmpl-a-https',
      vpc: { id: src?.vpc?.id },
      zone: { name: src?.zone?.name },
      image: { id: (src as { image?: { id: string } } | undefined)?.image?.id },
      metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 1 },
    });
    expect(changes).toMatchObject([
      {
        action: 'is.instance.instance-template.create',
        target: { typeURI: 'is.instance/instance-template', name: 'tmpl-a-https' },
        reasonCode: 201,
        message: 'Virtual Server for VPC: create instance-template tmpl-a-https',
        responseData: { responseURI: `/v1/instance/templates/${res.result.id}` },
      },
    ]);
  });

  test('PATCH renames, but metadata_service cannot be patched', async () => {
    // Prepare
    const t = (await viewer.listInstanceTemplates()).result.templates.find((x) => x.name === 'tmpl-free');
    const path = `/vpc/us-south/v1/instance/templates/${t?.id}?${Q}`;
    // Act
    const renamed = await editor.updateInstanceTemplate({ id: t?.id ?? '', name: 'tmpl-free-2' });
    const metadata = await rawFetch(path, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata_service: { enabled: false } }),
    });
    // Assess
    expect(renamed.result.name).toBe('tmpl-free-2');
    expect(metadata.status).toBe(400);
    expect(await metadata.json()).toMatchObject({
      errors: [{ code: 'validation_failure', target: { name: 'metadata_service', type: 'field' } }],
      status_code: 400,
    });
    expect(changes.map((c) => c.action)).toEqual(['is.instance.instance-template.update']);
  });

  test('DELETE: 409 while an instance group uses the template, 204 otherwise', async () => {
    // Prepare
    const templates = (await viewer.listInstanceTemplates()).result.templates;
    const used = templates.find((t) => t.name === 'tmpl-a');
    const created = await editor.createInstanceTemplate({
      instanceTemplatePrototype: { name: 'tmpl-doomed', source_template: { id: used?.id ?? '' } },
    });
    changes = [];
    // Act
    const inUse = await failure(editor.deleteInstanceTemplate({ id: used?.id ?? '' }));
    const deleted = await editor.deleteInstanceTemplate({ id: created.result.id });
    // Assess
    expect([inUse.status, inUse.error?.code]).toEqual([409, 'instance_template_in_use']);
    expect(deleted.status).toBe(204);
    expect(changes.map((c) => c.action)).toEqual(['is.instance.instance-template.delete']);
  });
});

describe('instance groups', () => {
  test('lists with paging and gets one', async () => {
    // Act
    const first = await viewer.listInstanceGroups({ limit: 2 });
    const start = new URL(first.result.next?.href ?? '').searchParams.get('start') ?? '';
    const second = await viewer.listInstanceGroups({ limit: 2, start });
    const one = await viewer.getInstanceGroup({ id: first.result.instance_groups[0]?.id ?? '' });
    // Assess
    expect(first.result.instance_groups.map((g) => g.name)).toEqual(['group-a', 'group-b']);
    expect(second.result.instance_groups.map((g) => g.name)).toEqual(['group-c']);
    expect(second.result.next).toBeUndefined();
    expect(first.result.total_count).toBe(3);
    expect(one.result).toMatchObject({
      name: 'group-a',
      instance_template: { name: 'tmpl-a' },
      vpc: { name: 'main-vpc' },
    });
  });

  test('repoints to another template of the same VPC; refuses other VPCs, auto_link and unknown templates', async () => {
    // Prepare
    const groups = (await viewer.listInstanceGroups()).result.instance_groups;
    const group = groups.find((g) => g.name === 'group-b');
    const templates = (await viewer.listInstanceTemplates()).result.templates;
    const idOf = (name: string) => templates.find((t) => t.name === name)?.id ?? '';
    const target = await editor.createInstanceTemplate({
      instanceTemplatePrototype: {
        name: 'tmpl-b-secure',
        source_template: { id: idOf('tmpl-a') },
        metadata_service: { enabled: false },
      },
    });
    changes = [];
    // Act
    const otherVpc = await failure(
      editor.updateInstanceGroup({ id: group?.id ?? '', instanceTemplate: { id: idOf('tmpl-other-vpc') } }),
    );
    const autolink = await failure(
      editor.updateInstanceGroup({ id: group?.id ?? '', instanceTemplate: { id: idOf('tmpl-autolink') } }),
    );
    const unknown = await failure(
      editor.updateInstanceGroup({ id: group?.id ?? '', instanceTemplate: { id: '0717-nope' } }),
    );
    const ok = await editor.updateInstanceGroup({
      id: group?.id ?? '',
      instanceTemplate: { id: target.result.id },
    });
    // Assess
    for (const refused of [otherVpc, autolink, unknown]) {
      expect(refused.status).toBe(400);
      expect(refused.error?.code).toBe('bad_field');
    }
    expect(autolink.error?.message).toMatch(/auto_link/);
    expect(ok.result.instance_template).toMatchObject({ id: target.result.id, name: 'tmpl-b-secure' });
    expect(changes).toMatchObject([
      {
        action: 'is.instance-group.instance-group.update',
        target: { id: group?.crn, typeURI: 'is.instance-group/instance-group', name: 'group-b' },
        location: 'us-south',
        reasonCode: 200,
      },
    ]);
  });
});

describe('throttling', () => {
  test('429 with Retry-After: 1 is retried by sdk-core on GET after a second', async () => {
    // Prepare
    const { id } = await byName('web-01');
    const client = vpcClient(EDITOR);
    client.enableRetries({ maxRetries: 2 });
    await client.getInstance({ id });
    await admin.fault({
      service: 'vpc',
      method: 'GET',
      path: `/instances/${id}`,
      status: 429,
      retry_after: 1,
      count: 1,
    });
    const since = await admin.lastSeq();
    const started = Date.now();
    // Act
    const res = await client.getInstance({ id });
    // Assess
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const calls = await admin.journal({ since, path: `/instances/${id}` });
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    await admin.clearFaults();
  });

  test('PATCH is not retried by sdk-core', async () => {
    // Prepare
    const { id } = await byName('web-01');
    const client = vpcClient(EDITOR);
    client.enableRetries({ maxRetries: 2 });
    await client.getInstance({ id });
    await admin.fault({
      service: 'vpc',
      method: 'PATCH',
      path: `/instances/${id}`,
      status: 429,
      retry_after: 1,
      count: 1,
    });
    const since = await admin.lastSeq();
    // Act
    const res = await failure(client.updateInstance({ id, metadataService: { enabled: true } }));
    // Assess
    expect(res.status).toBe(429);
    const calls = await admin.journal({ since, path: `/instances/${id}` });
    expect(calls.map((c) => [c.method, c.status])).toEqual([['PATCH', 429]]);
    expect(changes).toHaveLength(0);
    await admin.clearFaults();
  });
});
