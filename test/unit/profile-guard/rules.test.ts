import { describe, expect, test } from 'vitest';
import { ADVICE } from '#functions/profile-guard/rules/advice.ts';
import { BREADTH_RULES } from '#functions/profile-guard/rules/index.ts';
import type { ProfileSnapshot } from '#functions/profile-guard/rules/types.ts';
import {
  PROFILE_RULE_IDS,
  type ProfileRuleId,
  type ProfilesPolicyInput,
  SEVERITIES,
} from '#shared/policy/profiles.ts';
import {
  ALL_SERVICES,
  claimRule,
  instance,
  instanceCrn,
  OTHER_ACCOUNT,
  PROFILE_CRN,
  policy,
  snapshot,
  thresholds,
  vsiLink,
} from './fixtures.ts';

interface RuleCase {
  name: string;
  rule: ProfileRuleId;
  snapshot: ProfileSnapshot;
  policy?: ProfilesPolicyInput;
}

interface FiringCase extends RuleCase {
  id: string;
}

const admin = policy({ id: 'p-admin', roles: ['Administrator'], resource: ALL_SERVICES });
const viewer = policy({ id: 'p-viewer', roles: ['Viewer'], resource: ALL_SERVICES });
const VSI1 = instanceCrn(1);
const VSI2 = instanceCrn(2);
const links = (n: number, crType = 'VSI') =>
  Array.from({ length: n }, (_, i) => vsiLink(`link-${i}`, instanceCrn(i + 1), { cr_type: crType }));

