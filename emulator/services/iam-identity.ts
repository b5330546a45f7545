// IAM Identity trusted profiles (`/v1/profiles…`): profiles, claim rules, compute-resource links and
// the identities that may assume a profile, as @ibm-cloud/platform-services IamIdentityV1 calls them.
import * as v from 'valibot';
import type { ChangeEvent, Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { crnAccount, profileCrn, stableUuid, vpcTime } from '../core/ids.ts';
import type {
  ClaimCondition,
  ClaimRuleRec,
  EmulatorState,
  ProfileIdentityRec,
  ProfileLinkRec,
  ProfileRec,
  Role,
} from '../core/state.ts';
import {
  boolQuery,
  contentTag,
  decodePageToken,
  encodePageToken,
  entityTag,
  enumQuery,
  type IamCodes,
  ifMatchOf,
  intQuery,
  linkTo,
  matchesTag,
  parseBody,
  requireAccount,
  sortBy,
} from './iam-shared.ts';

const CODES: IamCodes = { badRequest: 'bad_request', missingQuery: 'bad_request', forbidden: 'forbidden' };

const MAX_RULES = 20;
const RULE_TYPES = ['Profile-SAML', 'Profile-CR'] as const;
const RULE_CR_TYPES = ['VSI', 'BMS', 'PVS', 'IKS_SA', 'ROKS_SA', 'CE'] as const;
const LINK_CR_TYPES = ['VSI', 'BMS', 'IKS_SA', 'ROKS_SA', 'CE'] as const;
const OPERATORS = [
  'EQUALS',
  'NOT_EQUALS',
  'EQUALS_IGNORE_CASE',
  'NOT_EQUALS_IGNORE_CASE',
  'CONTAINS',
  'IN',
] as const;
const IDENTITY_TYPES = ['user', 'serviceid', 'crn'] as const;
/** Session length bounds for claim rules (12 h is what IBM's examples use at most). */
const EXPIRATION = { min: 900, max: 43_200, default: 43_200 };

// ---------- rendering ----------

/** IAM Identity writes times to the minute with a numeric offset: `2026-01-15T09:00+0000`. */
const idTime = (iso: string): string => `${new Date(iso).toISOString().slice(0, 16)}+0000`;

const profileTag = (p: ProfileRec): string => entityTag('profile', p.id, p.rev);
const ruleTag = (r: ClaimRuleRec): string => entityTag('rule', r.id, r.rev);
const linkTag = (l: ProfileLinkRec): string => entityTag('link', l.id, l.rev);
const identitiesTag = (p: ProfileRec): string => contentTag({ profile: p.id, identities: p.identities });

const renderProfile = (
  state: EmulatorState,
  p: ProfileRec,
  extra: { history?: boolean; activity?: boolean } = {},
): Record<string, unknown> => ({
  id: p.id,
  entity_tag: profileTag(p),
  crn: p.crn,
  name: p.name,
  ...(p.description ? { description: p.description } : {}),
  ...(p.email ? { email: p.email } : {}),
  created_at: idTime(p.created_at),
  modified_at: idTime(p.modified_at),
  iam_id: p.iam_id,
  account_id: state.account.id,
  ...(extra.history ? { history: [] } : {}),
  ...(extra.activity ? { activity: { authn_count: 0 } } : {}),
});

const renderRule = (r: ClaimRuleRec): Record<string, unknown> => ({
  id: r.id,
  entity_tag: ruleTag(r),
  created_at: idTime(r.created_at),
  modified_at: idTime(r.modified_at),
  ...(r.name ? { name: r.name } : {}),
  type: r.type,
  ...(r.realm_name ? { realm_name: r.realm_name } : {}),
  expiration: r.expiration,
  ...(r.cr_type ? { cr_type: r.cr_type } : {}),
  conditions: r.conditions.map((c) => ({ claim: c.claim, operator: c.operator, value: c.value })),
});

const renderLink = (l: ProfileLinkRec): Record<string, unknown> => ({
  id: l.id,
  entity_tag: linkTag(l),
  created_at: idTime(l.created_at),
  modified_at: idTime(l.modified_at),
  ...(l.name ? { name: l.name } : {}),
  cr_type: l.cr_type,
  ...(l.is_cross_account !== undefined ? { is_cross_account: l.is_cross_account } : {}),
  link: { ...l.link },
});

const renderIdentity = (i: ProfileIdentityRec): Record<string, unknown> => ({
  iam_id: i.iam_id,
  identifier: i.identifier,
  type: i.type,
  ...(i.accounts ? { accounts: [...i.accounts] } : {}),
  ...(i.description !== undefined ? { description: i.description } : {}),
});

const renderIdentities = (p: ProfileRec): Record<string, unknown> => ({
  entity_tag: identitiesTag(p),
  identities: p.identities.map(renderIdentity),
});

// ---------- lookups and events ----------

const profileOr404 = (ctx: Ctx): ProfileRec => {
  const id = ctx.params.profileId ?? '';
  const p = ctx.state.profiles.get(id);
  if (!p) throw new ApiError(404, 'not_found', `Trusted profile with id ${id} not found.`);
  return p;
};

const ruleOr404 = (ctx: Ctx, p: ProfileRec): ClaimRuleRec => {
  const id = ctx.params.ruleId ?? '';
  const r = p.rules.find((x) => x.id === id);
  if (!r) throw new ApiError(404, 'not_found', `Claim rule with id ${id} not found for profile ${p.id}.`);
  return r;
};

const linkOr404 = (ctx: Ctx, p: ProfileRec): ProfileLinkRec => {
  const id = ctx.params.linkId ?? '';
  const l = p.links.find((x) => x.id === id);
  if (!l) throw new ApiError(404, 'not_found', `Link with id ${id} not found for profile ${p.id}.`);
  return l;
};

/** `If-Match` is required on every IAM Identity update; a stale tag is a 409 ("update in parallel"). */
const checkIfMatch = (ctx: Ctx, current: string, what: string): void => {
  const sent = ifMatchOf(ctx);
  if (sent === undefined) {
    throw new ApiError(400, 'bad_request', 'The If-Match header is required for this operation.', {
      target: { name: 'If-Match', type: 'header' },
    });
  }
  if (!matchesTag(sent, current)) {
    throw new ApiError(
      409,
      'conflict',
      `Conflict: there must have been an update in parallel, the specified If-Match header does not match the current ${what}.`,
      { target: { name: 'If-Match', type: 'header', value: sent } },
    );
  }
};

const VERB = { create: 'create', update: 'update', delete: 'delete' } as const;
const REASON = { create: 201, update: 200, delete: 204 } as const;

const REASON_TYPE: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content' };

/** Every change to a profile or its rules, links and identities is an `account-profile` event. */
const emitProfile = (
  ctx: Ctx,
  verb: keyof typeof VERB,
  p: ProfileRec,
  requestData: Record<string, unknown>,
  reasonCode: number = REASON[verb],
): void => {
  const change: ChangeEvent = {
    action: `iam-identity.account-profile.${VERB[verb]}`,
    outcome: 'success',
    target: { id: p.crn, name: p.name, typeURI: 'iam-identity/account-profile' },
    reasonCode,
    reasonType: REASON_TYPE[reasonCode] ?? 'OK',
    message: `IAM Identity Service: ${VERB[verb]} account-profile ${p.name}`,
    location: 'global',
    logSourceCRN: `crn:v1:bluemix:public:iam-identity::a/${ctx.state.account.id}::`,
    requestData: { profile_id: p.id, iam_id: p.iam_id, ...requestData },
    responseData: { responseURI: `/v1/profiles/${p.id}` },
  };
  ctx.emit(change);
};

const touch = (ctx: Ctx, p: ProfileRec): void => {
  p.modified_at = vpcTime(ctx.now);
};

const withTag = (status: number, body: Record<string, unknown>, tag: string): Reply => ({
  status,
  body,
  headers: { ETag: tag },
});

// ---------- request bodies ----------

const NonEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'));

/** An IBM Cloud account id: 32 lowercase hex characters. */
const ACCOUNT_ID = /^[0-9a-f]{32}$/;

const CreateProfileBody = v.object({
  name: v.pipe(NonEmpty, v.maxLength(255, 'must be at most 255 characters')),
  account_id: NonEmpty,
  description: v.optional(v.string()),
  email: v.optional(v.string()),
});

const UpdateProfileBody = v.object({
  name: v.optional(v.pipe(NonEmpty, v.maxLength(255, 'must be at most 255 characters'))),
  description: v.optional(v.string()),
  email: v.optional(v.string()),
});

const Condition = v.object({
  claim: NonEmpty,
  operator: v.picklist(OPERATORS, `must be one of ${OPERATORS.join(', ')}`),
  value: v.pipe(
    v.string(),
    v.check((s) => {
      try {
        JSON.parse(s);
        return true;
      } catch {
        return false;
      }
    }, 'must be a stringified JSON value, e.g. "\\"value\\""'),
  ),
});

const RuleBody = v.object({
  type: v.picklist(RULE_TYPES, `must be one of ${RULE_TYPES.join(', ')}`),
  conditions: v.pipe(v.array(Condition), v.minLength(1, 'at least one condition is required')),
  name: v.optional(v.string()),
  realm_name: v.optional(NonEmpty),
  cr_type: v.optional(v.picklist(RULE_CR_TYPES, `must be one of ${RULE_CR_TYPES.join(', ')}`)),
  expiration: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(EXPIRATION.min, `must be at least ${EXPIRATION.min}`),
      v.maxValue(EXPIRATION.max, `must be at most ${EXPIRATION.max}`),
    ),
  ),
});

