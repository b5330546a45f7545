// Contract tests of the emulator's `GET /vpcs` (the bulk scan's work units), through our VpcClient
// (sdk-core) and its network reads, and the `vpc.id` filter on instances that each unit lists with.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { InstancesPager, VpcClient } from '#shared/cloud/vpc.ts';
import { allPages, vpcNetwork } from '#shared/cloud/vpc-network.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const VIEWER = 'vpcs-viewer-key-0001';
const NOBODY = 'vpcs-nobody-key-0001';

const SCENARIO = `
seed: vpcs-contract
resource_groups:
  - name: default
  - name: prod
api_keys:
  - { name: viewer, key: ${VIEWER}, roles: { is: [Viewer] } }
  - { name: nobody, key: ${NOBODY}, roles: { iam-identity: [Viewer] } }
regions:
  - name: us-south
    vpcs:
      - { name: vpc-a }
      - { name: vpc-b, resource_group: prod }
      - { name: vpc-c }
    images: [{ name: ubuntu }]
    instances:
      - { name: a-1, vpc: vpc-a, image: ubuntu }
      - { name: a-2, vpc: vpc-a, image: ubuntu }
      - { name: b-1, vpc: vpc-b, image: ubuntu }
  - name: eu-de
    vpcs: [{ name: eu-vpc }]
`;

let emu: RunningEmulator;

const client = (key = VIEWER, region = 'us-south'): VpcClient =>
  new VpcClient({ authenticator: authFor(emu.url, key), serviceUrl: `${emu.url}/vpc/${region}/v1` });

const failure = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as { status: number; result: { errors: { code: string }[] } };
  return { status: err.status, code: err.result.errors[0]?.code };
};

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
});
afterAll(async () => {
  await emu.close();
});

describe('GET /vpcs', () => {
  test('pages the region’s VPCs in creation order, like every VPC collection', async () => {
    // Act
    const net = vpcNetwork(client());
    const first = await net.listVpcs({ limit: 2 });
    const all = await allPages((start) => net.listVpcs({ limit: 2, ...(start ? { start } : {}) }), 'vpcs');
    const eu = await vpcNetwork(client(VIEWER, 'eu-de')).listVpcs();
    // Assess
    expect(first.result).toMatchObject({ limit: 2, total_count: 3 });
    expect(first.result.next?.href).toMatch(/\/vpcs\?limit=2&start=[0-9a-f]+&version=/);
    expect(all.map((v) => v.name)).toEqual(['vpc-a', 'vpc-b', 'vpc-c']);
    expect(eu.result.vpcs.map((v) => v.name)).toEqual(['eu-vpc']);
    expect(first.result.vpcs[0]).toMatchObject({
      classic_access: false,
      crn: expect.stringMatching(/^crn:v1:bluemix:public:is:us-south:a\/[0-9a-f]+::vpc:/),
      href: expect.stringMatching(/\/vpc\/us-south\/v1\/vpcs\//),
      resource_type: 'vpc',
      status: 'available',
      default_network_acl: { id: expect.any(String) },
      default_security_group: { id: expect.any(String) },
      resource_group: { name: 'default' },
    });
  });

  test('filters by resource group and classic access; refuses bad values and callers without a role', async () => {
    // Prepare
    const net = vpcNetwork(client());
    const prod = (await net.listVpcs()).result.vpcs.find((v) => v.name === 'vpc-b');
    const rg = (prod as unknown as { resource_group: { id: string } }).resource_group.id;
    // Act
    const inGroup = await net.listVpcs({ resourceGroupId: rg });
    const classic = await net.listVpcs({ classicAccess: true });
    const bad = await failure(net.listVpcs({ limit: 101 }));
    const denied = await failure(vpcNetwork(client(NOBODY)).listVpcs());
    const one = await client().send<{ name: string }>(
      'get_vpc',
      { url: '/vpcs/{id}', method: 'GET', path: { id: prod?.id ?? '' } },
      {},
    );
    const missing = await failure(
      client().send('get_vpc', { url: '/vpcs/{id}', method: 'GET', path: { id: 'r006-nope' } }, {}),
    );
    // Assess
    expect(inGroup.result.vpcs.map((v) => v.name)).toEqual(['vpc-b']);
    expect(classic.result).toMatchObject({ total_count: 0, vpcs: [] });
    expect(bad).toEqual({ status: 400, code: 'validation_max_value' });
    expect(denied.status).toBe(403);
    expect(one.result.name).toBe('vpc-b');
    expect(missing).toEqual({ status: 404, code: 'not_found' });
  });

  test('each VPC’s instances, with the vpc.id filter, partition the region’s', async () => {
    // Act
    const vpc = client();
    const vpcs = (await vpcNetwork(vpc).listVpcs()).result.vpcs;
    const per = await Promise.all(
      vpcs.map(async (v) => (await new InstancesPager(vpc, { vpcId: v.id }).getAll()).map((i) => i.name)),
    );
    // Assess
    expect(per).toEqual([['a-1', 'a-2'], ['b-1'], []]);
  });
});
