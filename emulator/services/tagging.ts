// Global Tagging `/v3/tags`: list, attach and detach user/access tags on the account's resources.
// Tag changes emit no Activity Tracker event: imds-guard never reacts to them.
import * as v from 'valibot';
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { hasRole } from '../core/roles.ts';
import type { IamService, Role } from '../core/state.ts';
import {
  accountParam,
  booleanParam,
  crnService,
  intParam,
  normalizeTag,
  ownsCrn,
  type TagType,
  tagNameProblem,
  tagTypeParam,
} from './tagging-rules.ts';

const PROVIDERS = ['ghost', 'ims'] as const;
type Provider = (typeof PROVIDERS)[number];

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const MAX_RESOURCES = 100;
const MAX_TAG_NAMES = 100;
/** Per resource and type (SDK doc of attachTag): 1000 user or service tags, 250 access tags. */
const MAX_PER_RESOURCE = { user: 1000, service: 1000, access: 250 } satisfies Record<TagType, number>;
/** Attaching or detaching needs this role on the resource's own service. */
const ATTACH_ROLE = { user: 'Editor', access: 'Administrator' } satisfies Record<
  Exclude<TagType, 'service'>,
  Role
>;

const TagBody = v.strictObject({
  resources: v.optional(
    v.array(
      v.strictObject({
        resource_id: v.pipe(v.string(), v.minLength(1)),
        resource_type: v.optional(v.string()),
      }),
    ),
  ),
  tag_name: v.optional(v.string()),
  tag_names: v.optional(v.array(v.string())),
  query: v.optional(v.unknown()),
});
type TagBody = v.InferOutput<typeof TagBody>;

const bad = (message: string): ApiError => new ApiError(400, 'bad_request', message);

const providersParam = (ctx: Ctx): Provider[] | undefined => {
  const raw = ctx.query.get('providers');
  if (raw === null) return undefined;
  return raw.split(',').map((p) => {
    const found = PROVIDERS.find((x) => x === p.trim());
    if (!found) throw bad(`providers must be ghost, ims or ghost,ims (got "${raw}").`);
    return found;
  });
};

/**
 * IBM: "Any user in an account can view tags. When a resource is tagged, all users that have read access to
 * the resource can view the tag." So no Global Tagging role: the account's tag list is open to any
 * authenticated user, a resource's tags (`attached_to`) take Viewer on the resource's own service.
 */
const requireReader = (ctx: Ctx, crn: string): void => {
  const service = crnService(crn);
  if (!ctx.caller || !hasRole(ctx.caller, service as IamService, 'Viewer'))
    throw new ApiError(
      403,
      'forbidden',
      `The caller does not have the required Viewer role on service '${service}' to read the tags of ${crn}.`,
    );
};

