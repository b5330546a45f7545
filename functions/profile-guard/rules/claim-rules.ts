// Claim rules: which compute resources may assume the profile without a link, and for how long.
import { ADVICE } from './advice.ts';
import type {
  BreadthRule,
  ClaimCondition,
  Finding,
  ProfileClaimRule,
  ProfileSnapshot,
  ProfileThresholds,
} from './types.ts';

type ClaimRuleRuleId = 'vsi-rule-unpinned' | 'long-session';

// IBM's list of VSI claim names is UNCONFIRMED (ibm-api-facts.md §3.4): we accept the instance's CRN or
// id under the names IBM uses elsewhere as pinning, and everything else (vpc_id, resource_group_id,
// zone…) as area-wide. A wrong guess here makes the rule fire, never stay silent.
const PINNING_CLAIMS = new Set(['crn', 'instance_crn', 'instance_id']);
const AREA_CLAIMS = new Set([
  'vpc_id',
  'vpc_crn',
  'vpc',
  'resource_group_id',
  'resource_group',
  'zone',
  'region',
  'subnet_id',
  'account_id',
]);
const PINNING_OPERATORS = new Set(['EQUALS', 'EQUALS_IGNORE_CASE', 'IN']);
/** Operators that match open-ended sets of instances, whatever the claim. */
const LOOSE_OPERATORS = new Set(['NOT_EQUALS', 'NOT_EQUALS_IGNORE_CASE', 'CONTAINS']);

const isVsiRule = (rule: ProfileClaimRule): boolean =>
  rule.type === 'Profile-CR' && rule.cr_type?.toUpperCase() === 'VSI';

/** Condition values are stringified JSON (`"\"crn:…\""`, `"[\"a\",\"b\"]"`); tolerate raw text too. */
const conditionValues = (value: string): string[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = value;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((x): x is string => typeof x === 'string').map((s) => s.trim());
};

/** A condition that names specific instances: an instance claim, an exact operator, concrete values. */
const pinsInstances = (c: ClaimCondition): boolean => {
  if (!PINNING_CLAIMS.has(c.claim.toLowerCase()) || !PINNING_OPERATORS.has(c.operator.toUpperCase())) {
    return false;
  }
  const values = conditionValues(c.value);
  return values.length > 0 && values.every((s) => s.length > 0 && !s.includes('*'));
};

type UnpinnedReason = 'no-conditions' | 'no-instance-pin' | 'loose-operator' | 'area-wide-claims-only';

const unpinnedReasons = (rule: ProfileClaimRule): UnpinnedReason[] => {
  const { conditions } = rule;
  if (conditions.length === 0) return ['no-conditions'];
  const reasons: UnpinnedReason[] = [];
  if (!conditions.some(pinsInstances)) reasons.push('no-instance-pin');
  // Even next to a pin, a negative or substring test says the author meant "many instances".
  if (conditions.some((c) => LOOSE_OPERATORS.has(c.operator.toUpperCase()))) reasons.push('loose-operator');
  if (conditions.every((c) => AREA_CLAIMS.has(c.claim.toLowerCase()))) reasons.push('area-wide-claims-only');
  return reasons;
};

const REASON_WORDS = {
  'no-conditions': 'it has no conditions, so every VSI in the account matches',
  'no-instance-pin': 'no condition names specific instances (crn or instance id with EQUALS/IN)',
  'loose-operator': 'it uses NOT_EQUALS/CONTAINS, which match open-ended sets of instances',
  'area-wide-claims-only': 'it only tests VPC, resource group or location, so any VSI created there matches',
} as const satisfies Record<UnpinnedReason, string>;

const ruleRef = (rule: ProfileClaimRule): string => (rule.name ? `${rule.name} (${rule.id})` : rule.id);

/** Thresholds do not apply: a rule either pins instances or it does not. */
const evaluateUnpinned = (snapshot: ProfileSnapshot, _thresholds: ProfileThresholds): Finding[] =>
  snapshot.rules.filter(isVsiRule).flatMap((rule): Finding[] => {
    const reasons = unpinnedReasons(rule);
    if (reasons.length === 0) return [];
    return [
      {
        id: `vsi-rule-unpinned:rule/${rule.id}`,
        rule_id: 'vsi-rule-unpinned',
        severity: 'high',
        summary: `Claim rule ${ruleRef(rule)} lets VSIs assume the profile without pinning instances: ${reasons.map((r) => REASON_WORDS[r]).join('; ')}.`,
        evidence: { claim_rule_ids: [rule.id], conditions: rule.conditions, reasons },
        affected_crns: [snapshot.profile.crn],
      },
    ];
  });

// Federated-user (Profile-SAML) sessions do not start from a metadata service, so only Profile-CR counts.
const evaluateLongSession = (snapshot: ProfileSnapshot, thresholds: { max_session_seconds: number }) =>
  snapshot.rules.flatMap((rule): Finding[] => {
    if (rule.type !== 'Profile-CR') return [];
    if (!Number.isFinite(rule.expiration) || rule.expiration <= thresholds.max_session_seconds) return [];
    return [
      {
        id: `long-session:rule/${rule.id}`,
        rule_id: 'long-session',
        severity: 'low',
        summary: `Claim rule ${ruleRef(rule)} allows sessions of ${rule.expiration} s; the policy allows at most ${thresholds.max_session_seconds} s.`,
        evidence: {
          claim_rule_ids: [rule.id],
          expiration_seconds: rule.expiration,
          limit: thresholds.max_session_seconds,
        },
        affected_crns: [snapshot.profile.crn],
      },
    ];
  });

const claimRuleRules = {
  'vsi-rule-unpinned': {
    id: 'vsi-rule-unpinned',
    severity: 'high',
    title: 'VSI claim rule does not pin specific instances',
    explanation:
      'Any virtual server that matches the rule (including ones created later, by anyone allowed to create servers in that VPC or resource group) can ask its metadata service for an identity token and trade it for this profile\u2019s access.',
    advice: ADVICE.limitProfiles,
    fix: 'Rewrite the rule with a crn condition (EQUALS, or IN with a list) naming the instances that need the profile, or replace the rule with links to those instances. Remove NOT_EQUALS/CONTAINS conditions.',
    evaluate: evaluateUnpinned,
  },
  'long-session': {
    id: 'long-session',
    severity: 'low',
    title: 'Compute-resource claim rule session longer than allowed',
    explanation:
      'A stolen session keeps working for as long as the rule\u2019s expiration, even after the compute resource is fixed or the profile is tightened.',
    advice: ADVICE.updateProfiles,
    fix: 'Lower the claim rule\u2019s expiration to the policy\u2019s max_session_seconds or less.',
    evaluate: evaluateLongSession,
  },
} satisfies Record<ClaimRuleRuleId, BreadthRule>;

export { claimRuleRules, conditionValues, pinsInstances };
