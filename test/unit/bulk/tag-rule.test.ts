// The tag-lookup rule of bulk runs: tags are read only where they can change what happens. Tables for
// the cases docs/scan.md names, and a property: whenever the rule says "no need", any tags whatsoever
// lead decideInstance to the same action as no tags.
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import {
  decideInstance,
  type InstanceDecision,
  instanceSnapshot,
  type TagRead,
} from '#functions/instance-guard/decide.ts';
import { NO_TAGS, tagsCanMatter } from '#functions/sweep/tag-rule.ts';
import type { Instance, InstanceMetadataService } from '#shared/cloud/vpc.ts';
import { Policy, type PolicyInput } from '#shared/policy/schema.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const policy = (raw: PolicyInput): Policy => v.parse(Policy, raw);

const instance = (metadata: InstanceMetadataService, o: { name?: string; zone?: string } = {}): Instance => ({
  id: '0717_e21b7391-2ca2-4ab5-84a8-b92157a633b0',
  crn: 'crn:v1:bluemix:public:is:us-south-1:a/aa2432b1fa4d4ace891e9b80fc104e34::instance:0717_e21b7391',
  href: 'https://us-south.iaas.cloud.ibm.com/v1/instances/0717_e21b7391',
  name: o.name ?? 'web-01',
  created_at: '2026-01-01T00:00:00Z',
  status: 'running',
  metadata_service: metadata,
  vpc: { id: 'r006-vpc', crn: 'crn:vpc', name: 'prod-vpc' },
  zone: { name: o.zone ?? 'us-south-1' },
  resource_group: { id: 'rg-1', name: 'prod' },
});

const OFF: InstanceMetadataService = { enabled: false, protocol: 'http', response_hop_limit: 1 };
const HTTP: InstanceMetadataService = { enabled: true, protocol: 'http', response_hop_limit: 1 };
const HTTPS1: InstanceMetadataService = { enabled: true, protocol: 'https', response_hop_limit: 1 };
const HTTPS2: InstanceMetadataService = { enabled: true, protocol: 'https', response_hop_limit: 2 };

const NO_TAG_EXEMPTIONS = { access_tags: [] };
const HOSTS_RULE = {
  name: 'hosts',
  match: { tags: ['imds-guard:container-host'] },
  mode: 'secure' as const,
  hop_limit: 2,
};

describe('tagsCanMatter', () => {
  test.each([
    {
      why: 'the policy uses no tags at all',
      policy: { instances: { default: { mode: 'disable' }, exemptions: NO_TAG_EXEMPTIONS } },
      metadata: HTTP,
      matters: false,
    },
    {
      why: 'compliant, and only exemption tags: an exemption could not change anything',
      policy: { instances: { default: { mode: 'disable' } } },
      metadata: OFF,
      matters: false,
    },
    {
      why: 'non-compliant, and the policy exempts by access tag',
      policy: { instances: { default: { mode: 'disable' } } },
      metadata: HTTP,
      matters: true,
    },
    {
      why: 'an audit finding, and the policy exempts by tag (exempt vs planned)',
      policy: { instances: { default: { mode: 'audit' } } },
      metadata: HTTP,
      matters: true,
    },
    {
      why: 'non-compliant, user-tag exemptions only',
      policy: {
        instances: { default: { mode: 'disable' }, exemptions: { access_tags: [], user_tags: ['keep'] } },
      },
      metadata: HTTP,
      matters: true,
    },
    {
      why: 'a tag rule could select hop limit 2 for a compliant hop-1 instance',
      policy: {
        instances: { default: { mode: 'secure' }, rules: [HOSTS_RULE], exemptions: NO_TAG_EXEMPTIONS },
      },
      metadata: HTTPS1,
      matters: true,
    },
    {
      why: 'a tag rule that wants the same as the untagged choice (compliant either way)',
      policy: {
        instances: {
          default: { mode: 'secure', hop_limit: 2 },
          rules: [HOSTS_RULE],
          exemptions: NO_TAG_EXEMPTIONS,
        },
      },
      metadata: HTTPS2,
      matters: false,
    },
    {
      why: 'a tag rule that is limited to another region cannot apply',
      policy: {
        instances: {
          default: { mode: 'secure' },
          rules: [{ ...HOSTS_RULE, match: { ...HOSTS_RULE.match, regions: ['eu-de'] } }],
          exemptions: NO_TAG_EXEMPTIONS,
        },
      },
      metadata: HTTPS1,
      matters: false,
    },
    {
      why: 'a tag rule behind a rule that already matches never applies',
      policy: {
        instances: {
          default: { mode: 'secure' },
          rules: [{ name: 'web', match: { names: ['web-*'] }, mode: 'secure' }, HOSTS_RULE],
          exemptions: NO_TAG_EXEMPTIONS,
        },
      },
      metadata: HTTPS1,
      matters: false,
    },
    {
      why: 'a live list exemption wins over everything',
      policy: {
        instances: {
          default: { mode: 'disable' },
          exemptions: {
            list: [
              {
                match: { name: 'web-01' },
                expires: '2027-01-01T00:00:00Z',
                approver: 'sec',
                ticket: 'SEC-1',
              },
            ],
          },
        },
      },
      metadata: HTTP,
      matters: false,
    },
  ])('$why → $matters', ({ policy: raw, metadata, matters }) => {
    expect(tagsCanMatter(policy(raw as PolicyInput), instance(metadata), 'us-south', NOW)).toBe(matters);
  });
});

