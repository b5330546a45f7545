// `imds-guard check-plan`: a Terraform JSON plan × the policy → what the guards would do after apply.
// Pure: the plan, the validated policy and the clock come in; a report goes out.
import type { Policy } from '#shared/policy/schema.ts';
import { deleting } from './attributes.ts';
import { JUDGES } from './instances.ts';
import { judgeProfile } from './profile-results.ts';
import { groupProfiles } from './profiles.ts';
import type { Plan, ResourceChange } from './read.ts';
import { type CheckReport, type CheckResult, EXIT, type NotJudged, VERDICTS, type Verdict } from './types.ts';
import { indexPlan, type PlanIndex, slotAt } from './values.ts';

/** Types near the guards' work that this check does not judge, and why (said in the report). */
const NOT_JUDGED = {
  ibm_is_bare_metal_server:
    'bare metal servers have a metadata service too (enabled, protocol), but the guards do not manage them',
  ibm_iam_trusted_profile_identity: 'who may assume a profile is informational for the profile guard as well',
  ibm_iam_trusted_profile_identities:
    'who may assume a profile is informational for the profile guard as well',
  ibm_iam_trusted_profile_template: 'enterprise trusted profile templates are not judged',
  ibm_iam_trusted_profile_template_assignment: 'enterprise trusted profile templates are not judged',
  ibm_iam_access_group_members:
    'grants a profile gets through an access group are not followed in a plan; `imds-guard scan --include profiles` sees them',
} satisfies Record<string, string>;

/** Creates, updates and replacements are judged; no-ops, reads and deletions change nothing. */
const judged = (rc: ResourceChange): boolean =>
  rc.change.actions.includes('create') || rc.change.actions.includes('update');

/** Access-group memberships matter here only when they add trusted profiles. */
const notJudgedWhy = (rc: ResourceChange): string | undefined => {
  if (!Object.hasOwn(NOT_JUDGED, rc.type) || !judged(rc) || deleting(rc)) return undefined;
  if (rc.type === 'ibm_iam_access_group_members') {
    const profiles = slotAt(rc.change, ['profile_ids']);
    const none =
      profiles.state === 'unset' ||
      (profiles.state === 'known' && Array.isArray(profiles.value) && profiles.value.length === 0);
    if (none) return undefined;
  }
  return NOT_JUDGED[rc.type as keyof typeof NOT_JUDGED];
};

const judgeMetadata = (ix: PlanIndex, policy: Policy, now: Date): CheckResult[] =>
  [...ix.changes.values()].flatMap((rc) => {
    if (!Object.hasOwn(JUDGES, rc.type) || !judged(rc)) return [];
    return [JUDGES[rc.type as keyof typeof JUDGES](ix, rc, policy, now)];
  });

const ORDER = new Map(VERDICTS.map((v, i) => [v, i]));

/** Most pressing first (what fails the check, then what cannot be told), then by address. */
const byVerdict = (a: CheckResult, b: CheckResult): number =>
  (ORDER.get(a.verdict) ?? 0) - (ORDER.get(b.verdict) ?? 0) ||
  (a.address < b.address ? -1 : a.address > b.address ? 1 : 0) ||
  (a.check < b.check ? -1 : a.check > b.check ? 1 : 0);

const checkPlan = (plan: Plan, policy: Policy, now: Date): CheckReport => {
  const ix = indexPlan(plan);
  const results = [
    ...judgeMetadata(ix, policy, now),
    ...groupProfiles(ix).flatMap((g) => judgeProfile(ix, g, policy, now)),
  ].sort(byVerdict);
  const notJudged: NotJudged[] = [...ix.changes.values()].flatMap((rc) => {
    const why = notJudgedWhy(rc);
    return why ? [{ address: rc.address, type: rc.type, why }] : [];
  });
  const notes: string[] = [];
  if (!ix.hasConfig)
    notes.push(
      'the plan has no configuration section: arguments left to IBM cannot be told apart from values known only after apply',
    );
  return { results, not_judged: notJudged, notes };
};

const countVerdicts = (report: CheckReport): Record<Verdict, number> => {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of report.results) counts[r.verdict] += 1;
  return counts;
};

/** 3 when a guard would change or ticket something, else 4 when something cannot be told, else 0. */
const exitCodeFor = (report: CheckReport): number => {
  const counts = countVerdicts(report);
  if (counts.change + counts.ticket > 0) return EXIT.changes;
  return counts.unknown > 0 ? EXIT.unknown : EXIT.ok;
};

export { checkPlan, countVerdicts, exitCodeFor, NOT_JUDGED };
