// Contract tests of the emulator's VPC network routes, through our VpcClient and its network reads
// (shared/cloud/vpc-network.ts) over real HTTP, plus raw calls for what the SDK never sends.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ChangeEvent } from '#emulator/core/context.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { allPages, type SecurityGroup, type VpcNetwork, vpcNetwork } from '#shared/cloud/vpc-network.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const EDITOR = 'net-editor-key-0001';
const VIEWER = 'net-viewer-key-0001';

const manyGroups = Array.from(
  { length: 7 },
  (_, i) => `          - { name: extra-${i}, rules: [{ port: ${1000 + i} }] }`,
).join('\n');

const SCENARIO = `
seed: network-contract
api_keys:
  - { name: editor, key: ${EDITOR}, roles: { is: [Editor] } }
  - { name: viewer, key: ${VIEWER}, roles: { is: [Viewer] } }
regions:
  - name: us-south
    vpcs:
      - name: open-vpc
        security_groups:
          - name: web-sg
            instances: [web-01]
            rules:
              - { name: ssh-anywhere, port: 22 }
              - { protocol: all, remote: 10.0.0.0/8 }
              - { protocol: any, remote: { security_group: db-sg } }
              - { direction: outbound, protocol: udp, port_min: 53, port_max: 53, remote: 10.1.2.3 }
          - name: db-sg
            instances: [db-01]
${manyGroups}
        network_acls:
          - name: open-acl
            zones: [us-south-1, us-south-2]
            rules:
              - { name: deny-telnet, action: deny, port: 23 }
              - { name: allow-in, protocol: any }
              - { name: allow-out, direction: outbound, protocol: any }
        flow_log_collectors:
          - { name: web-flows, target: { instance: web-01 }, storage_bucket: b1 }
          - { name: nic-flows, target: { network_interface: db-01 }, storage_bucket: b1 }
          - { name: zone-flows, target: { subnet: us-south-2 }, storage_bucket: b1, active: false }
        endpoint_gateways:
          - { name: cos-vpe, target: { crn: "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud" } }
          - { name: ntp-vpe, target: { name: ibm-ntp-server }, lifecycle_state: pending }
        vpn_gateways:
          - { name: hq-vpn, mode: policy, zone: us-south-2 }
      - name: bare-vpc
    images: [{ name: ubuntu }]
    instances:
      - { name: web-01, vpc: open-vpc }
      - { name: db-01, vpc: open-vpc, zone: us-south-2 }
      - { name: lone-01, vpc: bare-vpc, zone: us-south-3 }
`;

let emu: RunningEmulator;
let editor: VpcNetwork;
let viewer: VpcNetwork;
let editorVpc: VpcClient;
let changes: ChangeEvent[] = [];

const vpcClient = (key: string, version?: string): VpcClient =>
  new VpcClient({
    authenticator: authFor(emu.url, key),
    serviceUrl: `${emu.url}/vpc/us-south/v1`,
    ...(version ? { version } : {}),
  });

const failure = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as { status: number; result: { errors: { code: string; target?: { name: string } }[] } };
  return { status: err.status, error: err.result.errors[0] };
};

/** A raw GET with a valid token, to send what the SDK never would. */
const rawGet = async (path: string): Promise<{ status: number; body: { errors: { code: string }[] } }> => {
  const opts: { headers: Record<string, string> } = { headers: {} };
  await authFor(emu.url, VIEWER).authenticate(opts);
  const res = await fetch(`${emu.url}/vpc/us-south/v1${path}`, { headers: opts.headers });
  return { status: res.status, body: (await res.json()) as { errors: { code: string }[] } };
};

const vpcId = async (name: string): Promise<string> => {
  const res = await editorVpc.listInstances({ vpcName: name, limit: 1 });
  const id = res.result.instances[0]?.vpc.id;
  if (!id) throw new Error(`no instance in ${name}`);
  return id;
};

