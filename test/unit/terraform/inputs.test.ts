// The module's inputs as `deploy --terraform` writes them, and the promise that `deploy --dry-run` and
// the Terraform module describe the same resources and the same grants (one source: the manifest, the
// plan's own step list, and grantsFor).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { grantsFor, scopeFlags } from '#shared/actions/grants.ts';
import {
  EMPTY_STATE,
  linkName,
  type Plan,
  planDeploy,
  type Step,
  stepsOf,
} from '#shared/manifest/deploy-plan.ts';
import { commandLine } from '#shared/manifest/deploy-render.ts';
import { type LoadedManifest, loadManifest } from '#shared/manifest/load.ts';
import type { Deployment } from '#shared/manifest/schema.ts';
import { type TerraformGrant, type TerraformInputs, terraformInputs } from '#shared/manifest/terraform.ts';
import { loadPolicyFromJson } from '#shared/policy/load.ts';
import { type Block, isExpression, loadModule, type Module, root } from './module.ts';
import { conformance, parseType } from './types.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const load = (rel: string, file: string): LoadedManifest =>
  loadManifest(readFileSync(join(root, rel), 'utf8'), file, { now: NOW });
const deployment = (l: LoadedManifest): Deployment => {
  if (!l.deployment) throw new Error('expected deployment sections');
  return l.deployment;
};

let mod: Module;
beforeAll(async () => {
  mod = await loadModule();
});

const manifests = {
  'manifest.yaml': () => load('manifest.yaml', 'manifest.yaml'),
  'test/fixtures/manifest.sample.yaml': () =>
    load('test/fixtures/manifest.sample.yaml', 'test/fixtures/manifest.sample.yaml'),
} satisfies Record<string, () => LoadedManifest>;

const inputsOf = (l: LoadedManifest): TerraformInputs => terraformInputs(deployment(l), l.policy);
/** An HCL interpolation as hcl2json gives it: `${…}` around the expression. */
const expr = (inner: string): string => `\${${inner}}`;

const block = (type: string, name: string): Block | undefined =>
  mod.blocks.find((b) => b.kind === 'resource' && b.type === type && b.name === name);

describe.each(Object.entries(manifests))('terraform inputs from %s', (_name, loadIt) => {
  test('terraform.tfvars.json sets only declared variables, each converts to its type, and every variable without a default is set', () => {
    const inputs = inputsOf(loadIt());
    const given = { ...inputs.vars, ...inputs.grants };
    expect(Object.keys(given).filter((k) => !(k in mod.variables))).toEqual([]);
    const missing = Object.entries(mod.variables).filter(([k, v]) => !('default' in v) && !(k in given));
    expect(missing.map(([k]) => k)).toEqual([]);
    const problems = Object.entries(given).flatMap(([k, value]) =>
      conformance(value, parseType(String(mod.variables[k]?.type)), k),
    );
    expect(problems).toEqual([]);
  });

  test('no secret value reaches a file: secrets carry names and keys only', () => {
    const l = loadIt();
    const text = JSON.stringify(inputsOf(l));
    for (const s of deployment(l).secrets) {
      if (s.from === 'env' && !Array.isArray(s.keys)) {
        for (const env of Object.values(s.keys)) expect(text).not.toContain(`"${env}"`);
      }
    }
    expect(Object.keys(inputsOf(l).vars)).not.toContain('secret_values');
  });
});

/** A grant back in the plan's words: the argv of `iam trusted-profile-policy-create` after the subject. */
const grantArgv = (g: TerraformGrant): string[] => [
  '--roles',
  g.roles.join(','),
  ...scopeFlags({
    serviceName: g.scope.service_name,
    ...(g.scope.service_instance !== undefined ? { serviceInstance: g.scope.service_instance } : {}),
    ...(g.scope.resource_type !== undefined ? { resourceType: g.scope.resource_type } : {}),
    ...(g.scope.resource !== undefined ? { resource: g.scope.resource } : {}),
    attributes: g.scope.attributes,
  }),
];

const flag = (s: Step, name: string): string | undefined => {
  const i = s.argv.indexOf(name);
  return i < 0 ? undefined : s.argv[i + 1];
};

const names = (plan: Plan, kind: Step['kind'], verb?: Step['verb']): string[] =>
  stepsOf(plan)
    .filter((s) => s.kind === kind && (verb === undefined || s.verb === verb))
    .map((s) => s.name)
    .sort();

/** Resource types the module has and the `ibmcloud` plan does not, each with why. */
const TERRAFORM_ONLY = {
  ibm_event_streams_topic: 'the plan expects the topic to exist (docs/deploy.md, Before you deploy)',
  ibm_cos_bucket: 'the plan writes to an existing trail bucket; the module can create it write-once',
  ibm_cos_bucket_object_lock_configuration: 'with that bucket',
  ibm_logs_alert_definition: 'Cloud Logs definitions (cloud-logs/*.json) are Terraform-only',
  ibm_logs_view: 'likewise',
};

