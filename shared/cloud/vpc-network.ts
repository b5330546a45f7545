// Network posture reads on a VPC client (shared/cloud/vpc.ts): flow log collectors, security groups,
// network ACLs, endpoint gateways and VPN gateways, with the generated `ibm-vpc` SDK's paths, query keys
// and shapes (vpc-node-sdk 0.30): rows of an operation table like vpc-operations.ts, bound to an existing
// VpcClient so the same authenticator, retries, call counting and lanes apply. Plus the two writes the
// tests use to fix a finding.
import { getQueryParam } from 'ibm-cloud-sdk-core';
import type { VpcClient } from './vpc.ts';
import {
  type AnyOperation,
  get,
  NO_HEADERS,
  type NoParams,
  type Operation,
  operation,
  SEND_JSON,
} from './vpc-operations.ts';
import type { RequestOptions, VpcResponse } from './vpc-types.ts';

// ---- Wire types (the subset imds-guard reads; IBM may send more) ----------------------------------

interface Ref {
  id: string;
  crn?: string;
  href?: string;
  name?: string;
  resource_type?: string;
}

/** `any` and `icmp_tcp_udp` (`all` before API version 2025-12-09) cover tcp and udp; IBM may add values. */
type RuleProtocol = 'any' | 'all' | 'icmp_tcp_udp' | 'icmp' | 'tcp' | 'udp' | (string & {});

interface SecurityGroupRule {
  id: string;
  name?: string;
  direction: 'inbound' | 'outbound';
  protocol: RuleProtocol;
  port_min?: number;
  port_max?: number;
  /** `{cidr_block}`, `{address}` or a security group reference. */
  remote: { cidr_block?: string; address?: string; id?: string; crn?: string; name?: string };
}

interface SecurityGroup {
  id: string;
  crn: string;
  name: string;
  rules: SecurityGroupRule[];
  targets: Ref[];
  vpc: Ref;
}

interface NetworkAclRule {
  id: string;
  name: string;
  action: 'allow' | 'deny';
  direction: 'inbound' | 'outbound';
  protocol: RuleProtocol;
  source: string;
  destination: string;
  destination_port_min?: number;
  destination_port_max?: number;
}

interface NetworkAcl {
  id: string;
  crn: string;
  name: string;
  /** In evaluation order. */
  rules: NetworkAclRule[];
  subnets: Ref[];
  vpc: Ref;
}

interface FlowLogCollector {
  id: string;
  crn: string;
  name: string;
  active: boolean;
  lifecycle_state: string;
  /** A VPC, subnet, network interface or attachment (`resource_type`), or an instance (no resource_type). */
  target: Ref;
  vpc: Ref;
}

interface EndpointGateway {
  id: string;
  crn: string;
  name: string;
  lifecycle_state: string;
  target: { resource_type: string; crn?: string; name?: string };
  vpc: Ref;
}

interface VpnGateway {
  id: string;
  crn: string;
  name: string;
  lifecycle_state: string;
  mode?: string;
  vpc: Ref;
}

/** A page of a VPC collection; the items are under the collection's own property. */
interface Collection {
  first: { href: string };
  next?: { href: string };
  limit: number;
  total_count: number;
}

/** The part of IBM's `VPC` the scan reads. */
interface VpcSummary {
  id: string;
  crn: string;
  name: string;
}

interface ListParams {
  start?: string;
  limit?: number;
}

interface VpcScoped extends ListParams {
  vpcId?: string;
  resourceGroupId?: string;
}

interface FlowLogCollectorPrototype {
  name?: string;
  storage_bucket: { name: string };
  target: { id: string };
  active?: boolean;
  resource_group?: { id: string };
}

const query = { start: 'start', limit: 'limit', 'resource_group.id': 'resourceGroupId' } as const;
type Page<K extends string, T> = Collection & Record<K, T[]>;

