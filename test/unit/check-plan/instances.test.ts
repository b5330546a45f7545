// check-plan on instances and instance templates: hand-written plans (test/fixtures/terraform-plans)
// and one-resource variants, judged with the guards' own decideInstance / decideTemplate.
import { describe, expect, test } from 'vitest';
import { exitCodeFor } from '#cli/plan/check.ts';
import type { Plan } from '#cli/plan/read.ts';
import { changeOf, check, configOf, fixturePlan, oneInstancePlan, policyOf, resultFor } from './plans.ts';

const DISABLE = policyOf({ instances: { default: { mode: 'disable' } } });
const SECURE = policyOf({ instances: { default: { mode: 'secure', hop_limit: 1 } } });

const block = (enabled: boolean, protocol = 'http', hop = 1) => ({
  after: { metadata_service: [{ enabled, protocol, response_hop_limit: hop }] },
  unknown: { metadata_service: [{}] },
  expressions: {
    metadata_service: [
      {
        enabled: { constant_value: enabled },
        protocol: { constant_value: protocol },
        response_hop_limit: { constant_value: hop },
      },
    ],
  },
});

describe('a plan with a compliant and a non-compliant instance', () => {
  test('exactly one finding, what to write instead, exit 3', () => {
    // Act
    const report = check(fixturePlan('mixed-instances.json'));
    // Assess
    const findings = report.results.filter((r) => r.verdict !== 'pass');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      address: 'ibm_is_instance.web',
      check: 'instance-metadata',
      verdict: 'change',
      severity: 'high',
      rule: 'default',
      wanted: { enabled: false },
      summary: 'after apply the instance guard would change it: enabled true→false',
    });
    expect(resultFor(report, 'ibm_is_instance.api')).toMatchObject({ verdict: 'pass', rule: 'default' });
    expect(resultFor(report, 'ibm_is_instance.api').reasons[0]).toBe(
      "no metadata_service in the configuration: IBM's default applies (disabled)",
    );
    expect(exitCodeFor(report)).toBe(3);
  });

  test('written compliant, the same plan exits 0', () => {
    // Prepare: the web instance's block written as the policy wants
    const plan = fixturePlan('mixed-instances.json');
    const web = changeOf(plan, 'ibm_is_instance.web');
    (web.change.after as { metadata_service: unknown[] }).metadata_service = [
      { enabled: false, protocol: 'http', response_hop_limit: 1 },
    ];
    // Act
    const report = check(plan);
    // Assess
    expect(report.results.map((r) => r.verdict)).toEqual(['pass', 'pass']);
    expect(exitCodeFor(report)).toBe(0);
  });
});

