// IAM Policy Management `/v1/policies` and `/v2/policies`, as IamPolicyManagementV1 calls them. Policies
// are stored once in v2 form (PolicyRec); the v1 view (subjects/roles/resources) is rendered from it.
// List and write handlers and the route table here; shapes and bodies in iam-policy-shapes.ts, checks in
// iam-policy-checks.ts.
import type { Ctx, Method, Need, Reply, RouteDef, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { stableUuid, vpcTime } from '../core/ids.ts';
import type { PolicyAttribute, PolicyRec } from '../core/state.ts';
import {
  answeringConflicts,
  canRead,
  checkConflict,
  checkIfMatch,
  checkPolicy,
  emitPolicy,
  invalid,
  policyOr404,
  requireWriter,
} from './iam-policy-checks.ts';
import {
  CODES,
  fromV1,
  fromV2,
  LIMIT,
  type PolicyInput,
  policyTag,
  renderV1,
  renderV2,
  StateBody,
  V1Body,
  V2Body,
} from './iam-policy-shapes.ts';
import {
  decodePageToken,
  encodePageToken,
  enumQuery,
  intQuery,
  linkTo,
  originOf,
  parseBody,
  requireAccount,
  requireRole,
  sortBy,
} from './iam-shared.ts';

// ---------- list ----------

const SORT_V1 = [
  'id',
  'type',
  'href',
  'created_at',
  'created_by_id',
  'last_modified_at',
  'last_modified_by_id',
  'state',
];
const SORT_V2 = [...SORT_V1, 'last_permit_at', 'last_permit_frequency'];

const listPolicies = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireAccount(ctx, ctx.query.get('account_id'), CODES);
  const type = enumQuery(ctx, 'type', ['access', 'authorization'] as const, CODES);
  const serviceType = enumQuery(ctx, 'service_type', ['service', 'platform_service'] as const, CODES);
  const state = enumQuery(ctx, 'state', ['active', 'deleted'] as const, CODES) ?? 'active';
  const format = enumQuery(ctx, 'format', ['include_last_permit', 'display'] as const, CODES);
  const limit = intQuery(ctx, 'limit', LIMIT, CODES);
  const offset = decodePageToken(ctx, 'start', CODES);
  const sortRaw = ctx.query.get('sort');
  const sortField = sortRaw?.replace(/^-/, '');
  if (sortRaw !== null && !(version === 'v1' ? SORT_V1 : SORT_V2).includes(sortField ?? '')) {
    throw new ApiError(400, CODES.badRequest, `Query parameter 'sort' cannot sort on '${sortRaw}'.`, {
      target: { name: 'sort', type: 'query', value: sortRaw },
    });
  }
  const want = {
    iam_id: ctx.query.get('iam_id'),
    access_group_id: ctx.query.get('access_group_id'),
    serviceName: version === 'v2' ? ctx.query.get('service_name') : null,
    service_group_id: version === 'v2' ? ctx.query.get('service_group_id') : null,
    tagName: version === 'v1' ? ctx.query.get('tag_name') : null,
    tagValue: version === 'v1' ? ctx.query.get('tag_value') : null,
  };
  const has = (
    attrs: PolicyAttribute[] | undefined,
    key: string,
    value: string | null | undefined,
  ): boolean =>
    value === null || value === undefined || (attrs ?? []).some((a) => a.key === key && a.value === value);

  let matching = [...ctx.state.policies.values()]
    .filter((p) => canRead(ctx, p))
    .filter((p) => p.state === state)
    .filter((p) => type === undefined || p.type === type)
    .filter((p) => has(p.subject.attributes, 'iam_id', want.iam_id))
    .filter((p) => has(p.subject.attributes, 'access_group_id', want.access_group_id))
    .filter((p) => has(p.resource.attributes, 'serviceType', serviceType))
    .filter((p) => has(p.resource.attributes, 'serviceName', want.serviceName))
    .filter((p) => has(p.resource.attributes, 'service_group_id', want.service_group_id))
    .filter((p) => want.tagName === null || (p.resource.tags ?? []).some((t) => t.key === want.tagName))
    .filter((p) => want.tagValue === null || (p.resource.tags ?? []).some((t) => t.value === want.tagValue))
    .sort((a, b) => a.seq - b.seq);
  if (sortRaw !== null && sortField) {
    const key = (p: PolicyRec): string =>
      sortField === 'href' ? p.id : String((p as unknown as Record<string, unknown>)[sortField] ?? '');
    matching = sortBy(matching, key, sortRaw.startsWith('-'));
  }

  const origin = originOf(ctx);
  const page = matching.slice(offset, offset + limit);
  const render = (p: PolicyRec) => (version === 'v1' ? renderV1(origin, p) : renderV2(origin, p, format));
  const nextStart = offset + limit < matching.length ? encodePageToken(offset + limit) : undefined;
  const prevStart = offset > 0 ? encodePageToken(Math.max(0, offset - limit)) : undefined;
  return {
    status: 200,
    body: {
      limit,
      first: { href: linkTo(ctx, { start: undefined }) },
      ...(prevStart ? { previous: { href: linkTo(ctx, { start: prevStart }), start: prevStart } } : {}),
      ...(nextStart ? { next: { href: linkTo(ctx, { start: nextStart }), start: nextStart } } : {}),
      policies: page.map(render),
    },
  };
};

