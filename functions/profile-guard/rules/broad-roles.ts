// Broad roles granted to the profile, directly or through an access group it belongs to. Four rules,
// one per kind of account-wide scope, built from one evaluator so they cannot drift apart.
import { ADVICE } from './advice.ts';
import {
  broadRolesOf,
  describeAttributes,
  isActiveAccessPolicy,
  isTimeLimited,
  type PolicyScope,
  policyScope,
} from './policy-scope.ts';
import type { BreadthRule, Finding, ProfileSnapshot, ProfileThresholds, V2Policy } from './types.ts';

type BroadRoleRuleId =
  | 'broad-role-all-services'
  | 'broad-role-account-management'
  | 'broad-role-iam-services'
  | 'broad-role-resource-group';

const SCOPE_OF_RULE = {
  'broad-role-all-services': 'all-services',
  'broad-role-account-management': 'account-management',
  'broad-role-iam-services': 'iam-services',
  'broad-role-resource-group': 'resource-group',
} as const satisfies Record<BroadRoleRuleId, Exclude<PolicyScope, 'scoped'>>;

const SCOPE_WORDS = {
  'all-services': 'all IAM-enabled services in the account',
  'account-management': 'all account management services',
  'iam-services': 'the IAM services group',
  'resource-group': 'every service in a resource group',
} as const satisfies Record<Exclude<PolicyScope, 'scoped'>, string>;

interface Grant {
  policy: V2Policy;
  /** Position in its list: names a policy that came back without an id. */
  index: number;
  group?: { id: string; name: string };
}

/** Direct policies, then each group's, in the order read (findings are sorted later). */
const grantsOf = (snapshot: ProfileSnapshot): Grant[] => [
  ...snapshot.policies.map((policy, index) => ({ policy, index })),
  ...snapshot.groups.flatMap((group) =>
    group.policies.map((policy, index) => ({ policy, index, group: { id: group.id, name: group.name } })),
  ),
];

const policyRef = (grant: Grant): string => grant.policy.id ?? `unidentified-${grant.index}`;

const resourceGroupOf = (policy: V2Policy): string | undefined => {
  const value = policy.resource?.attributes.find((a) => a.key === 'resourceGroupId')?.value;
  return typeof value === 'string' ? value : undefined;
};

const evaluateScope =
  (ruleId: BroadRoleRuleId, severity: Finding['severity']) =>
  (snapshot: ProfileSnapshot, thresholds: ProfileThresholds): Finding[] => {
    const scope = SCOPE_OF_RULE[ruleId];
    return grantsOf(snapshot).flatMap((grant): Finding[] => {
      const { policy, group } = grant;
      if (!isActiveAccessPolicy(policy) || policyScope(policy) !== scope) return [];
      const roles = broadRolesOf(policy, thresholds.broad_roles);
      if (roles.length === 0) return [];
      const ref = policyRef(grant);
      const timeLimited = isTimeLimited(policy);
      const conditional = policy.pattern !== undefined || policy.rule !== undefined;
      const where =
        scope === 'resource-group'
          ? `every service in resource group ${resourceGroupOf(policy) ?? '(unknown)'}`
          : SCOPE_WORDS[scope];
      const how = group ? ` through access group ${group.name} (${group.id})` : '';
      const when = timeLimited
        ? ` The grant has a time-based condition (${policy.pattern ?? 'rule'}): it is still broad whenever it applies.`
        : '';
      return [
        {
          id: group ? `${ruleId}:group/${group.id}/policy/${ref}` : `${ruleId}:policy/${ref}`,
          rule_id: ruleId,
          severity,
          summary: `Policy ${ref} grants ${roles.join(', ')} on ${where}${how}.${when}`,
          evidence: {
            policy_ids: [ref],
            roles,
            resource: describeAttributes(policy),
            ...(group ? { group_ids: [group.id], group_names: [group.name] } : {}),
            ...(conditional
              ? {
                  condition: {
                    ...(policy.pattern !== undefined ? { pattern: policy.pattern } : {}),
                    ...(policy.rule !== undefined ? { rule: policy.rule } : {}),
                  },
                }
              : {}),
          },
          affected_crns: [snapshot.profile.crn],
          ...(group ? { inherited: true } : {}),
          ...(timeLimited ? { time_limited: true } : {}),
        },
      ];
    });
  };

const INHERITED_FIX =
  ' If the grant is inherited, remove the profile from the access group or narrow the group\u2019s policy.';

const broadRoleRules = {
  'broad-role-all-services': {
    id: 'broad-role-all-services',
    severity: 'high',
    title: 'Broad role on all IAM-enabled services',
    explanation:
      'Anyone who can run code on a linked compute resource can exchange its identity token for this profile and then create, change or delete resources of every IAM-enabled service in the account (VPC, storage, databases, keys).',
    advice: ADVICE.updateProfiles,
    fix:
      'Replace the account-wide policy with policies scoped to the services and resources the workload needs (serviceName plus a resource group or instance), with the least role that works (Viewer/Reader where possible).' +
      INHERITED_FIX,
    evaluate: evaluateScope('broad-role-all-services', 'high'),
  },
  'broad-role-account-management': {
    id: 'broad-role-account-management',
    severity: 'high',
    title: 'Broad role on all account management services',
    explanation:
      'A compromised compute resource using this profile could manage the account itself: invite users, change billing, create access groups and manage other identities.',
    advice: ADVICE.updateProfiles,
    fix:
      'Remove the account-management policy; compute workloads rarely need it. If one does, grant the single service and the least role it needs.' +
      INHERITED_FIX,
    evaluate: evaluateScope('broad-role-account-management', 'high'),
  },
  'broad-role-iam-services': {
    id: 'broad-role-iam-services',
    severity: 'high',
    title: 'Broad role on the IAM services group',
    explanation:
      'A compromised compute resource using this profile could write IAM policies, API keys and trusted profiles, and so grant itself or an attacker any access in the account.',
    advice: ADVICE.updateProfiles,
    fix:
      'Remove the IAM services policy from the profile. Manage IAM from a human-approved pipeline, not from a workload identity.' +
      INHERITED_FIX,
    evaluate: evaluateScope('broad-role-iam-services', 'high'),
  },
  'broad-role-resource-group': {
    id: 'broad-role-resource-group',
    severity: 'medium',
    title: 'Broad role on a whole resource group',
    explanation:
      'A compromised compute resource using this profile could change or delete every resource of every service in the resource group, including ones unrelated to the workload.',
    advice: ADVICE.updateProfiles,
    fix:
      'Add serviceName (and, where possible, a resource type or instance) to the policy and use the least role that works.' +
      INHERITED_FIX,
    evaluate: evaluateScope('broad-role-resource-group', 'medium'),
  },
} satisfies Record<BroadRoleRuleId, BreadthRule>;

const BROAD_ROLE_RULE_IDS = Object.keys(broadRoleRules) as BroadRoleRuleId[];

export type { BroadRoleRuleId };
export { BROAD_ROLE_RULE_IDS, broadRoleRules };
