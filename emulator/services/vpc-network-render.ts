// Network posture records → IBM's VPC JSON shapes (vpc-node-sdk `SecurityGroup`, `SecurityGroupRule`,
// `NetworkACL`, `NetworkACLRuleItem`, `FlowLogCollector`, `EndpointGateway`, `VPNGateway`).
import { stableUuid, zonePrefix } from '../core/ids.ts';
import type {
  EndpointGatewayRec,
  FlowLogCollectorRec,
  NetworkAclRec,
  NetworkAclRuleRec,
  RuleProtocol,
  SecurityGroupRec,
  SecurityGroupRuleRec,
  VpnGatewayRec,
} from '../core/network-state.ts';
import type { InstanceRec } from '../core/state.ts';
import {
  DELETED_INFO,
  derivedOf,
  resourceGroupRef,
  subnetIdOf,
  subnetRef,
  type View,
  vpcRef,
} from './vpc-render.ts';

/** From this API version on, `all` is called `icmp_tcp_udp` (IBM's 2025-12-09 migration guide). */
const PROTOCOL_RENAME_VERSION = '2025-12-09';

/** How the request's `version` wants protocols named. */
interface Dialect {
  legacyProtocols: boolean;
}

const dialectOf = (version: string | null): Dialect => ({
  legacyProtocols: version !== null && version < PROTOCOL_RENAME_VERSION,
});

const protocolName = (d: Dialect, p: RuleProtocol): string =>
  p === 'icmp_tcp_udp' && d.legacyProtocols ? 'all' : p;

/** An instance's primary network interface as a reference (the instance exists: callers check). */
const instanceNic = (v: View, inst: InstanceRec) => {
  const nic = derivedOf(inst).nic;
  return {
    href: `${v.base}/instances/${inst.id}/network_interfaces/${nic}`,
    id: nic,
    name: 'eth0',
    resource_type: 'network_interface',
  };
};

const securityGroupRef = (v: View, id: string) => {
  const sg = v.rs.network.securityGroups.get(id);
  return {
    crn: sg?.crn ?? '',
    ...(sg ? {} : { deleted: { more_info: DELETED_INFO } }),
    href: `${v.base}/security_groups/${id}`,
    id,
    name: sg?.name ?? id,
  };
};

const renderSgRule = (v: View, d: Dialect, sg: SecurityGroupRec, r: SecurityGroupRuleRec) => ({
  direction: r.direction,
  href: `${v.base}/security_groups/${sg.id}/rules/${r.id}`,
  id: r.id,
  ip_version: 'ipv4',
  local: { cidr_block: '0.0.0.0/0' },
  name: r.name,
  ...(r.port_min !== undefined ? { port_max: r.port_max, port_min: r.port_min } : {}),
  protocol: protocolName(d, r.protocol),
  remote: 'security_group_id' in r.remote ? securityGroupRef(v, r.remote.security_group_id) : { ...r.remote },
  resource_type: 'security_group_rule',
  ...(r.type !== undefined ? { type: r.type } : {}),
  ...(r.code !== undefined ? { code: r.code } : {}),
});

const renderSecurityGroup = (v: View, d: Dialect, sg: SecurityGroupRec) => ({
  created_at: sg.created_at,
  crn: sg.crn,
  href: `${v.base}/security_groups/${sg.id}`,
  id: sg.id,
  name: sg.name,
  resource_group: resourceGroupRef(v, sg.resource_group_id),
  rules: sg.rules.map((r) => renderSgRule(v, d, sg, r)),
  // Deleting an instance deletes its interfaces, and with them their memberships.
  targets: sg.instance_ids.flatMap((id) => {
    const inst = v.rs.instances.get(id);
    return inst ? [instanceNic(v, inst)] : [];
  }),
  vpc: vpcRef(v, sg.vpc_id),
});

const aclRuleRef = (v: View, acl: NetworkAclRec, r: NetworkAclRuleRec) => ({
  href: `${v.base}/network_acls/${acl.id}/rules/${r.id}`,
  id: r.id,
  name: r.name,
});

/** `before`: the rule this one is evaluated before (the next in order); absent on the last. */
const renderAclRule = (v: View, d: Dialect, acl: NetworkAclRec, r: NetworkAclRuleRec) => {
  const next = acl.rules[acl.rules.indexOf(r) + 1];
  return {
    action: r.action,
    ...(next ? { before: aclRuleRef(v, acl, next) } : {}),
    created_at: r.created_at,
    destination: r.destination,
    ...(r.destination_port_min !== undefined
      ? { destination_port_max: r.destination_port_max, destination_port_min: r.destination_port_min }
      : {}),
    direction: r.direction,
    href: `${v.base}/network_acls/${acl.id}/rules/${r.id}`,
    id: r.id,
    ip_version: 'ipv4',
    name: r.name,
    protocol: protocolName(d, r.protocol),
    source: r.source,
    ...(r.source_port_min !== undefined
      ? { source_port_max: r.source_port_max, source_port_min: r.source_port_min }
      : {}),
    ...(r.type !== undefined ? { type: r.type } : {}),
    ...(r.code !== undefined ? { code: r.code } : {}),
  };
};

