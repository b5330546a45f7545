// One planned trusted profile → check results: each breadth finding of the profile guard's assessment
// at the plan address that causes it, a "cannot tell" for what is known only after apply, or one pass.
import { assessProfile } from '#functions/profile-guard/decide.ts';
import { BREADTH_RULES } from '#functions/profile-guard/rules/index.ts';
import type { Finding } from '#functions/profile-guard/rules/types.ts';
import type { ProfileExemption } from '#shared/policy/profiles.ts';
import type { Policy } from '#shared/policy/schema.ts';
import type { Unknown } from './profile-parts.ts';
import { assemble, PROFILE, type ProfileGroup } from './profiles.ts';
import type { CheckResult } from './types.ts';
import type { PlanIndex } from './values.ts';

const POLICY = 'ibm_iam_trusted_profile_policy';

/** The plan address a finding is about (snapshot ids are plan addresses; profile-parts.ts). */
const addressOf = (f: Finding, profileAddress: string): string => {
  const e = f.evidence;
  switch (f.rule_id) {
    case 'broad-role-all-services':
    case 'broad-role-account-management':
    case 'broad-role-iam-services':
    case 'broad-role-resource-group':
      return e.policy_ids?.[0] ?? profileAddress;
    case 'vsi-rule-unpinned':
    case 'long-session':
      return e.claim_rule_ids?.[0] ?? profileAddress;
    case 'cross-account-link':
      return e.link_ids?.[0] ?? profileAddress;
    case 'exposed-privileged-vsi':
      return e.instance_crn ?? profileAddress;
    case 'too-many-vsi-links':
      return profileAddress;
    default:
      return f.rule_id satisfies never;
  }
};

const exemptionText = (e: ProfileExemption): string =>
  `exempt until ${e.expires} (ticket ${e.ticket}, approved by ${e.approver}${e.reason ? `: ${e.reason}` : ''})`;

const located = (ix: PlanIndex, address: string) => {
  const rc = ix.changes.get(address);
  return { address, type: rc?.type ?? PROFILE, actions: rc ? [...rc.change.actions] : [] };
};

const relatedOf = (ix: PlanIndex, f: Finding, address: string): string[] => {
  const e = f.evidence;
  const all = [
    ...(e.policy_ids ?? []),
    ...(e.claim_rule_ids ?? []),
    ...(e.link_ids ?? []),
    ...(e.instance_crn ? [e.instance_crn] : []),
  ];
  return [...new Set(all)].filter((a) => a !== address && ix.changes.has(a));
};

const unknownResult = (ix: PlanIndex, u: Unknown, notes: string[]): CheckResult => ({
  ...located(ix, u.address),
  check: u.check,
  verdict: 'unknown',
  severity: null,
  summary: `cannot tell before apply: ${u.why}`,
  reasons: [...notes, `cannot tell before apply: ${u.why}`],
});

/** Linked instances the plan cannot show matter only next to a grant that is (or may be) broad. */
const exposureUnknowns = (
  ix: PlanIndex,
  findings: Finding[],
  unknowns: Unknown[],
  unseen: { address: string; why: string }[],
) => {
  const broad =
    findings.some((f) => f.rule_id.startsWith('broad-role-')) ||
    unknowns.some((u) => ix.changes.get(u.address)?.type === POLICY);
  return broad
    ? unseen.map(
        (u): Unknown => ({
          check: 'exposed-privileged-vsi',
          address: u.address,
          why: `instance ${u.address} can assume a broadly privileged profile and ${u.why}`,
        }),
      )
    : [];
};

/** Check results for one profile of the plan. */
const judgeProfile = (ix: PlanIndex, group: ProfileGroup, policy: Policy, now: Date): CheckResult[] => {
  const { snapshot, unknowns, notes, unseen } = assemble(ix, group);
  const assessment = assessProfile(snapshot, policy.profiles, now);
  const profileAddress =
    group.profile?.address ?? group.members[0]?.address ?? group.instances[0]?.address ?? group.key;
  const open = [...unknowns, ...exposureUnknowns(ix, assessment.findings, unknowns, unseen)].filter(
    (u) => !(u.check !== 'profile-breadth' && policy.profiles.disabled_rules.includes(u.check)),
  );
  const blocked = new Set(open.map((u) => `${u.check} ${u.address}`));
  const expired = assessment.expired_exemption
    ? [
        `exemption (ticket ${assessment.expired_exemption.ticket}) expired at ${assessment.expired_exemption.expires} and was ignored`,
      ]
    : [];
  const results: CheckResult[] = assessment.findings
    .map((f) => ({ f, address: addressOf(f, profileAddress) }))
    .filter(({ f, address }) => !blocked.has(`${f.rule_id} ${address}`))
    .map(({ f, address }) => {
      const rule = BREADTH_RULES[f.rule_id];
      const exempt = assessment.exempt ? [exemptionText(assessment.exempt)] : [];
      return {
        ...located(ix, address),
        check: f.rule_id,
        verdict: assessment.exempt ? 'exempt' : 'ticket',
        severity: f.severity,
        summary: f.summary,
        reasons: [...notes, ...expired, f.summary, rule.explanation, `fix: ${rule.fix}`, ...exempt],
        related: relatedOf(ix, f, address),
        finding_id: f.id,
      };
    });
  results.push(...open.map((u) => unknownResult(ix, u, notes)));
  if (results.length > 0) return results;
  return [
    {
      ...located(ix, profileAddress),
      check: 'profile-breadth',
      verdict: 'pass',
      severity: null,
      summary: 'no breadth finding in what this plan manages',
      reasons: [...notes, ...expired],
    },
  ];
};

export { judgeProfile };