const LinkBody = v.object({
  cr_type: v.picklist(LINK_CR_TYPES, `must be one of ${LINK_CR_TYPES.join(', ')}`),
  link: v.object({
    crn: v.pipe(v.string(), v.startsWith('crn:v1:', 'must be a CRN')),
    namespace: v.optional(NonEmpty),
    name: v.optional(NonEmpty),
    component_type: v.optional(NonEmpty),
    component_name: v.optional(NonEmpty),
  }),
  name: v.optional(v.string()),
  is_cross_account: v.optional(v.boolean()),
});

const IdentityBody = v.object({
  identifier: NonEmpty,
  type: v.picklist(IDENTITY_TYPES, `must be one of ${IDENTITY_TYPES.join(', ')}`),
  accounts: v.optional(v.array(NonEmpty)),
  description: v.optional(v.string()),
});

const IdentitiesBody = v.object({ identities: v.optional(v.array(IdentityBody), []) });

// ---------- validation beyond shapes ----------

type RuleInput = v.InferOutput<typeof RuleBody>;

const bad = (message: string, field?: string): ApiError =>
  new ApiError(400, 'bad_request', message, field ? { target: { name: field, type: 'field' } } : {});

/** Type-specific claim-rule rules: SAML needs its realm and session length, CR its resource type. */
const checkRule = (input: RuleInput): void => {
  if (input.type === 'Profile-SAML') {
    if (!input.realm_name) throw bad("'realm_name' is required for type Profile-SAML.", 'realm_name');
    if (input.expiration === undefined)
      throw bad("'expiration' is required for type Profile-SAML.", 'expiration');
    if (input.cr_type !== undefined) throw bad("'cr_type' is not allowed for type Profile-SAML.", 'cr_type');
  } else {
    if (!input.cr_type) throw bad("'cr_type' is required for type Profile-CR.", 'cr_type');
    if (input.realm_name !== undefined)
      throw bad("'realm_name' is not allowed for type Profile-CR.", 'realm_name');
  }
};

