// IAM Access Groups `/v2/groups…`: groups and their static members, as IamAccessGroupsV2 calls them.
// Dynamic (rule-based) membership is not modelled: `membership_type=dynamic` finds nobody.
// Handlers and routes here; shapes, lookups and bodies in access-groups-shapes.ts.
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { randomUuid, stableUuid, vpcTime } from '../core/ids.ts';
import type { AccessGroupMemberRec, AccessGroupRec, Role } from '../core/state.ts';
import {
  CODES,
  CreateBody,
  emitGroup,
  groupOr404,
  groupTag,
  LIMIT,
  MAX_GROUPS_PER_MEMBER,
  MEMBER_PREFIX,
  MEMBER_TYPES,
  MembersBody,
  memberName,
  nameConflict,
  nameTaken,
  pageLinks,
  renderGroup,
  renderMember,
  UpdateBody,
} from './access-groups-shapes.ts';
import {
  boolQuery,
  callerHas,
  enumQuery,
  ifMatchOf,
  intQuery,
  matchesTag,
  parseBody,
  requireAccount,
  sortBy,
} from './iam-shared.ts';

// ---------- handlers ----------

const GROUP_SORT = {
  id: (g: AccessGroupRec) => g.id,
  name: (g: AccessGroupRec) => g.name.toLowerCase(),
  description: (g: AccessGroupRec) => (g.description ?? '').toLowerCase(),
  is_federated: () => 0,
} satisfies Record<string, (g: AccessGroupRec) => string | number>;

const searchFilter = (ctx: Ctx): ((g: AccessGroupRec) => boolean) => {
  const raw = ctx.query.get('search');
  if (raw === null) return () => true;
  const m = /^(id|name|description):(.*)$/.exec(raw);
  if (!m) {
    throw new ApiError(
      400,
      'bad_request',
      "Query parameter 'search' must be id:<value>, name:<value> or description:<value>.",
      {
        target: { name: 'search', type: 'query', value: raw },
      },
    );
  }
  const field = m[1] as 'id' | 'name' | 'description';
  const needle = (m[2] ?? '').toLowerCase();
  return (g) => (g[field] ?? '').toLowerCase().includes(needle);
};

const sortQuery = <K extends string>(ctx: Ctx, keys: readonly K[]): { key: K; desc: boolean } | undefined => {
  const raw = ctx.query.get('sort');
  if (raw === null) return undefined;
  const key = raw.replace(/^-/, '');
  if (!(keys as readonly string[]).includes(key)) {
    throw new ApiError(400, 'bad_request', `Query parameter 'sort' must be one of ${keys.join(', ')}.`, {
      target: { name: 'sort', type: 'query', value: raw },
    });
  }
  return { key: key as K, desc: raw.startsWith('-') };
};

const listGroups = (ctx: Ctx): Reply => {
  requireAccount(ctx, ctx.query.get('account_id'), CODES);
  const iamId = ctx.query.get('iam_id');
  const membership = enumQuery(ctx, 'membership_type', ['static', 'dynamic', 'all'] as const, CODES);
  if ((iamId === null) !== (membership === undefined)) {
    throw new ApiError(400, 'bad_request', 'Membership type need to be specified along with iam_id.', {
      target: { name: iamId === null ? 'iam_id' : 'membership_type', type: 'query' },
    });
  }
  const limit = intQuery(ctx, 'limit', LIMIT, CODES);
  const offset = intQuery(ctx, 'offset', { min: 0, max: Number.MAX_SAFE_INTEGER, default: 0 }, CODES);
  const federated = boolQuery(ctx, 'show_federated', CODES);
  const showCrn = boolQuery(ctx, 'show_crn', CODES);
  boolQuery(ctx, 'hide_public_access', CODES);
  const sort = sortQuery(ctx, Object.keys(GROUP_SORT) as (keyof typeof GROUP_SORT)[]);
  const search = searchFilter(ctx);

  // Only groups the caller may see: account-level access lists all of them (IBM's rule); no role, none.
  const visible = callerHas(ctx, 'iam-groups', 'Viewer');
  let groups = [...ctx.state.accessGroups.values()]
    .filter(() => visible)
    .filter(search)
    .filter((g) => iamId === null || (membership !== 'dynamic' && g.members.some((m) => m.iam_id === iamId)))
    .sort((a, b) => a.seq - b.seq);
  if (sort) groups = sortBy(groups, GROUP_SORT[sort.key], sort.desc);
  const page = groups.slice(offset, offset + limit);
  return {
    status: 200,
    body: {
      limit,
      offset,
      total_count: groups.length,
      ...pageLinks(ctx, offset, limit, groups.length),
      groups: page.map((g) => renderGroup(ctx, g, { federated, crn: showCrn })),
    },
  };
};

