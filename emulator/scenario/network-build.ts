// Scenario VPC network documents → records in the region's NetworkState. Names resolve within the
// VPC (security groups, instances) or the region (zones); ids derive from the seed.

import { stableUuid, vpcCrn } from '../core/ids.ts';
import type {
  FlowLogTarget,
  NetworkAclRuleRec,
  RuleProtocol,
  SecurityGroupRec,
  SecurityGroupRuleRec,
  SgRemote,
} from '../core/network-state.ts';
import type { InstanceRec, RegionState, VpcRec } from '../core/state.ts';
import type { VpcNetworkDoc, VpcNetworkInput } from './network-schema.ts';

type DocPath = (string | number)[];

interface NetworkBuild {
  rs: RegionState;
  seed: string;
  account: string;
  /** Region code that prefixes regional ids (`r006`). */
  code: string;
  at: string;
  zones: readonly string[];
  nextSeq: () => number;
  resourceGroup: (name: string | undefined, fallback: string, path: DocPath) => string;
  instance: (name: string) => InstanceRec | undefined;
  fail: (message: string, path: DocPath) => never;
}

type Doc<K extends keyof VpcNetworkDoc> = VpcNetworkDoc[K][number];

const PROTOCOLS = {
  any: 'any',
  all: 'icmp_tcp_udp',
  icmp_tcp_udp: 'icmp_tcp_udp',
  icmp: 'icmp',
  tcp: 'tcp',
  udp: 'udp',
} as const satisfies Record<string, RuleProtocol>;

/** Ports only on tcp/udp, ICMP type/code only on icmp, a range the right way round. */
const portRange = (
  b: NetworkBuild,
  protocol: RuleProtocol,
  doc: { port?: number; min?: number; max?: number; type?: number; code?: number },
  path: DocPath,
): { min?: number; max?: number } => {
  const tcpUdp = protocol === 'tcp' || protocol === 'udp';
  const ported = doc.port !== undefined || doc.min !== undefined || doc.max !== undefined;
  if (ported && !tcpUdp) b.fail(`ports apply to tcp and udp rules only (protocol ${protocol})`, path);
  if ((doc.type !== undefined || doc.code !== undefined) && protocol !== 'icmp')
    b.fail('type and code apply to icmp rules only', path);
  if (doc.port !== undefined && (doc.min !== undefined || doc.max !== undefined))
    b.fail('give port, or a minimum and maximum, not both', path);
  if (doc.port !== undefined) return { min: doc.port, max: doc.port };
  if ((doc.min === undefined) !== (doc.max === undefined))
    b.fail('a port range needs both its minimum and its maximum', path);
  if (doc.min !== undefined && doc.max !== undefined && doc.min > doc.max)
    b.fail(`port range ${doc.min}-${doc.max} is backwards`, path);
  return doc.min !== undefined ? { min: doc.min, ...(doc.max !== undefined ? { max: doc.max } : {}) } : {};
};

const vpcInstance = (b: NetworkBuild, vpc: VpcRec, name: string, path: DocPath): InstanceRec => {
  const inst = b.instance(name) ?? b.fail(`unknown instance "${name}"`, path);
  if (inst.vpc_id !== vpc.id) b.fail(`instance "${name}" is not in VPC ${vpc.name}`, path);
  return inst;
};

const uniqueNames = (
  b: NetworkBuild,
  items: readonly { name: string }[],
  what: string,
  path: DocPath,
): void => {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) b.fail(`duplicate ${what} "${item.name}"`, [...path, i, 'name']);
    seen.add(item.name);
  });
};

const sgRule = (
  b: NetworkBuild,
  sg: SecurityGroupRec,
  doc: Doc<'security_groups'>['rules'][number],
  groupIds: ReadonlyMap<string, string>,
  i: number,
  path: DocPath,
): SecurityGroupRuleRec => {
  const protocol = PROTOCOLS[doc.protocol];
  const ports = portRange(b, protocol, { ...doc, min: doc.port_min, max: doc.port_max }, path);
  let remote: SgRemote;
  if (typeof doc.remote === 'string')
    remote = doc.remote.includes('/') ? { cidr_block: doc.remote } : { address: doc.remote };
  else {
    const id =
      groupIds.get(doc.remote.security_group) ??
      b.fail(`unknown security group "${doc.remote.security_group}" in this VPC`, [...path, 'remote']);
    remote = { security_group_id: id };
  }
  return {
    id: `${b.code}-${stableUuid(b.seed, `sg-rule:${sg.id}:${i}`)}`,
    name: doc.name ?? `${sg.name}-rule-${i + 1}`.slice(0, 63),
    direction: doc.direction,
    protocol,
    ...(ports.min !== undefined ? { port_min: ports.min, port_max: ports.max ?? ports.min } : {}),
    ...(doc.type !== undefined ? { type: doc.type } : {}),
    ...(doc.code !== undefined ? { code: doc.code } : {}),
    remote,
  };
};