const groupNamed = async (name: string): Promise<SecurityGroup> => {
  const all = await allPages(
    (start) => viewer.listSecurityGroups({ ...(start ? { start } : {}) }),
    'security_groups',
  );
  const found = all.find((g) => g.name === name);
  if (!found) throw new Error(`no security group ${name}`);
  return found;
};

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
  emu.emulator.onChange((c) => changes.push(c));
  editorVpc = vpcClient(EDITOR);
  editor = vpcNetwork(editorVpc);
  viewer = vpcNetwork(vpcClient(VIEWER));
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  changes = [];
});

describe('security groups', () => {
  test('list pages by start/limit and filters by vpc.id; rules, remotes and targets have IBM shapes', async () => {
    // Prepare
    const open = await vpcId('open-vpc');
    const web = (await editorVpc.listInstances({ name: 'web-01' })).result.instances[0];
    // Act
    const first = await viewer.listSecurityGroups({ limit: 4 });
    const all = await allPages(
      (start) => viewer.listSecurityGroups({ vpcId: open, limit: 4, ...(start ? { start } : {}) }),
      'security_groups',
    );
    const none = await viewer.listSecurityGroups({ vpcId: 'r006-00000000-0000-4000-8000-000000000000' });
    // Assess
    expect(first.result).toMatchObject({ limit: 4, total_count: 9 });
    expect(first.result.security_groups).toHaveLength(4);
    expect(first.result.next?.href).toContain('start=');
    expect(all.map((g) => g.name)).toEqual([
      'web-sg',
      'db-sg',
      ...Array.from({ length: 7 }, (_, i) => `extra-${i}`),
    ]);
    expect(none.result).toMatchObject({ total_count: 0, security_groups: [] });
    const sg = all[0] as SecurityGroup;
    expect(sg.crn).toBe(
      `crn:v1:bluemix:public:is:us-south:a/${emu.emulator.state.account.id}::security-group:${sg.id}`,
    );
    expect(sg.vpc).toMatchObject({ id: open, name: 'open-vpc', resource_type: 'vpc' });
    // The target is the instance's own primary network interface.
    expect(sg.targets).toEqual([
      expect.objectContaining({ id: web?.primary_network_interface?.id, resource_type: 'network_interface' }),
    ]);
    expect(sg.rules).toEqual([
      expect.objectContaining({
        name: 'ssh-anywhere',
        direction: 'inbound',
        protocol: 'tcp',
        port_min: 22,
        port_max: 22,
        remote: { cidr_block: '0.0.0.0/0' },
        ip_version: 'ipv4',
      }),
      expect.objectContaining({ protocol: 'icmp_tcp_udp', remote: { cidr_block: '10.0.0.0/8' } }),
      expect.objectContaining({
        protocol: 'any',
        remote: expect.objectContaining({ name: 'db-sg', id: expect.stringMatching(/^r006-/) }),
      }),
      expect.objectContaining({ direction: 'outbound', protocol: 'udp', remote: { address: '10.1.2.3' } }),
    ]);
    expect(sg.rules[1]).not.toHaveProperty('port_min');
  });

  test('API versions before 2025-12-09 see protocol "all" instead of "icmp_tcp_udp"', async () => {
    // Prepare
    const old = vpcNetwork(vpcClient(VIEWER, '2025-12-08'));
    const sg = await groupNamed('web-sg');
    // Act
    const before = await old.listSecurityGroupRules({ securityGroupId: sg.id });
    const after = await viewer.listSecurityGroupRules({ securityGroupId: sg.id });
    // Assess
    expect(before.result.rules.map((r) => r.protocol)).toEqual(['tcp', 'all', 'any', 'udp']);
    expect(after.result.rules.map((r) => r.protocol)).toEqual(['tcp', 'icmp_tcp_udp', 'any', 'udp']);
  });

  test('get by id; unknown ids 404 not_found', async () => {
    // Prepare
    const sg = await groupNamed('db-sg');
    // Act
    const got = await viewer.getSecurityGroup({ id: sg.id });
    const missing = await failure(viewer.getSecurityGroup({ id: 'r006-nope' }));
    // Assess
    expect(got.result).toEqual(sg);
    expect(missing).toMatchObject({ status: 404, error: { code: 'not_found', target: { name: 'id' } } });
  });

  test('deleting a rule needs Editor, removes it, and reports is.security-group.security-group-rule.delete', async () => {
    // Prepare
    const sg = await groupNamed('web-sg');
    const rule = sg.rules.find((r) => r.name === 'ssh-anywhere');
    // Act
    const refused = await failure(
      viewer.deleteSecurityGroupRule({ securityGroupId: sg.id, id: rule?.id ?? '' }),
    );
    const res = await editor.deleteSecurityGroupRule({ securityGroupId: sg.id, id: rule?.id ?? '' });
    const again = await failure(
      editor.deleteSecurityGroupRule({ securityGroupId: sg.id, id: rule?.id ?? '' }),
    );
    const rules = await viewer.listSecurityGroupRules({ securityGroupId: sg.id });
    // Assess
    expect(refused.status).toBe(403);
    expect(res.status).toBe(204);
    expect(again).toMatchObject({ status: 404, error: { code: 'not_found' } });
    expect(rules.result.rules.map((r) => r.name)).not.toContain('ssh-anywhere');
    expect(changes).toEqual([
      expect.objectContaining({
        action: 'is.security-group.security-group-rule.delete',
        target: expect.objectContaining({ id: sg.crn, name: 'web-sg' }),
        reasonCode: 204,
        responseData: { responseURI: `/v1/security_groups/${sg.id}/rules/${rule?.id}` },
      }),
    ]);
  });
});

