// IAM Identity trusted profiles (`/v1/profiles…`): profiles, claim rules, compute-resource links and
// the identities that may assume a profile, as @ibm-cloud/platform-services IamIdentityV1 calls them.
// Handlers for profiles and claim rules and the route table; links and identities in iam-identity-members.ts.
import type { Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { profileCrn, stableUuid, vpcTime } from '../core/ids.ts';
import type { ClaimRuleRec, ProfileRec, Role } from '../core/state.ts';
import {
  ACCOUNT_ID,
  CreateProfileBody,
  checkRule,
  parseFilter,
  RuleBody,
  ruleFields,
  SORT_KEYS,
  sameName,
  UpdateProfileBody,
} from './iam-identity-input.ts';
import {
  createLink,
  deleteIdentity,
  deleteLink,
  deleteLinkByParameters,
  getIdentities,
  getIdentity,
  getLink,
  listLinks,
  setIdentities,
  setIdentity,
} from './iam-identity-members.ts';
import {
  CODES,
  checkIfMatch,
  emitProfile,
  MAX_RULES,
  profileOr404,
  profileTag,
  renderProfile,
  renderRule,
  ruleOr404,
  ruleTag,
  touch,
  withTag,
} from './iam-identity-model.ts';
import {
  boolQuery,
  decodePageToken,
  encodePageToken,
  enumQuery,
  intQuery,
  linkTo,
  parseBody,
  requireAccount,
  sortBy,
} from './iam-shared.ts';

// ---------- handlers ----------

const listProfiles = (ctx: Ctx): Reply => {
  requireAccount(ctx, ctx.query.get('account_id'), CODES);
  const pagesize = intQuery(ctx, 'pagesize', { min: 1, max: 100, default: 20 }, CODES);
  const sort = enumQuery(ctx, 'sort', Object.keys(SORT_KEYS) as (keyof typeof SORT_KEYS)[], CODES);
  const order = enumQuery(ctx, 'order', ['asc', 'desc'] as const, CODES) ?? 'asc';
  const history = boolQuery(ctx, 'include_history', CODES);
  const offset = decodePageToken(ctx, 'pagetoken', CODES);
  const name = ctx.query.get('name');
  const filterRaw = ctx.query.get('filter');
  const filter = filterRaw ? parseFilter(filterRaw) : () => true;

  let all = [...ctx.state.profiles.values()]
    .filter((p) => (name === null ? true : p.name === name))
    .filter(filter)
    .sort((a, b) => a.seq - b.seq);
  if (sort) all = sortBy(all, SORT_KEYS[sort], order === 'desc');
  else if (order === 'desc') all.reverse();

  const page = all.slice(offset, offset + pagesize);
  const body: Record<string, unknown> = {
    offset,
    limit: pagesize,
    first: linkTo(ctx, { pagetoken: undefined }),
    ...(offset > 0
      ? { previous: linkTo(ctx, { pagetoken: encodePageToken(Math.max(0, offset - pagesize)) }) }
      : {}),
    ...(offset + pagesize < all.length
      ? { next: linkTo(ctx, { pagetoken: encodePageToken(offset + pagesize) }) }
      : {}),
    profiles: page.map((p) => renderProfile(ctx.state, p, { history })),
  };
  return { status: 200, body };
};

const createProfile = (ctx: Ctx): Reply => {
  const input = parseBody(ctx, CreateProfileBody, 'bad_request');
  // IBM validates before it authorizes: a malformed account id is 400 (its SDK test sends 'invalid').
  if (!ACCOUNT_ID.test(input.account_id))
    throw new ApiError(400, 'bad_request', `account_id '${input.account_id}' is not a valid account id.`, {
      target: { name: 'account_id', type: 'field', value: input.account_id },
    });
  if (input.account_id !== ctx.state.account.id) {
    throw new ApiError(
      403,
      'forbidden',
      `The caller is not authorized to create profiles in account ${input.account_id}.`,
    );
  }
  if ([...ctx.state.profiles.values()].some((p) => sameName(p.name, input.name))) {
    throw new ApiError(
      409,
      'conflict',
      `A trusted profile with the name '${input.name}' already exists in this account.`,
      {
        target: { name: 'name', type: 'field', value: input.name },
      },
    );
  }
  const id = `Profile-${stableUuid(ctx.state.seed, ctx.state.nextName('profile'))}`;
  const at = vpcTime(ctx.now);
  const p: ProfileRec = {
    id,
    iam_id: `iam-${id}`,
    crn: profileCrn(ctx.state.account.id, id),
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    ...(input.email ? { email: input.email } : {}),
    created_at: at,
    modified_at: at,
    rev: 1,
    seq: ctx.state.nextSeq(),
    rules: [],
    links: [],
    identities: [],
  };
  ctx.state.profiles.set(id, p);
  emitProfile(ctx, 'create', p, {
    name: p.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
  });
  return withTag(201, renderProfile(ctx.state, p), profileTag(p));
};

const getProfile = (ctx: Ctx): Reply => {
  const activity = boolQuery(ctx, 'include_activity', CODES);
  const p = profileOr404(ctx);
  return withTag(200, renderProfile(ctx.state, p, { activity }), profileTag(p));
};

const updateProfile = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  checkIfMatch(ctx, profileTag(p), 'trusted profile');
  const input = parseBody(ctx, UpdateProfileBody, 'bad_request');
  if (
    input.name !== undefined &&
    !sameName(input.name, p.name) &&
    [...ctx.state.profiles.values()].some((o) => o.id !== p.id && sameName(o.name, input.name ?? ''))
  ) {
    throw new ApiError(
      409,
      'conflict',
      `A trusted profile with the name '${input.name}' already exists in this account.`,
      {
        target: { name: 'name', type: 'field', value: input.name },
      },
    );
  }
  const previousName = p.name;
  if (input.name !== undefined) p.name = input.name;
  // An empty description or email clears it (SDK doc of updateProfile).
  if (input.description !== undefined) {
    if (input.description === '') delete p.description;
    else p.description = input.description;
  }
  if (input.email !== undefined) {
    if (input.email === '') delete p.email;
    else p.email = input.email;
  }
  p.rev += 1;
  touch(ctx, p);
  emitProfile(ctx, 'update', p, {
    ...input,
    ...(previousName !== p.name ? { prev_name: previousName } : {}),
  });
  return withTag(200, renderProfile(ctx.state, p), profileTag(p));
};

