// IAM Access Groups — limits, renderings, lookups, change events and request bodies.
import * as v from 'valibot';
import type { ChangeEvent, Ctx } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { vpcTime } from '../core/ids.ts';
import type { AccessGroupMemberRec, AccessGroupRec } from '../core/state.ts';
import { entityTag, type IamCodes, linkTo, originOf } from './iam-shared.ts';

const CODES: IamCodes = { badRequest: 'bad_request', missingQuery: 'bad_request', forbidden: 'forbidden' };

const LIMIT = { min: 0, max: 100, default: 50 };
const MAX_GROUPS_PER_MEMBER = 50;
const MAX_MEMBERS_PER_CALL = 50;
const MEMBER_TYPES = ['user', 'service', 'profile'] as const;
const MEMBER_PREFIX = {
  user: 'IBMid-',
  service: 'iam-ServiceId-',
  profile: 'iam-Profile-',
} satisfies Record<(typeof MEMBER_TYPES)[number], string>;

// ---------- rendering ----------

const groupTag = (g: AccessGroupRec): string => entityTag('group', g.id, g.rev);
/** The group's own CRN (`show_crn=true`). */
const groupCrn = (acct: string, id: string): string =>
  `crn:v1:bluemix:public:iam-groups::a/${acct}::group:${id}`;
/** Activity Tracker names the group this way (IBM's iam-groups.group.read sample). */
const groupEventCrn = (acct: string, id: string): string =>
  `crn:v1:bluemix:public:iam-groups:global:a/${acct}::groups:${id}`;

const renderGroup = (
  ctx: Ctx,
  g: AccessGroupRec,
  opts: { federated?: boolean; crn?: boolean } = {},
): Record<string, unknown> => ({
  id: g.id,
  name: g.name,
  // IBM answers "" for a group created without one (its SDK test: `description` toEqual '').
  description: g.description ?? '',
  account_id: ctx.state.account.id,
  created_at: vpcTime(new Date(g.created_at)),
  created_by_id: g.created_by_id,
  last_modified_at: vpcTime(new Date(g.last_modified_at)),
  last_modified_by_id: g.last_modified_by_id,
  href: `${originOf(ctx)}/v2/groups/${g.id}`,
  ...(opts.federated ? { is_federated: false } : {}),
  ...(opts.crn ? { crn: groupCrn(ctx.state.account.id, g.id) } : {}),
});

/** A member's display name, for `verbose=true`: its profile or key name, else the one stored. */
const memberName = (ctx: Ctx, m: AccessGroupMemberRec): string | undefined => {
  if (m.type === 'profile') {
    for (const p of ctx.state.profiles.values()) if (p.iam_id === m.iam_id) return p.name;
  }
  for (const k of ctx.state.apiKeys.values()) if (k.iam_id === m.iam_id) return k.name;
  return m.name;
};

const renderMember = (ctx: Ctx, g: AccessGroupRec, m: AccessGroupMemberRec, verbose: boolean) => {
  const name = verbose ? memberName(ctx, m) : undefined;
  return {
    iam_id: m.iam_id,
    type: m.type,
    membership_type: 'static',
    ...(name !== undefined ? { name } : {}),
    href: `${originOf(ctx)}/v2/groups/${g.id}/members/${encodeURIComponent(m.iam_id)}`,
    created_at: vpcTime(new Date(m.created_at)),
    created_by_id: m.created_by_id,
  };
};

/** GroupsList / GroupMembersList paging links: offset and limit in the query, as the pager reads them. */
const pageLinks = (ctx: Ctx, offset: number, limit: number, total: number): Record<string, unknown> => {
  const at = (o: number) => ({ href: linkTo(ctx, { offset: String(o), limit: String(limit) }) });
  if (limit === 0) return { first: at(0) };
  const lastStart = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  return {
    first: at(0),
    ...(offset > 0 ? { previous: at(Math.max(0, offset - limit)) } : {}),
    ...(offset + limit < total ? { next: at(offset + limit) } : {}),
    last: at(lastStart),
  };
};

// ---------- lookups and events ----------

const groupOr404 = (ctx: Ctx): AccessGroupRec => {
  const id = ctx.params.groupId ?? '';
  const g = ctx.state.accessGroups.get(id);
  if (!g) throw new ApiError(404, 'not_found', `Access group ${id} was not found.`);
  return g;
};

const VERB_CODE = { create: 201, update: 200, delete: 204, add: 207 } as const;
const REASON_TYPE: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  207: 'Multi-Status',
};

const emitGroup = (
  ctx: Ctx,
  object: 'group' | 'member',
  verb: 'create' | 'update' | 'delete' | 'add',
  g: AccessGroupRec,
  requestData: Record<string, unknown>,
  responseData: Record<string, unknown> = {},
): void => {
  const acct = ctx.state.account.id;
  const reasonCode = VERB_CODE[verb];
  const change: ChangeEvent = {
    action: `iam-groups.${object}.${verb}`,
    outcome: 'success',
    // Member events are about the group: the group is the target, the members are in requestData.
    target: { id: groupEventCrn(acct, g.id), name: g.name, typeURI: 'iam-groups/group' },
    reasonCode,
    reasonType: REASON_TYPE[reasonCode] ?? 'OK',
    message: `IAM Access Groups: ${verb} ${object} ${g.name}`,
    location: 'global',
    logSourceCRN: `crn:v1:bluemix:public:iam-groups:global:a/${acct}:::`,
    requestData: { access_group_id: g.id, ...requestData },
    responseData,
  };
  ctx.emit(change);
};

// ---------- request bodies ----------

const Name = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(100, 'must be at most 100 characters'),
);
const Description = v.pipe(v.string(), v.maxLength(250, 'must be at most 250 characters'));

const CreateBody = v.object({ name: Name, description: v.optional(Description) });
const UpdateBody = v.pipe(
  v.object({ name: v.optional(Name), description: v.optional(Description) }),
  v.check((b) => b.name !== undefined || b.description !== undefined, 'name or description is required'),
);
const MembersBody = v.object({
  members: v.pipe(
    v.array(
      v.object({
        iam_id: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
        type: v.picklist(MEMBER_TYPES, `must be one of ${MEMBER_TYPES.join(', ')}`),
      }),
    ),
    v.minLength(1, 'at least one member is required'),
    v.maxLength(MAX_MEMBERS_PER_CALL, `at most ${MAX_MEMBERS_PER_CALL} members can be added per request`),
  ),
});

const nameTaken = (ctx: Ctx, name: string, except?: string): boolean =>
  [...ctx.state.accessGroups.values()].some(
    (g) => g.id !== except && g.name.toLowerCase() === name.toLowerCase(),
  );

const nameConflict = (name: string): ApiError =>
  new ApiError(
    409,
    'group_name_conflict',
    `An access group named '${name}' already exists in this account.`,
    {
      target: { name: 'name', type: 'field', value: name },
    },
  );

export {
  CODES,
  CreateBody,
  Description,
  emitGroup,
  groupCrn,
  groupEventCrn,
  groupOr404,
  groupTag,
  LIMIT,
  MAX_GROUPS_PER_MEMBER,
  MAX_MEMBERS_PER_CALL,
  MEMBER_PREFIX,
  MEMBER_TYPES,
  MembersBody,
  memberName,
  Name,
  nameConflict,
  nameTaken,
  pageLinks,
  REASON_TYPE,
  renderGroup,
  renderMember,
  UpdateBody,
  VERB_CODE,
};