// ---------- writes ----------

const createPolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const input =
    version === 'v1'
      ? fromV1(parseBody(ctx, V1Body, 'invalid_body'))
      : fromV2(parseBody(ctx, V2Body, 'invalid_body'));
  checkPolicy(ctx, input, version);
  requireWriter(ctx, input.resource);
  checkConflict(ctx, input, version);
  const at = vpcTime(ctx.now);
  const actor = ctx.caller?.iam_id ?? 'unknown';
  const p: PolicyRec = {
    id: stableUuid(ctx.state.seed, ctx.state.nextName('policy')),
    type: input.type,
    ...(input.description !== undefined ? { description: input.description } : {}),
    subject: { attributes: input.subject },
    resource: { attributes: input.resource, ...(input.tags ? { tags: input.tags } : {}) },
    role_ids: input.role_ids,
    ...(input.rule !== undefined ? { rule: input.rule } : {}),
    ...(input.pattern !== undefined ? { pattern: input.pattern } : {}),
    state: 'active',
    created_at: at,
    created_by_id: actor,
    last_modified_at: at,
    last_modified_by_id: actor,
    rev: 1,
    seq: ctx.state.nextSeq(),
  };
  ctx.state.policies.set(p.id, p);
  const body = version === 'v1' ? renderV1(originOf(ctx), p) : renderV2(originOf(ctx), p, undefined);
  emitPolicy(ctx, 'create', p, version === 'v1' ? 'postPolicyV1' : 'postPolicyV2', 201, body);
  return { status: 201, body, headers: { ETag: policyTag(p) } };
};

const getPolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  const format =
    version === 'v2'
      ? enumQuery(ctx, 'format', ['include_last_permit', 'display'] as const, CODES)
      : undefined;
  const p = policyOr404(ctx);
  const origin = originOf(ctx);
  return {
    status: 200,
    body: version === 'v1' ? renderV1(origin, p) : renderV2(origin, p, format),
    headers: { ETag: policyTag(p) },
  };
};

const replacePolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const p = policyOr404(ctx);
  checkIfMatch(ctx, p);
  const input =
    version === 'v1'
      ? fromV1(parseBody(ctx, V1Body, 'invalid_body'))
      : fromV2(parseBody(ctx, V2Body, 'invalid_body'));
  if (input.type !== p.type) throw invalid('The policy type cannot be changed.', 'type');
  checkPolicy(ctx, input, version);
  requireWriter(ctx, p.resource.attributes);
  requireWriter(ctx, input.resource);
  checkConflict(ctx, input, version, p.id);
  p.subject = { attributes: input.subject };
  p.resource = { attributes: input.resource, ...(input.tags ? { tags: input.tags } : {}) };
  p.role_ids = input.role_ids;
  if (input.description !== undefined) p.description = input.description;
  else delete p.description;
  // v1 cannot express conditions: replacing through v1 keeps them; v2 replaces them.
  if (version === 'v2') {
    if (input.rule !== undefined) p.rule = input.rule;
    else delete p.rule;
    if (input.pattern !== undefined) p.pattern = input.pattern;
    else delete p.pattern;
  }
  p.rev += 1;
  p.last_modified_at = vpcTime(ctx.now);
  p.last_modified_by_id = ctx.caller?.iam_id ?? 'unknown';
  const body = version === 'v1' ? renderV1(originOf(ctx), p) : renderV2(originOf(ctx), p, undefined);
  emitPolicy(ctx, 'update', p, version === 'v1' ? 'putPolicyV1' : 'putPolicyV2', 200, body);
  return { status: 200, body, headers: { ETag: policyTag(p) } };
};

const toInput = (p: PolicyRec): PolicyInput => ({
  type: p.type,
  subject: p.subject.attributes,
  resource: p.resource.attributes,
  ...(p.resource.tags ? { tags: p.resource.tags } : {}),
  role_ids: p.role_ids,
  ...(p.rule !== undefined ? { rule: p.rule } : {}),
});

const updatePolicyState = (ctx: Ctx): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const p = policyOr404(ctx);
  checkIfMatch(ctx, p);
  const input = parseBody(ctx, StateBody, 'invalid_body');
  requireWriter(ctx, p.resource.attributes);
  if (input.state === 'active' && p.state !== 'active') checkConflict(ctx, toInput(p), 'v1', p.id);
  p.state = input.state;
  p.rev += 1;
  p.last_modified_at = vpcTime(ctx.now);
  p.last_modified_by_id = ctx.caller?.iam_id ?? 'unknown';
  const body = renderV1(originOf(ctx), p);
  emitPolicy(ctx, 'update', p, 'patchPolicyV1', 200, body);
  return { status: 200, body, headers: { ETag: policyTag(p) } };
};

const deletePolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const p = policyOr404(ctx);
  requireWriter(ctx, p.resource.attributes);
  ctx.state.policies.delete(p.id);
  emitPolicy(ctx, 'delete', p, version === 'v1' ? 'deletePolicyV1' : 'deletePolicyV2', 204);
  return { status: 204 };
};

// ---------- routes ----------

/**
 * Roles the handlers check: reading any policy takes Viewer on IAM Access Management (without it a list
 * holds only the caller's own policies); every write takes Administrator there, and on the service the
 * policy grants access to (docs/fidelity/iam.md).
 */
const READ: readonly Need[] = [{ service: 'iam-access-management', role: 'Viewer' }];
const WRITE: readonly Need[] = [{ service: 'iam-access-management', role: 'Administrator' }];

const iamPolicyRoutes: RouteModule = (add) => {
  const route = (method: Method, path: string, handler: RouteDef['handler']): void =>
    add({ service: 'iam-policy', method, path, needs: method === 'GET' ? READ : WRITE, handler });
  for (const version of ['v1', 'v2'] as const) {
    const base = `/${version}/policies`;
    route('GET', base, (ctx) => listPolicies(ctx, version));
    route(
      'POST',
      base,
      answeringConflicts((ctx) => createPolicy(ctx, version)),
    );
    route('GET', `${base}/:policyId`, (ctx) => getPolicy(ctx, version));
    route(
      'PUT',
      `${base}/:policyId`,
      answeringConflicts((ctx) => replacePolicy(ctx, version)),
    );
    route('DELETE', `${base}/:policyId`, (ctx) => deletePolicy(ctx, version));
  }
  route('PATCH', '/v1/policies/:policyId', answeringConflicts(updatePolicyState));
};

export { iamPolicyRoutes };
