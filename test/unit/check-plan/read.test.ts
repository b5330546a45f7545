// Reading `terraform show -json` output: a plan is accepted; everything else is refused with one line
// that says what the input is and what to run instead.
import { describe, expect, test } from 'vitest';
import { PlanInputError, parsePlan } from '#cli/plan/read.ts';
import { fixtureText } from './plans.ts';

const refusal = (text: string): string => {
  try {
    parsePlan(text, 'plan.json');
  } catch (err) {
    expect(err).toBeInstanceOf(PlanInputError);
    const message = (err as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('accepted');
};

describe('parsePlan', () => {
  test('a hand-written plan: format version, Terraform version and its resource changes', () => {
    const plan = parsePlan(fixtureText('mixed-instances.json'), 'mixed-instances.json');
    expect(plan.format_version).toBe('1.2');
    expect(plan.terraform_version).toBe('1.9.8');
    expect(plan.resource_changes?.map((r) => r.address)).toEqual([
      'ibm_is_vpc.main',
      'ibm_is_instance.api',
      'ibm_is_instance.web',
    ]);
  });

  test('a plan without changes (no resource_changes) is still a plan', () => {
    expect(parsePlan('{"format_version":"1.2","planned_values":{}}', 'p').resource_changes).toBeUndefined();
  });

  test.each([
    [
      'state JSON',
      fixtureText('not-a-plan.state.json'),
      'plan.json: this is Terraform state JSON, not a plan: run `terraform plan -out tfplan && terraform show -json tfplan > plan.json`',
    ],
    [
      '`terraform plan -json` log lines',
      fixtureText('not-a-plan.plan-log.jsonl'),
      'plan.json: this is `terraform plan -json` log output, not a plan: run `terraform show -json tfplan` on a saved plan',
    ],
    [
      'a binary plan file',
      'PK\u0003\u0004tfplan',
      'plan.json: this is a binary plan file; convert it with `terraform show -json plan.json > plan.json`',
    ],
    ['an array', '[]', 'plan.json: not a Terraform JSON plan (expected a JSON object with format_version)'],
    [
      'another JSON object',
      '{"hello":"world"}',
      'plan.json: not a Terraform JSON plan (no format_version and planned_values/resource_changes)',
    ],
    [
      'a newer major format',
      '{"format_version":"2.0","planned_values":{}}',
      'plan.json: plan format_version 2.0 is not supported (this reader knows 0.x and 1.x)',
    ],
    [
      'a change without actions',
      '{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"a","change":{}}]}',
      'plan.json: not a Terraform JSON plan: resource_changes[0].change.actions: Invalid key: Expected "actions" but received undefined',
    ],
  ])('%s → one clear line', (_what, text, message) => {
    expect(refusal(text)).toBe(message);
  });

  test('text that is not JSON', () => {
    expect(refusal('resource "ibm_is_instance" "web" {}')).toMatch(/^plan\.json: not JSON \(/);
  });
});