describe('network ACLs', () => {
  test('list has no VPC filter (400); rules keep their order with before, tcp rules carry four port bounds', async () => {
    // Act
    const list = await viewer.listNetworkAcls();
    const refused = await rawGet('/network_acls?vpc.id=x&version=2026-03-24&generation=2');
    // Assess
    const acl = list.result.network_acls[0];
    expect(list.result.total_count).toBe(1);
    expect(acl?.subnets.map((s) => s.name)).toEqual(['open-vpc-us-south-1', 'open-vpc-us-south-2']);
    expect(acl?.rules.map((r) => r.name)).toEqual(['deny-telnet', 'allow-in', 'allow-out']);
    expect(acl?.rules[0]).toMatchObject({
      action: 'deny',
      protocol: 'tcp',
      source: '0.0.0.0/0',
      destination_port_min: 23,
      destination_port_max: 23,
      source_port_min: 1,
      source_port_max: 65535,
      before: { name: 'allow-in' },
    });
    expect(acl?.rules[2]).not.toHaveProperty('before');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      code: 'validation_failure',
      target: { name: 'vpc.id', type: 'query' },
    });
  });

  test('rules page and filter by direction', async () => {
    // Prepare
    const acl = (await viewer.listNetworkAcls()).result.network_acls[0];
    // Act
    const page1 = await viewer.listNetworkAclRules({ networkAclId: acl?.id ?? '', limit: 2 });
    const inbound = await viewer.listNetworkAclRules({ networkAclId: acl?.id ?? '', direction: 'inbound' });
    // Assess
    expect(page1.result.rules.map((r) => r.name)).toEqual(['deny-telnet', 'allow-in']);
    expect(page1.result.next?.href).toContain('start=');
    expect(inbound.result.rules.map((r) => r.name)).toEqual(['deny-telnet', 'allow-in']);
    expect(inbound.result.total_count).toBe(2);
  });
});

