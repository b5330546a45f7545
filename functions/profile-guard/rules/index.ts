// The breadth-rule registry: one entry per rule id the policy knows (shared/policy/profiles.ts).
import type { ProfileRuleId } from '#shared/policy/profiles.ts';
import { PROFILE_RULE_IDS } from '#shared/policy/profiles.ts';
import { broadRoleRules } from './broad-roles.ts';
import { claimRuleRules } from './claim-rules.ts';
import { exposureRules } from './exposure.ts';
import { linkRules } from './links.ts';
import { compareFindings, severityRank } from './order.ts';
import type { BreadthRule, Finding, ProfileSnapshot, ProfileThresholds } from './types.ts';

const BREADTH_RULES = {
  ...broadRoleRules,
  ...claimRuleRules,
  ...linkRules,
  ...exposureRules,
} satisfies Record<ProfileRuleId, BreadthRule>;

/** Every enabled rule over one snapshot; findings sorted and deduplicated by id. */
const evaluateRules = (snapshot: ProfileSnapshot, thresholds: ProfileThresholds): Finding[] => {
  const byId = new Map<string, Finding>();
  for (const id of PROFILE_RULE_IDS) {
    if (thresholds.disabled_rules.includes(id)) continue;
    for (const finding of BREADTH_RULES[id].evaluate(snapshot, thresholds)) {
      if (!byId.has(finding.id)) byId.set(finding.id, finding);
    }
  }
  return [...byId.values()].sort(compareFindings);
};

export { BREADTH_RULES, compareFindings, evaluateRules, severityRank };
