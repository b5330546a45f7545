import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assessProfile, findingsKey, profileMarker } from '#functions/profile-guard/decide.ts';
import type { ProfileSnapshot } from '#functions/profile-guard/rules/types.ts';
import {
  ACCOUNT,
  ALL_SERVICES,
  claimRule,
  instance,
  instanceCrn,
  OTHER_ACCOUNT,
  PROFILE_ID,
  policy,
  snapshot,
  thresholds,
  vsiLink,
} from './fixtures.ts';

const NOW = new Date('2026-09-01T12:00:00Z');
const VSI1 = instanceCrn(1);
const admin = policy({ id: 'p-admin', roles: ['Administrator'], resource: ALL_SERVICES });
const rgEditor = policy({ id: 'p-rg', roles: ['Editor'], resource: { resourceGroupId: 'rg-prod' } });

/** A profile that breaks most rules at once. */
const broadSnapshot = (): ProfileSnapshot =>
  snapshot({
    policies: [rgEditor, admin],
    groups: [
      {
        id: 'AG-iam',
        name: 'iam-admins',
        policies: [policy({ id: 'p-iam', roles: ['Manager'], resource: { service_group_id: 'IAM' } })],
      },
    ],
    rules: [
      claimRule('r-long', [['crn', 'EQUALS', VSI1]], { expiration: 86400 }),
      claimRule('r-vpc', [['vpc_id', 'EQUALS', 'r006-vpc']]),
    ],
    links: [vsiLink('l-1', VSI1), vsiLink('l-x', instanceCrn(7, OTHER_ACCOUNT), { is_cross_account: true })],
    instances: [instance(VSI1)],
  });

const reversed = (s: ProfileSnapshot): ProfileSnapshot => ({
  ...s,
  policies: [...s.policies].reverse(),
  groups: [...s.groups].reverse(),
  rules: [...s.rules].reverse(),
  links: [...s.links].reverse(),
  instances: [...s.instances].reverse(),
});

describe('assessProfile', () => {
  test('orders findings by severity, then id, and reports the highest severity', () => {
    // Act
    const a = assessProfile(broadSnapshot(), thresholds(), NOW);

    // Assess
    expect(a.findings.map((f) => [f.severity, f.id])).toEqual([
      ['critical', `exposed-privileged-vsi:${VSI1}`],
      ['high', 'broad-role-all-services:policy/p-admin'],
      ['high', 'broad-role-iam-services:group/AG-iam/policy/p-iam'],
      ['high', 'cross-account-link:link/l-x'],
      ['high', 'vsi-rule-unpinned:rule/r-vpc'],
      ['medium', 'broad-role-resource-group:policy/p-rg'],
      ['low', 'long-session:rule/r-long'],
    ]);
    expect(a.severity).toBe('critical');
    expect(a.compliant).toBe(false);
    expect(a.finding_ids).toEqual([...a.findings.map((f) => f.id)].sort());
  });

  test.each([
    { name: 'http', md: { enabled: true, protocol: 'http', response_hop_limit: 1 } },
    { name: 'hop limit above the policy', md: { enabled: true, protocol: 'https', response_hop_limit: 4 } },
  ])('exposure × privilege ranks highest ($name)', ({ md }) => {
    // Prepare
    const snap = snapshot({
      policies: [rgEditor],
      rules: [claimRule('r-any', [])],
      links: [vsiLink('l-1', VSI1), vsiLink('l-x', instanceCrn(8), { is_cross_account: true })],
      instances: [instance(VSI1, { metadata_service: md })],
    });

    // Act
    const a = assessProfile(snap, thresholds(), NOW);

    // Assess
    expect(a.findings[0]?.rule_id).toBe('exposed-privileged-vsi');
    expect(a.severity).toBe('critical');
  });

  test('a narrow profile is compliant', () => {
    // Prepare
    const snap = snapshot({
      policies: [
        policy({ id: 'p', roles: ['Editor'], resource: { serviceName: 'is', resourceGroupId: 'rg' } }),
      ],
      rules: [claimRule('r', [['crn', 'EQUALS', VSI1]])],
      links: [vsiLink('l-1', VSI1)],
      instances: [
        instance(VSI1, { metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 1 } }),
      ],
    });

    // Act
    const a = assessProfile(snap, thresholds(), NOW);

    // Assess
    expect(a).toMatchObject({ compliant: true, severity: null, findings: [], finding_ids: [] });
    expect(a.exempt).toBeUndefined();
  });

  test('disabled rules do not fire', () => {
    // Act
    const a = assessProfile(
      broadSnapshot(),
      thresholds({ disabled_rules: ['long-session', 'cross-account-link'] }),
      NOW,
    );

    // Assess
    expect(a.findings.map((f) => f.rule_id)).not.toContain('long-session');
    expect(a.findings.map((f) => f.rule_id)).not.toContain('cross-account-link');
  });
});

