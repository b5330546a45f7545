// SARIF 2.1.0 for code-scanning UIs, validated with ajv 8 against the official SARIF 2.1.0 schema
// (node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json, a draft-04 schema: its
// `$schema`/`id` are dropped so ajv's default draft reads it; no keyword in it differs between the two).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import type * as Sarif from 'sarif';
import { describe, expect, test } from 'vitest';
import { CHECK_IDS, toSarif } from '#cli/plan/sarif.ts';
import type { CheckReport } from '#cli/plan/types.ts';
import { PROFILE_RULE_IDS } from '#shared/policy/profiles.ts';
import { check, fixturePlan, fixturePolicy } from './plans.ts';

const schemaFile = createRequire(import.meta.url).resolve(
  '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json',
);
const {
  $schema: _draft,
  id: _id,
  ...schema
} = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
// The schema's language-tag pattern is not valid in unicode mode; formats are not what is tested here.
const validate = new Ajv({
  strict: false,
  allErrors: true,
  validateFormats: false,
  unicodeRegExp: false,
}).compile(schema);

const META = {
  planFile: 'plan.json',
  formatVersion: '1.2',
  terraformVersion: '1.9.8',
  policySource: 'policy.yaml',
  toolVersion: '0.1.0',
};

const sarifOf = (report: CheckReport): Sarif.Log => toSarif(report, META);
const resultsOf = (log: Sarif.Log): Sarif.Result[] => log.runs[0]?.results ?? [];

describe('SARIF output', () => {
  test.each([
    'mixed-instances.json',
    'templates.json',
    'unknown-values.json',
    'profiles.json',
    'delete-only.json',
  ])('%s: valid SARIF 2.1.0', (name) => {
    const log = sarifOf(check(fixturePlan(name)));
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
  });

  test('the validator does reject what is not SARIF', () => {
    const log = sarifOf(check(fixturePlan('mixed-instances.json')));
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
    expect(validate({ ...log, runs: [{ results: [] }] })).toBe(false);
  });

  test('a compliant and a non-compliant instance: one result, at the resource address, with the wanted block', () => {
    const log = sarifOf(check(fixturePlan('mixed-instances.json')));
    const results = resultsOf(log);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      ruleId: 'instance-metadata',
      ruleIndex: 0,
      kind: 'fail',
      level: 'error',
      locations: [
        { logicalLocations: [{ fullyQualifiedName: 'ibm_is_instance.web', name: 'web', kind: 'resource' }] },
      ],
      properties: { verdict: 'change', wanted_metadata_service: { enabled: false }, policy_rule: 'default' },
    });
    expect(results[0]?.message.text).toBe(
      'ibm_is_instance.web (create): after apply the instance guard would change it: enabled true→false\nWanted in the configuration:\nmetadata_service {\n  enabled = false\n}',
    );
    // A plan does not say which .tf file a resource is in: no physical location is invented.
    expect(results[0]?.locations?.[0]?.physicalLocation).toBeUndefined();
    expect(log.runs[0]?.artifacts).toEqual([
      {
        location: { uri: 'plan.json' },
        roles: ['analysisTarget'],
        description: { text: 'terraform show -json output' },
      },
    ]);
  });

  test('one rule per check, each with help and a security severity', () => {
    const rules = sarifOf(check(fixturePlan('mixed-instances.json'))).runs[0]?.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).toEqual([
      'instance-metadata',
      'template-metadata',
      ...PROFILE_RULE_IDS,
      'profile-breadth',
    ]);
    expect(rules.map((r) => r.id)).toEqual(CHECK_IDS);
    for (const rule of rules) {
      expect(rule.help?.text).toBeTruthy();
      expect(rule.properties?.['security-severity']).toMatch(/^\d+\.\d$/);
    }
    expect(rules.find((r) => r.id === 'exposed-privileged-vsi')?.defaultConfiguration?.level).toBe('error');
    expect(rules.find((r) => r.id === 'long-session')?.defaultConfiguration?.level).toBe('note');
  });

  test('cannot tell is an open question (kind open, level none), never a pass', () => {
    const results = resultsOf(sarifOf(check(fixturePlan('unknown-values.json'))));
    expect(
      results.map((r) => [r.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName, r.kind, r.level]),
    ).toEqual([
      ['ibm_is_instance.dynamic', 'open', 'none'],
      ['ibm_is_instance.tagged', 'open', 'none'],
    ]);
  });

  test('profile findings: level from severity; an exempt profile is reported as suppressed', () => {
    const base = fixturePolicy();
    const exempt = {
      ...base,
      profiles: {
        ...base.profiles,
        exempt_profiles: [
          { name: 'app-runtime', expires: '2099-01-01T00:00:00Z', approver: 'jane', ticket: 'CHG-7' },
        ],
      },
    };
    const levels = Object.fromEntries(
      resultsOf(sarifOf(check(fixturePlan('profiles.json')))).map((r) => [r.ruleId, r.level]),
    );
    expect(levels).toEqual({
      'instance-metadata': 'error',
      'exposed-privileged-vsi': 'error',
      'broad-role-all-services': 'error',
      'vsi-rule-unpinned': 'error',
      'long-session': 'note',
    });
    const suppressed = resultsOf(sarifOf(check(fixturePlan('profiles.json'), exempt))).filter(
      (r) => r.ruleId === 'broad-role-all-services',
    );
    expect(suppressed[0]?.suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: 'exempt until 2099-01-01T00:00:00Z (ticket CHG-7, approved by jane)',
      },
    ]);
  });

  test('fingerprints are stable across runs and differ between results', () => {
    const prints = (log: Sarif.Log) =>
      resultsOf(log).map((r) => r.partialFingerprints?.['imdsGuardCheck/v1']);
    const first = prints(sarifOf(check(fixturePlan('profiles.json'))));
    expect(prints(sarifOf(check(fixturePlan('profiles.json'))))).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });
});
