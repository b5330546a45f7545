// Network posture reads on a VPC client (shared/cloud/vpc.ts): flow log collectors, security groups,
// network ACLs, endpoint gateways and VPN gateways, with the generated `ibm-vpc` SDK's paths, query keys
// and shapes (vpc-node-sdk 0.30). Bound to an existing VpcClient so the same authenticator, retries,
// call counting and lanes apply. Plus the two writes the tests use to fix a finding.
import { getQueryParam, validateParams } from 'ibm-cloud-sdk-core';
import type { RequestOptions, VpcClient, VpcResponse } from './vpc.ts';

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

const check = (params: Record<string, unknown>, required: string[], valid: string[]): void => {
  const err = validateParams(params, required, valid);
  if (err) throw err;
};

const JSON_ACCEPT = { Accept: 'application/json' };

/** The typed reads (and two writes) of one region's VPC client. */
const vpcNetwork = (vpc: VpcClient) => {
  const get = <T>(
    operation: string,
    url: string,
    qs: Record<string, unknown> = {},
    path?: Record<string, string>,
    req?: RequestOptions,
  ) => vpc.send<T>(operation, { url, method: 'GET', qs, ...(path ? { path } : {}) }, JSON_ACCEPT, req);
  return {
    /** A region's VPCs (the bulk scan's work units); vpc-node-sdk `listVpcs`. */
    listVpcs: (
      p: ListParams & { resourceGroupId?: string; classicAccess?: boolean } = {},
      req?: RequestOptions,
    ) => {
      check({ ...p }, [], ['start', 'limit', 'resourceGroupId', 'classicAccess']);
      return get<Collection & { vpcs: VpcSummary[] }>(
        'list_vpcs',
        '/vpcs',
        {
          start: p.start,
          limit: p.limit,
          'resource_group.id': p.resourceGroupId,
          classic_access: p.classicAccess,
        },
        undefined,
        req,
      );
    },
    listFlowLogCollectors: (
      p: VpcScoped & { targetId?: string; targetResourceType?: string } = {},
      req?: RequestOptions,
    ) => {
      check({ ...p }, [], ['start', 'limit', 'vpcId', 'resourceGroupId', 'targetId', 'targetResourceType']);
      return get<Collection & { flow_log_collectors: FlowLogCollector[] }>(
        'list_flow_log_collectors',
        '/flow_log_collectors',
        {
          start: p.start,
          limit: p.limit,
          'resource_group.id': p.resourceGroupId,
          'vpc.id': p.vpcId,
          'target.id': p.targetId,
          'target.resource_type': p.targetResourceType,
        },
        undefined,
        req,
      );
    },
    getFlowLogCollector: (p: { id: string }, req?: RequestOptions) => {
      check(p, ['id'], ['id']);
      return get<FlowLogCollector>(
        'get_flow_log_collector',
        '/flow_log_collectors/{id}',
        {},
        { id: p.id },
        req,
      );
    },
    createFlowLogCollector: (
      p: { flowLogCollectorPrototype: FlowLogCollectorPrototype },
      req?: RequestOptions,
    ): Promise<VpcResponse<FlowLogCollector>> => {
      check(p, ['flowLogCollectorPrototype'], ['flowLogCollectorPrototype']);
      return vpc.send(
        'create_flow_log_collector',
        { url: '/flow_log_collectors', method: 'POST', body: p.flowLogCollectorPrototype },
        { ...JSON_ACCEPT, 'Content-Type': 'application/json' },
        req,
      );
    },
    listSecurityGroups: (p: VpcScoped = {}, req?: RequestOptions) => {
      check({ ...p }, [], ['start', 'limit', 'vpcId', 'resourceGroupId']);
      return get<Collection & { security_groups: SecurityGroup[] }>(
        'list_security_groups',
        '/security_groups',
        { start: p.start, limit: p.limit, 'resource_group.id': p.resourceGroupId, 'vpc.id': p.vpcId },
        undefined,
        req,
      );
    },
    getSecurityGroup: (p: { id: string }, req?: RequestOptions) => {
      check(p, ['id'], ['id']);
      return get<SecurityGroup>('get_security_group', '/security_groups/{id}', {}, { id: p.id }, req);
    },
    /** Not paged: every rule in one answer. */
    listSecurityGroupRules: (p: { securityGroupId: string }, req?: RequestOptions) => {
      check(p, ['securityGroupId'], ['securityGroupId']);
      return get<{ rules: SecurityGroupRule[] }>(
        'list_security_group_rules',
        '/security_groups/{security_group_id}/rules',
        {},
        { security_group_id: p.securityGroupId },
        req,
      );
    },
    deleteSecurityGroupRule: (p: { securityGroupId: string; id: string }, req?: RequestOptions) => {
      check(p, ['securityGroupId', 'id'], ['securityGroupId', 'id']);
      return vpc.send<void>(
        'delete_security_group_rule',
        {
          url: '/security_groups/{security_group_id}/rules/{id}',
          method: 'DELETE',
          path: { security_group_id: p.securityGroupId, id: p.id },
        },
        {},
        req,
      );
    },
    /** No VPC filter in IBM's API: filter the pages by `vpc.id`. */
    listNetworkAcls: (p: ListParams & { resourceGroupId?: string } = {}, req?: RequestOptions) => {
      check({ ...p }, [], ['start', 'limit', 'resourceGroupId']);
      return get<Collection & { network_acls: NetworkAcl[] }>(
        'list_network_acls',
        '/network_acls',
        { start: p.start, limit: p.limit, 'resource_group.id': p.resourceGroupId },
        undefined,
        req,
      );
    },
    listNetworkAclRules: (
      p: ListParams & { networkAclId: string; direction?: 'inbound' | 'outbound' },
      req?: RequestOptions,
    ) => {
      check({ ...p }, ['networkAclId'], ['networkAclId', 'start', 'limit', 'direction']);
      return get<Collection & { rules: NetworkAclRule[] }>(
        'list_network_acl_rules',
        '/network_acls/{network_acl_id}/rules',
        { start: p.start, limit: p.limit, direction: p.direction },
        { network_acl_id: p.networkAclId },
        req,
      );
    },
    listEndpointGateways: (p: VpcScoped & { lifecycleState?: string[] } = {}, req?: RequestOptions) => {
      check({ ...p }, [], ['start', 'limit', 'vpcId', 'resourceGroupId', 'lifecycleState']);
      return get<Collection & { endpoint_gateways: EndpointGateway[] }>(
        'list_endpoint_gateways',
        '/endpoint_gateways',
        {
          start: p.start,
          limit: p.limit,
          'resource_group.id': p.resourceGroupId,
          'vpc.id': p.vpcId,
          lifecycle_state: p.lifecycleState?.join(','),
        },
        undefined,
        req,
      );
    },
    /** No VPC filter in IBM's API: filter the pages by `vpc.id`. */
    listVpnGateways: (p: ListParams & { mode?: string } = {}, req?: RequestOptions) => {
      check({ ...p }, [], ['start', 'limit', 'mode']);
      return get<Collection & { vpn_gateways: VpnGateway[] }>(
        'list_vpn_gateways',
        '/vpn_gateways',
        { start: p.start, limit: p.limit, mode: p.mode },
        undefined,
        req,
      );
    },
  };
};

type VpcNetwork = ReturnType<typeof vpcNetwork>;

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
