// Planned ibm_iam_trusted_profile_* resources → the wire shapes the profile guard's breadth rules read
// (functions/profile-guard/rules/types.ts). Attribute names and defaults follow terraform-provider-ibm
// (website/docs/r/iam_trusted_profile_*.html.markdown; flex.GenerateV2PolicyOptions for how a policy's
// `resources` become v2 resource attributes). Ids are plan addresses, so findings point back at them.
// Whatever the rules need and Terraform knows only after apply is returned as an `Unknown` instead.
import type {
  PolicyAttribute,
  PolicyCondition,
  ProfileClaimRule,
  ProfileLink,
  V2Policy,
} from '#functions/profile-guard/rules/types.ts';
import type { ProfileRuleId } from '#shared/policy/profiles.ts';
import { INSTANCE } from './metadata.ts';
import { isRecord, type ResourceChange } from './read.ts';
import { knownString, type PlanIndex, referencedAddress, type Slot, slotAt } from './values.ts';

/** Something a check needs that the plan cannot show yet. */
interface Unknown {
  check: ProfileRuleId | 'profile-breadth';
  address: string;
  why: string;
}

type Part<T> = { ok: true; value: T; notes: string[] } | { ok: false; unknown: Unknown };

/** IBM's session length for a Profile-CR rule written without one: UNCONFIRMED (docs/fidelity/iam.md). */
const DEFAULT_CR_EXPIRATION = 43_200;
/** Not the value, only its presence decides a policy's scope for these attributes. */
const AFTER_APPLY = '(known after apply)';

const unknownPart = (check: Unknown['check'], address: string, why: string): Part<never> => ({
  ok: false,
  unknown: { check, address, why },
});

const text = (slot: Slot): string | undefined => knownString(slot);

// ---- Claim rules -----------------------------------------------------------------------------------

const conditionsOf = (rc: ResourceChange): ProfileClaimRule['conditions'] | undefined => {
  const slot = slotAt(rc.change, ['conditions']);
  if (slot.state === 'unknown') return undefined;
  const list = slot.state === 'known' && Array.isArray(slot.value) ? slot.value : [];
  const out: ProfileClaimRule['conditions'] = [];
  for (const [i] of list.entries()) {
    const [claim, operator, value] = (['claim', 'operator', 'value'] as const).map((k) =>
      text(slotAt(rc.change, ['conditions', i, k])),
    );
    if (claim === undefined || operator === undefined || value === undefined) return undefined;
    out.push({ claim, operator, value });
  }
  return out;
};

const claimRuleOf = (rc: ResourceChange): Part<ProfileClaimRule> => {
  const type = text(slotAt(rc.change, ['type']));
  const crType = slotAt(rc.change, ['cr_type']);
  if (type === undefined || crType.state === 'unknown')
    return unknownPart(
      'profile-breadth',
      rc.address,
      'the claim rule type or cr_type is known only after apply',
    );
  const conditions = conditionsOf(rc);
  if (conditions === undefined)
    return unknownPart(
      'vsi-rule-unpinned',
      rc.address,
      'the claim rule conditions are known only after apply',
    );
  const expiration = slotAt(rc.change, ['expiration']);
  if (expiration.state === 'unknown')
    return unknownPart('long-session', rc.address, 'the claim rule expiration is known only after apply');
  const notes: string[] = [];
  let seconds = expiration.state === 'known' ? Number(expiration.value) : Number.NaN;
  if (type === 'Profile-CR' && expiration.state === 'unset') {
    seconds = DEFAULT_CR_EXPIRATION;
    notes.push(
      `${rc.address} sets no expiration: IBM's default session (${DEFAULT_CR_EXPIRATION} s, UNCONFIRMED) is assumed`,
    );
  }
  const name = text(slotAt(rc.change, ['name']));
  const cr = text(crType);
  return {
    ok: true,
    value: {
      id: rc.address,
      type,
      expiration: seconds,
      conditions,
      ...(name ? { name } : {}),
      ...(cr ? { cr_type: cr } : {}),
    },
    notes,
  };
};

// ---- Links -----------------------------------------------------------------------------------------

/** The linked compute resource: an instance of the plan (by address) or a CRN the plan knows. */
const linkTargetOf = (ix: PlanIndex, rc: ResourceChange): string | undefined =>
  referencedAddress(ix, rc, ['link', 0, 'crn'], [INSTANCE]) ?? text(slotAt(rc.change, ['link', 0, 'crn']));

const linkOf = (ix: PlanIndex, rc: ResourceChange): Part<ProfileLink> => {
  const crType = text(slotAt(rc.change, ['cr_type']));
  const cross = slotAt(rc.change, ['is_cross_account']);
  if (crType === undefined || cross.state === 'unknown')
    return unknownPart(
      'profile-breadth',
      rc.address,
      'the link cr_type or is_cross_account is known only after apply',
    );
  const target = linkTargetOf(ix, rc);
  const name = text(slotAt(rc.change, ['name']));
  return {
    ok: true,
    value: {
      id: rc.address,
      cr_type: crType,
      link: target ? { crn: target } : {},
      ...(name ? { name } : {}),
      ...(cross.state === 'known' ? { is_cross_account: cross.value === true } : {}),
    },
    notes: target ? [] : [`${rc.address}: the linked resource is known only after apply`],
  };
};

// ---- Policies --------------------------------------------------------------------------------------

/** `resources { service = "is" … }` fields → v2 attribute keys (flex.GenerateV2PolicyOptions). */
const RESOURCE_KEYS = {
  service: 'serviceName',
  service_group_id: 'service_group_id',
  resource_instance_id: 'serviceInstance',
  region: 'region',
  resource_type: 'resourceType',
  resource: 'resource',
  resource_group_id: 'resourceGroupId',
  service_type: 'serviceType',
} as const;

