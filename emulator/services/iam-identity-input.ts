// IAM Identity trusted profiles — request bodies (valibot), their checks, list filters and sort keys.
import * as v from 'valibot';
import type { Ctx } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { crnAccount } from '../core/ids.ts';
import type { ClaimCondition, ClaimRuleRec, ProfileIdentityRec, ProfileRec } from '../core/state.ts';
import {
  EXPIRATION,
  IDENTITY_TYPES,
  LINK_CR_TYPES,
  OPERATORS,
  RULE_CR_TYPES,
  RULE_TYPES,
} from './iam-identity-model.ts';

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

export {
  ACCOUNT_ID,
  bad,
  Condition,
  CreateProfileBody,
  checkLink,
  checkRule,
  FILTER_FIELDS,
  FILTER_OPS,
  IdentitiesBody,
  IdentityBody,
  type IdentityInput,
  identityRecord,
  LINK_FIELDS,
  LinkBody,
  type LinkInput,
  NonEmpty,
  OPTIONAL_LINK_FIELDS,
  parseFilter,
  RuleBody,
  type RuleInput,
  ruleFields,
  SORT_KEYS,
  sameName,
  UpdateProfileBody,
};
