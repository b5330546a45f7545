// VPC network posture per region: security groups, network ACLs, flow log collectors, endpoint
// gateways (VPE) and VPN gateways. Compact records; vpc-network-render.ts renders IBM's shapes.

/**
 * Stored protocol names are those of API version 2025-12-09 and later; `icmp_tcp_udp` is rendered as
 * `all` to clients asking for an earlier version (IBM's migration guide).
 */
type RuleProtocol = 'any' | 'icmp_tcp_udp' | 'icmp' | 'tcp' | 'udp';

/** Where an inbound security group rule allows traffic from. */
type SgRemote = { cidr_block: string } | { address: string } | { security_group_id: string };

interface SecurityGroupRuleRec {
  id: string;
  name: string;
  direction: 'inbound' | 'outbound';
  protocol: RuleProtocol;
  /** tcp/udp only; both absent = every port. */
  port_min?: number;
  port_max?: number;
  /** icmp only; absent = every type/code. */
  type?: number;
  code?: number;
  remote: SgRemote;
}

interface SecurityGroupRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  vpc_id: string;
  resource_group_id: string;
  created_at: string;
  rules: SecurityGroupRuleRec[];
  /** Instances whose primary network interface the group is attached to. */
  instance_ids: string[];
  rev: number;
  seq: number;
}

interface NetworkAclRuleRec {
  id: string;
  name: string;
  action: 'allow' | 'deny';
  direction: 'inbound' | 'outbound';
  protocol: RuleProtocol;
  source: string;
  destination: string;
  /** tcp/udp only: IBM always sends all four (1–65535 when the rule names none). */
  destination_port_min?: number;
  destination_port_max?: number;
  source_port_min?: number;
  source_port_max?: number;
  type?: number;
  code?: number;
  created_at: string;
}

interface NetworkAclRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  vpc_id: string;
  resource_group_id: string;
  created_at: string;
  /** In evaluation order: the first matching rule decides. */
  rules: NetworkAclRuleRec[];
  /** Zones whose subnet (one per VPC and zone in the emulator) uses this ACL. */
  subnet_zones: string[];
  seq: number;
}

/**
 * What a collector collects for: its VPC, one zone's subnet, an instance, or an instance's primary
 * interface. Subnet and interface ids are derived when rendered (vpc-render.ts owns those formulas).
 */
type FlowLogTarget =
  | { kind: 'vpc' }
  | { kind: 'subnet'; zone: string }
  | { kind: 'instance'; instance_id: string }
  | { kind: 'network_interface'; instance_id: string };

interface FlowLogCollectorRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  vpc_id: string;
  resource_group_id: string;
  created_at: string;
  active: boolean;
  lifecycle_state: 'stable' | 'pending' | 'failed' | 'suspended';
  storage_bucket: string;
  target: FlowLogTarget;
  seq: number;
}

/** A VPE's target: an IBM cloud service (by CRN) or an infrastructure service (by name). */
type EndpointTarget =
  | { resource_type: 'provider_cloud_service'; crn: string }
  | { resource_type: 'provider_infrastructure_service'; name: string };

interface EndpointGatewayRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  vpc_id: string;
  resource_group_id: string;
  created_at: string;
  lifecycle_state: 'stable' | 'pending' | 'failed' | 'suspended';
  target: EndpointTarget;
  seq: number;
}

interface VpnGatewayRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  vpc_id: string;
  resource_group_id: string;
  created_at: string;
  mode: 'route' | 'policy';
  /** The zone of the subnet the gateway is in. */
  zone: string;
  lifecycle_state: 'stable' | 'pending' | 'failed' | 'suspended';
  seq: number;
}

interface NetworkState {
  securityGroups: Map<string, SecurityGroupRec>;
  networkAcls: Map<string, NetworkAclRec>;
  flowLogCollectors: Map<string, FlowLogCollectorRec>;
  endpointGateways: Map<string, EndpointGatewayRec>;
  vpnGateways: Map<string, VpnGatewayRec>;
}

const emptyNetwork = (): NetworkState => ({
  securityGroups: new Map(),
  networkAcls: new Map(),
  flowLogCollectors: new Map(),
  endpointGateways: new Map(),
  vpnGateways: new Map(),
});

export type {
  EndpointGatewayRec,
  EndpointTarget,
  FlowLogCollectorRec,
  FlowLogTarget,
  NetworkAclRec,
  NetworkAclRuleRec,
  NetworkState,
  RuleProtocol,
  SecurityGroupRec,
  SecurityGroupRuleRec,
  SgRemote,
  VpnGatewayRec,
};
export { emptyNetwork };
