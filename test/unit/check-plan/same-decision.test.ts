// The check is the guard's decision, not a second one: whenever the plan shows everything, check-plan's
// verdict is what decideInstance says for the instance the plan will create (random policies, settings
// and tags).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decideInstance, type InstanceSnapshot } from '#functions/instance-guard/decide.ts';
import type { PolicyInput } from '#shared/policy/schema.ts';
import { check, NOW, oneInstancePlan, policyOf, resultFor } from './plans.ts';

const TAGS = ['imds-guard:exempt', 'imds-guard:container-host', 'env:prod'];
const VERDICT = { compliant: 'pass', exempt: 'exempt', patch: 'change', audit: 'audit' } as const;

const mode = fc.constantFrom('disable', 'secure', 'audit');
const policyArb = fc.record({
  mode,
  hop: fc.integer({ min: 1, max: 3 }),
  ruleMode: mode,
  ruleHop: fc.integer({ min: 1, max: 3 }),
  withRule: fc.boolean(),
  exemptTag: fc.boolean(),
});
const metadataArb = fc.record({
  enabled: fc.boolean(),
  protocol: fc.constantFrom('http', 'https'),
  response_hop_limit: fc.integer({ min: 1, max: 4 }),
});

const target = (m: 'disable' | 'secure' | 'audit', hop: number) =>
  m === 'disable' ? { mode: m } : { mode: m, hop_limit: hop };

describe('check-plan decides like the instance guard', () => {
  test('known plan values → the verdict of decideInstance on the instance they describe', () => {
    fc.assert(
      fc.property(policyArb, metadataArb, fc.subarray(TAGS), (p, metadata, accessTags) => {
        // Prepare
        const raw: PolicyInput = {
          instances: {
            default: target(p.mode, p.hop),
            rules: p.withRule
              ? [
                  {
                    name: 'hosts',
                    match: { tags: ['imds-guard:container-host'] },
                    ...target(p.ruleMode, p.ruleHop),
                  },
                ]
              : [],
            exemptions: { access_tags: p.exemptTag ? ['imds-guard:exempt'] : [] },
          },
        };
        const policy = policyOf(raw);
        const plan = oneInstancePlan({
          after: { metadata_service: [metadata], access_tags: accessTags, tags: [] },
          unknown: { metadata_service: [{}], access_tags: [], tags: [] },
          expressions: {
            metadata_service: [{ enabled: { constant_value: metadata.enabled } }],
            access_tags: { constant_value: accessTags },
          },
        });
        const snapshot: InstanceSnapshot = {
          instance: {
            id: '',
            crn: '',
            name: 'web-01',
            region: 'us-south',
            zone: 'us-south-1',
            vpc: { id: 'r006-4727d842-f94f-4a2d-824a-9bc9b02c523b', name: 'shared-vpc' },
            resource_group: { id: '', name: '' },
            metadata_service: { ...metadata, protocol: metadata.protocol as 'http' | 'https' },
            status: 'pending',
          },
          tags: { ok: true, user: [], access: accessTags },
        };
        // Act
        const result = resultFor(check(plan, policy), 'ibm_is_instance.web');
        const decision = decideInstance(policy, snapshot, NOW);
        // Assess
        expect(result.verdict).toBe(VERDICT[decision.kind]);
        if (decision.kind !== 'exempt') expect(result.rule).toBe(decision.rule);
      }),
      { numRuns: 300 },
    );
  });
});
