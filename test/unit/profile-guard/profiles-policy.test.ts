import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { PROFILES_POLICY_DEFAULTS, PROFILES_POLICY_KEYS, ProfilesPolicy } from '#shared/policy/profiles.ts';

describe('policy.profiles', () => {
  test('an absent section means the cautious defaults', () => {
    expect(PROFILES_POLICY_DEFAULTS).toEqual({
      broad_roles: ['Administrator', 'Manager', 'Editor', 'Writer'],
      max_session_seconds: 3600,
      max_linked_vsis: 5,
      allow_cross_account_links: false,
      exposure_hop_limit: 1,
      disabled_rules: [],
      exempt_profiles: [],
      ticket: { sink: 'log' },
      fix: { cap_session_expiration: false },
    });
  });

  test('null (a YAML key with its list commented out) counts as not set', () => {
    expect(v.parse(ProfilesPolicy, { broad_roles: null, ticket: null, fix: null })).toEqual(
      PROFILES_POLICY_DEFAULTS,
    );
  });

  test('a full section parses', () => {
    // Act
    const parsed = v.parse(ProfilesPolicy, {
      broad_roles: ['Administrator'],
      max_session_seconds: 900,
      max_linked_vsis: 2,
      allow_cross_account_links: true,
      exposure_hop_limit: 2,
      disabled_rules: ['long-session'],
      exempt_profiles: [{ name: 'ci', expires: '2026-12-31T00:00:00Z', approver: 'ciso', ticket: 'SEC-1' }],
      ticket: { sink: 'case-management', severity_map: { critical: 1, high: 2, low: 'P4' } },
      fix: { cap_session_expiration: true },
    });

    // Assess
    expect(parsed.ticket).toEqual({
      sink: 'case-management',
      severity_map: { critical: 1, high: 2, low: 'P4' },
    });
    expect(parsed.exempt_profiles[0]?.name).toBe('ci');
  });

  test.each([
    {
      name: 'unknown rule id',
      input: { disabled_rules: ['long-sessions'] },
      message: 'unknown rule "long-sessions"',
    },
    { name: 'unknown option', input: { max_links: 3 }, message: 'unknown option "max_links"' },
    {
      name: 'exemption with both id and name',
      input: {
        exempt_profiles: [
          { id: 'Profile-1', name: 'ci', expires: '2026-12-31T00:00:00Z', approver: 'a', ticket: 't' },
        ],
      },
      message: 'exactly one of id or name',
    },
    {
      name: 'exemption without a time zone',
      input: { exempt_profiles: [{ id: 'Profile-1', expires: '2026-12-31', approver: 'a', ticket: 't' }] },
      message: 'ISO date-time',
    },
    {
      name: 'exemption without an approver',
      input: { exempt_profiles: [{ id: 'Profile-1', expires: '2026-12-31T00:00:00Z', ticket: 't' }] },
      message: 'missing required option "approver"',
    },
    { name: 'hop limit out of range', input: { exposure_hop_limit: 65 }, message: 'from 1 to 64' },
    { name: 'fractional session', input: { max_session_seconds: 1.5 }, message: 'whole number' },
    { name: 'unknown sink', input: { ticket: { sink: 'email' } }, message: 'sink must be one of' },
    { name: 'no broad roles', input: { broad_roles: [] }, message: 'at least one role' },
  ])('rejects $name', ({ input, message }) => {
    // Act
    const result = v.safeParse(ProfilesPolicy, input);

    // Assess
    expect(result.success).toBe(false);
    expect(result.issues?.map((i) => i.message).join('\n')).toContain(message);
  });

  test('publishes its option names for "did you mean" hints', () => {
    for (const key of [
      'broad_roles',
      'exempt_profiles',
      'approver',
      'severity_map',
      'cap_session_expiration',
    ]) {
      expect(PROFILES_POLICY_KEYS).toContain(key);
    }
  });
});