describe('flow log collectors', () => {
  test('targets: instance (no resource_type), interface, subnet; filters by vpc.id and target.id', async () => {
    // Prepare
    const open = await vpcId('open-vpc');
    const db = (await editorVpc.listInstances({ name: 'db-01' })).result.instances[0];
    // Act
    const all = await viewer.listFlowLogCollectors({ vpcId: open });
    const byNic = await viewer.listFlowLogCollectors({ targetId: db?.primary_network_interface?.id ?? '' });
    const bySubnet = await viewer.listFlowLogCollectors({
      targetId: db?.primary_network_interface?.subnet.id ?? '',
    });
    // Assess
    const [web, nic, zone] = all.result.flow_log_collectors;
    expect(all.result.total_count).toBe(3);
    expect(web?.target).toEqual(expect.objectContaining({ name: 'web-01' }));
    expect(web?.target).not.toHaveProperty('resource_type');
    expect(nic?.target).toMatchObject({
      resource_type: 'network_interface',
      id: db?.primary_network_interface?.id,
    });
    expect(zone).toMatchObject({
      active: false,
      target: { resource_type: 'subnet', name: 'open-vpc-us-south-2' },
    });
    expect(byNic.result.flow_log_collectors.map((f) => f.name)).toEqual(['nic-flows']);
    expect(bySubnet.result.flow_log_collectors.map((f) => f.name)).toEqual(['zone-flows']);
  });

  test('create: target by VPC id, active defaults to false, one event; the same target twice is refused', async () => {
    // Prepare
    const bare = await vpcId('bare-vpc');
    const prototype = { name: 'bare-flows', storage_bucket: { name: 'b2' }, target: { id: bare } };
    // Act
    const created = await editor.createFlowLogCollector({ flowLogCollectorPrototype: prototype });
    const twice = await failure(
      editor.createFlowLogCollector({ flowLogCollectorPrototype: { ...prototype, name: 'other' } }),
    );
    const unknown = await failure(
      editor.createFlowLogCollector({
        flowLogCollectorPrototype: { storage_bucket: { name: 'b' }, target: { id: 'r006-nope' } },
      }),
    );
    const viewerTry = await failure(viewer.createFlowLogCollector({ flowLogCollectorPrototype: prototype }));
    const got = await viewer.getFlowLogCollector({ id: created.result.id });
    // Assess
    expect(created.status).toBe(201);
    expect(created.result).toMatchObject({
      name: 'bare-flows',
      active: false,
      auto_delete: true,
      storage_bucket: { name: 'b2' },
      target: { id: bare, resource_type: 'vpc' },
      vpc: { id: bare },
    });
    expect(got.result).toEqual(created.result);
    expect(twice).toMatchObject({ status: 400, error: { code: 'validation_unique_failed' } });
    expect(unknown).toMatchObject({
      status: 404,
      error: { code: 'not_found', target: { name: 'target.id' } },
    });
    expect(viewerTry.status).toBe(403);
    expect(changes.map((c) => c.action)).toEqual(['is.flow-log-collector.flow-log-collector.create']);
  });

  test('a collector whose instance was deleted is gone too (auto_delete)', async () => {
    // Prepare
    const lone = (await editorVpc.listInstances({ name: 'lone-01' })).result.instances[0];
    const made = await editor.createFlowLogCollector({
      flowLogCollectorPrototype: {
        storage_bucket: { name: 'b3' },
        target: { id: lone?.id ?? '' },
        active: true,
      },
    });
    // Act
    await editorVpc.deleteInstance({ id: lone?.id ?? '' });
    const after = await failure(viewer.getFlowLogCollector({ id: made.result.id }));
    // Assess
    expect(made.result.target).toMatchObject({ id: lone?.id, name: 'lone-01' });
    expect(after.status).toBe(404);
  });
});

describe('endpoint and VPN gateways', () => {
  test('VPE targets (cloud service by CRN, infrastructure service by name), lifecycle filter; VPN has no VPC filter', async () => {
    // Prepare
    const open = await vpcId('open-vpc');
    // Act
    const vpes = await viewer.listEndpointGateways({ vpcId: open });
    const stable = await viewer.listEndpointGateways({ lifecycleState: ['stable'] });
    const vpns = await viewer.listVpnGateways();
    // Assess
    expect(vpes.result.endpoint_gateways.map((e) => e.target)).toEqual([
      {
        resource_type: 'provider_cloud_service',
        crn: 'crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud',
      },
      { resource_type: 'provider_infrastructure_service', name: 'ibm-ntp-server' },
    ]);
    expect(vpes.result.endpoint_gateways[0]).toMatchObject({
      resource_type: 'endpoint_gateway',
      lifecycle_state: 'stable',
    });
    expect(stable.result.endpoint_gateways.map((e) => e.name)).toEqual(['cos-vpe']);
    expect(vpns.result.vpn_gateways).toEqual([
      expect.objectContaining({
        name: 'hq-vpn',
        mode: 'policy',
        resource_type: 'vpn_gateway',
        vpc: expect.objectContaining({ id: open }),
      }),
    ]);
  });
});