const firing: FiringCase[] = [
  // broad roles over everything the account has
  {
    name: 'Administrator on all IAM-enabled services',
    rule: 'broad-role-all-services',
    snapshot: snapshot({ policies: [admin] }),
    id: 'broad-role-all-services:policy/p-admin',
  },
  {
    name: 'Writer (a service role) on all IAM-enabled services',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [policy({ id: 'p-w', roles: ['Reader', 'Writer'], resource: ALL_SERVICES })],
    }),
    id: 'broad-role-all-services:policy/p-w',
  },
  {
    name: 'Manager with serviceName stringMatch "*" (matches every service)',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [
        policy({
          id: 'p-m',
          roles: ['Manager'],
          resource: { ...ALL_SERVICES, serviceName: ['stringMatch', '*'] },
        }),
      ],
    }),
    id: 'broad-role-all-services:policy/p-m',
  },
  {
    name: 'Editor on all services in one region (a region is not a service boundary)',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [policy({ id: 'p-r', roles: ['Editor'], resource: { ...ALL_SERVICES, region: 'us-south' } })],
    }),
    id: 'broad-role-all-services:policy/p-r',
  },
  {
    name: 'Operator when the policy lists Operator as broad',
    rule: 'broad-role-all-services',
    snapshot: snapshot({ policies: [policy({ id: 'p-o', roles: ['Operator'], resource: ALL_SERVICES })] }),
    policy: { broad_roles: ['Operator'] },
    id: 'broad-role-all-services:policy/p-o',
  },
  {
    name: 'Editor on all account management services',
    rule: 'broad-role-account-management',
    snapshot: snapshot({
      policies: [policy({ id: 'p-pl', roles: ['Editor'], resource: { serviceType: 'platform_service' } })],
    }),
    id: 'broad-role-account-management:policy/p-pl',
  },
  {
    name: 'Administrator on the IAM services group',
    rule: 'broad-role-iam-services',
    snapshot: snapshot({
      policies: [policy({ id: 'p-iam', roles: ['Administrator'], resource: { service_group_id: 'IAM' } })],
    }),
    id: 'broad-role-iam-services:policy/p-iam',
  },
  {
    name: 'Editor on every service in a resource group',
    rule: 'broad-role-resource-group',
    snapshot: snapshot({
      policies: [policy({ id: 'p-rg', roles: ['Editor'], resource: { resourceGroupId: 'rg-prod' } })],
    }),
    id: 'broad-role-resource-group:policy/p-rg',
  },
  {
    name: 'Manager on all services within a resource group',
    rule: 'broad-role-resource-group',
    snapshot: snapshot({
      policies: [
        policy({
          id: 'p-rg2',
          roles: ['Manager'],
          resource: { ...ALL_SERVICES, resourceGroupId: 'rg-prod' },
        }),
      ],
    }),
    id: 'broad-role-resource-group:policy/p-rg2',
  },
  // claim rules that do not pin instances
  {
    name: 'VSI rule on vpc_id only',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r-vpc', [['vpc_id', 'EQUALS', 'r006-vpc']])] }),
    id: 'vsi-rule-unpinned:rule/r-vpc',
  },
  {
    name: 'VSI rule on resource_group_id only',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r-rg', [['resource_group_id', 'EQUALS', 'rg-prod']])] }),
    id: 'vsi-rule-unpinned:rule/r-rg',
  },
  {
    name: 'VSI rule with crn NOT_EQUALS',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r-ne', [['crn', 'NOT_EQUALS', VSI1]])] }),
    id: 'vsi-rule-unpinned:rule/r-ne',
  },
  {
    name: 'VSI rule with crn CONTAINS',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r-ct', [['crn', 'CONTAINS', 'us-south']])] }),
    id: 'vsi-rule-unpinned:rule/r-ct',
  },
  {
    name: 'VSI rule without conditions',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r-none', [])] }),
    id: 'vsi-rule-unpinned:rule/r-none',
  },
  {
    name: 'VSI rule pinned by crn but also using NOT_EQUALS_IGNORE_CASE',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({
      rules: [
        claimRule('r-mix', [
          ['crn', 'EQUALS', VSI1],
          ['vpc_id', 'NOT_EQUALS_IGNORE_CASE', 'r006-other'],
        ]),
      ],
    }),
    id: 'vsi-rule-unpinned:rule/r-mix',
  },
  {
    name: 'VSI rule with crn EQUALS a wildcard',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r-star', [['crn', 'EQUALS', '*']])] }),
    id: 'vsi-rule-unpinned:rule/r-star',
  },
  // links
  {
    name: 'link flagged is_cross_account',
    rule: 'cross-account-link',
    snapshot: snapshot({ links: [vsiLink('l-x', VSI1, { is_cross_account: true })] }),
    id: 'cross-account-link:link/l-x',
  },
  {
    name: 'link to a CRN in another account without the flag',
    rule: 'cross-account-link',
    snapshot: snapshot({ links: [vsiLink('l-y', instanceCrn(9, OTHER_ACCOUNT))] }),
    id: 'cross-account-link:link/l-y',
  },
  {
    name: 'Profile-CR session above max_session_seconds',
    rule: 'long-session',
    snapshot: snapshot({ rules: [claimRule('r-long', [['crn', 'EQUALS', VSI1]], { expiration: 7200 })] }),
    id: 'long-session:rule/r-long',
  },
  {
    name: 'Profile-CR session above a tighter policy limit',
    rule: 'long-session',
    snapshot: snapshot({ rules: [claimRule('r-900', [['crn', 'EQUALS', VSI1]], { expiration: 900 })] }),
    policy: { max_session_seconds: 600 },
    id: 'long-session:rule/r-900',
  },
  {
    name: 'six VSIs linked (default limit 5)',
    rule: 'too-many-vsi-links',
    snapshot: snapshot({ links: links(6) }),
    id: 'too-many-vsi-links:profile',
  },
  {
    name: 'two VSIs linked with max_linked_vsis 1',
    rule: 'too-many-vsi-links',
    snapshot: snapshot({ links: links(2) }),
    policy: { max_linked_vsis: 1 },
    id: 'too-many-vsi-links:profile',
  },
  // exposure × privilege
  {
    name: 'linked VSI serving metadata on http, profile is Administrator',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({ policies: [admin], links: [vsiLink('l-1', VSI1)], instances: [instance(VSI1)] }),
    id: `exposed-privileged-vsi:${VSI1}`,
  },
  {
    name: 'linked VSI on https with hop limit 3',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      policies: [admin],
      links: [vsiLink('l-1', VSI1)],
      instances: [
        instance(VSI1, { metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 3 } }),
      ],
    }),
    id: `exposed-privileged-vsi:${VSI1}`,
  },
  {
    name: 'default trusted profile of an http instance, broad role on a resource group',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      policies: [policy({ id: 'p-rg', roles: ['Editor'], resource: { resourceGroupId: 'rg-prod' } })],
      instances: [instance(VSI2, { default_trusted_profile: true })],
    }),
    id: `exposed-privileged-vsi:${VSI2}`,
  },
  {
    name: 'broad role inherited through an access group',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      groups: [{ id: 'AccessGroup-ops', name: 'ops', policies: [admin] }],
      links: [vsiLink('l-1', VSI1)],
      instances: [instance(VSI1)],
    }),
    id: `exposed-privileged-vsi:${VSI1}`,
  },
];

