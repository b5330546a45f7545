// IAM Identity trusted profiles — limits, entity tags, IBM response shapes, lookups and change events.
import type { ChangeEvent, Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { vpcTime } from '../core/ids.ts';
import type {
  ClaimRuleRec,
  EmulatorState,
  ProfileIdentityRec,
  ProfileLinkRec,
  ProfileRec,
} from '../core/state.ts';
import { contentTag, entityTag, type IamCodes, ifMatchOf, matchesTag } from './iam-shared.ts';

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

export {
  CODES,
  checkIfMatch,
  EXPIRATION,
  emitProfile,
  IDENTITY_TYPES,
  identitiesTag,
  idTime,
  LINK_CR_TYPES,
  linkOr404,
  linkTag,
  MAX_RULES,
  OPERATORS,
  profileOr404,
  profileTag,
  REASON,
  REASON_TYPE,
  RULE_CR_TYPES,
  RULE_TYPES,
  renderIdentities,
  renderIdentity,
  renderLink,
  renderProfile,
  renderRule,
  ruleOr404,
  ruleTag,
  touch,
  VERB,
  withTag,
};