const createGroup = (ctx: Ctx): Reply => {
  requireAccount(ctx, ctx.query.get('account_id'), CODES);
  const input = parseBody(ctx, CreateBody, 'bad_request');
  if (nameTaken(ctx, input.name)) throw nameConflict(input.name);
  const at = vpcTime(ctx.now);
  const actor = ctx.caller?.iam_id ?? 'unknown';
  const g: AccessGroupRec = {
    id: `AccessGroupId-${stableUuid(ctx.state.seed, ctx.state.nextName('access-group'))}`,
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    created_at: at,
    created_by_id: actor,
    last_modified_at: at,
    last_modified_by_id: actor,
    members: [],
    rev: 1,
    seq: ctx.state.nextSeq(),
  };
  ctx.state.accessGroups.set(g.id, g);
  const body = renderGroup(ctx, g);
  emitGroup(
    ctx,
    'group',
    'create',
    g,
    { name: g.name, ...(g.description ? { description: g.description } : {}) },
    {
      response_body: JSON.stringify(body),
    },
  );
  return { status: 201, body, headers: { ETag: groupTag(g) } };
};

const getGroup = (ctx: Ctx): Reply => {
  const federated = boolQuery(ctx, 'show_federated', CODES);
  const showCrn = boolQuery(ctx, 'show_crn', CODES);
  const g = groupOr404(ctx);
  return {
    status: 200,
    body: renderGroup(ctx, g, { federated, crn: showCrn }),
    headers: { ETag: groupTag(g) },
  };
};

const updateGroup = (ctx: Ctx): Reply => {
  const g = groupOr404(ctx);
  const sent = ifMatchOf(ctx);
  if (sent === undefined || !matchesTag(sent, groupTag(g))) {
    throw new ApiError(
      412,
      'precondition_failed',
      sent === undefined
        ? 'The If-Match header with the group revision is required.'
        : 'The If-Match header does not match the current revision of the access group.',
      { target: { name: 'If-Match', type: 'header', ...(sent !== undefined ? { value: sent } : {}) } },
    );
  }
  const input = parseBody(ctx, UpdateBody, 'bad_request');
  if (input.name !== undefined && nameTaken(ctx, input.name, g.id)) throw nameConflict(input.name);
  const before = { name: g.name, description: g.description };
  if (input.name !== undefined) g.name = input.name;
  if (input.description !== undefined) g.description = input.description;
  g.rev += 1;
  g.last_modified_at = vpcTime(ctx.now);
  g.last_modified_by_id = ctx.caller?.iam_id ?? 'unknown';
  emitGroup(ctx, 'group', 'update', g, { ...input, prev_name: before.name });
  return { status: 200, body: renderGroup(ctx, g), headers: { ETag: groupTag(g) } };
};

const deleteGroup = (ctx: Ctx): Reply => {
  const g = groupOr404(ctx);
  const force = boolQuery(ctx, 'force', CODES);
  if (g.members.length > 0 && !force) {
    throw new ApiError(
      400,
      'request_not_processed',
      `Access group ${g.id} has members; set force=true to delete it with its members, rules and policies.`,
      { target: { name: 'force', type: 'query' } },
    );
  }
  ctx.state.accessGroups.delete(g.id);
  // The group's policies go with it (IamAccessGroupsV2.deleteAccessGroup doc).
  for (const [id, p] of ctx.state.policies) {
    if (p.subject.attributes.some((a) => a.key === 'access_group_id' && a.value === g.id))
      ctx.state.policies.delete(id);
  }
  emitGroup(ctx, 'group', 'delete', g, { name: g.name, force, members: g.members.map((m) => m.iam_id) });
  return { status: 204 };
};

const listMembers = (ctx: Ctx): Reply => {
  const g = groupOr404(ctx);
  const membership = enumQuery(ctx, 'membership_type', ['static', 'dynamic', 'all'] as const, CODES);
  const limit = intQuery(ctx, 'limit', LIMIT, CODES);
  const offset = intQuery(ctx, 'offset', { min: 0, max: Number.MAX_SAFE_INTEGER, default: 0 }, CODES);
  const type = enumQuery(ctx, 'type', MEMBER_TYPES, CODES);
  const verbose = boolQuery(ctx, 'verbose', CODES);
  const sort = sortQuery(ctx, ['id', 'name', 'email'] as const);
  if (sort && sort.key !== 'id' && !verbose) {
    throw new ApiError(400, 'bad_request', 'Sorting by name or email requires verbose=true.', {
      target: { name: 'sort', type: 'query' },
    });
  }
  let members = g.members
    .filter(() => membership !== 'dynamic')
    .filter((m) => type === undefined || m.type === type);
  if (sort) {
    members = sortBy(
      members,
      (m) => (sort.key === 'id' ? m.iam_id : (memberName(ctx, m) ?? '').toLowerCase()),
      sort.desc,
    );
  }
  const page = members.slice(offset, offset + limit);
  return {
    status: 200,
    body: {
      limit,
      offset,
      total_count: members.length,
      ...pageLinks(ctx, offset, limit, members.length),
      members: page.map((m) => renderMember(ctx, g, m, verbose)),
    },
  };
};

/** One add-member outcome, in AddGroupMembersResponseMembersItem's shape. */
const memberRefusal = (iamId: string, type: string, status: number, code: string, message: string) => ({
  iam_id: iamId,
  type,
  status_code: status,
  trace: randomUuid(),
  errors: [{ code, message }],
});

