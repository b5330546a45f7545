// VPCs of a region: `GET /vpcs` (paged like every VPC collection; `resource_group.id` and
// `classic_access` filters as vpc-node-sdk `listVpcs` sends them) and `GET /vpcs/{id}`. The bulk scan
// lists them to split a region's instances into (region, VPC) work units. docs/fidelity/vpc.md.
import type { Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { stableUuid } from '../core/ids.ts';
import type { VpcRec } from '../core/state.ts';
import { collectionHref, startSeqOf } from './vpc-instances.ts';
import { pageOf, startToken } from './vpc-paging.ts';
import { resourceGroupRef, type View } from './vpc-render.ts';
import type { VpcRoute } from './vpc-route.ts';
import { CODES, parseLimit } from './vpc-validate.ts';

/** A reference to the VPC's default ACL / security group: the first one placed in it, else derived. */
const defaultRef = (
  v: View,
  vpc: VpcRec,
  kind: 'network_acls' | 'security_groups',
  items: Iterable<{ id: string; crn: string; name: string; vpc_id: string }>,
) => {
  let first: { id: string; crn: string; name: string } | undefined;
  for (const x of items) {
    if (x.vpc_id === vpc.id) {
      first = x;
      break;
    }
  }
  const id = first?.id ?? stableUuid(v.state.seed, `${kind}:default:${vpc.id}`);
  return {
    crn:
      first?.crn ??
      `${vpc.crn.replace(/::vpc:.*$/, '')}::${kind === 'network_acls' ? 'network-acl' : 'security-group'}:${id}`,
    href: `${v.base}/${kind}/${id}`,
    id,
    name: first?.name ?? `${vpc.name}-default`,
  };
};

/** IBM's `VPC` shape (vpc-node-sdk 0.30): the fields the emulator can say something true about. */
const renderVpc = (v: View, vpc: VpcRec) => {
  const routingTable = stableUuid(v.state.seed, `routing_table:default:${vpc.id}`);
  return {
    classic_access: false,
    created_at: vpc.created_at,
    crn: vpc.crn,
    cse_source_ips: [],
    default_network_acl: defaultRef(v, vpc, 'network_acls', v.rs.network.networkAcls.values()),
    default_routing_table: {
      href: `${v.base}/vpcs/${vpc.id}/routing_tables/${routingTable}`,
      id: routingTable,
      name: `${vpc.name}-default`,
      resource_type: 'routing_table',
    },
    default_security_group: defaultRef(v, vpc, 'security_groups', v.rs.network.securityGroups.values()),
    dns: { enable_hub: false, resolution_binding_count: 0, resolver: { servers: [], type: 'system' } },
    health_reasons: [],
    health_state: 'ok',
    href: `${v.base}/vpcs/${vpc.id}`,
    id: vpc.id,
    lifecycle_state: 'stable',
    name: vpc.name,
    resource_group: resourceGroupRef(v, vpc.resource_group_id),
    resource_type: 'vpc',
    status: 'available',
  };
};

const FILTERS = ['resource_group.id', 'classic_access'] as const;

/** `resource_group.id` takes a comma-separated list (SDK doc); no emulated VPC has classic access. */
const acceptOf = (ctx: Ctx): { params: [string, string][]; accept: (x: VpcRec) => boolean } => {
  const params: [string, string][] = [];
  for (const key of FILTERS) {
    const value = ctx.query.get(key);
    if (value !== null) params.push([key, value]);
  }
  const groups = ctx.query.get('resource_group.id')?.split(',');
  const classic = ctx.query.get('classic_access');
  if (classic !== null && classic !== 'true' && classic !== 'false')
    throw new ApiError(400, CODES.fieldType, 'The value of `classic_access` must be a boolean.', {
      target: { name: 'classic_access', type: 'query', value: classic },
    });
  return {
    params,
    accept: (x) => (groups === undefined || groups.includes(x.resource_group_id)) && classic !== 'true',
  };
};

const listVpcs = (ctx: Ctx, v: View): Reply => {
  const limit = parseLimit(ctx);
  const startSeq = startSeqOf(ctx);
  const { params, accept } = acceptOf(ctx);
  // A region's VPCs in creation order; seq is the position (1-based) in that order.
  const items = [...v.rs.vpcs.values()].map((rec, i) => ({ rec, seq: i + 1 }));
  const page = pageOf(items, startSeq, limit, (x) => accept(x.rec));
  return {
    status: 200,
    body: {
      first: { href: collectionHref(ctx, v, 'vpcs', limit, params) },
      limit,
      ...(page.nextSeq !== undefined
        ? { next: { href: collectionHref(ctx, v, 'vpcs', limit, params, startToken(page.nextSeq)) } }
        : {}),
      total_count: items.filter((x) => accept(x.rec)).length,
      vpcs: page.items.map((x) => renderVpc(v, x.rec)),
    },
  };
};

const getVpc = (ctx: Ctx, v: View): Reply => {
  const id = ctx.params.id ?? '';
  const vpc = v.rs.vpcs.get(id);
  if (!vpc)
    throw new ApiError(404, CODES.notFound, 'VPC not found', {
      target: { name: 'id', type: 'parameter', value: id },
    });
  return { status: 200, body: renderVpc(v, vpc) };
};

const vpcCollectionRoutes: readonly VpcRoute[] = [
  { method: 'GET', path: '/vpcs', role: 'Viewer', query: ['start', 'limit', ...FILTERS], handler: listVpcs },
  { method: 'GET', path: '/vpcs/:id', role: 'Viewer', handler: getVpc },
];

export { renderVpc, vpcCollectionRoutes };
