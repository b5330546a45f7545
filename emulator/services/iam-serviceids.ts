// IAM Identity service IDs, the one read `imds-guard doctor` makes to name the identity of an API key:
// `GET /v1/serviceids/{id}` (IamIdentityV1.getServiceId). The service IDs are the scenario's `kind:
// serviceid` API keys (their name is the service ID's name). A caller may read its own service ID, or any
// with Viewer on IAM Identity (UNCONFIRMED: docs/fidelity/atracker.md, "Service IDs").
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { vpcTime } from '../core/ids.ts';
import { hasRole } from '../core/roles.ts';
import { contentTag } from './iam-shared.ts';

const CREATED = vpcTime(new Date('2026-01-05T09:00:00Z'));

const getServiceId = (ctx: Ctx): Reply => {
  const id = ctx.params.id ?? '';
  const own = ctx.caller?.iam_id === `iam-${id}`;
  if (!own && !(ctx.caller && hasRole(ctx.caller, 'iam-identity', 'Viewer')))
    throw new ApiError(403, 'forbidden', 'You are not authorized to read this service ID.');
  const key = [...ctx.state.apiKeys.values()].find((k) => k.kind === 'serviceid' && k.iam_id === `iam-${id}`);
  if (!key) throw new ApiError(404, 'not_found', `Service ID ${id} not found.`);
  const acct = ctx.state.account.id;
  const body = {
    id,
    iam_id: key.iam_id,
    crn: `crn:v1:bluemix:public:iam-identity::a/${acct}::serviceid:${id}`,
    locked: false,
    created_at: CREATED,
    modified_at: CREATED,
    account_id: acct,
    name: key.name,
    description: '',
    unique_instance_crns: [],
  };
  return { status: 200, body: { ...body, entity_tag: contentTag(body) } };
};

const serviceIdRoutes: RouteModule = (add) => {
  // Viewer on IAM Identity reads any service ID ("View IDs"); a service ID may also read itself.
  add({
    service: 'iam-identity',
    method: 'GET',
    path: '/v1/serviceids/:id',
    needs: [{ service: 'iam-identity', role: 'Viewer' }],
    handler: getServiceId,
  });
};

export { serviceIdRoutes };
