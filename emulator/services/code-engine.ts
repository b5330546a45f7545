// IBM Cloud Code Engine API v2, the read routes `imds-guard doctor` uses: projects (`GET /v2/projects`, paged
// by `limit`/`start`, and `/v2/projects/{id}`), and one function, app, job or config map by name, as IBM's
// CodeEngineV2 SDKs call them on `https://api.{region}.codeengine.cloud.ibm.com/v2`; here under
// `/codeengine/{region}/v2`. The API is regional: an endpoint sees the projects of its own region only.
// Listing projects needs a platform role (Viewer); reading a project's components needs the service role
// Reader (`codeengine.tenant.entities.read`). Scenarios set the deployment; nothing here changes it.
// docs/fidelity/code-engine.md lists every guess.
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import type { CeComponentKind, CeComponentRec, CeConfigMapRec, CeProjectRec } from '../core/deploy-state.ts';
import { ApiError } from '../core/errors.ts';
import { decodePageToken, encodePageToken, intQuery, linkTo, originOf } from './iam-shared.ts';

const BASE = '/codeengine/:region/v2';
const CODES = { badRequest: 'bad_request', missingQuery: 'bad_request', forbidden: 'forbidden' };
const LIMIT = { min: 1, max: 100, default: 50 };

const apiBase = (ctx: Ctx): string => `${originOf(ctx)}/codeengine/${ctx.params.region ?? ''}/v2`;

/** The project, if it lives in this endpoint's region (another region's endpoint answers 404, like IBM). */
const projectOf = (ctx: Ctx): CeProjectRec => {
  const id = ctx.params.project_id ?? ctx.params.id ?? '';
  const p = ctx.state.ceProjects.get(id);
  if (!p || p.region !== ctx.params.region)
    throw new ApiError(
      404,
      'not_found',
      `Project '${id}' was not found in region ${ctx.params.region ?? ''}.`,
    );
  return p;
};

const renderProject = (ctx: Ctx, p: CeProjectRec): Record<string, unknown> => ({
  account_id: ctx.state.account.id,
  created_at: p.created_at,
  crn: p.crn,
  href: `${apiBase(ctx)}/projects/${p.id}`,
  id: p.id,
  name: p.name,
  region: p.region,
  resource_group_id: p.resource_group_id,
  resource_type: 'project_v2',
  status: p.status,
});

const envVars = (c: CeComponentRec) => c.run_env_variables.map((e) => ({ ...e }));

const RENDER = {
  function: (ctx, p, c) => ({
    code_binary: false,
    code_reference: c.reference,
    computed_env_variables: [],
    created_at: c.created_at,
    endpoint_internal: `http://${c.name}.${p.id.slice(0, 12)}.function.svc.cluster.local`,
    entity_tag: c.entity_tag,
    href: `${apiBase(ctx)}/projects/${p.id}/functions/${c.name}`,
    id: c.id,
    managed_domain_mappings: 'local',
    name: c.name,
    project_id: p.id,
    region: p.region,
    resource_type: 'function_v2',
    run_env_variables: envVars(c),
    runtime: c.runtime ?? 'nodejs-22',
    scale_concurrency: 1,
    scale_cpu_limit: c.scale_cpu_limit,
    scale_down_delay: 1,
    scale_max_execution_time: 60,
    scale_memory_limit: c.scale_memory_limit,
    status: c.status ?? 'ready',
    status_details: { reason: c.status ?? 'ready' },
  }),
  app: (ctx, p, c) => ({
    computed_env_variables: [],
    created_at: c.created_at,
    endpoint_internal: `http://${c.name}.${p.id.slice(0, 12)}.svc.cluster.local`,
    entity_tag: c.entity_tag,
    href: `${apiBase(ctx)}/projects/${p.id}/apps/${c.name}`,
    id: c.id,
    image_port: 8080,
    image_reference: c.reference,
    managed_domain_mappings: 'local',
    name: c.name,
    project_id: p.id,
    region: p.region,
    resource_type: 'app_v2',
    run_arguments: [],
    run_commands: [],
    run_env_variables: envVars(c),
    run_service_account: 'default',
    run_volume_mounts: [],
    scale_cpu_limit: c.scale_cpu_limit,
    scale_ephemeral_storage_limit: '400M',
    scale_max_instances: 10,
    scale_memory_limit: c.scale_memory_limit,
    scale_min_instances: 0,
    scale_request_timeout: 300,
    status: c.status ?? 'ready',
    status_details: { reason: c.status ?? 'ready' },
  }),
  job: (ctx, p, c) => ({
    computed_env_variables: [],
    created_at: c.created_at,
    entity_tag: c.entity_tag,
    href: `${apiBase(ctx)}/projects/${p.id}/jobs/${c.name}`,
    id: c.id,
    image_reference: c.reference,
    name: c.name,
    project_id: p.id,
    region: p.region,
    resource_type: 'job_v2',
    run_arguments: [],
    run_commands: [],
    run_env_variables: envVars(c),
    run_mode: 'task',
    run_service_account: 'default',
    run_volume_mounts: [],
    scale_array_spec: '0',
    scale_cpu_limit: c.scale_cpu_limit,
    scale_ephemeral_storage_limit: '400M',
    scale_memory_limit: c.scale_memory_limit,
  }),
} satisfies Record<
  CeComponentKind,
  (ctx: Ctx, p: CeProjectRec, c: CeComponentRec) => Record<string, unknown>