const buildSecurityGroups = (
  b: NetworkBuild,
  vpc: VpcRec,
  docs: VpcNetworkDoc['security_groups'],
  path: DocPath,
): void => {
  uniqueNames(b, docs, 'security group', path);
  // Ids first: a rule's remote may name any group of the VPC, declared before or after it.
  const ids = new Map(
    docs.map((d) => [d.name, d.id ?? `${b.code}-${stableUuid(b.seed, `sg:${vpc.id}:${d.name}`)}`]),
  );
  docs.forEach((d, i) => {
    const id = ids.get(d.name) ?? '';
    const sg: SecurityGroupRec = {
      id,
      crn: vpcCrn(vpc.region, b.account, 'security-group', id),
      name: d.name,
      region: vpc.region,
      vpc_id: vpc.id,
      resource_group_id: b.resourceGroup(d.resource_group, vpc.resource_group_id, [
        ...path,
        i,
        'resource_group',
      ]),
      created_at: b.at,
      rules: [],
      instance_ids: d.instances.map((n, k) => vpcInstance(b, vpc, n, [...path, i, 'instances', k]).id),
      rev: 1,
      seq: b.nextSeq(),
    };
    sg.rules = d.rules.map((r, k) => sgRule(b, sg, r, ids, k, [...path, i, 'rules', k]));
    b.rs.network.securityGroups.set(id, sg);
  });
};

const aclRule = (
  b: NetworkBuild,
  aclId: string,
  aclName: string,
  doc: Doc<'network_acls'>['rules'][number],
  i: number,
  path: DocPath,
): NetworkAclRuleRec => {
  const protocol = PROTOCOLS[doc.protocol];
  const dest = portRange(
    b,
    protocol,
    { ...doc, min: doc.destination_port_min, max: doc.destination_port_max },
    path,
  );
  const src = portRange(b, protocol, { min: doc.source_port_min, max: doc.source_port_max }, path);
  const tcpUdp = protocol === 'tcp' || protocol === 'udp';
  return {
    id: `${b.code}-${stableUuid(b.seed, `acl-rule:${aclId}:${i}`)}`,
    name: doc.name ?? `${aclName}-rule-${i + 1}`.slice(0, 63),
    action: doc.action,
    direction: doc.direction,
    protocol,
    source: doc.source,
    destination: doc.destination,
    // IBM always sends the four port bounds of a tcp/udp rule: 1–65535 when none were given.
    ...(tcpUdp
      ? {
          destination_port_min: dest.min ?? 1,
          destination_port_max: dest.max ?? dest.min ?? 65535,
          source_port_min: src.min ?? 1,
          source_port_max: src.max ?? src.min ?? 65535,
        }
      : {}),
    ...(doc.type !== undefined ? { type: doc.type } : {}),
    ...(doc.code !== undefined ? { code: doc.code } : {}),
    created_at: b.at,
  };
};

const buildNetworkAcls = (
  b: NetworkBuild,
  vpc: VpcRec,
  docs: VpcNetworkDoc['network_acls'],
  path: DocPath,
): void => {
  uniqueNames(b, docs, 'network ACL', path);
  const taken = new Map<string, string>();
  docs.forEach((d, i) => {
    const id = d.id ?? `${b.code}-${stableUuid(b.seed, `acl:${vpc.id}:${d.name}`)}`;
    const zones = d.zones ?? [...b.zones];
    zones.forEach((z, k) => {
      const at: DocPath = [...path, i, 'zones', k];
      if (!b.zones.includes(z)) b.fail(`unknown zone "${z}"`, at);
      // A subnet has exactly one network ACL.
      const other = taken.get(z);
      if (other) b.fail(`the ${z} subnet of VPC ${vpc.name} already uses network ACL "${other}"`, at);
      taken.set(z, d.name);
    });
    b.rs.network.networkAcls.set(id, {
      id,
      crn: vpcCrn(vpc.region, b.account, 'network-acl', id),
      name: d.name,
      region: vpc.region,
      vpc_id: vpc.id,
      resource_group_id: b.resourceGroup(d.resource_group, vpc.resource_group_id, [
        ...path,
        i,
        'resource_group',
      ]),
      created_at: b.at,
      rules: d.rules.map((r, k) => aclRule(b, id, d.name, r, k, [...path, i, 'rules', k])),
      subnet_zones: zones,
      seq: b.nextSeq(),
    });
  });
};

const flowLogTarget = (
  b: NetworkBuild,
  vpc: VpcRec,
  doc: Doc<'flow_log_collectors'>['target'],
  path: DocPath,
): FlowLogTarget => {
  if (doc === 'vpc') return { kind: 'vpc' };
  if ('subnet' in doc) {
    if (!b.zones.includes(doc.subnet)) b.fail(`unknown zone "${doc.subnet}"`, [...path, 'subnet']);
    return { kind: 'subnet', zone: doc.subnet };
  }
  if ('instance' in doc)
    return { kind: 'instance', instance_id: vpcInstance(b, vpc, doc.instance, [...path, 'instance']).id };
  return {
    kind: 'network_interface',
    instance_id: vpcInstance(b, vpc, doc.network_interface, [...path, 'network_interface']).id,
  };
};