const addMembers = (ctx: Ctx): Reply => {
  const g = groupOr404(ctx);
  const input = parseBody(ctx, MembersBody, 'bad_request');
  const at = vpcTime(ctx.now);
  const actor = ctx.caller?.iam_id ?? 'unknown';
  const added: AccessGroupMemberRec[] = [];
  const results = input.members.map((m) => {
    if (!m.iam_id.startsWith(MEMBER_PREFIX[m.type])) {
      return memberRefusal(
        m.iam_id,
        m.type,
        400,
        'invalid_member',
        `A member of type ${m.type} needs an iam_id starting with ${MEMBER_PREFIX[m.type]}.`,
      );
    }
    if (m.type === 'profile' && ![...ctx.state.profiles.values()].some((p) => p.iam_id === m.iam_id)) {
      return memberRefusal(m.iam_id, m.type, 404, 'not_found', `Trusted profile ${m.iam_id} was not found.`);
    }
    if (g.members.some((x) => x.iam_id === m.iam_id)) {
      return memberRefusal(
        m.iam_id,
        m.type,
        409,
        'member_exists',
        `${m.iam_id} is already a member of access group ${g.id}.`,
      );
    }
    const groupsOf = [...ctx.state.accessGroups.values()].filter((x) =>
      x.members.some((y) => y.iam_id === m.iam_id),
    );
    if (groupsOf.length >= MAX_GROUPS_PER_MEMBER) {
      return memberRefusal(
        m.iam_id,
        m.type,
        400,
        'member_group_limit',
        `${m.iam_id} is already a member of ${MAX_GROUPS_PER_MEMBER} access groups, the maximum.`,
      );
    }
    const rec: AccessGroupMemberRec = {
      iam_id: m.iam_id,
      type: m.type,
      created_at: at,
      created_by_id: actor,
    };
    const name = memberName(ctx, rec);
    if (name !== undefined) rec.name = name;
    g.members.push(rec);
    added.push(rec);
    return { iam_id: m.iam_id, type: m.type, created_at: at, created_by_id: actor, status_code: 200 };
  });
  if (added.length > 0) {
    emitGroup(
      ctx,
      'member',
      'add',
      g,
      {
        members: added.map((m) => ({ iam_id: m.iam_id, type: m.type })),
        iam_ids: added.map((m) => m.iam_id),
      },
      { members: results.map((r) => ({ iam_id: r.iam_id, status_code: r.status_code })) },
    );
  }
  return { status: 207, body: { members: results } };
};

const isMember = (ctx: Ctx): Reply => {
  const g = groupOr404(ctx);
  const iamId = ctx.params.iamId ?? '';
  if (!g.members.some((m) => m.iam_id === iamId)) {
    throw new ApiError(404, 'not_found', `${iamId} is not a member of access group ${g.id}.`);
  }
  return { status: 204 };
};

const removeMember = (ctx: Ctx): Reply => {
  const g = groupOr404(ctx);
  const iamId = ctx.params.iamId ?? '';
  const gone = g.members.find((m) => m.iam_id === iamId);
  if (!gone) throw new ApiError(404, 'not_found', `${iamId} is not a member of access group ${g.id}.`);
  g.members = g.members.filter((m) => m !== gone);
  emitGroup(ctx, 'member', 'delete', g, { iam_id: gone.iam_id, type: gone.type, iam_ids: [gone.iam_id] });
  return { status: 204 };
};

// ---------- routes ----------

/** Viewing groups needs Viewer on IAM Access Groups; creating, editing and membership need Editor. */
const READ: { service: 'iam-groups'; role: Role } = { service: 'iam-groups', role: 'Viewer' };
const WRITE: { service: 'iam-groups'; role: Role } = { service: 'iam-groups', role: 'Editor' };

const G = '/v2/groups/:groupId';

const accessGroupsRoutes: RouteModule = (add) => {
  // Listing filters by visibility instead of refusing (IBM lists only the groups you can see).
  add({ service: 'iam-groups', method: 'GET', path: '/v2/groups', needs: [READ], handler: listGroups });
  add({ service: 'iam-groups', method: 'POST', path: '/v2/groups', permission: WRITE, handler: createGroup });
  add({ service: 'iam-groups', method: 'GET', path: G, permission: READ, handler: getGroup });
  add({ service: 'iam-groups', method: 'PATCH', path: G, permission: WRITE, handler: updateGroup });
  add({ service: 'iam-groups', method: 'DELETE', path: G, permission: WRITE, handler: deleteGroup });
  add({ service: 'iam-groups', method: 'GET', path: `${G}/members`, permission: READ, handler: listMembers });
  add({ service: 'iam-groups', method: 'PUT', path: `${G}/members`, permission: WRITE, handler: addMembers });
  add({
    service: 'iam-groups',
    method: 'HEAD',
    path: `${G}/members/:iamId`,
    permission: READ,
    handler: isMember,
  });
  add({
    service: 'iam-groups',
    method: 'DELETE',
    path: `${G}/members/:iamId`,
    permission: WRITE,
    handler: removeMember,
  });
};

export { accessGroupsRoutes };