>;

const NOUN = { function: 'Function', app: 'Application', job: 'Job' } as const satisfies Record<
  CeComponentKind,
  string
>;

const getComponent =
  (kind: CeComponentKind) =>
  (ctx: Ctx): Reply => {
    const p = projectOf(ctx);
    const name = ctx.params.name ?? '';
    const c = p.components.get(`${kind}:${name}`);
    if (!c) throw new ApiError(404, 'not_found', `${NOUN[kind]} '${name}' was not found.`);
    return { status: 200, body: RENDER[kind](ctx, p, c) };
  };

const renderConfigMap = (ctx: Ctx, p: CeProjectRec, m: CeConfigMapRec): Record<string, unknown> => ({
  created_at: m.created_at,
  data: { ...m.data },
  entity_tag: m.entity_tag,
  href: `${apiBase(ctx)}/projects/${p.id}/config_maps/${m.name}`,
  id: m.id,
  name: m.name,
  project_id: p.id,
  region: p.region,
  resource_type: 'config_map_v2',
});

const getConfigMap = (ctx: Ctx): Reply => {
  const p = projectOf(ctx);
  const name = ctx.params.name ?? '';
  const m = p.configMaps.get(name);
  if (!m) throw new ApiError(404, 'not_found', `Config map '${name}' was not found.`);
  return { status: 200, body: renderConfigMap(ctx, p, m) };
};

const listProjects = (ctx: Ctx): Reply => {
  const limit = intQuery(ctx, 'limit', LIMIT, CODES);
  const offset = decodePageToken(ctx, 'start', CODES);
  const all = [...ctx.state.ceProjects.values()]
    .filter((p) => p.region === ctx.params.region)
    .sort((a, b) => a.seq - b.seq);
  const page = all.slice(offset, offset + limit);
  const next = offset + limit < all.length ? encodePageToken(offset + limit) : undefined;
  return {
    status: 200,
    body: {
      limit,
      first: { href: linkTo(ctx, { start: undefined }) },
      ...(next ? { next: { href: linkTo(ctx, { start: next }), start: next } } : {}),
      projects: page.map((p) => renderProject(ctx, p)),
    },
  };
};

const codeEngineRoutes: RouteModule = (add) => {
  const viewer = { service: 'codeengine', role: 'Viewer' } as const;
  const reader = { service: 'codeengine', role: 'Reader' } as const;
  const get = { service: 'code-engine', method: 'GET' } as const;
  const P = `${BASE}/projects/:project_id`;
  add({ ...get, path: `${BASE}/projects`, permission: viewer, handler: listProjects });
  add({
    ...get,
    path: P,
    permission: viewer,
    handler: (ctx) => ({ status: 200, body: renderProject(ctx, projectOf(ctx)) }),
  });
  add({ ...get, path: `${P}/functions/:name`, permission: reader, handler: getComponent('function') });
  add({ ...get, path: `${P}/apps/:name`, permission: reader, handler: getComponent('app') });
  add({ ...get, path: `${P}/jobs/:name`, permission: reader, handler: getComponent('job') });
  add({ ...get, path: `${P}/config_maps/:name`, permission: reader, handler: getConfigMap });
};

export { codeEngineRoutes };
