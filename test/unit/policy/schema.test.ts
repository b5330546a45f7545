import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { NETWORK_POLICY_DEFAULTS } from '#shared/policy/network.ts';
import { PROFILES_POLICY_DEFAULTS } from '#shared/policy/profiles.ts';
import { Policy, policyWarnings } from '#shared/policy/schema.ts';

const NOW = new Date('2026-06-01T00:00:00Z');

const issuesOf = (raw: unknown) => {
  const result = v.safeParse(Policy, raw);
  return (result.issues ?? []).map((i) => ({
    path: (i.path ?? []).map((p) => p.key).join('.'),
    message: i.message,
  }));
};

const rule = (extra: Record<string, unknown>) => ({ name: 'r', match: {}, mode: 'secure', ...extra });
/** An exemption entry; a key given as `undefined` is left out, as in a YAML file that omits it. */
const entry = (extra: Record<string, unknown> = {}) =>
  Object.fromEntries(
    Object.entries({
      match: { id: 'i-1' },
      expires: '2027-01-01T00:00:00Z',
      approver: 'sec@example.com',
      ticket: 'CHG1',
      ...extra,
    }).filter(([, value]) => value !== undefined),
  );

describe('defaults', () => {
  test('an empty policy is safe: audit only, exempt access tag, no user tags, fail-closed', () => {
    // Act
    const policy = v.parse(Policy, {});
    // Assess
    expect(policy).toEqual({
      accounts: [],
      self_ids: [],
      dry_run: false,
      instances: {
        default: { mode: 'audit' },
        rules: [],
        exemptions: { access_tags: ['imds-guard:exempt'], user_tags: [], list: [] },
        match_user_tags: false,
        on_tag_lookup_failure: 'fail-closed',
        on_image_requires_metadata: 'fallback',
        rollout: { stage: 'enforce', grace_period: '7d' },
      },
      templates: { mode: 'audit', repoint_instance_groups: false, name_suffix: '-imds-guard' },
      profiles: PROFILES_POLICY_DEFAULTS,
      network: NETWORK_POLICY_DEFAULTS,
    });
  });

  test.each([
    ['null sections (YAML keys left empty)', { instances: null, templates: null, accounts: null }],
    ['empty sections', { instances: {}, templates: {} }],
    ['empty nested sections', { instances: { default: {}, exemptions: {}, rules: null } }],
  ])('%s take the defaults', (_label, raw) => {
    expect(v.parse(Policy, raw)).toEqual(v.parse(Policy, {}));
  });

  test('a single value where a list is expected becomes a one-item list; match: null matches all', () => {
    // Act
    const policy = v.parse(Policy, {
      instances: {
        rules: [
          { name: 'a', match: { regions: 'us-south', tags: 'x:y' }, mode: 'disable' },
          rule({ name: 'b', match: null }),
        ],
      },
    });
    // Assess
    expect(policy.instances.rules[0]?.match).toEqual({ regions: ['us-south'], tags: ['x:y'] });
    expect(policy.instances.rules[1]?.match).toEqual({});
  });

  test('explicit empty exempt-tag list turns tag exemptions off', () => {
    const policy = v.parse(Policy, { instances: { exemptions: { access_tags: [] } } });
    expect(policy.instances.exemptions.access_tags).toEqual([]);
  });

  test("profiles is the profile guard's schema: unknown options are refused", () => {
    expect(() => v.parse(Policy, { profiles: { anything: 1 } })).toThrow(/anything/);
  });
});