const renderNetworkAcl = (v: View, d: Dialect, acl: NetworkAclRec) => ({
  created_at: acl.created_at,
  crn: acl.crn,
  href: `${v.base}/network_acls/${acl.id}`,
  id: acl.id,
  name: acl.name,
  resource_group: resourceGroupRef(v, acl.resource_group_id),
  rules: acl.rules.map((r) => renderAclRule(v, d, acl, r)),
  subnets: acl.subnet_zones.map((z) => subnetRef(v, acl.vpc_id, z, subnetIdOf(acl.vpc_id, z))),
  vpc: vpcRef(v, acl.vpc_id),
});

/**
 * A collector whose instance is gone is gone too (`auto_delete` is always true): callers skip it.
 * IBM's instance target carries no `resource_type` (vpc-node-sdk FlowLogCollectorTargetInstanceReference).
 */
const flowLogTarget = (v: View, f: FlowLogCollectorRec) => {
  const t = f.target;
  switch (t.kind) {
    case 'vpc':
      return vpcRef(v, f.vpc_id);
    case 'subnet':
      return subnetRef(v, f.vpc_id, t.zone, subnetIdOf(f.vpc_id, t.zone));
    case 'instance':
    case 'network_interface': {
      const inst = v.rs.instances.get(t.instance_id);
      if (!inst) return undefined;
      if (t.kind === 'network_interface') return instanceNic(v, inst);
      return { crn: inst.crn, href: `${v.base}/instances/${inst.id}`, id: inst.id, name: inst.name };
    }
  }
};

/** The collector exists for clients: its target (when an instance or interface) still exists. */
const flowLogAlive = (v: View, f: FlowLogCollectorRec): boolean => flowLogTarget(v, f) !== undefined;

/** The id a collector's rendered `target.id` carries: what the `target.id` filter compares. */
const flowLogTargetId = (v: View, f: FlowLogCollectorRec): string | undefined => flowLogTarget(v, f)?.id;

const renderFlowLogCollector = (v: View, f: FlowLogCollectorRec) => ({
  active: f.active,
  auto_delete: true,
  created_at: f.created_at,
  crn: f.crn,
  href: `${v.base}/flow_log_collectors/${f.id}`,
  id: f.id,
  lifecycle_state: f.lifecycle_state,
  name: f.name,
  resource_group: resourceGroupRef(v, f.resource_group_id),
  storage_bucket: { name: f.storage_bucket },
  target: flowLogTarget(v, f) ?? {},
  vpc: vpcRef(v, f.vpc_id),
});

const renderEndpointGateway = (v: View, e: EndpointGatewayRec) => ({
  created_at: e.created_at,
  crn: e.crn,
  dns_resolution_binding_mode: 'primary',
  health_state: e.lifecycle_state === 'stable' ? 'ok' : 'inapplicable',
  href: `${v.base}/endpoint_gateways/${e.id}`,
  id: e.id,
  ips: [],
  lifecycle_reasons: [],
  lifecycle_state: e.lifecycle_state,
  name: e.name,
  resource_group: resourceGroupRef(v, e.resource_group_id),
  resource_type: 'endpoint_gateway',
  security_groups: [],
  service_endpoints: [],
  target: { ...e.target },
  vpc: vpcRef(v, e.vpc_id),
});

const renderVpnGateway = (v: View, g: VpnGatewayRec) => {
  const subnet = subnetIdOf(g.vpc_id, g.zone);
  const member = (role: 'active' | 'standby', n: number) => {
    const ip = `${zonePrefix(g.zone)}-${stableUuid(g.id, `member-ip:${n}`)}`;
    return {
      private_ip: {
        address: `10.240.${64 + n}.${4 + n}`,
        href: `${v.base}/subnets/${subnet}/reserved_ips/${ip}`,
        id: ip,
        name: `${g.name}-${role}`.slice(0, 63),
        resource_type: 'subnet_reserved_ip',
      },
      public_ip: { address: `169.61.${n + 10}.${(g.seq % 200) + 20}` },
      role,
    };
  };
  return {
    connections: [],
    created_at: g.created_at,
    crn: g.crn,
    health_reasons: [],
    health_state: g.lifecycle_state === 'stable' ? 'ok' : 'inapplicable',
    href: `${v.base}/vpn_gateways/${g.id}`,
    id: g.id,
    lifecycle_reasons: [],
    lifecycle_state: g.lifecycle_state,
    members: [member('active', 0), member('standby', 1)],
    mode: g.mode,
    name: g.name,
    resource_group: resourceGroupRef(v, g.resource_group_id),
    resource_type: 'vpn_gateway',
    subnet: subnetRef(v, g.vpc_id, g.zone, subnet),
    vpc: vpcRef(v, g.vpc_id),
    ...(g.mode === 'route' ? { advertised_cidrs: [], local_asn: 64520 } : {}),
  };
};

export type { Dialect };
export {
  dialectOf,
  flowLogAlive,
  flowLogTargetId,
  renderAclRule,
  renderEndpointGateway,
  renderFlowLogCollector,
  renderNetworkAcl,
  renderSecurityGroup,
  renderSgRule,
  renderVpnGateway,
};