/** Plan step kind → the module resource types that hold the same things. */
const SAME_AS = {
  project: ['ibm_code_engine_project'],
  identity: ['ibm_iam_trusted_profile', 'ibm_iam_service_id'],
  link: ['ibm_iam_trusted_profile_link'],
  'iam-policy': ['ibm_iam_trusted_profile_policy', 'ibm_iam_service_policy'],
  secret: ['ibm_code_engine_secret'],
  configmap: ['ibm_code_engine_config_map'],
  function: ['ibm_code_engine_function'],
  app: ['ibm_code_engine_app'],
  job: ['ibm_code_engine_job'],
  authorization: ['ibm_iam_authorization_policy'],
  'at-target': ['ibm_atracker_target'],
  'at-route': ['ibm_atracker_route'],
  // No provider resource: the same command lines, as the post_apply_commands output.
  cron: [],
  kafka: [],
  target: [],
} satisfies Record<Step['kind'], string[]>;

describe.each(Object.entries(manifests))(
  'deploy --dry-run and the module describe the same deployment: %s',
  (_n, loadIt) => {
    const setup = () => {
      const l = loadIt();
      const d = deployment(l);
      return { d, plan: planDeploy(d, l.policy, EMPTY_STATE, l.file), inputs: inputsOf(l), policy: l.policy };
    };

    test('every module resource type stands for a plan step kind, or is a named Terraform-only extra', () => {
      const mapped = new Set([...Object.values(SAME_AS).flat(), ...Object.keys(TERRAFORM_ONLY)]);
      const types = [...new Set(mod.blocks.filter((b) => b.kind === 'resource').map((b) => b.type))];
      expect(types.filter((t) => !mapped.has(t))).toEqual([]);
      for (const t of Object.values(SAME_AS).flat()) expect(types, t).toContain(t);
    });

    test('the same grants: each policy step of the plan is one grant of grants.auto.tfvars.json, in order', () => {
      const { d, plan, inputs, policy } = setup();
      const planned = stepsOf(plan)
        .filter((s) => s.kind === 'iam-policy')
        .map((s) => s.argv.slice(3));
      expect(inputs.grants.grants.map(grantArgv)).toEqual(planned);
      expect(inputs.grants.grants).toHaveLength(grantsFor(policy, d.audit_trail).length);
      const tp = block('ibm_iam_trusted_profile_policy', 'grant');
      expect(tp?.body.for_each).toBe(expr('local.trusted_profile == null ? {} : local.grants'));
      expect(mod.locals.grants).toBe(expr('{ for g in var.grants : g.key => g }'));
      expect(new Set(inputs.grants.grants.map((g) => g.key)).size).toBe(inputs.grants.grants.length);
    });

    test('the same identity, links, secrets and configmaps', () => {
      const { d, plan, inputs } = setup();
      const v = inputs.vars as {
        identity: { trusted_profile: { name: string } | null; service_id: { name: string } | null };
        secrets: { name: string; from: string }[];
        configmaps: { name: string }[];
        project: { name: string; config_map: string };
      };
      expect(names(plan, 'project', 'create')).toEqual([v.project.name]);
      expect(names(plan, 'identity', 'create')).toEqual([
        (v.identity.trusted_profile ?? v.identity.service_id)?.name,
      ]);
      // The module names links as the plan does: ce-fn-/ce-app-/ce-job- + component name.
      const components = String(mod.locals.components);
      for (const tpl of [
        `"ce-fn-${expr('name')}"`,
        `"ce-app-${expr('var.app.name')}"`,
        `"ce-job-${expr('var.job.name')}"`,
      ]) {
        expect(components).toContain(tpl);
      }
      const expectedLinks = [
        ...d.functions.map((f) => linkName('function', f.name)),
        ...(d.app ? [linkName('app', d.app.name)] : []),
        ...(d.job ? [linkName('job', d.job.name)] : []),
      ].sort();
      expect(names(plan, 'link')).toEqual(d.identity.trusted_profile ? expectedLinks : []);
      expect(names(plan, 'secret')).toEqual(
        v.secrets
          .filter((s) => s.from === 'env')
          .map((s) => s.name)
          .sort(),
      );
      expect(names(plan, 'configmap')).toEqual(
        [...v.configmaps.map((c) => c.name), v.project.config_map].sort(),
      );
    });

    test('the same functions, app and job, with the same sizes and limits', () => {
      const { plan, inputs } = setup();
      const v = inputs.vars as {
        functions: Record<
          string,
          {
            runtime: string;
            cpu: number;
            memory: string;
            max_execution_time: number;
            scale_down_delay: number;
            visibility: string;
          }
        >;
        app: {
          name: string;
          port: number;
          min_scale: number;
          max_scale: number;
          concurrency: number;
          request_timeout: number;
          cpu: number;
          memory: string;
        } | null;
        job: {
          name: string;
          array_size: number;
          retry_limit: number;
          max_execution_time: number;
          cpu: number;
          memory: string;
        } | null;
      };
      const fns = stepsOf(plan).filter((s) => s.kind === 'function');
      expect(fns.map((s) => s.name).sort()).toEqual(Object.keys(v.functions).sort());
      for (const s of fns) {
        const f = v.functions[s.name];
        expect([
          flag(s, '--runtime'),
          flag(s, '--cpu'),
          flag(s, '--memory'),
          flag(s, '--maxexecutiontime'),
          flag(s, '--scale-down-delay'),
          flag(s, '--visibility'),
        ]).toEqual([
          f?.runtime,
          String(f?.cpu),
          f?.memory,
          String(f?.max_execution_time),
          String(f?.scale_down_delay),
          f?.visibility,
        ]);
      }
      const app = stepsOf(plan).find((s) => s.kind === 'app');
      expect(app?.name).toBe(v.app?.name);
      if (app && v.app) {
        expect(
          [
            '--port',
            '--min-scale',
            '--max-scale',
            '--concurrency',
            '--request-timeout',
            '--cpu',
            '--memory',
          ].map((f) => flag(app, f)),
        ).toEqual(
          [
            v.app.port,
            v.app.min_scale,
            v.app.max_scale,
            v.app.concurrency,
            v.app.request_timeout,
            v.app.cpu,
            v.app.memory,
          ].map(String),
        );
      }
      const job = stepsOf(plan).find((s) => s.kind === 'job');
      expect(job?.name).toBe(v.job?.name);
      if (job && v.job) {
        expect(
          ['--array-size', '--retrylimit', '--maxexecutiontime', '--cpu', '--memory'].map((f) =>
            flag(job, f),
          ),
        ).toEqual(
          [v.job.array_size, v.job.retry_limit, v.job.max_execution_time, v.job.cpu, v.job.memory].map(
            String,
          ),
        );
      }
    });

    test('the same Activity Tracker authorization, targets and route', () => {
      const { plan, inputs } = setup();
      const at = inputs.vars.activity_tracker as {
        targets: Record<
          string,
          { instance_crn: string; api_key_env: string | null; topic: string; brokers: string[] }
        >;
        route: { name: string; rules: { locations: string[]; targets: string[] }[] };
      } | null;
      expect(names(plan, 'at-target')).toEqual(Object.keys(at?.targets ?? {}).sort());
      expect(names(plan, 'at-route')).toEqual(at ? [at.route.name] : []);
      // locals.s2s_instances: the GUID of each target without an API key, as the plan's authorizations.
      const guids = [
        ...new Set(
          Object.values(at?.targets ?? {})
            .filter((t) => t.api_key_env === null)
            .map((t) => t.instance_crn.split(':')[7]),
        ),
      ];
      expect(names(plan, 'authorization')).toEqual(guids.map((g) => `atracker>messagehub:${g}`).sort());
      expect(String(mod.locals.s2s_instances)).toContain(
        'split(":", t.instance_crn)[7] if t.api_key_env == null',
      );
      const route = stepsOf(plan).find((s) => s.kind === 'at-route');
      if (route && at) {
        const rules = JSON.parse(flag(route, '--rules') ?? '[]') as { locations: string[] }[];
        expect(rules.map((r) => r.locations)).toEqual(at.route.rules.map((r) => r.locations));
      }
    });

    test('what the provider has no resource for (cron and Kafka subscriptions): the plan’s own command lines, as an output', () => {
      const { plan, inputs } = setup();
      const commands = inputs.vars.post_apply_commands as string[];
      const subs = stepsOf(plan).filter((s) => s.kind === 'cron' || s.kind === 'kafka');
      for (const s of subs) expect(commands).toContain(commandLine(s));
      expect(commands.length).toBe(subs.length === 0 ? 0 : subs.length + 2);
      expect(mod.outputs.post_apply_commands?.value).toBe(expr('var.post_apply_commands'));
    });
  },
);

describe('grants follow the policy through the one function (grantsFor)', () => {
  test('a dry-run policy: read-only grants in the plan and in Terraform alike', () => {
    const l = load('manifest.yaml', 'manifest.yaml');
    const policy = loadPolicyFromJson(JSON.stringify({ ...l.policy, dry_run: true })).policy;
    const d = deployment(l);
    const inputs = terraformInputs(d, policy);
    expect(inputs.grants.grants.flatMap((g) => g.roles)).toEqual(['Viewer', 'Viewer', 'Viewer', 'Viewer']);
    const planned = stepsOf(planDeploy(d, policy, EMPTY_STATE))
      .filter((s) => s.kind === 'iam-policy')
      .map((s) => s.argv.slice(3));
    expect(inputs.grants.grants.map(grantArgv)).toEqual(planned);
  });

  test('the module has no hand-written role: no resource sets roles from a literal, except the Activity Tracker authorization', () => {
    const literalRoles = mod.blocks
      .filter((b) => 'roles' in b.body && !isExpression(b.body.roles))
      .map((b) => `${b.type}.${b.name}`);
    expect(literalRoles).toEqual(['ibm_iam_authorization_policy.atracker_to_event_streams']);
  });
});
