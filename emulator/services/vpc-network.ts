// VPC network posture reads: flow log collectors, security groups and their rules, network ACLs and
// their rules, endpoint gateways (VPE) and VPN gateways — paged and filtered as vpc-node-sdk sends them.
// The writes the tests use to fix a finding are in vpc-network-write.ts. docs/fidelity/vpc.md lists guesses.
import type { Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type {
  EndpointGatewayRec,
  FlowLogCollectorRec,
  NetworkAclRec,
  SecurityGroupRec,
  VpnGatewayRec,
} from '../core/network-state.ts';
import { collectionHref, startSeqOf } from './vpc-instances.ts';
import {
  type Dialect,
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
} from './vpc-network-render.ts';
import { networkWriteRoutes } from './vpc-network-write.ts';
import { pageOf, startToken } from './vpc-paging.ts';
import type { View } from './vpc-render.ts';
import type { VpcRoute } from './vpc-route.ts';
import { CODES, parseLimit } from './vpc-validate.ts';

interface Placed {
  seq: number;
  vpc_id: string;
  resource_group_id: string;
  name: string;
}

type Test<T> = (v: View, value: string) => (item: T) => boolean;

/** Filters every placed collection shares; exact matches, like the instance filters. */
const placedFilters = <T extends Placed>(): Record<string, Test<T>> => ({
  'resource_group.id': (_v, value) => (x) => x.resource_group_id === value,
  'vpc.id': (_v, value) => (x) => x.vpc_id === value,
  'vpc.crn': (v, value) => {
    const id = [...v.rs.vpcs.values()].find((x) => x.crn === value)?.id;
    return (x) => x.vpc_id === id;
  },
  'vpc.name': (v, value) => {
    const ids = new Set([...v.rs.vpcs.values()].filter((x) => x.name === value).map((x) => x.id));
    return (x) => ids.has(x.vpc_id);
  },
  name: (_v, value) => (x) => x.name === value,
});

const pick = <T>(all: Record<string, Test<T>>, keys: readonly string[]): Record<string, Test<T>> =>
  Object.fromEntries(keys.map((k) => [k, all[k] as Test<T>]));

interface Listing<T extends Placed> {
  /** Collection path under the API base, and the property that holds its page. */
  path: string;
  property: string;
  items: (v: View) => Iterable<T>;
  filters: Record<string, Test<T>>;
  /** Query parameters the operation accepts but the emulator does not act on (documented). */
  accepted?: readonly string[];
  render: (v: View, d: Dialect, item: T) => unknown;
  /** False for records clients can no longer see. */
  alive?: (v: View, item: T) => boolean;
}

/** A paged, filtered collection: `{first, limit, next?, total_count, <property>}`. */
const listRoute = <T extends Placed>(l: Listing<T>): VpcRoute => ({
  method: 'GET',
  path: `/${l.path}`,
  role: 'Viewer',
  query: ['start', 'limit', ...Object.keys(l.filters), ...(l.accepted ?? [])],
  handler: (ctx: Ctx, v: View): Reply => {
    const limit = parseLimit(ctx);
    const startSeq = startSeqOf(ctx);
    const params: [string, string][] = [];
    for (const key of Object.keys(l.filters)) {
      const value = ctx.query.get(key);
      if (value !== null) params.push([key, value]);
    }
    const tests = params.map(([k, value]) => (l.filters[k] as Test<T>)(v, value));
    const accept = (x: T): boolean => (l.alive?.(v, x) ?? true) && tests.every((t) => t(x));
    const items = [...l.items(v)].sort((a, b) => a.seq - b.seq);
    const page = pageOf(items, startSeq, limit, accept);
    const d = dialectOf(ctx.query.get('version'));
    return {
      status: 200,
      body: {
        first: { href: collectionHref(ctx, v, l.path, limit, params) },
        limit,
        ...(page.nextSeq !== undefined
          ? { next: { href: collectionHref(ctx, v, l.path, limit, params, startToken(page.nextSeq)) } }
          : {}),
        total_count: items.filter(accept).length,
        [l.property]: page.items.map((x) => l.render(v, d, x)),
      },
    };
  },
});

const notFound = (what: string, name: string, value: string): ApiError =>
  new ApiError(404, CODES.notFound, `${what} not found`, { target: { name, type: 'parameter', value } });

const found = <T>(item: T | undefined, what: string, name: string, value: string): T => {
  if (item === undefined) throw notFound(what, name, value);
  return item;
};

const securityGroupOf = (ctx: Ctx, v: View): SecurityGroupRec =>
  found(v.rs.network.securityGroups.get(ctx.params.id ?? ''), 'Security group', 'id', ctx.params.id ?? '');

const networkAclOf = (ctx: Ctx, v: View): NetworkAclRec =>
  found(v.rs.network.networkAcls.get(ctx.params.id ?? ''), 'Network ACL', 'id', ctx.params.id ?? '');

const flowLogOf = (ctx: Ctx, v: View): FlowLogCollectorRec => {
  const f = v.rs.network.flowLogCollectors.get(ctx.params.id ?? '');
  return found(f && flowLogAlive(v, f) ? f : undefined, 'Flow log collector', 'id', ctx.params.id ?? '');
};

const flowLogFilters: Record<string, Test<FlowLogCollectorRec>> = {
  ...placedFilters<FlowLogCollectorRec>(),
  'target.id': (v, value) => (f) => flowLogTargetId(v, f) === value,
  'target.resource_type': (_v, value) => (f) =>
    // The instance target is rendered without resource_type; the filter still names it `instance`.
    f.target.kind === value,
};

/** ACL rules page by position: `direction` filters, `start` is a rule's position token. */
const listAclRules = (ctx: Ctx, v: View): Reply => {
  const acl = networkAclOf(ctx, v);
  const direction = ctx.query.get('direction');
  if (direction !== null && direction !== 'inbound' && direction !== 'outbound')
    throw new ApiError(
      400,
      CODES.enum,
      'The value supplied for `direction` was not a valid option: it must be one of `inbound`, `outbound`.',
      { target: { name: 'direction', type: 'query', value: direction } },
    );
  const limit = parseLimit(ctx);
  const startSeq = startSeqOf(ctx);
  const rules = acl.rules.map((r, i) => ({ r, seq: i + 1 }));
  const accept = (x: { r: { direction: string } }): boolean =>
    direction === null || x.r.direction === direction;
  const page = pageOf(rules, startSeq, limit, accept);
  const params: [string, string][] = direction === null ? [] : [['direction', direction]];
  const path = `network_acls/${acl.id}/rules`;
  const d = dialectOf(ctx.query.get('version'));
  return {
    status: 200,
    body: {
      first: { href: collectionHref(ctx, v, path, limit, params) },
      limit,
      ...(page.nextSeq !== undefined
        ? { next: { href: collectionHref(ctx, v, path, limit, params, startToken(page.nextSeq)) } }
        : {}),
      rules: page.items.map((x) => renderAclRule(v, d, acl, x.r)),
      total_count: rules.filter(accept).length,
    },
  };
};

const readRoutes: readonly VpcRoute[] = [
  listRoute<FlowLogCollectorRec>({
    path: 'flow_log_collectors',
    property: 'flow_log_collectors',
    items: (v) => v.rs.network.flowLogCollectors.values(),
    filters: flowLogFilters,
    render: (v, _d, f) => renderFlowLogCollector(v, f),
    alive: flowLogAlive,
  }),
  {
    method: 'GET',
    path: '/flow_log_collectors/:id',
    role: 'Viewer',
    handler: (ctx, v) => ({ status: 200, body: renderFlowLogCollector(v, flowLogOf(ctx, v)) }),
  },
  listRoute<SecurityGroupRec>({
    path: 'security_groups',
    property: 'security_groups',
    items: (v) => v.rs.network.securityGroups.values(),
    filters: pick(placedFilters<SecurityGroupRec>(), ['resource_group.id', 'vpc.id', 'vpc.crn', 'vpc.name']),
    render: renderSecurityGroup,
  }),
  {
    method: 'GET',
    path: '/security_groups/:id',
    role: 'Viewer',
    handler: (ctx, v) => ({
      status: 200,
      body: renderSecurityGroup(v, dialectOf(ctx.query.get('version')), securityGroupOf(ctx, v)),
    }),
  },
  {
    // Not paged (listSecurityGroupRules takes no start/limit).
    method: 'GET',
    path: '/security_groups/:id/rules',
    role: 'Viewer',
    handler: (ctx, v) => {
      const sg = securityGroupOf(ctx, v);
      const d = dialectOf(ctx.query.get('version'));
      return { status: 200, body: { rules: sg.rules.map((r) => renderSgRule(v, d, sg, r)) } };
    },
  },
  {
    method: 'GET',
    path: '/security_groups/:id/rules/:rule_id',
    role: 'Viewer',
    handler: (ctx, v) => {
      const sg = securityGroupOf(ctx, v);
      const id = ctx.params.rule_id ?? '';
      const rule = found(
        sg.rules.find((r) => r.id === id),
        'Security group rule',
        'id',
        id,
      );
      return { status: 200, body: renderSgRule(v, dialectOf(ctx.query.get('version')), sg, rule) };
    },
  },
  listRoute<NetworkAclRec>({
    path: 'network_acls',
    property: 'network_acls',
    items: (v) => v.rs.network.networkAcls.values(),
    // vpc-node-sdk's listNetworkAcls has no VPC filter: clients filter by `vpc.id` themselves.
    filters: pick(placedFilters<NetworkAclRec>(), ['resource_group.id']),
    render: renderNetworkAcl,
  }),
  {
    method: 'GET',
    path: '/network_acls/:id',
    role: 'Viewer',
    handler: (ctx, v) => ({
      status: 200,
      body: renderNetworkAcl(v, dialectOf(ctx.query.get('version')), networkAclOf(ctx, v)),
    }),
  },
  {
    method: 'GET',
    path: '/network_acls/:id/rules',
    role: 'Viewer',
    query: ['start', 'limit', 'direction'],
    handler: listAclRules,
  },
  listRoute<EndpointGatewayRec>({
    path: 'endpoint_gateways',
    property: 'endpoint_gateways',
    items: (v) => v.rs.network.endpointGateways.values(),
    filters: {
      ...placedFilters<EndpointGatewayRec>(),
      // Comma-separated alternatives, as IBM documents for lifecycle_state.
      lifecycle_state: (_v, value) => {
        const states = new Set(value.split(','));
        return (e) => states.has(e.lifecycle_state);
      },
      dns_resolution_binding_mode: (_v, value) => () => value.split(',').includes('primary'),
    },
    render: (v, _d, e) => renderEndpointGateway(v, e),
  }),
  {
    method: 'GET',
    path: '/endpoint_gateways/:id',
    role: 'Viewer',
    handler: (ctx, v) => {
      const id = ctx.params.id ?? '';
      const e = found(v.rs.network.endpointGateways.get(id), 'Endpoint gateway', 'id', id);
      return { status: 200, body: renderEndpointGateway(v, e) };
    },
  },
  listRoute<VpnGatewayRec>({
    path: 'vpn_gateways',
    property: 'vpn_gateways',
    items: (v) => v.rs.network.vpnGateways.values(),
    // No VPC filter here either (listVpnGateways): clients filter by `vpc.id`.
    filters: {
      ...pick(placedFilters<VpnGatewayRec>(), ['resource_group.id']),
      mode: (_v, value) => (g) => g.mode === value,
    },
    // `sort` is accepted; the emulator always serves creation order (docs/fidelity/vpc.md).
    accepted: ['sort'],
    render: (v, _d, g) => renderVpnGateway(v, g),
  }),
  {
    method: 'GET',
    path: '/vpn_gateways/:id',
    role: 'Viewer',
    handler: (ctx, v) => {
      const id = ctx.params.id ?? '';
      const g = found(v.rs.network.vpnGateways.get(id), 'VPN gateway', 'id', id);
      return { status: 200, body: renderVpnGateway(v, g) };
    },
  },
];

const networkRoutes: readonly VpcRoute[] = [...readRoutes, ...networkWriteRoutes];

export { networkRoutes };