/** The network operations, as vpc-node-sdk 0.30 sends them (shared/cloud/vpc-operations.ts). */
const NETWORK_OPERATIONS = {
  /** A region's VPCs (the bulk scan's work units); vpc-node-sdk `listVpcs`. */
  listVpcs: get<ListParams & { resourceGroupId?: string; classicAccess?: boolean }, Page<'vpcs', VpcSummary>>(
    'list_vpcs',
    '/vpcs',
    { query: { ...query, classic_access: 'classicAccess' } },
  ),
  listFlowLogCollectors: get<
    VpcScoped & { targetId?: string; targetResourceType?: string },
    Page<'flow_log_collectors', FlowLogCollector>
  >('list_flow_log_collectors', '/flow_log_collectors', {
    query: {
      ...query,
      'vpc.id': 'vpcId',
      'target.id': 'targetId',
      'target.resource_type': 'targetResourceType',
    },
  }),
  getFlowLogCollector: get<{ id: string }, FlowLogCollector>(
    'get_flow_log_collector',
    '/flow_log_collectors/{id}',
    { path: { id: 'id' } },
  ),
  createFlowLogCollector: operation<
    { flowLogCollectorPrototype: FlowLogCollectorPrototype },
    FlowLogCollector
  >({
    id: 'create_flow_log_collector',
    method: 'POST',
    url: '/flow_log_collectors',
    body: 'flowLogCollectorPrototype',
    headers: SEND_JSON,
  }),
  listSecurityGroups: get<VpcScoped, Page<'security_groups', SecurityGroup>>(
    'list_security_groups',
    '/security_groups',
    { query: { ...query, 'vpc.id': 'vpcId' } },
  ),
  getSecurityGroup: get<{ id: string }, SecurityGroup>('get_security_group', '/security_groups/{id}', {
    path: { id: 'id' },
  }),
  /** Not paged: every rule in one answer. */
  listSecurityGroupRules: get<{ securityGroupId: string }, { rules: SecurityGroupRule[] }>(
    'list_security_group_rules',
    '/security_groups/{security_group_id}/rules',
    { path: { security_group_id: 'securityGroupId' } },
  ),
  deleteSecurityGroupRule: operation<{ securityGroupId: string; id: string }, void>({
    id: 'delete_security_group_rule',
    method: 'DELETE',
    url: '/security_groups/{security_group_id}/rules/{id}',
    path: { security_group_id: 'securityGroupId', id: 'id' },
    headers: NO_HEADERS,
  }),
  /** No VPC filter in IBM's API: filter the pages by `vpc.id`. */
  listNetworkAcls: get<ListParams & { resourceGroupId?: string }, Page<'network_acls', NetworkAcl>>(
    'list_network_acls',
    '/network_acls',
    { query },
  ),
  listNetworkAclRules: get<
    ListParams & { networkAclId: string; direction?: 'inbound' | 'outbound' },
    Page<'rules', NetworkAclRule>
  >('list_network_acl_rules', '/network_acls/{network_acl_id}/rules', {
    path: { network_acl_id: 'networkAclId' },
    query: { start: 'start', limit: 'limit', direction: 'direction' },
  }),
  /** `lifecycleState` is sent joined by "," (as every array query value is). */
  listEndpointGateways: get<
    VpcScoped & { lifecycleState?: string[] },
    Page<'endpoint_gateways', EndpointGateway>
  >('list_endpoint_gateways', '/endpoint_gateways', {
    query: { ...query, 'vpc.id': 'vpcId', lifecycle_state: 'lifecycleState' },
  }),
  /** No VPC filter in IBM's API: filter the pages by `vpc.id`. */
  listVpnGateways: get<ListParams & { mode?: string }, Page<'vpn_gateways', VpnGateway>>(
    'list_vpn_gateways',
    '/vpn_gateways',
    { query: { start: 'start', limit: 'limit', mode: 'mode' } },
  ),
} satisfies Record<string, AnyOperation>;

/** A row as a function of one client: its parameters optional when it requires none. */
type Bound<P, R> = NoParams extends P
  ? (params?: P, req?: RequestOptions) => Promise<VpcResponse<R>>
  : (params: P, req?: RequestOptions) => Promise<VpcResponse<R>>;

type VpcNetwork = {
  [K in keyof typeof NETWORK_OPERATIONS]: (typeof NETWORK_OPERATIONS)[K] extends Operation<infer P, infer R>
    ? Bound<P, R>
    : never;
};

/** The typed reads (and two writes) of one region's VPC client. */
const vpcNetwork = (vpc: VpcClient): VpcNetwork => {
  const out: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(NETWORK_OPERATIONS))
    out[name] = (params?: unknown, req?: RequestOptions) =>
      vpc.call(op as AnyOperation, params as never, req);
  return out as VpcNetwork;
};

/** Every item of a paged collection: follows `next.href`'s `start` until the last page. */
const allPages = async <K extends string, T>(
  page: (start: string | undefined) => Promise<{ result: Collection & Record<K, T[]> }>,
  property: K,
): Promise<T[]> => {
  const all: T[] = [];
  let start: string | undefined;
  do {
    const res = await page(start);
    all.push(...res.result[property]);
    const next = res.result.next?.href;
    start = next ? getQueryParam(next, 'start') : undefined;
  } while (start);
  return all;
};

export type {
  EndpointGateway,
  FlowLogCollector,
  FlowLogCollectorPrototype,
  NetworkAcl,
  NetworkAclRule,
  RuleProtocol,
  SecurityGroup,
  SecurityGroupRule,
  VpcNetwork,
  VpcSummary,
  VpnGateway,
};
export { allPages, vpcNetwork };
