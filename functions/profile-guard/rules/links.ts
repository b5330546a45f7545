// Links: compute resources bound to the profile by CRN.
import { parseCrn } from '#shared/cloud/crn.ts';
import { ADVICE } from './advice.ts';
import type { BreadthRule, Finding, FindingEvidence, ProfileLink, ProfileSnapshot } from './types.ts';

type LinkRuleId = 'cross-account-link' | 'too-many-vsi-links';

const crnAccount = (crn: string | undefined): string | undefined =>
  crn ? parseCrn(crn)?.account : undefined;

const linkRef = (link: ProfileLink): string => link.link.crn ?? link.id;

const evaluateCrossAccount = (
  snapshot: ProfileSnapshot,
  thresholds: { allow_cross_account_links: boolean },
): Finding[] => {
  if (thresholds.allow_cross_account_links) return [];
  return snapshot.links.flatMap((link): Finding[] => {
    const detectedBy: NonNullable<FindingEvidence['detected_by']> = [];
    if (link.is_cross_account === true) detectedBy.push('is_cross_account');
    const account = crnAccount(link.link.crn);
    // The flag is optional on the wire; a CRN from another account says the same thing.
    if (account !== undefined && account !== snapshot.account_id) detectedBy.push('crn_account');
    if (detectedBy.length === 0) return [];
    return [
      {
        id: `cross-account-link:link/${link.id}`,
        rule_id: 'cross-account-link',
        severity: 'high',
        summary: `Link ${link.id} lets ${link.cr_type} ${linkRef(link)} from ${account !== undefined && account !== snapshot.account_id ? `account ${account}` : 'another account'} assume the profile.`,
        evidence: {
          link_ids: [link.id],
          ...(link.link.crn ? { link_crns: [link.link.crn] } : {}),
          detected_by: detectedBy,
        },
        affected_crns: [snapshot.profile.crn, ...(link.link.crn ? [link.link.crn] : [])],
      },
    ];
  });
};

const vsiLinks = (snapshot: ProfileSnapshot): ProfileLink[] =>
  snapshot.links.filter((l) => l.cr_type.toUpperCase() === 'VSI');

const evaluateTooMany = (snapshot: ProfileSnapshot, thresholds: { max_linked_vsis: number }): Finding[] => {
  const links = vsiLinks(snapshot);
  const targets = [...new Set(links.map(linkRef))].sort();
  if (targets.length <= thresholds.max_linked_vsis) return [];
  return [
    {
      // One finding per profile: the count moving from 7 to 8 must not look like a new problem.
      id: 'too-many-vsi-links:profile',
      rule_id: 'too-many-vsi-links',
      severity: 'medium',
      summary: `${targets.length} VSIs are linked to the profile; the policy allows at most ${thresholds.max_linked_vsis}.`,
      evidence: {
        link_ids: links.map((l) => l.id).sort(),
        link_crns: targets,
        count: targets.length,
        limit: thresholds.max_linked_vsis,
      },
      affected_crns: [snapshot.profile.crn, ...targets],
    },
  ];
};

const linkRules = {
  'cross-account-link': {
    id: 'cross-account-link',
    severity: 'high',
    title: 'Compute resource from another account linked',
    explanation:
      'A server in an account you do not control can take this profile\u2019s access in your account; whoever runs that account (or compromises it) inherits the access.',
    advice: ADVICE.removeProfiles,
    fix: 'Delete the cross-account link, or, if it is intended, record it with allow_cross_account_links or an exemption naming the approver and ticket.',
    evaluate: evaluateCrossAccount,
  },
  'too-many-vsi-links': {
    id: 'too-many-vsi-links',
    severity: 'medium',
    title: 'Too many VSIs linked to one profile',
    explanation:
      'Every linked server is a way in: compromising any one of them (a web server, a build box) yields the profile\u2019s access. The more servers share a profile, the more likely one is exposed.',
    advice: ADVICE.limitProfiles,
    fix: 'Split the profile per workload so each server gets only the access it needs, and unlink servers that do not use the profile.',
    evaluate: evaluateTooMany,
  },
} satisfies Record<LinkRuleId, BreadthRule>;

export { crnAccount, linkRules, vsiLinks };
