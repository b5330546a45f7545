// The network posture a scenario VPC may describe: security groups with rules, network ACLs with
// rules, flow log collectors, endpoint gateways (VPE) and VPN gateways. Spread into the VPC document.
import * as v from 'valibot';

const Name = v.pipe(v.string(), v.minLength(1), v.maxLength(63));
const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const IcmpNumber = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255));

/** `all` is the pre-2025-12-09 name of `icmp_tcp_udp`; both are accepted and stored as the new one. */
const Protocol = v.optional(v.picklist(['any', 'all', 'icmp_tcp_udp', 'icmp', 'tcp', 'udp']), 'tcp');

/** A CIDR block (`0.0.0.0/0`) or one address; anything else is a typo worth failing on. */
const Ipv4OrCidr = v.pipe(
  v.string(),
  v.regex(/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/, 'expected an IPv4 address or CIDR'),
);

const SecurityGroupRuleDoc = v.strictObject({
  name: v.optional(Name),
  direction: v.optional(v.picklist(['inbound', 'outbound']), 'inbound'),
  protocol: Protocol,
  /** Shorthand for port_min = port_max. */
  port: v.optional(Port),
  port_min: v.optional(Port),
  port_max: v.optional(Port),
  type: v.optional(IcmpNumber),
  code: v.optional(IcmpNumber),
  /** A CIDR or address, or another security group of this VPC by name. */
  remote: v.optional(v.union([Ipv4OrCidr, v.strictObject({ security_group: Name })]), '0.0.0.0/0'),
});

const SecurityGroupDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  resource_group: v.optional(Name),
  /** Instances of this VPC (by name) whose primary network interface the group is attached to. */
  instances: v.optional(v.array(Name), []),
  rules: v.optional(v.array(SecurityGroupRuleDoc), []),
});

const NetworkAclRuleDoc = v.strictObject({
  name: v.optional(Name),
  action: v.optional(v.picklist(['allow', 'deny']), 'allow'),
  direction: v.optional(v.picklist(['inbound', 'outbound']), 'inbound'),
  protocol: Protocol,
  source: v.optional(Ipv4OrCidr, '0.0.0.0/0'),
  destination: v.optional(Ipv4OrCidr, '0.0.0.0/0'),
  /** Shorthand for destination_port_min = destination_port_max. */
  port: v.optional(Port),
  destination_port_min: v.optional(Port),
  destination_port_max: v.optional(Port),
  source_port_min: v.optional(Port),
  source_port_max: v.optional(Port),
  type: v.optional(IcmpNumber),
  code: v.optional(IcmpNumber),
});

const NetworkAclDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  resource_group: v.optional(Name),
  /** Zones whose subnet uses this ACL; absent = every zone of the region. */
  zones: v.optional(v.array(v.string())),
  /** In evaluation order. */
  rules: v.optional(v.array(NetworkAclRuleDoc), []),
});

/** `vpc` (the whole VPC), or one subnet (by zone), instance or instance interface (by instance name). */
const FlowLogTargetDoc = v.union([
  v.literal('vpc'),
  v.strictObject({ subnet: v.string() }),
  v.strictObject({ instance: Name }),
  v.strictObject({ network_interface: Name }),
]);

const FlowLogCollectorDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  resource_group: v.optional(Name),
  target: v.optional(FlowLogTargetDoc, 'vpc'),
  storage_bucket: v.optional(v.string(), 'flow-logs'),
  active: v.optional(v.boolean(), true),
  lifecycle_state: v.optional(v.picklist(['stable', 'pending', 'failed', 'suspended']), 'stable'),
});

const EndpointGatewayDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  resource_group: v.optional(Name),
  /** An IBM cloud service endpoint by CRN, or an infrastructure service (`ibm-ntp-server`) by name. */
  target: v.union([v.strictObject({ crn: v.string() }), v.strictObject({ name: v.string() })]),
  lifecycle_state: v.optional(v.picklist(['stable', 'pending', 'failed', 'suspended']), 'stable'),
});

const VpnGatewayDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  resource_group: v.optional(Name),
  mode: v.optional(v.picklist(['route', 'policy']), 'route'),
  zone: v.optional(v.string()),
  lifecycle_state: v.optional(v.picklist(['stable', 'pending', 'failed', 'suspended']), 'stable'),
});

/**
 * Keys a VPC document gains, all optional (no default ACL or group is made). Left optional in the
 * output too, so generated documents (generate.ts) need not spell them out.
 */
const VPC_NETWORK_ENTRIES = {
  security_groups: v.optional(v.array(SecurityGroupDoc)),
  network_acls: v.optional(v.array(NetworkAclDoc)),
  flow_log_collectors: v.optional(v.array(FlowLogCollectorDoc)),
  endpoint_gateways: v.optional(v.array(EndpointGatewayDoc)),
  vpn_gateways: v.optional(v.array(VpnGatewayDoc)),
};

const VpcNetworkDoc = v.strictObject(VPC_NETWORK_ENTRIES);
type VpcNetworkDoc = Required<v.InferOutput<typeof VpcNetworkDoc>>;
type VpcNetworkInput = v.InferOutput<typeof VpcNetworkDoc>;

export type { VpcNetworkDoc, VpcNetworkInput };
export { VPC_NETWORK_ENTRIES };
