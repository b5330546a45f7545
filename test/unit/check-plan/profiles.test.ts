// check-plan on trusted profiles: the profile guard's breadth rules (assessProfile) over what the plan
// creates — policies, claim rules, links, and the instances that can assume the profile.
import { describe, expect, test } from 'vitest';
import { exitCodeFor } from '#cli/plan/check.ts';
import type { Plan } from '#cli/plan/read.ts';
import type { CheckReport } from '#cli/plan/types.ts';
import { changeOf, check, configOf, fixturePlan, fixturePolicy, policyOf } from './plans.ts';

const rows = (report: CheckReport) =>
  report.results.map((r) => `${r.verdict} ${r.check} ${r.address}`).sort();

const plannedOf = (plan: Plan, address: string) =>
  changeOf(plan, address).change.after as Record<string, unknown>;
const unknownOf = (plan: Plan, address: string) =>
  changeOf(plan, address).change.after_unknown as Record<string, unknown>;

describe('a new profile with broad grants, linked to an exposed instance', () => {
  test('every breadth finding at the resource that causes it, plus the instance finding', () => {
    // Act
    const report = check(fixturePlan('profiles.json'));
    // Assess
    expect(rows(report)).toEqual([
      'change instance-metadata ibm_is_instance.web',
      'ticket broad-role-all-services ibm_iam_trusted_profile_policy.admin',
      'ticket exposed-privileged-vsi ibm_is_instance.web',
      'ticket long-session ibm_iam_trusted_profile_claim_rule.vpc_wide',
      'ticket vsi-rule-unpinned ibm_iam_trusted_profile_claim_rule.vpc_wide',
    ]);
    const exposed = report.results.find((r) => r.check === 'exposed-privileged-vsi');
    expect(exposed).toMatchObject({
      severity: 'critical',
      related: ['ibm_iam_trusted_profile_policy.admin', 'ibm_iam_trusted_profile_link.web'],
      finding_id: 'exposed-privileged-vsi:ibm_is_instance.web',
    });
    // The claim rule without an expiration is judged against IBM's default, and says so.
    const session = report.results.find((r) => r.check === 'long-session');
    expect(session?.reasons[0]).toMatch(
      /sets no expiration: IBM's default session \(43200 s, UNCONFIRMED\) is assumed/,
    );
    expect(report.not_judged).toEqual([
      {
        address: 'ibm_iam_trusted_profile_identity.ops',
        type: 'ibm_iam_trusted_profile_identity',
        why: 'who may assume a profile is informational for the profile guard as well',
      },
    ]);
    expect(exitCodeFor(report)).toBe(3);
  });

  test('a time-boxed exemption for the profile: its findings are exempt; the instance is not', () => {
    const base = fixturePolicy();
    const policy = {
      ...base,
      profiles: {
        ...base.profiles,
        exempt_profiles: [
          {
            name: 'app-runtime',
            expires: '2099-01-01T00:00:00Z',
            approver: 'jane.doe@example.com',
            ticket: 'CHG-7',
          },
        ],
      },
    };
    const report = check(fixturePlan('profiles.json'), policy);
    const verdicts = new Set(
      report.results.filter((r) => r.check !== 'instance-metadata').map((r) => r.verdict),
    );
    expect(verdicts).toEqual(new Set(['exempt']));
    expect(report.results.find((r) => r.check === 'broad-role-all-services')?.reasons.at(-1)).toBe(
      'exempt until 2099-01-01T00:00:00Z (ticket CHG-7, approved by jane.doe@example.com)',
    );
  });

  test('disabled rules are not reported', () => {
    const base = fixturePolicy();
    const policy = { ...base, profiles: { ...base.profiles, disabled_rules: ['long-session' as const] } };
    expect(rows(check(fixturePlan('profiles.json'), policy))).not.toContain(
      'ticket long-session ibm_iam_trusted_profile_claim_rule.vpc_wide',
    );
  });

  test('a narrow profile: one pass for the profile', () => {
    const plan = fixturePlan('profiles.json');
    plan.resource_changes = plan.resource_changes?.filter(
      (r) =>
        !['ibm_iam_trusted_profile_policy.admin', 'ibm_iam_trusted_profile_claim_rule.vpc_wide'].includes(
          r.address,
        ),
    );
    const policy = policyOf({ instances: { default: { mode: 'secure' } } });
    // The web instance: enabled over http → the instance guard wants https; the profile has no broad grant.
    expect(rows(check(plan, policy))).toEqual([
      'change instance-metadata ibm_is_instance.web',
      'pass profile-breadth ibm_iam_trusted_profile.app',
    ]);
  });
});