const ruleFields = (input: RuleInput): Omit<ClaimRuleRec, 'id' | 'created_at' | 'modified_at' | 'rev'> => ({
  ...(input.name ? { name: input.name } : {}),
  type: input.type,
  ...(input.realm_name ? { realm_name: input.realm_name } : {}),
  ...(input.cr_type ? { cr_type: input.cr_type } : {}),
  expiration: input.expiration ?? EXPIRATION.default,
  conditions: input.conditions.map((c): ClaimCondition => ({ ...c })),
});

type LinkInput = v.InferOutput<typeof LinkBody>;

/** Which `link` fields each compute-resource type needs (the others must be absent). */
const LINK_FIELDS = {
  VSI: [],
  BMS: [],
  IKS_SA: ['namespace', 'name'],
  ROKS_SA: ['namespace', 'name'],
  CE: ['component_type', 'component_name'],
} as const satisfies Record<(typeof LINK_CR_TYPES)[number], readonly string[]>;

const OPTIONAL_LINK_FIELDS = ['namespace', 'name', 'component_type', 'component_name'] as const;

const checkLink = (ctx: Ctx, input: LinkInput): void => {
  const needed: readonly string[] = LINK_FIELDS[input.cr_type];
  for (const f of OPTIONAL_LINK_FIELDS) {
    const present = input.link[f] !== undefined;
    if (needed.includes(f) && !present)
      throw bad(`'link.${f}' is required for cr_type ${input.cr_type}.`, `link.${f}`);
    if (!needed.includes(f) && present)
      throw bad(`'link.${f}' is not allowed for cr_type ${input.cr_type}.`, `link.${f}`);
  }
  const acct = crnAccount(input.link.crn);
  if (!input.is_cross_account && acct !== ctx.state.account.id) {
    throw bad(
      "The account of 'link.crn' must match the profile's account unless 'is_cross_account' is true.",
      'link.crn',
    );
  }
  if (input.cr_type === 'VSI') {
    if (!/^crn:v1:[^:]+:[^:]+:is:[^:]*:[^:]*::instance:.+$/.test(input.link.crn))
      throw bad("'link.crn' must be the CRN of a virtual server instance for cr_type VSI.", 'link.crn');
    if (acct === ctx.state.account.id && !ctx.state.findInstanceByCrn(input.link.crn))
      throw bad(`The compute resource ${input.link.crn} was not found.`, 'link.crn');
  }
};

