// The frame every VPC operation shares: regional path, version/generation, role, strict query keys,
// and the Activity Tracker change each successful write reports.
import type { ChangeEvent, Ctx, Method, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { resourceGroupCrn } from '../core/ids.ts';
import type { Role } from '../core/state.ts';
import { type View, viewOf } from './vpc-render.ts';
import { CODES, checkQueryKeys, checkVersionAndGeneration } from './vpc-validate.ts';

interface VpcRoute {
  method: Method;
  /** Path under `/vpc/:region/v1`. */
  path: string;
  /** Reads need `is` Viewer, writes `is` Editor (docs/fidelity/vpc.md). */
  role: Extract<Role, 'Viewer' | 'Editor'>;
  /** Query parameters the operation defines, besides version and generation. */
  query?: readonly string[];
  handler: (ctx: Ctx, v: View) => Reply;
}

/** Registers VPC operations under `/vpc/:region/v1`, each behind the shared checks. */
const mountVpc =
  (routes: readonly VpcRoute[]): RouteModule =>
  (add) => {
    for (const r of routes) {
      const allowed = new Set(r.query ?? []);
      add({
        service: 'vpc',
        method: r.method,
        path: `/vpc/:region/v1${r.path}`,
        needs: [{ service: 'is', role: r.role }],
        handler: (ctx) => {
          const region = ctx.params.region ?? '';
          const rs = ctx.state.regionState(region);
          // An unknown region is an endpoint that does not exist.
          if (!rs)
            throw new ApiError(404, CODES.notFound, `Region \`${region}\` not found.`, {
              target: { name: 'region', type: 'parameter', value: region },
            });
          checkVersionAndGeneration(ctx);
          ctx.require('is', r.role);
          checkQueryKeys(ctx, allowed);
          return r.handler(ctx, viewOf(ctx, ctx.state, rs));
        },
      });
    }
  };

type ResourceKind =
  | 'instance'
  | 'instance-template'
  | 'instance-group'
  | 'flow-log-collector'
  | 'security-group-rule';
type Verb = 'create' | 'update' | 'delete';

const KINDS = {
  instance: { action: 'is.instance.instance', typeURI: 'is.instance/instance', path: 'instances' },
  'instance-template': {
    action: 'is.instance.instance-template',
    typeURI: 'is.instance/instance-template',
    path: 'instance/templates',
  },
  'instance-group': {
    action: 'is.instance-group.instance-group',
    typeURI: 'is.instance-group/instance-group',
    path: 'instance_groups',
  },
  'flow-log-collector': {
    action: 'is.flow-log-collector.flow-log-collector',
    typeURI: 'is.flow-log-collector/flow-log-collector',
    path: 'flow_log_collectors',
  },
  // A rule has no CRN: the event's target is its security group; the id names the rule under it.
  'security-group-rule': {
    action: 'is.security-group.security-group-rule',
    typeURI: 'is.security-group/security-group',
    path: 'security_groups',
  },
} satisfies Record<ResourceKind, { action: string; typeURI: string; path: string }>;

const VERBS = {
  create: { code: 201, type: 'Created' },
  update: { code: 200, type: 'OK' },
  delete: { code: 204, type: 'No Content' },
} satisfies Record<Verb, { code: number; type: string }>;

interface Changed {
  id: string;
  crn: string;
  name: string;
  resource_group_id: string;
  /** Zone for instances and templates, region for instance groups. */
  location: string;
}

/** Reports a successful change the way VPC's Activity Tracker events describe it (VPC-SNAP, VPC-CBR). */
const emitChange = (ctx: Ctx, v: View, kind: ResourceKind, verb: Verb, res: Changed): void => {
  const k = KINDS[kind];
  const outcome = VERBS[verb];
  const ua = ctx.headers['user-agent'];
  const change: ChangeEvent = {
    action: `${k.action}.${verb}`,
    outcome: 'success',
    target: {
      id: res.crn,
      name: res.name,
      typeURI: k.typeURI,
      resourceGroupId: resourceGroupCrn(v.state.account.id, res.resource_group_id),
    },
    reasonCode: outcome.code,
    reasonType: outcome.type,
    message: `Virtual Server for VPC: ${verb} ${kind} ${res.name}`,
    location: res.location,
    logSourceCRN: `crn:v1:bluemix:public:is:${v.region}:a/${v.state.account.id}::::`,
    requestData: { generation: '2', requestId: ctx.trace },
    responseData: { responseURI: `/v1/${k.path}/${res.id}` },
    ...(typeof ua === 'string' ? { userAgent: ua } : {}),
  };
  ctx.emit(change);
};

export type { Changed, ResourceKind, Verb, VpcRoute };
export { emitChange, mountVpc };