describe('what the plan says about the metadata service', () => {
  test('secure policy: a block with only enabled written gets IBM defaults for the rest', () => {
    // Prepare: protocol and hop limit computed (unknown) because they are not written
    const plan = oneInstancePlan({
      after: { metadata_service: [{ enabled: true, protocol: null, response_hop_limit: null }] },
      unknown: { metadata_service: [{ protocol: true, response_hop_limit: true }] },
      expressions: { metadata_service: [{ enabled: { constant_value: true } }] },
    });
    // Act
    const result = resultFor(check(plan, SECURE), 'ibm_is_instance.web');
    // Assess
    expect(result).toMatchObject({
      verdict: 'change',
      summary: 'after apply the instance guard would change it: protocol http→https',
      wanted: { enabled: true, protocol: 'https', response_hop_limit: 1 },
    });
    expect(result.reasons[0]).toMatch(/protocol, response_hop_limit not set: IBM's default applies/);
  });

  test('the deprecated metadata_service_enabled = true is read like the provider sends it', () => {
    const plan = oneInstancePlan({
      after: { metadata_service_enabled: true },
      unknown: { metadata_service_enabled: false },
      expressions: { metadata_service_enabled: { constant_value: true } },
    });
    const result = resultFor(check(plan, DISABLE), 'ibm_is_instance.web');
    expect(result).toMatchObject({
      verdict: 'change',
      summary: expect.stringContaining('enabled true→false'),
    });
    expect(result.reasons[0]).toMatch(/metadata_service_enabled \(deprecated\) is true/);
  });

  test('a value known only after apply: cannot tell (not a pass), exit 4', () => {
    const plan = oneInstancePlan({
      after: { metadata_service: [{ enabled: null, protocol: 'https', response_hop_limit: 1 }] },
      unknown: { metadata_service: [{ enabled: true }] },
      expressions: { metadata_service: [{ enabled: { references: ['terraform_data.flags.output'] } }] },
    });
    const report = check(plan, DISABLE);
    expect(resultFor(report, 'ibm_is_instance.web')).toMatchObject({
      verdict: 'unknown',
      severity: null,
      summary: 'cannot tell before apply: metadata_service.enabled is known only after apply',
    });
    expect(exitCodeFor(report)).toBe(4);
  });

  test('the whole fixture of unknown values: nothing passes that depends on them', () => {
    const report = check(fixturePlan('unknown-values.json'));
    const verdicts = Object.fromEntries(report.results.map((r) => [r.address, r.verdict]));
    expect(verdicts).toEqual({
      'ibm_is_instance.dynamic': 'unknown',
      'ibm_is_instance.tagged': 'unknown',
      'ibm_is_instance.legacy': 'exempt',
      'ibm_is_instance.quiet': 'pass',
    });
    // Disabled is compliant under every rule that may apply, so the unknown VPC does not matter.
    expect(resultFor(report, 'ibm_is_instance.quiet').reasons.at(-1)).toMatch(
      /rule\(s\) sandbox-audit may apply instead, depending on the VPC \(id or name\)/,
    );
    expect(exitCodeFor(report)).toBe(4);
  });

  test('an update that turns the metadata service back on (Terraform reverting the guard): change', () => {
    // Prepare: an existing instance, so everything but the changed block is known from state
    const before = { metadata_service: [{ enabled: false, protocol: 'http', response_hop_limit: 1 }] };
    const existing = { id: '0717_e21b7391', tags: [], access_tags: [], resource_group: 'fee82deba12e' };
    const known = { id: false, crn: false, tags: false, access_tags: false, resource_group: false };
    const plan = oneInstancePlan({
      ...block(true),
      after: { ...block(true).after, ...existing },
      unknown: { ...known, metadata_service: [{}], metadata_service_enabled: false },
      actions: ['update'],
      before,
    });
    // Act, Assess
    expect(resultFor(check(plan, DISABLE), 'ibm_is_instance.web')).toMatchObject({
      verdict: 'change',
      actions: ['update'],
    });
  });

  test('no-op, read and delete are not judged; a replacement is', () => {
    const judged = (actions: string[]) =>
      check(oneInstancePlan({ ...block(true), actions }), DISABLE).results;
    expect(judged(['no-op'])).toEqual([]);
    expect(judged(['delete'])).toEqual([]);
    expect(judged(['delete', 'create'])).toMatchObject([
      { verdict: 'change', actions: ['delete', 'create'] },
    ]);
    expect(judged(['create', 'delete'])).toMatchObject([{ verdict: 'change' }]);
  });

  test('a delete-only plan: nothing to judge, exit 0', () => {
    const report = check(fixturePlan('delete-only.json'));
    expect(report.results).toEqual([]);
    expect(exitCodeFor(report)).toBe(0);
  });

  test('created from a template that is not in the plan: cannot tell', () => {
    const plan = oneInstancePlan({
      after: { instance_template: '0717-4b6e5a1c-96a5-4b4a-8a35-3f1e4c1d2e3f' },
      expressions: { instance_template: { constant_value: '0717-4b6e5a1c-96a5-4b4a-8a35-3f1e4c1d2e3f' } },
    });
    expect(resultFor(check(plan, DISABLE), 'ibm_is_instance.web').summary).toMatch(
      /created from instance template 0717-4b6e5a1c-\S+ and sets no metadata_service; the template's setting applies/,
    );
  });

  test('without a configuration section, a computed block is not mistaken for "not set"', () => {
    const plan: Plan = { ...oneInstancePlan({}), configuration: undefined };
    expect(resultFor(check(plan, DISABLE), 'ibm_is_instance.web').verdict).toBe('unknown');
    const written: Plan = { ...oneInstancePlan(block(false)), configuration: undefined };
    expect(resultFor(check(written, DISABLE), 'ibm_is_instance.web').verdict).toBe('pass');
  });

  test('a resource inside a module instance is read with its module configuration', () => {
    // Prepare: the same instance, moved into module.web[0]
    const plan = oneInstancePlan({
      after: { metadata_service: [{ enabled: true, protocol: null, response_hop_limit: null }] },
      unknown: { metadata_service: [{ protocol: true, response_hop_limit: true }] },
    });
    const rc = changeOf(plan, 'ibm_is_instance.web');
    Object.assign(rc, { address: 'module.web[0].ibm_is_instance.web', module_address: 'module.web[0]' });
    const config = configOf(plan, 'ibm_is_instance.web');
    config.expressions.metadata_service = [{ enabled: { constant_value: true } }];
    const root = (plan.configuration as { root_module: Record<string, unknown> }).root_module;
    root.module_calls = { web: { source: './web', module: { resources: [config] } } };
    root.resources = [];
    // Act: found through module_calls.web, protocol and hop limit are IBM's defaults
    const result = resultFor(check(plan, SECURE), 'module.web[0].ibm_is_instance.web');
    // Assess
    expect(result).toMatchObject({
      verdict: 'change',
      summary: expect.stringContaining('protocol http→https'),
    });
  });
});

describe('rules and exemptions when the plan cannot show everything', () => {
  const VPC_RULE = policyOf({
    instances: {
      default: { mode: 'disable' },
      rules: [{ name: 'containers', match: { vpcs: ['k8s-vpc'] }, mode: 'secure', hop_limit: 2 }],
    },
  });

  test('a VPC known by id only: a rule on VPC names may apply, and it wants something else', () => {
    const plan = oneInstancePlan(block(true, 'https', 2));
    configOf(plan, 'ibm_is_instance.web').expressions.vpc = {
      constant_value: 'r006-4727d842-f94f-4a2d-824a-9bc9b02c523b',
    };
    const result = resultFor(check(plan, VPC_RULE), 'ibm_is_instance.web');
    expect(result.verdict).toBe('unknown');
    expect(result.summary).toMatch(
      /depends on the VPC \(id or name\), known only after apply \(candidates: containers, default\)/,
    );
  });

  test('a VPC created in the same plan has a new id: only its name can match, and it does not', () => {
    const plan = oneInstancePlan(block(true, 'https', 2));
    const rc = changeOf(plan, 'ibm_is_instance.web');
    delete (rc.change.after as Record<string, unknown>).vpc;
    (rc.change.after_unknown as Record<string, unknown>).vpc = true;
    configOf(plan, 'ibm_is_instance.web').expressions.vpc = {
      references: ['ibm_is_vpc.main.id', 'ibm_is_vpc.main'],
    };
    plan.resource_changes?.push({
      address: 'ibm_is_vpc.main',
      mode: 'managed',
      type: 'ibm_is_vpc',
      name: 'main',
      change: { actions: ['create'], before: null, after: { name: 'prod-vpc' }, after_unknown: { id: true } },
    });
    expect(resultFor(check(plan, VPC_RULE), 'ibm_is_instance.web')).toMatchObject({
      verdict: 'change',
      rule: 'default',
    });
  });

  test('the exemption access tag written on the instance: exempt', () => {
    const plan = oneInstancePlan({
      ...block(true),
      after: { ...block(true).after, access_tags: ['imds-guard:exempt'] },
      unknown: { metadata_service: [{}], access_tags: [false] },
      expressions: { ...block(true).expressions, access_tags: { constant_value: ['imds-guard:exempt'] } },
    });
    expect(resultFor(check(plan, DISABLE), 'ibm_is_instance.web')).toMatchObject({
      verdict: 'exempt',
      summary: 'exempt: access tag "imds-guard:exempt" is attached',
    });
  });

  test('the exemption access tag attached by an ibm_resource_tag of the plan: exempt', () => {
    const plan = oneInstancePlan(block(true));
    plan.resource_changes?.push({
      address: 'ibm_resource_tag.exempt',
      mode: 'managed',
      type: 'ibm_resource_tag',
      name: 'exempt',
      change: {
        actions: ['create'],
        before: null,
        after: { tags: ['imds-guard:exempt'], tag_type: 'access' },
        after_unknown: { id: true, resource_id: true },
      },
    });
    const root = (plan.configuration as { root_module: { resources: unknown[] } }).root_module;
    root.resources.push({
      address: 'ibm_resource_tag.exempt',
      mode: 'managed',
      type: 'ibm_resource_tag',
      name: 'exempt',
      expressions: {
        resource_id: { references: ['ibm_is_instance.web.crn', 'ibm_is_instance.web'] },
        tags: { constant_value: ['imds-guard:exempt'] },
        tag_type: { constant_value: 'access' },
      },
    });
    expect(resultFor(check(plan, DISABLE), 'ibm_is_instance.web').verdict).toBe('exempt');
  });

  test('access tags known only after apply: a finding could be exempt, so cannot tell; compliant stays pass', () => {
    const unknownTags = (enabled: boolean) =>
      oneInstancePlan({
        ...block(enabled),
        unknown: { metadata_service: [{}], access_tags: true },
        expressions: { ...block(enabled).expressions, access_tags: { references: ['var.tags'] } },
      });
    expect(resultFor(check(unknownTags(true), DISABLE), 'ibm_is_instance.web').summary).toBe(
      'cannot tell before apply: its access tags are known only after apply, and an exemption tag would leave it alone',
    );
    expect(resultFor(check(unknownTags(false), DISABLE), 'ibm_is_instance.web').verdict).toBe('pass');
  });

  test('access tags not written on a new instance: none, decided without them', () => {
    expect(resultFor(check(oneInstancePlan(block(true)), DISABLE), 'ibm_is_instance.web').verdict).toBe(
      'change',
    );
  });
});

describe('instance templates', () => {
  test('replace mode: a template with the metadata service on is copied; its groups are named', () => {
    const report = check(fixturePlan('templates.json'));
    const workers = resultFor(report, 'ibm_is_instance_template.workers', 'template-metadata');
    expect(workers).toMatchObject({
      verdict: 'change',
      wanted: { enabled: false },
      summary: expect.stringContaining('copy "workers-tmpl-imds-guard"'),
    });
    expect(workers.reasons).toContain(
      'instance groups still use it and keep creating non-compliant instances (repoint_instance_groups is off): workers-group',
    );
    expect(resultFor(report, 'ibm_is_instance_template.batch', 'template-metadata')).toMatchObject({
      verdict: 'pass',
      reasons: expect.arrayContaining([
        "template sets no metadata_service, so its instances get IBM's default (disabled)",
      ]),
    });
    // An instance created from the template, with no setting of its own, gets the template's.
    expect(resultFor(report, 'ibm_is_instance.canary')).toMatchObject({
      verdict: 'change',
      reasons: expect.arrayContaining([
        'no metadata_service of its own: created from ibm_is_instance_template.workers, whose setting it gets',
      ]),
    });
  });

  test('templates.mode audit (the default): reported, not a change; exit follows the instances', () => {
    const policy = policyOf({ instances: { default: { mode: 'disable' } }, templates: { mode: 'audit' } });
    const plan = fixturePlan('templates.json');
    plan.resource_changes = plan.resource_changes?.filter((r) => r.type !== 'ibm_is_instance');
    const report = check(plan, policy);
    expect(resultFor(report, 'ibm_is_instance_template.workers', 'template-metadata').verdict).toBe('audit');
    expect(exitCodeFor(report)).toBe(0);
  });
});