const listTags = (ctx: Ctx): Reply => {
  const tagType = tagTypeParam(ctx);
  accountParam(ctx, tagType);
  const attachedTo = ctx.query.get('attached_to');
  // IBM's own SDK test lists `attached_to` without `providers` and gets 200: it defaults to ghost.
  const providers = providersParam(ctx) ?? (attachedTo !== null ? (['ghost'] as Provider[]) : undefined);
  if (attachedTo !== null && providers?.length !== 1)
    throw bad('attached_to requires providers set to exactly one of ghost or ims.');
  if (providers?.includes('ims') && tagType !== 'user')
    throw bad(`${tagType} tags are not supported for IMS resources (providers=ims).`);
  const offset = intParam(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = intParam(ctx, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
  intParam(ctx, 'timeout', 0, Number.MAX_SAFE_INTEGER);
  const order = ctx.query.get('order_by_name');
  if (order !== null && order !== 'asc' && order !== 'desc')
    throw bad(`order_by_name must be asc or desc (got "${order}").`);
  booleanParam(ctx, 'attached_only');
  const fullData = booleanParam(ctx, 'full_data') ?? false;
  if (attachedTo !== null) requireReader(ctx, attachedTo);

  // The emulator has no IMS (classic) resources; every tag it knows is a GhoST tag.
  const counts = new Map<string, number>();
  if (!providers || providers.includes('ghost')) {
    const sets = attachedTo === null ? [...ctx.state.tags.values()] : [ctx.state.tags.get(attachedTo)];
    for (const set of sets) {
      for (const name of new Set((set?.[tagType] ?? []).map(normalizeTag))) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
  }
  const names = [...counts.keys()];
  if (order === 'asc') names.sort();
  if (order === 'desc') names.sort().reverse();
  const items = names
    .slice(offset, offset + limit)
    .map((name) =>
      fullData ? { name, providers: ['ghost'], attached_count: counts.get(name) ?? 0 } : { name },
    );
  return { status: 200, body: { total_count: names.length, offset, limit, items } };
};

const parseTagBody = (ctx: Ctx): TagBody => {
  if (ctx.body === undefined || typeof ctx.body !== 'object' || ctx.body === null || Array.isArray(ctx.body))
    throw bad('The request body must be a JSON object.');
  const parsed = v.safeParse(TagBody, ctx.body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue ? (v.getDotPath(issue) ?? 'body') : 'body';
    throw bad(
      issue?.expected === 'never'
        ? `Unknown field ${path} in the request body.`
        : `Invalid value for ${path}: ${issue?.message ?? 'invalid value'}.`,
    );
  }
  return parsed.output;
};

/** Validates the common attach/detach request and checks the caller's role on every resource. */
const tagRequest = (ctx: Ctx): { tagType: TagType; names: string[]; resources: string[] } => {
  const tagType = tagTypeParam(ctx);
  accountParam(ctx, tagType);
  const body = parseTagBody(ctx);
  if (body.query !== undefined)
    throw bad('Selecting resources with a Global Search query is not supported; pass resources.');
  if (!body.resources || body.resources.length === 0) throw bad('resources must list at least one resource.');
  if (body.resources.length > MAX_RESOURCES) throw bad(`At most ${MAX_RESOURCES} resources per request.`);
  if ((body.tag_name === undefined) === (body.tag_names === undefined))
    throw bad('Exactly one of tag_name or tag_names is required.');
  const raw = body.tag_names ?? [body.tag_name ?? ''];
  if (raw.length === 0 || raw.length > MAX_TAG_NAMES)
    throw bad(`tag_names must list 1 to ${MAX_TAG_NAMES} tags.`);
  for (const name of raw) {
    const problem = tagNameProblem(name, tagType);
    if (problem) throw bad(problem);
  }
  if (tagType === 'service')
    throw new ApiError(403, 'forbidden', 'Only authorized services can attach or detach service tags.');
  const role = ATTACH_ROLE[tagType];
  const caller = ctx.caller;
  for (const r of body.resources) {
    const service = crnService(r.resource_id);
    // Resource services outside the emulator's role model are only reachable through a '*' grant.
    if (!caller || !hasRole(caller, service as IamService, role))
      throw new ApiError(
        403,
        'forbidden',
        `The caller does not have the required ${role} role on service '${service}' to tag ${r.resource_id}.`,
      );
  }
  return {
    tagType,
    names: [...new Set(raw.map(normalizeTag))],
    resources: body.resources.map((r) => r.resource_id),
  };
};

const notFound = (id: string) => ({
  resource_id: id,
  is_error: true,
  message: `Resource ${id} was not found.`,
});

const attachTag = (ctx: Ctx): Reply => {
  const { tagType, names, resources } = tagRequest(ctx);
  const replace = booleanParam(ctx, 'replace') ?? false;
  const update = booleanParam(ctx, 'update') ?? false;
  const results = resources.map((id) => {
    if (!ownsCrn(ctx.state, id)) return notFound(id);
    const set = ctx.state.tagsOf(id);
    let next = replace ? [] : set[tagType].map(normalizeTag);
    if (update) {
      const keys = names.filter((n) => n.includes(':')).map((n) => `${n.slice(0, n.indexOf(':'))}:`);
      next = next.filter((t) => !keys.some((k) => t.startsWith(k)));
    }
    next = [...new Set([...next, ...names])];
    if (next.length > MAX_PER_RESOURCE[tagType])
      return {
        resource_id: id,
        is_error: true,
        message: `A resource can have at most ${MAX_PER_RESOURCE[tagType]} ${tagType} tags.`,
      };
    set[tagType] = next;
    return { resource_id: id, is_error: false };
  });
  return { status: 200, body: { results } };
};

const detachTag = (ctx: Ctx): Reply => {
  const { tagType, names, resources } = tagRequest(ctx);
  const results = resources.map((id) => {
    if (!ownsCrn(ctx.state, id)) return notFound(id);
    const set = ctx.state.tagsOf(id);
    set[tagType] = set[tagType].filter((t) => !names.includes(normalizeTag(t)));
    return { resource_id: id, is_error: false };
  });
  return { status: 200, body: { results } };
};

const taggingRoutes: RouteModule = (add) => {
  const base = { service: 'tagging' } as const;
  // Roles on the tagged resource's own service, checked by the handlers (`is` for the VPC resources).
  const read = [{ service: 'is', role: 'Viewer', when: 'attached_to names a VPC resource' }] as const;
  const write = [
    { service: 'is', role: 'Editor', when: 'user tags on a VPC resource' },
    { service: 'is', role: 'Administrator', when: 'access tags on a VPC resource' },
  ] as const;
  add({ ...base, method: 'GET', path: '/v3/tags', needs: read, handler: listTags });
  add({ ...base, method: 'POST', path: '/v3/tags/attach', needs: write, handler: attachTag });
  add({ ...base, method: 'POST', path: '/v3/tags/detach', needs: write, handler: detachTag });
};

export { taggingRoutes };