/** Keys whose value (not only presence) decides the scope (policy-scope.ts). */
const VALUE_MATTERS = new Set(['serviceType', 'service_group_id']);

const attribute = (
  key: string,
  slot: Slot,
  operator = 'stringEquals',
): PolicyAttribute | 'unknown' | undefined => {
  if (slot.state === 'unset' || (slot.state === 'known' && slot.value === '')) return undefined;
  if (slot.state === 'unknown')
    return VALUE_MATTERS.has(key) ? 'unknown' : { key, operator, value: AFTER_APPLY };
  return { key, operator, value: slot.value };
};

const resourceAttributes = (rc: ResourceChange): PolicyAttribute[] | undefined => {
  const out: (PolicyAttribute | 'unknown' | undefined)[] = [];
  const resources = slotAt(rc.change, ['resources']);
  if (resources.state === 'unknown') return undefined;
  for (const [key, v2] of Object.entries(RESOURCE_KEYS))
    out.push(attribute(v2, slotAt(rc.change, ['resources', 0, key])));
  const extra = slotAt(rc.change, ['resources', 0, 'attributes']);
  if (extra.state === 'unknown') return undefined;
  if (extra.state === 'known' && isRecord(extra.value))
    for (const k of Object.keys(extra.value))
      out.push(attribute(k, slotAt(rc.change, ['resources', 0, 'attributes', k])));
  const listed = slotAt(rc.change, ['resource_attributes']);
  if (listed.state === 'unknown') return undefined;
  for (const [i] of (listed.state === 'known' && Array.isArray(listed.value) ? listed.value : []).entries()) {
    const at = (k: string) => slotAt(rc.change, ['resource_attributes', i, k]);
    const name = text(at('name'));
    const operator = at('operator');
    if (name === undefined || operator.state === 'unknown') return undefined;
    out.push(attribute(name, at('value'), text(operator) ?? 'stringEquals'));
  }
  if (out.includes('unknown')) return undefined;
  return out.filter((a): a is PolicyAttribute => a !== undefined && a !== 'unknown');
};

const conditionOf = (x: unknown): PolicyCondition | undefined => {
  if (!isRecord(x) || typeof x.operator !== 'string') return undefined;
  const nested = Array.isArray(x.conditions)
    ? x.conditions.map(conditionOf).filter((c) => c !== undefined)
    : [];
  return {
    operator: x.operator,
    ...(typeof x.key === 'string' && x.key !== '' ? { key: x.key } : {}),
    ...(x.value !== undefined && x.value !== null ? { value: x.value } : {}),
    ...(nested.length > 0 ? { conditions: nested } : {}),
  };
};

/** `rule_conditions` + `rule_operator` + `pattern` (time-based conditions and the like). */
const conditionsPart = (rc: ResourceChange): Pick<V2Policy, 'rule' | 'pattern'> | undefined => {
  const rules = slotAt(rc.change, ['rule_conditions']);
  const pattern = slotAt(rc.change, ['pattern']);
  if (rules.state === 'unknown' || pattern.state === 'unknown') return undefined;
  const list = rules.state === 'known' && Array.isArray(rules.value) ? rules.value : [];
  const conditions = list.map(conditionOf).filter((c) => c !== undefined);
  const operator = text(slotAt(rc.change, ['rule_operator'])) ?? 'and';
  return {
    ...(conditions.length > 0
      ? { rule: conditions.length === 1 ? conditions[0] : { operator, conditions } }
      : {}),
    ...(text(pattern) ? { pattern: text(pattern) } : {}),
  };
};

const policyOf = (rc: ResourceChange): Part<V2Policy> => {
  const roles = slotAt(rc.change, ['roles']);
  const management = slotAt(rc.change, ['account_management']);
  const tags = slotAt(rc.change, ['resource_tags']);
  const attributes = resourceAttributes(rc);
  const conditions = conditionsPart(rc);
  if (
    roles.state !== 'known' ||
    management.state === 'unknown' ||
    tags.state === 'unknown' ||
    !attributes ||
    !conditions
  )
    return unknownPart(
      'profile-breadth',
      rc.address,
      'the policy roles or resource attributes are known only after apply',
    );
  const names = Array.isArray(roles.value)
    ? roles.value.filter((r): r is string => typeof r === 'string')
    : [];
  if (management.state === 'known' && management.value === true)
    attributes.push({ key: 'serviceType', operator: 'stringEquals', value: 'platform_service' });
  // No resource attributes at all: the provider writes serviceType=service, "all IAM-enabled services".
  if (attributes.length === 0)
    attributes.push({ key: 'serviceType', operator: 'stringEquals', value: 'service' });
  const tagList = tags.state === 'known' && Array.isArray(tags.value) ? tags.value : [];
  const resourceTags = tagList
    .filter(isRecord)
    .map((t) => ({ key: String(t.name), operator: String(t.operator ?? 'stringEquals'), value: t.value }));
  return {
    ok: true,
    value: {
      id: rc.address,
      type: 'access',
      state: 'active',
      resource: { attributes, ...(resourceTags.length > 0 ? { tags: resourceTags } : {}) },
      control: { grant: { roles: names.map((name) => ({ role_id: name, display_name: name })) } },
      ...conditions,
    },
    notes: [],
  };
};

export type { Part, Unknown };
export { claimRuleOf, DEFAULT_CR_EXPIRATION, linkOf, linkTargetOf, policyOf };