/** What decideInstance makes happen: a PATCH (and which), an audit finding, or nothing. */
const action = (d: InstanceDecision): string =>
  d.kind === 'patch' || d.kind === 'audit' ? `${d.kind}:${JSON.stringify(d.patch)}` : 'nothing';

describe('tagsCanMatter (property)', () => {
  const TAGS = ['imds-guard:exempt', 'imds-guard:container-host', 'env:prod', 'keep'];
  const mode = fc.constantFrom('disable', 'secure', 'audit');
  const rule = fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    match: fc.record(
      {
        tags: fc.subarray(TAGS, { minLength: 1 }),
        regions: fc.constantFrom(['us-south'], ['eu-de']),
        names: fc.constantFrom(['web-*'], ['db-*']),
      },
      { requiredKeys: [] },
    ),
    mode,
    hop_limit: fc.constantFrom(1, 2, 3),
  });
  const policyArb = fc
    .record({
      default: fc.record({ mode, hop_limit: fc.constantFrom(1, 2) }),
      rules: fc.uniqueArray(rule, { selector: (r) => r.name, maxLength: 3 }),
      access: fc.subarray(TAGS),
      user: fc.subarray(TAGS),
      matchUser: fc.boolean(),
    })
    .map((p) =>
      policy({
        instances: {
          default: p.default.mode === 'disable' ? { mode: 'disable' } : p.default,
          rules: p.rules.map((r) => (r.mode === 'disable' ? { ...r, hop_limit: undefined } : r)),
          exemptions: { access_tags: p.access, user_tags: p.user },
          match_user_tags: p.matchUser,
        },
      } as PolicyInput),
    );
  const metadataArb = fc.record({
    enabled: fc.boolean(),
    protocol: fc.constantFrom('http' as const, 'https' as const),
    response_hop_limit: fc.constantFrom(1, 2, 3),
  });
  const tagsArb: fc.Arbitrary<TagRead> = fc.record({
    ok: fc.constant(true as const),
    user: fc.subarray(TAGS),
    access: fc.subarray(TAGS),
  });

  test('when it says no, any tags lead to the same action as none', () => {
    fc.assert(
      fc.property(
        policyArb,
        metadataArb,
        fc.constantFrom('web-01', 'db-01'),
        fc.constantFrom('us-south-1', 'eu-de-2'),
        tagsArb,
        (p, metadata, name, zone, tags) => {
          const inst = instance(metadata, { name, zone });
          const region = zone.replace(/-\d+$/, '');
          fc.pre(!tagsCanMatter(p, inst, region, NOW));
          const untagged = decideInstance(p, instanceSnapshot(inst, NO_TAGS, region), NOW);
          const tagged = decideInstance(p, instanceSnapshot(inst, tags, region), NOW);
          expect(action(tagged)).toBe(action(untagged));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