const nearMisses: RuleCase[] = [
  {
    name: 'Viewer on all services',
    rule: 'broad-role-all-services',
    snapshot: snapshot({ policies: [viewer] }),
  },
  {
    name: 'Reader on all services',
    rule: 'broad-role-all-services',
    snapshot: snapshot({ policies: [policy({ id: 'p', roles: ['Reader'], resource: ALL_SERVICES })] }),
  },
  {
    name: 'Administrator scoped to serviceName=is',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [
        policy({ id: 'p', roles: ['Administrator'], resource: { ...ALL_SERVICES, serviceName: 'is' } }),
      ],
    }),
  },
  {
    name: 'Administrator on all services, deleted',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [policy({ id: 'p', roles: ['Administrator'], resource: ALL_SERVICES, state: 'deleted' })],
    }),
  },
  {
    name: 'Administrator on all services restricted by access tags',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [policy({ id: 'p', roles: ['Administrator'], resource: ALL_SERVICES, tags: { env: 'dev' } })],
    }),
  },
  {
    name: 'Manager on all services in an authorization policy',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [policy({ id: 'p', roles: ['Manager'], resource: ALL_SERVICES, type: 'authorization' })],
    }),
  },
  {
    name: 'Administrator on account management services (another rule)',
    rule: 'broad-role-all-services',
    snapshot: snapshot({
      policies: [
        policy({ id: 'p', roles: ['Administrator'], resource: { serviceType: 'platform_service' } }),
      ],
    }),
  },
  {
    name: 'Viewer on account management services',
    rule: 'broad-role-account-management',
    snapshot: snapshot({
      policies: [policy({ id: 'p', roles: ['Viewer'], resource: { serviceType: 'platform_service' } })],
    }),
  },
  {
    name: 'Administrator on one account management service',
    rule: 'broad-role-account-management',
    snapshot: snapshot({
      policies: [policy({ id: 'p', roles: ['Administrator'], resource: { serviceName: 'billing' } })],
    }),
  },
  {
    name: 'Viewer on the IAM services group',
    rule: 'broad-role-iam-services',
    snapshot: snapshot({
      policies: [policy({ id: 'p', roles: ['Viewer'], resource: { service_group_id: 'IAM' } })],
    }),
  },
  {
    name: 'Administrator on the IAM group narrowed to iam-identity',
    rule: 'broad-role-iam-services',
    snapshot: snapshot({
      policies: [
        policy({
          id: 'p',
          roles: ['Administrator'],
          resource: { service_group_id: 'IAM', serviceName: 'iam-identity' },
        }),
      ],
    }),
  },
  {
    name: 'Editor on a resource group narrowed to serviceName=is',
    rule: 'broad-role-resource-group',
    snapshot: snapshot({
      policies: [
        policy({ id: 'p', roles: ['Editor'], resource: { resourceGroupId: 'rg', serviceName: 'is' } }),
      ],
    }),
  },
  {
    name: 'Viewer on a whole resource group',
    rule: 'broad-role-resource-group',
    snapshot: snapshot({
      policies: [policy({ id: 'p', roles: ['Viewer'], resource: { resourceGroupId: 'rg' } })],
    }),
  },
  {
    name: 'Administrator on the resource group itself (resourceType=resource-group)',
    rule: 'broad-role-resource-group',
    snapshot: snapshot({
      policies: [
        policy({
          id: 'p',
          roles: ['Administrator'],
          resource: { resourceType: 'resource-group', resource: 'rg-prod' },
        }),
      ],
    }),
  },
  {
    name: 'VSI rule pinned by crn EQUALS',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r', [['crn', 'EQUALS', VSI1]])] }),
  },
  {
    name: 'VSI rule pinned by crn IN a list, within a VPC',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({
      rules: [
        claimRule('r', [
          ['crn', 'IN', [VSI1, VSI2]],
          ['vpc_id', 'EQUALS', 'r006-vpc'],
        ]),
      ],
    }),
  },
  {
    name: 'VSI rule pinned by instance_id EQUALS_IGNORE_CASE',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({ rules: [claimRule('r', [['instance_id', 'EQUALS_IGNORE_CASE', '0717_abc']])] }),
  },
  {
    name: 'loose Profile-CR rule for Kubernetes service accounts (not VSI)',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({
      rules: [claimRule('r', [['namespace', 'EQUALS', 'default']], { cr_type: 'IKS_SA' })],
    }),
  },
  {
    name: 'Profile-SAML rule',
    rule: 'vsi-rule-unpinned',
    snapshot: snapshot({
      rules: [
        claimRule('r', [['blueGroups', 'CONTAINS', 'admins']], { type: 'Profile-SAML', realm_name: 'idp' }),
      ],
    }),
  },
  {
    name: 'same-account link without the flag',
    rule: 'cross-account-link',
    snapshot: snapshot({ links: [vsiLink('l', VSI1, { is_cross_account: false })] }),
  },
  {
    name: 'cross-account link when the policy allows them',
    rule: 'cross-account-link',
    snapshot: snapshot({ links: [vsiLink('l', instanceCrn(9, OTHER_ACCOUNT), { is_cross_account: true })] }),
    policy: { allow_cross_account_links: true },
  },
  {
    name: 'Code Engine link without a CRN account',
    rule: 'cross-account-link',
    snapshot: snapshot({
      links: [{ id: 'l', cr_type: 'CE', link: { component_type: 'application', component_name: 'web' } }],
    }),
  },
  {
    name: 'session exactly at the limit',
    rule: 'long-session',
    snapshot: snapshot({ rules: [claimRule('r', [['crn', 'EQUALS', VSI1]], { expiration: 3600 })] }),
  },
  {
    name: 'session under the limit',
    rule: 'long-session',
    snapshot: snapshot({ rules: [claimRule('r', [['crn', 'EQUALS', VSI1]], { expiration: 1800 })] }),
  },
  {
    name: 'long federated (Profile-SAML) session',
    rule: 'long-session',
    snapshot: snapshot({
      rules: [claimRule('r', [['blueGroups', 'EQUALS', 'ops']], { type: 'Profile-SAML', expiration: 43200 })],
    }),
  },
  {
    name: 'exactly five VSIs linked',
    rule: 'too-many-vsi-links',
    snapshot: snapshot({ links: links(5) }),
  },
  {
    name: 'six links of which only three are VSIs',
    rule: 'too-many-vsi-links',
    snapshot: snapshot({
      links: [...links(3), ...links(3, 'IKS_SA').map((l) => ({ ...l, id: `k-${l.id}` }))],
    }),
  },
  {
    name: 'six links to five distinct VSIs',
    rule: 'too-many-vsi-links',
    snapshot: snapshot({ links: [...links(5), vsiLink('again', instanceCrn(1))] }),
  },
  {
    name: 'broad profile, linked VSI on https with hop limit 1',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      policies: [admin],
      links: [vsiLink('l', VSI1)],
      instances: [
        instance(VSI1, { metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 1 } }),
      ],
    }),
  },
  {
    name: 'broad profile, linked VSI with the metadata service disabled',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      policies: [admin],
      links: [vsiLink('l', VSI1)],
      instances: [
        instance(VSI1, { metadata_service: { enabled: false, protocol: 'http', response_hop_limit: 1 } }),
      ],
    }),
  },
  {
    name: 'http VSI linked to a Viewer-only profile',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({ policies: [viewer], links: [vsiLink('l', VSI1)], instances: [instance(VSI1)] }),
  },
  {
    name: 'http VSI neither linked nor using the profile by default',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      policies: [admin],
      instances: [instance(VSI1, { default_trusted_profile: false })],
    }),
  },
  {
    name: 'linked VSI no longer found',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      policies: [admin],
      links: [vsiLink('l', VSI1)],
      instances: [{ crn: VSI1, found: false }],
    }),
  },
  {
    name: 'hop limit 2 allowed by exposure_hop_limit 2 on https',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({
      policies: [admin],
      links: [vsiLink('l', VSI1)],
      instances: [
        instance(VSI1, { metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 2 } }),
      ],
    }),
    policy: { exposure_hop_limit: 2 },
  },
  {
    name: 'the only broad grant is from a disabled rule',
    rule: 'exposed-privileged-vsi',
    snapshot: snapshot({ policies: [admin], links: [vsiLink('l', VSI1)], instances: [instance(VSI1)] }),
    policy: { disabled_rules: ['broad-role-all-services'] },
  },
];

