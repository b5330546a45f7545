import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import {
  accountAllowed,
  accountOfCrn,
  exemptionMatches,
  firstMatchingRule,
  globMatch,
  globToRegExp,
  isSelfInitiator,
  matchesScope,
  type Scope,
} from '#shared/policy/match.ts';
import { Policy, type PolicyInput } from '#shared/policy/schema.ts';

const ACCOUNT = 'aa2432b1fa4d4ace891e9b80fc104e34';
const OTHER = 'bb2432b1fa4d4ace891e9b80fc104e34';
const CRN = `crn:v1:bluemix:public:is:us-south-1:a/${ACCOUNT}::instance:0717_e21b7391-2ca2-4ab5-84a8-b92157a633b0`;

const policy = (raw: PolicyInput = {}) => v.parse(Policy, raw);

const SCOPE: Scope = {
  region: 'us-south',
  zone: 'us-south-2',
  resource_group: { id: 'rg-0001', name: 'prod' },
  vpc: { id: 'r006-vpc-1', name: 'web-vpc' },
  name: 'web-01',
  tags: ['env:prod', 'imds-guard:container-host'],
};

describe('globs', () => {
  test.each([
    ['web-*', 'web-01', true],
    ['web-*', 'web-', true],
    ['web-*', 'api-web-01', false],
    ['*-01', 'web-01', true],
    ['web-0?', 'web-01', true],
    ['web-0?', 'web-012', false],
    ['web-0?', 'web-0', false],
    ['web', 'web-01', false],
    ['web-01', 'web-01', true],
    ['Web-*', 'web-01', false],
    ['*', '', true],
    ['?', '', false],
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['(x)+[y]{2}|$^\\/', '(x)+[y]{2}|$^\\/', true],
    ['env:*', 'env:prod', true],
    ['*:container-*', 'imds-guard:container-host', true],
    ['é?', 'éü', true],
  ])('%s vs %s → %s', (glob, value, expected) => {
    // Act
    const hit = globMatch(glob, value);
    // Assess
    expect(hit).toBe(expected);
    expect(globToRegExp(glob).test(value)).toBe(expected);
  });

  test('the regex is anchored', () => {
    expect(globToRegExp('a*').source).toBe('^a.*$');
  });
});

describe('matchesScope', () => {
  test.each([
    ['empty match', {}, true],
    ['region', { regions: ['us-south'] }, true],
    ['other region', { regions: ['eu-de'] }, false],
    ['region glob', { regions: ['us-*'] }, true],
    ['one of several regions', { regions: ['eu-de', 'us-south'] }, true],
    ['zone', { zones: ['us-south-2'] }, true],
    ['other zone', { zones: ['us-south-1'] }, false],
    ['resource group by id', { resource_groups: ['rg-0001'] }, true],
    ['resource group by name', { resource_groups: ['prod'] }, true],
    ['other resource group', { resource_groups: ['dev'] }, false],
    ['vpc by id', { vpcs: ['r006-vpc-1'] }, true],
    ['vpc by name glob', { vpcs: ['web-*'] }, true],
    ['other vpc', { vpcs: ['db-vpc'] }, false],
    ['name glob', { names: ['web-*'] }, true],
    ['name is case-sensitive', { names: ['WEB-*'] }, false],
    ['tag key:value', { tags: ['imds-guard:container-host'] }, true],
    ['tag glob', { tags: ['env:*'] }, true],
    ['tag compare ignores case (IBM tags are case-insensitive)', { tags: ['ENV:Prod'] }, true],
    ['missing tag', { tags: ['env:dev'] }, false],
    ['all keys must match (AND)', { regions: ['us-south'], names: ['api-*'] }, false],
    ['all keys match', { regions: ['us-south'], names: ['web-*'], tags: ['env:prod'] }, true],
  ])('%s', (_label, match, expected) => {
    expect(matchesScope(match, SCOPE)).toBe(expected);
  });

  test.each([
    ['zones', { zones: ['*'] }],
    ['vpcs', { vpcs: ['*'] }],
    ['resource_groups', { resource_groups: ['*'] }],
  ])('a scope without %s never matches a rule that asks for them', (_label, match) => {
    expect(matchesScope(match, { region: 'us-south', name: 't', tags: [] })).toBe(false);
  });
});

describe('firstMatchingRule', () => {
  const rules = policy({
    instances: {
      rules: [
        {
          name: 'containers',
          match: { tags: 'imds-guard:container-host' },
          mode: 'secure',
          hop_limit: 2,
        },
        { name: 'web', match: { names: 'web-*' }, mode: 'disable' },
      ],
    },
  }).instances.rules;

  test.each([
    ['the first matching rule wins', SCOPE, 'containers', 0],
    ['later rules apply when earlier ones miss', { ...SCOPE, tags: [] }, 'web', 1],
    ['no rule', { ...SCOPE, name: 'db-01', tags: [] }, undefined, undefined],
  ])('%s', (_label, scope, name, index) => {
    const hit = firstMatchingRule(rules, scope);
    expect(hit?.rule.name).toBe(name);
    expect(hit?.index).toBe(index);
  });
});

describe('exemptionMatches', () => {
  const target = { crn: CRN, id: '0717_e21b', name: 'legacy-01', region: 'us-south' };
  test.each([
    ['crn', { crn: CRN }, true],
    ['other crn', { crn: `${CRN}x` }, false],
    ['id', { id: '0717_e21b' }, true],
    ['name', { name: 'legacy-01' }, true],
    ['name is exact, never a glob', { name: 'legacy-*' }, false],
    ['name in region', { name: 'legacy-01', region: 'us-south' }, true],
    ['name in another region', { name: 'legacy-01', region: 'eu-de' }, false],
  ])('%s', (_label, match, expected) => {
    expect(exemptionMatches(match, target)).toBe(expected);
  });
});

describe('accounts and initiators', () => {
  test.each([
    ['instance CRN', CRN, ACCOUNT],
    ['IAM CRN', `crn:v1:bluemix:public:iam-identity::a/${OTHER}::profile:Profile-1`, OTHER],
    ['no account scope', 'crn:v1:bluemix:public:is:us-south:o/org::instance:x', undefined],
    ['not a CRN', 'nope', undefined],
  ])('accountOfCrn: %s', (_label, crn, expected) => {
    expect(accountOfCrn(crn)).toBe(expected);
  });

  test.each([
    ['listed account', [ACCOUNT], ACCOUNT, undefined, true],
    ['unlisted account', [ACCOUNT], OTHER, ACCOUNT, false],
    ['empty list: own account only', [], ACCOUNT, ACCOUNT, true],
    ['empty list: another account', [], OTHER, ACCOUNT, false],
    ['empty list, own account unknown', [], ACCOUNT, undefined, false],
    ['no account on the event', [ACCOUNT], undefined, ACCOUNT, false],
  ])('accountAllowed: %s', (_label, accounts, account, own, expected) => {
    expect(accountAllowed(policy({ accounts }), account, own)).toBe(expected);
  });

  test.each([
    ['listed id', 'iam-ServiceId-guard', true],
    ['someone else', 'IBMid-123', false],
    ['no initiator', undefined, false],
  ])('isSelfInitiator: %s', (_label, id, expected) => {
    expect(isSelfInitiator(policy({ self_ids: ['iam-ServiceId-guard'] }), id)).toBe(expected);
  });
});