describe('dedupe key and profile marker', () => {
  test('the same findings in any order give the same key', () => {
    // Act
    const a = assessProfile(broadSnapshot(), thresholds(), NOW);
    const b = assessProfile(reversed(broadSnapshot()), thresholds(), new Date('2027-01-01T00:00:00Z'));

    // Assess
    expect(b.key).toBe(a.key);
    expect(b.profile_marker).toBe(a.profile_marker);
    expect(a.key).toMatch(/^imdsg-[0-9a-f]{16}$/);
    expect(a.profile_marker).toMatch(/^imdsg-p-[0-9a-f]{16}$/);
  });

  test('different findings give a different key, and the marker stays', () => {
    // Prepare
    const before = broadSnapshot();
    const after = { ...before, rules: before.rules.filter((r) => r.id !== 'r-long') };

    // Act
    const a = assessProfile(before, thresholds(), NOW);
    const b = assessProfile(after, thresholds(), NOW);

    // Assess
    expect(b.key).not.toBe(a.key);
    expect(b.profile_marker).toBe(a.profile_marker);
  });

  test('evidence that does not change a finding id leaves the key alone', () => {
    // Prepare: the instance moves from http to a hop limit of 3; still the same exposed instance
    const before = broadSnapshot();
    const after = {
      ...before,
      instances: [
        instance(VSI1, { metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 3 } }),
      ],
    };

    // Act / Assess
    expect(assessProfile(after, thresholds(), NOW).key).toBe(assessProfile(before, thresholds(), NOW).key);
  });

  test('keys and markers differ across profiles and accounts', () => {
    const ids = ['a:1'];
    expect(findingsKey(ACCOUNT, PROFILE_ID, ids)).not.toBe(findingsKey(OTHER_ACCOUNT, PROFILE_ID, ids));
    expect(findingsKey(ACCOUNT, PROFILE_ID, ids)).not.toBe(findingsKey(ACCOUNT, 'Profile-other', ids));
    expect(profileMarker(ACCOUNT, PROFILE_ID)).not.toBe(profileMarker(ACCOUNT, 'Profile-other'));
    expect(profileMarker(ACCOUNT, PROFILE_ID)).not.toBe(profileMarker(OTHER_ACCOUNT, PROFILE_ID));
    // JSON framing: moving a character between fields changes the key
    expect(findingsKey('ab', 'c', [])).not.toBe(findingsKey('a', 'bc', []));
  });

  test('property: the key depends on the set of finding ids, not their order or repeats', () => {
    const idsAndPermutation = fc
      .uniqueArray(fc.string({ minLength: 1 }), { maxLength: 8 })
      .chain((ids) =>
        fc.tuple(
          fc.constant(ids),
          fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }),
        ),
      );
    fc.assert(
      fc.property(idsAndPermutation, ([ids, shuffled]) => {
        expect(findingsKey(ACCOUNT, PROFILE_ID, [...shuffled, ...shuffled])).toBe(
          findingsKey(ACCOUNT, PROFILE_ID, ids),
        );
      }),
    );
  });
});

describe('exemptions', () => {
  const exemption = (who: { id: string } | { name: string }, expires: string) => ({
    ...who,
    expires,
    approver: 'ciso@example.com',
    ticket: 'SEC-42',
  });

  test.each([
    {
      name: 'by id, in force',
      list: [exemption({ id: PROFILE_ID }, '2026-12-31T00:00:00Z')],
      exempt: '2026-12-31T00:00:00Z',
      expired: undefined,
    },
    {
      name: 'by name, in force',
      list: [exemption({ name: 'web-tier' }, '2026-10-01T00:00:00Z')],
      exempt: '2026-10-01T00:00:00Z',
      expired: undefined,
    },
    {
      name: 'expired',
      list: [exemption({ id: PROFILE_ID }, '2026-08-01T00:00:00Z')],
      exempt: undefined,
      expired: '2026-08-01T00:00:00Z',
    },
    {
      name: 'expiring exactly now (expiry is exclusive)',
      list: [exemption({ id: PROFILE_ID }, NOW.toISOString())],
      exempt: undefined,
      expired: NOW.toISOString(),
    },
    {
      name: 'for another profile',
      list: [exemption({ name: 'db-tier' }, '2026-12-31T00:00:00Z')],
      exempt: undefined,
      expired: undefined,
    },
    {
      name: 'an expired one and a renewed one: the renewal applies',
      list: [
        exemption({ id: PROFILE_ID }, '2026-08-01T00:00:00Z'),
        exemption({ name: 'web-tier' }, '2027-03-01T00:00:00Z'),
      ],
      exempt: '2027-03-01T00:00:00Z',
      expired: undefined,
    },
  ])('$name', ({ list, exempt, expired }) => {
    // Act
    const a = assessProfile(broadSnapshot(), thresholds({ exempt_profiles: list }), NOW);

    // Assess
    expect(a.exempt?.expires).toBe(exempt);
    expect(a.expired_exemption?.expires).toBe(expired);
    expect(a.compliant).toBe(false);
    expect(a.findings.length).toBeGreaterThan(0);
  });
});
