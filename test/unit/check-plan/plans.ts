// Test helpers for check-plan: the hand-written plans of test/fixtures/terraform-plans (cloned before
// edits), the fixture policy, and a small builder for one-resource variants.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { checkPlan } from '#cli/plan/check.ts';
import { type Plan, parsePlan, type ResourceChange } from '#cli/plan/read.ts';
import type { CheckReport, CheckResult } from '#cli/plan/types.ts';
import { loadPolicyFromManifest } from '#shared/policy/load.ts';
import { Policy, type PolicyInput } from '#shared/policy/schema.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/terraform-plans/', import.meta.url));
const NOW = new Date('2026-07-01T09:30:00Z');

const fixtureText = (name: string): string => readFileSync(`${FIXTURES}${name}`, 'utf8');

/** A fresh copy of a fixture plan, safe to edit. */
const fixturePlan = (name: string): Plan => parsePlan(fixtureText(name), name);

/** The policy in test/fixtures/terraform-plans/policy.yaml. */
const fixturePolicy = (): Policy =>
  loadPolicyFromManifest(fixtureText('policy.yaml'), 'policy.yaml', { now: NOW }).policy;

const policyOf = (raw: PolicyInput): Policy => v.parse(Policy, raw);

const check = (plan: Plan, policy: Policy = fixturePolicy()): CheckReport => checkPlan(plan, policy, NOW);

const resultFor = (report: CheckReport, address: string, checkId = 'instance-metadata'): CheckResult => {
  const found = report.results.find((r) => r.address === address && r.check === checkId);
  if (!found) throw new Error(`no ${checkId} result for ${address}: ${JSON.stringify(report.results)}`);
  return found;
};

const changeOf = (plan: Plan, address: string): ResourceChange => {
  const rc = plan.resource_changes?.find((r) => r.address === address);
  if (!rc) throw new Error(`no resource change ${address}`);
  return rc;
};

type Expressions = Record<string, unknown>;

interface ConfigResource {
  address: string;
  type: string;
  name: string;
  expressions: Expressions;
}

/** The configuration block of a resource in the root module of a (cloned) plan. */
const configOf = (plan: Plan, address: string): ConfigResource => {
  const root = (plan.configuration as { root_module: { resources: ConfigResource[] } }).root_module;
  const found = root.resources.find((r) => r.address === address);
  if (!found) throw new Error(`no configuration for ${address}`);
  return found;
};

/**
 * A plan with one ibm_is_instance `web` created in us-south-1 of an existing VPC known by name (through
 * a data source), with the given attributes, what is unknown, and the expressions written.
 */
const oneInstancePlan = (options: {
  after?: Record<string, unknown>;
  unknown?: Record<string, unknown>;
  expressions?: Expressions;
  actions?: string[];
  before?: Record<string, unknown> | null;
}): Plan => {
  const vpc = 'r006-4727d842-f94f-4a2d-824a-9bc9b02c523b';
  const after = { name: 'web-01', zone: 'us-south-1', vpc, profile: 'bx2-2x8', ...options.after };
  const unknown = {
    id: true,
    crn: true,
    resource_group: true,
    tags: true,
    access_tags: true,
    metadata_service: true,
    metadata_service_enabled: true,
    ...options.unknown,
  };
  return {
    format_version: '1.2',
    terraform_version: '1.9.8',
    planned_values: { root_module: { resources: [] } },
    resource_changes: [
      {
        address: 'ibm_is_instance.web',
        mode: 'managed',
        type: 'ibm_is_instance',
        name: 'web',
        change: {
          actions: options.actions ?? ['create'],
          before: options.before ?? null,
          after,
          after_unknown: unknown,
        },
      },
    ],
    prior_state: {
      values: {
        root_module: {
          resources: [
            {
              address: 'data.ibm_is_vpc.shared',
              mode: 'data',
              type: 'ibm_is_vpc',
              name: 'shared',
              values: { id: vpc, name: 'shared-vpc' },
            },
          ],
        },
      },
    },
    configuration: {
      root_module: {
        resources: [
          {
            address: 'ibm_is_instance.web',
            mode: 'managed',
            type: 'ibm_is_instance',
            name: 'web',
            expressions: {
              name: { constant_value: 'web-01' },
              zone: { constant_value: 'us-south-1' },
              vpc: { references: ['data.ibm_is_vpc.shared.id', 'data.ibm_is_vpc.shared'] },
              ...options.expressions,
            },
          },
        ],
      },
    },
  };
};

export {
  changeOf,
  check,
  configOf,
  FIXTURES,
  fixturePlan,
  fixturePolicy,
  fixtureText,
  NOW,
  oneInstancePlan,
  policyOf,
  resultFor,
};