const targetKey = (t: FlowLogTarget): string =>
  t.kind === 'vpc' ? 'vpc' : t.kind === 'subnet' ? `subnet:${t.zone}` : `${t.kind}:${t.instance_id}`;

const buildFlowLogs = (
  b: NetworkBuild,
  vpc: VpcRec,
  docs: VpcNetworkDoc['flow_log_collectors'],
  path: DocPath,
): void => {
  uniqueNames(b, docs, 'flow log collector', path);
  const targets = new Set<string>();
  docs.forEach((d, i) => {
    const target = flowLogTarget(b, vpc, d.target, [...path, i, 'target']);
    // IBM: the target must not already be the target of another flow log collector.
    if (targets.has(targetKey(target)))
      b.fail('this target already has a flow log collector', [...path, i, 'target']);
    targets.add(targetKey(target));
    const id = d.id ?? `${b.code}-${stableUuid(b.seed, `flow-log:${vpc.id}:${d.name}`)}`;
    b.rs.network.flowLogCollectors.set(id, {
      id,
      crn: vpcCrn(vpc.region, b.account, 'flow-log-collector', id),
      name: d.name,
      region: vpc.region,
      vpc_id: vpc.id,
      resource_group_id: b.resourceGroup(d.resource_group, vpc.resource_group_id, [
        ...path,
        i,
        'resource_group',
      ]),
      created_at: b.at,
      active: d.active,
      lifecycle_state: d.lifecycle_state,
      storage_bucket: d.storage_bucket,
      target,
      seq: b.nextSeq(),
    });
  });
};

const buildGateways = (b: NetworkBuild, vpc: VpcRec, doc: VpcNetworkDoc, path: DocPath): void => {
  uniqueNames(b, doc.endpoint_gateways, 'endpoint gateway', [...path, 'endpoint_gateways']);
  doc.endpoint_gateways.forEach((d, i) => {
    const id = d.id ?? `${b.code}-${stableUuid(b.seed, `vpe:${vpc.id}:${d.name}`)}`;
    b.rs.network.endpointGateways.set(id, {
      id,
      crn: vpcCrn(vpc.region, b.account, 'endpoint-gateway', id),
      name: d.name,
      region: vpc.region,
      vpc_id: vpc.id,
      resource_group_id: b.resourceGroup(d.resource_group, vpc.resource_group_id, [
        ...path,
        'endpoint_gateways',
        i,
        'resource_group',
      ]),
      created_at: b.at,
      lifecycle_state: d.lifecycle_state,
      target:
        'crn' in d.target
          ? { resource_type: 'provider_cloud_service', crn: d.target.crn }
          : { resource_type: 'provider_infrastructure_service', name: d.target.name },
      seq: b.nextSeq(),
    });
  });
  uniqueNames(b, doc.vpn_gateways, 'VPN gateway', [...path, 'vpn_gateways']);
  doc.vpn_gateways.forEach((d, i) => {
    const at: DocPath = [...path, 'vpn_gateways', i];
    const zone = d.zone ?? b.zones[0] ?? '';
    if (!b.zones.includes(zone)) b.fail(`unknown zone "${zone}"`, [...at, 'zone']);
    const id = d.id ?? `${b.code}-${stableUuid(b.seed, `vpn:${vpc.id}:${d.name}`)}`;
    b.rs.network.vpnGateways.set(id, {
      id,
      crn: vpcCrn(vpc.region, b.account, 'vpn', id),
      name: d.name,
      region: vpc.region,
      vpc_id: vpc.id,
      resource_group_id: b.resourceGroup(d.resource_group, vpc.resource_group_id, [...at, 'resource_group']),
      created_at: b.at,
      mode: d.mode,
      zone,
      lifecycle_state: d.lifecycle_state,
      seq: b.nextSeq(),
    });
  });
};

/** Adds one VPC's network posture; `path` points at the VPC document. Call once instances exist. */
const buildVpcNetwork = (b: NetworkBuild, vpc: VpcRec, input: VpcNetworkInput, path: DocPath): void => {
  const doc: VpcNetworkDoc = {
    security_groups: input.security_groups ?? [],
    network_acls: input.network_acls ?? [],
    flow_log_collectors: input.flow_log_collectors ?? [],
    endpoint_gateways: input.endpoint_gateways ?? [],
    vpn_gateways: input.vpn_gateways ?? [],
  };
  buildSecurityGroups(b, vpc, doc.security_groups, [...path, 'security_groups']);
  buildNetworkAcls(b, vpc, doc.network_acls, [...path, 'network_acls']);
  buildFlowLogs(b, vpc, doc.flow_log_collectors, [...path, 'flow_log_collectors']);
  buildGateways(b, vpc, doc, path);
};

export type { NetworkBuild };
export { buildVpcNetwork };