describe('every rule fires on a clear case', () => {
  test.each(firing)('$rule: $name', ({ rule, snapshot: snap, policy: input, id }) => {
    // Prepare
    const limits = thresholds(input);

    // Act
    const findings = BREADTH_RULES[rule].evaluate(snap, limits);

    // Assess
    expect(findings.map((f) => f.id)).toContain(id);
    for (const f of findings) {
      expect(f.rule_id).toBe(rule);
      expect(f.severity).toBe(BREADTH_RULES[rule].severity);
      expect(f.id.startsWith(`${rule}:`)).toBe(true);
      expect(f.affected_crns[0]).toBe(PROFILE_CRN);
      expect(f.summary.length).toBeGreaterThan(20);
    }
  });

  test('each rule has at least one firing case and two near misses', () => {
    for (const id of PROFILE_RULE_IDS) {
      expect(firing.filter((c) => c.rule === id).length, id).toBeGreaterThanOrEqual(1);
      expect(nearMisses.filter((c) => c.rule === id).length, id).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('no rule fires on its near misses', () => {
  test.each(nearMisses)('$rule: $name', ({ rule, snapshot: snap, policy: input }) => {
    // Prepare
    const limits = thresholds(input);

    // Act
    const findings = BREADTH_RULES[rule].evaluate(snap, limits);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('evidence', () => {
  test('a grant inherited through an access group is flagged and names the group', () => {
    // Prepare
    const snap = snapshot({ groups: [{ id: 'AccessGroup-ops', name: 'ops-admins', policies: [admin] }] });

    // Act
    const [finding, ...rest] = BREADTH_RULES['broad-role-all-services'].evaluate(snap, thresholds());

    // Assess
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      id: 'broad-role-all-services:group/AccessGroup-ops/policy/p-admin',
      inherited: true,
      evidence: {
        policy_ids: ['p-admin'],
        roles: ['Administrator'],
        group_ids: ['AccessGroup-ops'],
        group_names: ['ops-admins'],
      },
    });
    expect(finding?.summary).toContain('access group ops-admins (AccessGroup-ops)');
  });

  test('the same policy direct and inherited gives two findings; a deleted group policy gives none', () => {
    // Prepare
    const deleted = { ...admin, id: 'p-old', state: 'deleted' };
    const snap = snapshot({
      policies: [admin],
      groups: [{ id: 'AG-1', name: 'g', policies: [admin, deleted] }],
    });

    // Act
    const ids = BREADTH_RULES['broad-role-all-services'].evaluate(snap, thresholds()).map((f) => f.id);

    // Assess
    expect(ids.sort()).toEqual([
      'broad-role-all-services:group/AG-1/policy/p-admin',
      'broad-role-all-services:policy/p-admin',
    ]);
  });

  test.each([
    {
      name: 'one-time window',
      pattern: 'time-based-conditions:once',
      rule: {
        operator: 'and',
        conditions: [
          {
            key: '{{environment.attributes.current_date_time}}',
            operator: 'dateTimeGreaterThanOrEquals',
            value: '2026-01-01T00:00:00Z',
          },
          {
            key: '{{environment.attributes.current_date_time}}',
            operator: 'dateTimeLessThanOrEquals',
            value: '2026-01-02T00:00:00Z',
          },
        ],
      },
    },
    {
      name: 'weekly hours',
      pattern: 'time-based-conditions:weekly:custom-hours',
      rule: {
        operator: 'and',
        conditions: [
          { key: '{{environment.attributes.day_of_week}}', operator: 'dayOfWeekAnyOf', value: ['1+00:00'] },
          {
            key: '{{environment.attributes.current_time}}',
            operator: 'timeGreaterThanOrEquals',
            value: '09:00',
          },
        ],
      },
    },
  ])('a time-limited grant ($name) is still broad, and says so', ({ pattern, rule }) => {
    // Prepare
    const timed = policy({ id: 'p-t', roles: ['Administrator'], resource: ALL_SERVICES, pattern, rule });

    // Act
    const [finding] = BREADTH_RULES['broad-role-all-services'].evaluate(
      snapshot({ policies: [timed] }),
      thresholds(),
    );

    // Assess
    expect(finding?.time_limited).toBe(true);
    expect(finding?.summary).toContain('time-based condition');
    expect(finding?.evidence.condition).toEqual({ pattern, rule });
  });

  test('a claim rule finding lists why it is not pinned', () => {
    // Prepare
    const snap = snapshot({
      rules: [claimRule('r', [['vpc_id', 'NOT_EQUALS', 'r006-x']], { name: 'any-vsi' })],
    });

    // Act
    const [finding] = BREADTH_RULES['vsi-rule-unpinned'].evaluate(snap, thresholds());

    // Assess
    expect(finding?.evidence.reasons).toEqual(['no-instance-pin', 'loose-operator', 'area-wide-claims-only']);
    expect(finding?.evidence.claim_rule_ids).toEqual(['r']);
    expect(finding?.summary).toContain('any-vsi (r)');
  });

  test('the exposure finding carries the instance CRN and its metadata settings', () => {
    // Prepare
    const snap = snapshot({
      policies: [admin],
      links: [vsiLink('l-1', VSI1)],
      instances: [
        instance(VSI1, {
          name: 'web-1',
          default_trusted_profile: true,
          metadata_service: { enabled: true, protocol: 'http', response_hop_limit: 5 },
        }),
      ],
    });

    // Act
    const [finding] = BREADTH_RULES['exposed-privileged-vsi'].evaluate(snap, thresholds());

    // Assess
    expect(finding).toMatchObject({
      severity: 'critical',
      affected_crns: [PROFILE_CRN, VSI1],
      evidence: {
        instance_crn: VSI1,
        metadata_service: { enabled: true, protocol: 'http', response_hop_limit: 5 },
        via: ['link', 'default_trusted_profile'],
        exposure: ['http', 'hop_limit'],
        link_ids: ['l-1'],
        privilege_finding_ids: ['broad-role-all-services:policy/p-admin'],
        policy_ids: ['p-admin'],
      },
    });
    expect(finding?.summary).toContain('web-1');
  });

  test('too many links: one finding whose id does not depend on the count', () => {
    // Act
    const six = BREADTH_RULES['too-many-vsi-links'].evaluate(snapshot({ links: links(6) }), thresholds());
    const nine = BREADTH_RULES['too-many-vsi-links'].evaluate(snapshot({ links: links(9) }), thresholds());

    // Assess
    expect(six.map((f) => f.id)).toEqual(nine.map((f) => f.id));
    expect(nine[0]?.evidence).toMatchObject({ count: 9, limit: 5 });
  });
});

describe('the registry', () => {
  test('is keyed by every rule id the policy knows, each entry carrying its own id', () => {
    expect(Object.keys(BREADTH_RULES).sort()).toEqual([...PROFILE_RULE_IDS].sort());
    for (const [key, rule] of Object.entries(BREADTH_RULES)) expect(rule.id).toBe(key);
  });

  test.each(Object.values(BREADTH_RULES))('$id explains itself and quotes IBM', (rule) => {
    expect(SEVERITIES).toContain(rule.severity);
    expect(rule.title.length).toBeGreaterThan(10);
    expect(rule.explanation.length).toBeGreaterThan(40);
    expect(rule.fix.length).toBeGreaterThan(20);
    expect(Object.values(ADVICE)).toContain(rule.advice);
  });

  test('exposure × privilege is the only critical rule, so it always ranks first', () => {
    const critical = Object.values(BREADTH_RULES).filter((r) => r.severity === 'critical');
    expect(critical.map((r) => r.id)).toEqual(['exposed-privileged-vsi']);
  });
});
