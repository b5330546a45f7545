// Exposure × privilege: a broad profile reachable from a server whose metadata service answers more
// than it should. This is the combination that turns one web-server bug into an account compromise.
import { ADVICE } from './advice.ts';
import { BROAD_ROLE_RULE_IDS, broadRoleRules } from './broad-roles.ts';
import { vsiLinks } from './links.ts';
import { compareFindings } from './order.ts';
import type {
  BreadthRule,
  Finding,
  FindingEvidence,
  InstanceView,
  ProfileSnapshot,
  ProfileThresholds,
} from './types.ts';

/** http is readable by any process (and by SSRF); a hop limit above the policy's lets answers leave the host. */
const exposureOf = (instance: InstanceView, hopLimit: number): NonNullable<FindingEvidence['exposure']> => {
  const md = instance.metadata_service;
  if (!instance.found || !md?.enabled) return [];
  const exposure: NonNullable<FindingEvidence['exposure']> = [];
  if (md.protocol === 'http') exposure.push('http');
  if (md.response_hop_limit > hopLimit) exposure.push('hop_limit');
  return exposure;
};

const viaOf = (snapshot: ProfileSnapshot, instance: InstanceView) => {
  const links = vsiLinks(snapshot).filter((l) => l.link.crn === instance.crn);
  const via: NonNullable<FindingEvidence['via']> = [];
  if (links.length > 0) via.push('link');
  if (instance.default_trusted_profile === true) via.push('default_trusted_profile');
  return { via, linkIds: links.map((l) => l.id).sort() };
};

/** Privilege is what the enabled broad-role rules find: a rule you disabled does not count here either. */
const privilegeFindings = (snapshot: ProfileSnapshot, thresholds: ProfileThresholds): Finding[] =>
  BROAD_ROLE_RULE_IDS.filter((id) => !thresholds.disabled_rules.includes(id)).flatMap((id) =>
    broadRoleRules[id].evaluate(snapshot, thresholds),
  );

const describeMetadata = (instance: InstanceView): string => {
  const md = instance.metadata_service;
  return md ? `${md.protocol}, hop limit ${md.response_hop_limit}` : 'unknown';
};

const evaluateExposure = (snapshot: ProfileSnapshot, thresholds: ProfileThresholds): Finding[] => {
  const privilege = privilegeFindings(snapshot, thresholds);
  if (privilege.length === 0) return [];
  const privilegeIds = privilege.map((f) => f.id).sort();
  const [strongest] = [...privilege].sort(compareFindings);
  const more = privilege.length > 1 ? ` ${privilege.length - 1} more broad grant(s) also apply.` : '';
  return snapshot.instances.flatMap((instance): Finding[] => {
    const exposure = exposureOf(instance, thresholds.exposure_hop_limit);
    const { via, linkIds } = viaOf(snapshot, instance);
    if (exposure.length === 0 || via.length === 0 || !instance.metadata_service) return [];
    const name = instance.name ? `${instance.name} (${instance.crn})` : instance.crn;
    return [
      {
        id: `exposed-privileged-vsi:${instance.crn}`,
        rule_id: 'exposed-privileged-vsi',
        severity: 'critical',
        summary: `Instance ${name} serves its metadata service (${describeMetadata(instance)}) and can assume this profile (${via.join(' and ').replaceAll('_', ' ')}). ${strongest?.summary ?? ''}${more}`,
        evidence: {
          instance_crn: instance.crn,
          metadata_service: instance.metadata_service,
          via,
          exposure,
          ...(linkIds.length > 0 ? { link_ids: linkIds } : {}),
          privilege_finding_ids: privilegeIds,
          policy_ids: [...new Set(privilege.flatMap((f) => f.evidence.policy_ids ?? []))].sort(),
        },
        affected_crns: [snapshot.profile.crn, instance.crn],
      },
    ];
  });
};

const exposureRules = {
  'exposed-privileged-vsi': {
    id: 'exposed-privileged-vsi',
    severity: 'critical',
    title: 'Broad profile reachable from an exposed metadata service',
    explanation:
      'This server can turn its metadata service identity token into this profile\u2019s IAM token, and its metadata service answers plain http requests (or replies beyond the host). A server-side request forgery or any foothold on the server is enough to take the profile\u2019s broad access to the rest of the account.',
    advice: ADVICE.limitProfiles,
    fix: 'First narrow the profile\u2019s policies (see the other findings). Then, on the instance, disable the metadata service if nothing uses it, or switch it to https with hop limit 1; unlink the instance if it does not need the profile.',
    evaluate: evaluateExposure,
  },
} satisfies Record<'exposed-privileged-vsi', BreadthRule>;

export { exposureOf, exposureRules };