const deleteProfile = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  ctx.state.profiles.delete(p.id);
  // IAM removes what hangs off a deleted identity: its group memberships and its policies.
  for (const g of ctx.state.accessGroups.values()) g.members = g.members.filter((m) => m.iam_id !== p.iam_id);
  for (const [id, pol] of ctx.state.policies) {
    if (pol.subject.attributes.some((a) => a.key === 'iam_id' && a.value === p.iam_id))
      ctx.state.policies.delete(id);
  }
  emitProfile(ctx, 'delete', p, { name: p.name });
  return { status: 204 };
};

const listRules = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return { status: 200, body: { rules: p.rules.map(renderRule) } };
};

const createRule = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const input = parseBody(ctx, RuleBody, 'bad_request');
  checkRule(input);
  if (p.rules.length >= MAX_RULES) {
    throw new ApiError(400, 'bad_request', `A trusted profile can have at most ${MAX_RULES} claim rules.`);
  }
  const at = vpcTime(ctx.now);
  const r: ClaimRuleRec = {
    id: `ClaimRule-${stableUuid(ctx.state.seed, ctx.state.nextName('rule'))}`,
    ...ruleFields(input),
    created_at: at,
    modified_at: at,
    rev: 1,
  };
  p.rules.push(r);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'create-claim-rule', rule: renderRule(r) }, 201);
  return withTag(201, renderRule(r), ruleTag(r));
};

const getRule = (ctx: Ctx): Reply => {
  const r = ruleOr404(ctx, profileOr404(ctx));
  return withTag(200, renderRule(r), ruleTag(r));
};

const updateRule = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const r = ruleOr404(ctx, p);
  checkIfMatch(ctx, ruleTag(r), 'claim rule');
  const input = parseBody(ctx, RuleBody, 'bad_request');
  checkRule(input);
  const before = renderRule(r);
  delete r.name;
  delete r.realm_name;
  delete r.cr_type;
  Object.assign(r, ruleFields(input), { modified_at: vpcTime(ctx.now), rev: r.rev + 1 });
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'update-claim-rule', rule: renderRule(r), prev_rule: before });
  return withTag(200, renderRule(r), ruleTag(r));
};

const deleteRule = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const r = ruleOr404(ctx, p);
  p.rules = p.rules.filter((x) => x.id !== r.id);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'delete-claim-rule', rule_id: r.id }, 204);
  return { status: 204 };
};

// ---------- routes ----------

/** Reading needs Viewer on the IAM Identity service; changing trusted profiles needs Administrator. */
const READ: { service: 'iam-identity'; role: Role } = { service: 'iam-identity', role: 'Viewer' };
const WRITE: { service: 'iam-identity'; role: Role } = { service: 'iam-identity', role: 'Administrator' };

const P = '/v1/profiles/:profileId';

const iamIdentityRoutes: RouteModule = (add) => {
  const route = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    permission: typeof READ,
    handler: (ctx: Ctx) => Reply,
  ): void => add({ service: 'iam-identity', method, path, permission, handler });
  route('GET', '/v1/profiles', READ, listProfiles);
  route('POST', '/v1/profiles', WRITE, createProfile);
  route('GET', P, READ, getProfile);
  route('PUT', P, WRITE, updateProfile);
  route('DELETE', P, WRITE, deleteProfile);
  route('GET', `${P}/rules`, READ, listRules);
  route('POST', `${P}/rules`, WRITE, createRule);
  route('GET', `${P}/rules/:ruleId`, READ, getRule);
  route('PUT', `${P}/rules/:ruleId`, WRITE, updateRule);
  route('DELETE', `${P}/rules/:ruleId`, WRITE, deleteRule);
  route('GET', `${P}/links`, READ, listLinks);
  route('POST', `${P}/links`, WRITE, createLink);
  route('DELETE', `${P}/links`, WRITE, deleteLinkByParameters);
  route('GET', `${P}/links/:linkId`, READ, getLink);
  route('DELETE', `${P}/links/:linkId`, WRITE, deleteLink);
  route('GET', `${P}/identities`, READ, getIdentities);
  route('PUT', `${P}/identities`, WRITE, setIdentities);
  route('POST', `${P}/identities/:identityType`, WRITE, setIdentity);
  route('GET', `${P}/identities/:identityType/:identifierId`, READ, getIdentity);
  route('DELETE', `${P}/identities/:identityType/:identifierId`, WRITE, deleteIdentity);
};

export { iamIdentityRoutes };