type IdentityInput = v.InferOutput<typeof IdentityBody>;

/** iam_id of an identity that may assume a profile, from its identifier and type. */
const identityRecord = (input: IdentityInput, index?: number): ProfileIdentityRec => {
  const at = index === undefined ? '' : `identities.${index}.`;
  if (input.accounts !== undefined && input.type !== 'user')
    throw bad(`'${at}accounts' is only valid for identities of type user.`, `${at}accounts`);
  let iamId: string;
  switch (input.type) {
    case 'user':
      if (!input.identifier.startsWith('IBMid-'))
        throw bad(`'${at}identifier' must be a user IAM ID (IBMid-…).`, `${at}identifier`);
      iamId = input.identifier;
      break;
    case 'serviceid':
      if (!input.identifier.startsWith('ServiceId-'))
        throw bad(`'${at}identifier' must be a service ID (ServiceId-…).`, `${at}identifier`);
      iamId = `iam-${input.identifier}`;
      break;
    case 'crn':
      if (!input.identifier.startsWith('crn:v1:'))
        throw bad(`'${at}identifier' must be a CRN.`, `${at}identifier`);
      iamId = `crn-${input.identifier}`;
      break;
  }
  return {
    iam_id: iamId,
    identifier: input.identifier,
    type: input.type,
    ...(input.accounts ? { accounts: [...input.accounts] } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
  };
};

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

// ---------- list filter (`filter=name co "x" and description sw "y"`) ----------

const FILTER_FIELDS = {
  name: (p: ProfileRec) => p.name,
  description: (p: ProfileRec) => p.description ?? '',
  id: (p: ProfileRec) => p.id,
  iam_id: (p: ProfileRec) => p.iam_id,
} satisfies Record<string, (p: ProfileRec) => string>;

const FILTER_OPS = {
  eq: (x: string, y: string) => x === y,
  co: (x: string, y: string) => x.includes(y),
  sw: (x: string, y: string) => x.startsWith(y),
  ew: (x: string, y: string) => x.endsWith(y),
} satisfies Record<string, (x: string, y: string) => boolean>;

const parseFilter = (raw: string): ((p: ProfileRec) => boolean) => {
  const clauses = raw.split(/\s+and\s+/i);
  const tests = clauses.map((clause) => {
    const m = /^\s*(\w+)\s+(\w+)\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(clause);
    const field = m?.[1] as keyof typeof FILTER_FIELDS | undefined;
    const op = m?.[2]?.toLowerCase() as keyof typeof FILTER_OPS | undefined;
    if (!m || !field || !op || !(field in FILTER_FIELDS) || !(op in FILTER_OPS)) {
      throw new ApiError(400, 'bad_request', `Unsupported filter expression: ${clause.trim()}`, {
        target: { name: 'filter', type: 'query', value: raw },
      });
    }
    const value = (m[3] ?? '').replace(/\\(.)/g, '$1');
    return (p: ProfileRec) => FILTER_OPS[op](FILTER_FIELDS[field](p), value);
  });
  return (p) => tests.every((t) => t(p));
};

const SORT_KEYS = {
  name: (p: ProfileRec) => p.name.toLowerCase(),
  description: (p: ProfileRec) => (p.description ?? '').toLowerCase(),
  created_at: (p: ProfileRec) => p.created_at,
  modified_at: (p: ProfileRec) => p.modified_at,
} satisfies Record<string, (p: ProfileRec) => string>;

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

const listLinks = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return { status: 200, body: { links: p.links.map(renderLink) } };
};

