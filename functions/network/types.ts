// What a fresh read of one VPC's network gives (the posture), what a network rule reports (a finding,
// a discriminated union by `kind`), and the rule contract. Wire shapes are IBM's, narrowed to what the
// rules read so client results fit as they are and tests stay small.
import type {
  EndpointGateway,
  FlowLogCollector,
  NetworkAcl,
  SecurityGroup,
  VpnGateway,
} from '#shared/cloud/vpc-network.ts';
import type { NetworkCheck, NetworkPolicy, NetworkRuleId } from '#shared/policy/network.ts';
import type { Severity } from '#shared/policy/profiles.ts';

interface VpcRef {
  id: string;
  crn: string;
  name: string;
}

/** A guarded instance of the VPC, with what flow log coverage is judged by. */
interface PostureInstance {
  id: string;
  crn: string;
  name: string;
  zone: string;
  nic_ids: string[];
  subnet_ids: string[];
}

interface VpcPosture {
  account_id: string;
  region: string;
  vpc: VpcRef;
  instances: PostureInstance[];
  flow_log_collectors: Pick<
    FlowLogCollector,
    'id' | 'crn' | 'name' | 'active' | 'lifecycle_state' | 'target'
  >[];
  security_groups: Pick<SecurityGroup, 'id' | 'crn' | 'name' | 'rules' | 'targets'>[];
  network_acls: Pick<NetworkAcl, 'id' | 'crn' | 'name' | 'rules' | 'subnets'>[];
  endpoint_gateways: Pick<EndpointGateway, 'id' | 'crn' | 'name' | 'lifecycle_state' | 'target'>[];
  vpn_gateways: Pick<VpnGateway, 'id' | 'crn' | 'name' | 'lifecycle_state'>[];
}

interface FindingBase {
  /** `<rule>:<subject id>`: stable across reads, so the ticket key changes only when findings do. */
  id: string;
  severity: Severity;
  /** One sentence about this case (the rule's title/explanation/fix say the general part). */
  summary: string;
  region: string;
  vpc: VpcRef;
  /** The VPC's CRN first, then the resources and instances involved. */
  affected_crns: string[];
}

interface FlowLogFinding extends FindingBase {
  kind: 'flow-logs';
  rule_id: Extract<NetworkRuleId, `flow-logs-${string}`>;
  /** Every collector of the VPC, collecting or not. */
  collectors: { id: string; name: string; active: boolean; lifecycle_state: string; target: string }[];
  /** Guarded instances no collecting collector covers. */
  uncovered: { crn: string; name: string }[];
}

type Exposure = 'all-ports' | 'ssh' | 'rdp' | 'other-ports';

interface InboundFinding extends FindingBase {
  kind: 'inbound';
  rule_id: Extract<NetworkRuleId, `sg-${string}` | `acl-${string}`>;
  exposure: Exposure;
  resource: { type: 'security_group' | 'network_acl'; id: string; crn: string; name: string };
  /** What is reachable from 0.0.0.0/0, e.g. `tcp 22`, `udp 1-65535`. */
  ports: string[];
  /** The rules that let it in (for an ACL: the allows no earlier deny overrides). */
  rules: { id: string; name: string }[];
}

interface PrivatePathFinding extends FindingBase {
  kind: 'private-path';
  rule_id: Extract<NetworkRuleId, 'vpe-missing' | 'vpn-missing'>;
  /** `vpe-missing`: the IBM service without an endpoint gateway. */
  service?: string;
  endpoint_gateways: { id: string; name: string; service: string; lifecycle_state: string }[];
  vpn_gateways: { id: string; name: string; lifecycle_state: string }[];
}

type NetworkFinding = FlowLogFinding | InboundFinding | PrivatePathFinding;

interface NetworkRule {
  id: NetworkRuleId;
  /** The policy's `checks` entry that switches the rule on. */
  check: NetworkCheck;
  severity: Severity;
  title: string;
  /** What an attacker (or an investigator without it) faces, in plain language. */
  explanation: string;
  /** IBM's guidance this rule follows, quoted. */
  advice: string;
  fix: string;
  /** Findings with the rule's own severity; decideNetwork applies the policy's overrides. */
  evaluate: (posture: VpcPosture, policy: NetworkPolicy) => NetworkFinding[];
}

export type {
  Exposure,
  FlowLogFinding,
  InboundFinding,
  NetworkFinding,
  NetworkPolicy,
  NetworkRule,
  PostureInstance,
  PrivatePathFinding,
  VpcPosture,
  VpcRef,
};