describe('errors', () => {
  test.each([
    [
      'unknown top-level option, with a hint',
      { dry_runn: true },
      'dry_runn',
      'unknown option "dry_runn"; did you mean "dry_run"?',
    ],
    [
      'unknown match key',
      { instances: { rules: [rule({ match: { region: 'x' } })] } },
      'instances.rules.0.match.region',
      'unknown option "region"; did you mean "regions"?',
    ],
    [
      'bad mode',
      { instances: { default: { mode: 'off' } } },
      'instances.default.mode',
      'mode must be one of disable, secure, audit (got "off")',
    ],
    [
      'rule without mode',
      { instances: { rules: [{ name: 'a', match: {} }] } },
      'instances.rules.0.mode',
      'missing required option "mode"',
    ],
    [
      'rule without name',
      { instances: { rules: [{ match: {}, mode: 'secure' }] } },
      'instances.rules.0.name',
      'missing required option "name"',
    ],
    [
      'hop limit 0',
      { instances: { rules: [rule({ hop_limit: 0 })] } },
      'instances.rules.0.hop_limit',
      'hop_limit must be a whole number from 1 to 64',
    ],
    [
      'hop limit 65',
      { instances: { default: { mode: 'secure', hop_limit: 65 } } },
      'instances.default.hop_limit',
      'hop_limit must be a whole number from 1 to 64',
    ],
    [
      'hop limit 1.5',
      { instances: { rules: [rule({ hop_limit: 1.5 })] } },
      'instances.rules.0.hop_limit',
      'hop_limit must be a whole number from 1 to 64',
    ],
    [
      'hop limit as text',
      { instances: { rules: [rule({ hop_limit: '2' })] } },
      'instances.rules.0.hop_limit',
      'hop_limit must be a whole number from 1 to 64',
    ],
    [
      'hop limit with disable (rule)',
      { instances: { rules: [rule({ mode: 'disable', hop_limit: 2 })] } },
      'instances.rules.0.hop_limit',
      'hop_limit has no effect with mode disable (the hop limit applies only while the metadata service is enabled); remove it',
    ],
    [
      'hop limit with disable (default)',
      { instances: { default: { mode: 'disable', hop_limit: 1 } } },
      'instances.default.hop_limit',
      'hop_limit has no effect with mode disable (the hop limit applies only while the metadata service is enabled); remove it',
    ],
    [
      'duplicate rule names',
      { instances: { rules: [rule({ name: 'x' }), rule({ name: 'y' }), rule({ name: 'x' })] } },
      'instances.rules.2.name',
      'rule name "x" is already used by rules[0]; decision records cite rules by name, so names must be unique',
    ],
    [
      'rule named default',
      { instances: { rules: [rule({ name: 'default' })] } },
      'instances.rules.0.name',
      '"default" is reserved for instances.default; pick another rule name',
    ],
    [
      'empty match list',
      { instances: { rules: [rule({ match: { names: [] } })] } },
      'instances.rules.0.match.names',
      'list at least one value, or leave the key out',
    ],
    [
      'number in a match',
      { instances: { rules: [rule({ match: { zones: 5 } })] } },
      'instances.rules.0.match.zones',
      'expected a value or a list of values',
    ],
    [
      'account id format',
      { accounts: ['ACME'] },
      'accounts.0',
      'an IBM Cloud account id is 32 lowercase hexadecimal characters',
    ],
    ['dry_run as text', { dry_run: 'yes' }, 'dry_run', 'expected true or false'],
    [
      'tag failure mode',
      { instances: { on_tag_lookup_failure: 'ignore' } },
      'instances.on_tag_lookup_failure',
      'on_tag_lookup_failure must be fail-closed or fail-open (got "ignore")',
    ],
    [
      'template mode',
      { templates: { mode: 'patch' } },
      'templates.mode',
      'mode must be replace or audit (got "patch")',
    ],
    [
      'name suffix',
      { templates: { name_suffix: '_Guard' } },
      'templates.name_suffix',
      'name_suffix may hold lowercase letters, digits and hyphens, and must end with a letter or digit',
    ],
    [
      'exemption without approver',
      { instances: { exemptions: { list: [entry({ approver: undefined })] } } },
      'instances.exemptions.list.0.approver',
      'missing required option "approver"',
    ],
    [
      'exemption without ticket',
      { instances: { exemptions: { list: [entry({ ticket: ' ' })] } } },
      'instances.exemptions.list.0.ticket',
      'must not be empty',
    ],
    [
      'exemption without expiry',
      { instances: { exemptions: { list: [entry({ expires: undefined })] } } },
      'instances.exemptions.list.0.expires',
      'missing required option "expires"',
    ],
    [
      'exemption with a date only',
      { instances: { exemptions: { list: [entry({ expires: '2027-01-01' })] } } },
      'instances.exemptions.list.0.expires',
      'expected an ISO date-time with a time zone, such as "2026-06-30T00:00:00Z"',
    ],
    [
      'exemption naming two things',
      { instances: { exemptions: { list: [entry({ match: { id: 'a', name: 'b' } })] } } },
      'instances.exemptions.list.0.match',
      'an exemption matches exactly one of crn, id or name',
    ],
    [
      'exemption naming nothing',
      { instances: { exemptions: { list: [entry({ match: { region: 'us-south' } })] } } },
      'instances.exemptions.list.0.match',
      'an exemption matches exactly one of crn, id or name',
    ],
    [
      'a list where a mapping belongs',
      { instances: { exemptions: [] } },
      'instances.exemptions',
      'expected a mapping of options, not a list',
    ],
  ])('%s', (_label, raw, path, message) => {
    // Act
    const issues = issuesOf(raw);
    // Assess
    expect(issues).toContainEqual({ path, message });
  });

  test('a valid policy has no issues', () => {
    expect(
      issuesOf({
        accounts: ['aa2432b1fa4d4ace891e9b80fc104e34'],
        instances: {
          default: { mode: 'disable' },
          rules: [rule({ name: 'c', match: { tags: ['imds-guard:container-host'] }, hop_limit: 2 })],
          exemptions: { list: [entry({ match: { name: 'n', region: 'us-south' }, reason: 'legacy' })] },
        },
      }),
    ).toEqual([]);
  });
});

describe('warnings', () => {
  test.each([
    [
      'an exemption that has already expired',
      { instances: { exemptions: { list: [entry({ expires: '2026-05-31T23:59:59Z' })] } } },
      ['instances', 'exemptions', 'list', 0, 'expires'],
      /expired at 2026-05-31T23:59:59Z and no longer applies/,
    ],
    [
      'rules after a rule that matches everything',
      { instances: { rules: [rule({ name: 'a' }), rule({ name: 'b', match: { names: 'x' } })] } },
      ['instances', 'rules', 1],
      /rules\[0\] matches every resource/,
    ],
  ])('%s', (_label, raw, path, message) => {
    // Prepare
    const policy = v.parse(Policy, raw);
    // Act
    const warnings = policyWarnings(policy, NOW);
    // Assess
    expect(warnings).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  test('a live exemption and a catch-all last rule are fine', () => {
    const policy = v.parse(Policy, {
      instances: { rules: [rule({ name: 'all' })], exemptions: { list: [entry()] } },
    });
    expect(policyWarnings(policy, NOW)).toEqual([]);
  });
});
