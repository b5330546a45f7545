// IBM Cloud Activity Tracker Event Routing API v2, the read routes: `GET /api/v2/targets[/{id}]` and
// `GET /api/v2/routes[/{id}]`, as IBM's AtrackerV2 SDKs call them on `https://{region}.atracker.cloud.ibm.com`;
// here under `/atracker/{region}`. Reading needs a platform role (Viewer and up list and view targets and
// routes). Creating targets and routes is `imds-guard deploy`'s job and is not modelled: scenarios set them.
// docs/fidelity/atracker.md lists every guess.
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import type { AtRouteRec, AtTargetRec } from '../core/deploy-state.ts';
import { ApiError } from '../core/errors.ts';

const BASE = '/atracker/:region/api/v2';
const MORE_INFO = 'https://cloud.ibm.com/apidocs/atracker';

/** Regions with an Event Routing endpoint (the AtrackerV2 SDK's GetServiceURLForRegion list). */
const AT_REGIONS = [
  'us-south',
  'us-east',
  'eu-de',
  'eu-gb',
  'eu-es',
  'eu-fr2',
  'au-syd',
  'jp-tok',
  'jp-osa',
  'ca-tor',
  'ca-mon',
  'br-sao',
] as const;

const READ = { service: 'atracker', role: 'Viewer' } as const;

/** An unknown region has no endpoint at all; the emulator answers 404 instead of a DNS failure. */
const regionOf = (ctx: Ctx): string => {
  const region = ctx.params.region ?? '';
  if (!(AT_REGIONS as readonly string[]).includes(region))
    throw new ApiError(
      404,
      'not_found',
      `There is no Activity Tracker Event Routing endpoint in ${region}.`,
      {
        moreInfo: MORE_INFO,
      },
    );
  return region;
};

const renderTarget = (t: AtTargetRec): Record<string, unknown> => ({
  id: t.id,
  name: t.name,
  crn: t.crn,
  target_type: t.target_type,
  region: t.region,
  // IBM never returns the API key of a target, only whether service-to-service auth is on.
  ...(t.eventstreams_endpoint
    ? {
        eventstreams_endpoint: {
          target_crn: t.eventstreams_endpoint.target_crn,
          brokers: [...t.eventstreams_endpoint.brokers],
          topic: t.eventstreams_endpoint.topic,
          service_to_service_enabled: t.eventstreams_endpoint.service_to_service_enabled,
        },
      }
    : {}),
  ...(t.cos_endpoint ? { cos_endpoint: { ...t.cos_endpoint } } : {}),
  ...(t.cloudlogs_endpoint ? { cloudlogs_endpoint: { ...t.cloudlogs_endpoint } } : {}),
  write_status: { ...t.write_status },
  created_at: t.created_at,
  updated_at: t.updated_at,
  api_version: 2,
  managed_by: 'account',
});

const renderRoute = (r: AtRouteRec): Record<string, unknown> => ({
  id: r.id,
  name: r.name,
  crn: r.crn,
  version: r.version,
  rules: r.rules.map((rule) => ({ target_ids: [...rule.target_ids], locations: [...rule.locations] })),
  created_at: r.created_at,
  updated_at: r.updated_at,
  api_version: 2,
  managed_by: 'account',
});

const listTargets = (ctx: Ctx): Reply => {
  regionOf(ctx);
  const only = ctx.query.get('region');
  if (only !== null && !(AT_REGIONS as readonly string[]).includes(only))
    throw new ApiError(
      400,
      'bad_request',
      `region ${only} is not an Activity Tracker Event Routing region.`,
      {
        moreInfo: MORE_INFO,
        target: { name: 'region', type: 'query', value: only },
      },
    );
  const targets = [...ctx.state.atTargets.values()]
    .filter((t) => only === null || t.region === only)
    .sort((a, b) => a.name.localeCompare(b.name));
  return { status: 200, body: { targets: targets.map(renderTarget) } };
};

const getTarget = (ctx: Ctx): Reply => {
  regionOf(ctx);
  const t = ctx.state.atTargets.get(ctx.params.id ?? '');
  if (!t)
    throw new ApiError(404, 'not_found', `Target ${ctx.params.id ?? ''} was not found.`, {
      moreInfo: MORE_INFO,
    });
  return { status: 200, body: renderTarget(t) };
};

const listRoutes = (ctx: Ctx): Reply => {
  regionOf(ctx);
  const routes = [...ctx.state.atRoutes.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { status: 200, body: { routes: routes.map(renderRoute) } };
};

const getRoute = (ctx: Ctx): Reply => {
  regionOf(ctx);
  const r = ctx.state.atRoutes.get(ctx.params.id ?? '');
  if (!r)
    throw new ApiError(404, 'not_found', `Route ${ctx.params.id ?? ''} was not found.`, {
      moreInfo: MORE_INFO,
    });
  return { status: 200, body: renderRoute(r) };
};

const atrackerRoutes: RouteModule = (add) => {
  const base = { service: 'atracker', method: 'GET', permission: READ } as const;
  add({ ...base, path: `${BASE}/targets`, handler: listTargets });
  add({ ...base, path: `${BASE}/targets/:id`, handler: getTarget });
  add({ ...base, path: `${BASE}/routes`, handler: listRoutes });
  add({ ...base, path: `${BASE}/routes/:id`, handler: getRoute });
};

export { AT_REGIONS, atrackerRoutes };