const sameLink = (a: ProfileLinkRec['link'], b: ProfileLinkRec['link']): boolean =>
  a.crn === b.crn &&
  a.namespace === b.namespace &&
  a.name === b.name &&
  a.component_type === b.component_type &&
  a.component_name === b.component_name;

const createLink = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const input = parseBody(ctx, LinkBody, 'bad_request');
  checkLink(ctx, input);
  const link: ProfileLinkRec['link'] = {
    crn: input.link.crn,
    ...(input.link.namespace ? { namespace: input.link.namespace } : {}),
    ...(input.link.name ? { name: input.link.name } : {}),
    ...(input.link.component_type ? { component_type: input.link.component_type } : {}),
    ...(input.link.component_name ? { component_name: input.link.component_name } : {}),
  };
  if (p.links.some((l) => l.cr_type === input.cr_type && sameLink(l.link, link))) {
    throw new ApiError(409, 'conflict', `The compute resource is already linked to trusted profile ${p.id}.`);
  }
  const at = vpcTime(ctx.now);
  const l: ProfileLinkRec = {
    id: `ProfileLink-${stableUuid(ctx.state.seed, ctx.state.nextName('link'))}`,
    ...(input.name ? { name: input.name } : {}),
    cr_type: input.cr_type,
    ...(input.is_cross_account !== undefined ? { is_cross_account: input.is_cross_account } : {}),
    link,
    created_at: at,
    modified_at: at,
    rev: 1,
  };
  p.links.push(l);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'create-link', link: renderLink(l) }, 201);
  return withTag(201, renderLink(l), linkTag(l));
};

const getLink = (ctx: Ctx): Reply => {
  const l = linkOr404(ctx, profileOr404(ctx));
  return withTag(200, renderLink(l), linkTag(l));
};

const removeLinks = (ctx: Ctx, p: ProfileRec, gone: ProfileLinkRec[]): Reply => {
  const ids = new Set(gone.map((l) => l.id));
  p.links = p.links.filter((l) => !ids.has(l.id));
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'delete-link', links: gone.map(renderLink) }, 204);
  return { status: 204 };
};

const deleteLink = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return removeLinks(ctx, p, [linkOr404(ctx, p)]);
};