describe('what the plan cannot show about a profile', () => {
  test('roles known only after apply: cannot tell, and a linked instance it could expose is named', () => {
    // Prepare: the admin policy's roles come from a value known only after apply
    const plan = fixturePlan('profiles.json');
    plannedOf(plan, 'ibm_iam_trusted_profile_policy.admin').roles = null;
    unknownOf(plan, 'ibm_iam_trusted_profile_policy.admin').roles = true;
    // The web instance's metadata is unknown too, so exposure cannot be told either.
    plannedOf(plan, 'ibm_is_instance.web').metadata_service = [
      { enabled: null, protocol: 'http', response_hop_limit: 1 },
    ];
    unknownOf(plan, 'ibm_is_instance.web').metadata_service = [{ enabled: true }];
    // Act
    const report = check(plan);
    // Assess
    expect(rows(report)).toEqual([
      'ticket long-session ibm_iam_trusted_profile_claim_rule.vpc_wide',
      'ticket vsi-rule-unpinned ibm_iam_trusted_profile_claim_rule.vpc_wide',
      'unknown exposed-privileged-vsi ibm_is_instance.web',
      'unknown instance-metadata ibm_is_instance.web',
      'unknown profile-breadth ibm_iam_trusted_profile_policy.admin',
    ]);
  });

  test('claim rule conditions known only after apply: cannot tell instead of "no conditions"', () => {
    const plan = fixturePlan('profiles.json');
    plannedOf(plan, 'ibm_iam_trusted_profile_claim_rule.vpc_wide').conditions = null;
    unknownOf(plan, 'ibm_iam_trusted_profile_claim_rule.vpc_wide').conditions = true;
    const report = check(plan);
    expect(rows(report)).toContain('unknown vsi-rule-unpinned ibm_iam_trusted_profile_claim_rule.vpc_wide');
    expect(rows(report)).not.toContain(
      'ticket vsi-rule-unpinned ibm_iam_trusted_profile_claim_rule.vpc_wide',
    );
  });

  test('an existing profile (by id) gets a cross-account link: judged, and the note says only the plan is seen', () => {
    // Prepare: only a link to the existing profile, for an instance of another account
    const plan = fixturePlan('profiles.json');
    const link = changeOf(plan, 'ibm_iam_trusted_profile_link.web');
    const crn = 'crn:v1:bluemix:public:is:us-south-1:a/0123456789abcdef0123456789abcdef::instance:0717_aaaa';
    link.change.after = {
      cr_type: 'VSI',
      is_cross_account: true,
      profile_id: 'Profile-94497d0d-2ac3-41bf-a993-a49d1b14627c',
      link: [{ crn }],
    };
    link.change.after_unknown = { id: true };
    configOf(plan, 'ibm_iam_trusted_profile_link.web').expressions = {
      profile_id: { constant_value: 'Profile-94497d0d-2ac3-41bf-a993-a49d1b14627c' },
      cr_type: { constant_value: 'VSI' },
      is_cross_account: { constant_value: true },
      link: [{ crn: { constant_value: crn } }],
    };
    plan.resource_changes = [link];
    // Act
    const report = check(plan);
    // Assess
    expect(rows(report)).toEqual(['ticket cross-account-link ibm_iam_trusted_profile_link.web']);
    expect(report.results[0]?.reasons[0]).toBe(
      'profile Profile-94497d0d-2ac3-41bf-a993-a49d1b14627c is not in this plan: only the parts this plan manages are judged',
    );
  });

  test('a new instance naming an existing profile by id: the profile is judged on what the plan shows', () => {
    // Prepare: only the instance, with the profile's id written
    const plan = fixturePlan('profiles.json');
    plan.resource_changes = plan.resource_changes?.filter((r) => r.address === 'ibm_is_instance.web');
    const id = 'Profile-94497d0d-2ac3-41bf-a993-a49d1b14627c';
    plannedOf(plan, 'ibm_is_instance.web').default_trusted_profile_target = id;
    configOf(plan, 'ibm_is_instance.web').expressions.default_trusted_profile_target = { constant_value: id };
    // Act
    const pass = check(plan).results.find((r) => r.check === 'profile-breadth');
    // Assess: its policies are outside the plan, so nothing broad is seen, and the result says so
    expect(pass).toMatchObject({ verdict: 'pass', address: 'ibm_is_instance.web' });
    expect(pass?.reasons).toEqual([
      `profile ${id} is not in this plan: only the parts this plan manages are judged`,
    ]);
  });

  test('an instance naming the profile as its default trusted profile can assume it (auto link)', () => {
    // Prepare: no link resource; the instance names the profile itself
    const plan = fixturePlan('profiles.json');
    plan.resource_changes = plan.resource_changes?.filter(
      (r) => r.address !== 'ibm_iam_trusted_profile_link.web',
    );
    configOf(plan, 'ibm_is_instance.web').expressions.default_trusted_profile_target = {
      references: ['ibm_iam_trusted_profile.app.id', 'ibm_iam_trusted_profile.app'],
    };
    // Act
    const exposed = check(plan).results.find((r) => r.check === 'exposed-privileged-vsi');
    // Assess
    expect(exposed?.summary).toMatch(/can assume this profile \(link and default trusted profile\)/);
  });
});