const deleteLinkByParameters = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const type = enumQuery(ctx, 'type', LINK_CR_TYPES, CODES);
  if (!type) {
    throw new ApiError(400, 'bad_request', "Query parameter 'type' is required.", {
      target: { name: 'type', type: 'query' },
    });
  }
  const wanted = {
    crn: ctx.query.get('crn') ?? undefined,
    namespace: ctx.query.get('namespace') ?? undefined,
    name: ctx.query.get('name') ?? undefined,
    component_type: ctx.query.get('component_type') ?? undefined,
    component_name: ctx.query.get('component_name') ?? undefined,
  };
  const gone = p.links.filter(
    (l) =>
      l.cr_type === type &&
      Object.entries(wanted).every(
        ([k, want]) => want === undefined || l.link[k as keyof ProfileLinkRec['link']] === want,
      ),
  );
  if (gone.length === 0) {
    throw new ApiError(
      404,
      'not_found',
      `No ${type} link matching the parameters was found for profile ${p.id}.`,
    );
  }
  return removeLinks(ctx, p, gone);
};

const getIdentities = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return withTag(200, renderIdentities(p), identitiesTag(p));
};

const setIdentities = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  checkIfMatch(ctx, identitiesTag(p), 'profile identities');
  const input = parseBody(ctx, IdentitiesBody, 'bad_request');
  const next = input.identities.map((i, n) => identityRecord(i, n));
  const seen = new Set<string>();
  next.forEach((i, n) => {
    if (seen.has(i.iam_id)) throw bad(`Duplicate identity '${i.identifier}'.`, `identities.${n}.identifier`);
    seen.add(i.iam_id);
  });
  const before = p.identities.map((i) => i.iam_id);
  p.identities = next;
  touch(ctx, p);
  emitProfile(ctx, 'update', p, {
    operation: 'set-identities',
    identities: next.map(renderIdentity),
    prev_identities: before,
  });
  return withTag(200, renderIdentities(p), identitiesTag(p));
};

const identityTypeParam = (ctx: Ctx): (typeof IDENTITY_TYPES)[number] => {
  const t = ctx.params.identityType ?? '';
  if (!(IDENTITY_TYPES as readonly string[]).includes(t)) {
    throw new ApiError(400, 'bad_request', `Identity type must be one of ${IDENTITY_TYPES.join(', ')}.`, {
      target: { name: 'identity-type', type: 'parameter', value: t },
    });
  }
  return t as (typeof IDENTITY_TYPES)[number];
};

const setIdentity = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const identityType = identityTypeParam(ctx);
  const input = parseBody(ctx, IdentityBody, 'bad_request');
  if (input.type !== identityType)
    throw bad(`'type' must match the identity type '${identityType}' of the path.`, 'type');
  const rec = identityRecord(input);
  if (p.identities.some((i) => i.iam_id === rec.iam_id)) {
    throw new ApiError(
      409,
      'conflict',
      `The identity '${rec.identifier}' can already assume trusted profile ${p.id}.`,
    );
  }
  p.identities.push(rec);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'add-identity', identity: renderIdentity(rec) });
  return { status: 200, body: renderIdentity(rec) };
};

const identityOr404 = (ctx: Ctx, p: ProfileRec): ProfileIdentityRec => {
  const type = identityTypeParam(ctx);
  const id = ctx.params.identifierId ?? '';
  const found = p.identities.find((i) => i.type === type && (i.identifier === id || i.iam_id === id));
  if (!found)
    throw new ApiError(404, 'not_found', `Identity '${id}' of type ${type} not found for profile ${p.id}.`);
  return found;
};

const getIdentity = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  return { status: 200, body: renderIdentity(identityOr404(ctx, p)) };
};

const deleteIdentity = (ctx: Ctx): Reply => {
  const p = profileOr404(ctx);
  const gone = identityOr404(ctx, p);
  p.identities = p.identities.filter((i) => i !== gone);
  touch(ctx, p);
  emitProfile(ctx, 'update', p, { operation: 'delete-identity', identity: renderIdentity(gone) }, 204);
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
