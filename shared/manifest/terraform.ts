// Manifest → the inputs of the Terraform module in deploy/terraform/ (terraform.tfvars.json and
// grants.auto.tfvars.json). Pure. The module is kept in the repository and reviewed like code; what
// differs per deployment is data, and this file is the only place that turns the manifest into it.
// The grants come from grantsFor (shared/actions/grants.ts), the same function the `ibmcloud` plan uses, so the CLI
// and Terraform can never grant different access. What the IBM provider has no resource for (Code
// Engine subscriptions) travels as the very command lines the plan prints.

import { type Grant, grantsFor, scopeKey } from '../actions/grants.ts';
import type { Policy } from '../policy/schema.ts';
import { EMPTY_STATE, planDeploy, stepsOf } from './deploy-plan.ts';
import { commandLine } from './deploy-render.ts';
import { keysOf } from './references.ts';
import type { App, Deployment, FunctionSpec, Job } from './schema.ts';

interface TerraformGrant {
  key: string;
  roles: string[];
  scope: {
    service_name: string;
    service_instance?: string;
    resource_type?: string;
    resource?: string;
    attributes: Record<string, string>;
  };
  why: string;
}

/** terraform.tfvars.json: every variable of deploy/terraform/variables.tf except grants and secrets. */
type TerraformVars = Record<string, unknown>;

interface TerraformInputs {
  vars: TerraformVars;
  grants: { grants: TerraformGrant[] };
  /** What the operator must still do before `terraform apply` (code references, secret values). */
  notices: string[];
}

/** One grant as the module's `grants` variable takes it; `key` is the scope key IAM dedupes by. */
const terraformGrant = (g: Grant): TerraformGrant => ({
  key: scopeKey(g.scope),
  roles: [...g.roles],
  scope: {
    service_name: g.scope.serviceName,
    ...(g.scope.serviceInstance !== undefined ? { service_instance: g.scope.serviceInstance } : {}),
    ...(g.scope.resourceType !== undefined ? { resource_type: g.scope.resourceType } : {}),
    ...(g.scope.resource !== undefined ? { resource: g.scope.resource } : {}),
    attributes: { ...(g.scope.attributes ?? {}) },
  },
  why: g.why,
});

/** The least-privilege grants for Terraform: grantsFor, reshaped, nothing added or dropped. */
const terraformGrants = (d: Deployment, policy: Policy): TerraformGrant[] =>
  grantsFor(policy, d.audit_trail).map(terraformGrant);

const runSettings = (spec: FunctionSpec | App | Job) => ({
  configmaps: [...spec.configmaps],
  secrets: [
    ...new Set([
      ...spec.secrets,
      ...('invocation_auth' in spec && spec.invocation_auth ? [spec.invocation_auth.secret] : []),
    ]),
  ],
  env: { ...spec.env },
});

const functionVars = (f: FunctionSpec) => ({
  runtime: f.runtime,
  cpu: f.cpu,
  memory: f.memory,
  max_execution_time: f.max_execution_time,
  scale_down_delay: f.scale_down_delay,
  visibility: f.visibility,
  code_bundle: f.code_bundle ?? null,
  code_secret: null,
  build_source: f.build_source ?? null,
  ...runSettings(f),
});

/** The app's or job's name and where its image comes from (the plan's `codeFlags`, as variables). */
const codeVars = (c: App | Job) => ({
  name: c.name,
  image: c.image ?? null,
  registry_secret: c.registry_secret ?? null,
  build_source: c.build_source ?? null,
});

const appVars = (a: App) => ({
  ...codeVars(a),
  port: a.port,
  min_scale: a.min_scale,
  max_scale: a.max_scale,
  concurrency: a.concurrency,
  request_timeout: a.request_timeout,
  visibility: a.visibility,
  cpu: a.cpu,
  memory: a.memory,
  ...runSettings(a),
});

const jobVars = (j: Job) => ({
  ...codeVars(j),
  array_size: j.array_size,
  retry_limit: j.retry_limit,
  max_execution_time: j.max_execution_time,
  mode: j.mode,
  cpu: j.cpu,
  memory: j.memory,
  ...runSettings(j),
});

const activityTrackerVars = (d: Deployment) => {
  const at = d.activity_tracker;
  if (!at) return null;
  return {
    targets: Object.fromEntries(
      at.targets.map((t) => [
        t.name,
        {
          region: t.region ?? d.project.region,
          instance_crn: t.instance_crn,
          brokers: [...t.brokers],
          topic: t.topic,
          api_key_env: t.api_key_env ?? null,
        },
      ]),
    ),
    route: {
      name: at.route.name,
      rules: at.route.rules.map((r) => ({ locations: [...r.locations], targets: [...r.targets] })),
    },
  };
};

/** The topic the Kafka subscription reads, in the Event Streams instance an Activity Tracker target writes it to. */
const topicVars = (d: Deployment) => {
  const topic = d.kafka?.topic;
  const target = d.activity_tracker?.targets.find((t) => t.topic === topic);
  return topic !== undefined && target
    ? { name: topic, instance_crn: target.instance_crn, partitions: 1 }
    : null;
};

/** The plan's Code Engine subscription commands (no provider resource), after the lines that target the project. */
const postApplyCommands = (d: Deployment, policy: Policy): string[] => {
  const steps = stepsOf(planDeploy(d, policy, EMPTY_STATE));
  const subscriptions = steps.filter((s) => s.kind === 'cron' || s.kind === 'kafka');
  if (subscriptions.length === 0) return [];
  const targeting = steps.filter((s) => s.kind === 'target' || (s.kind === 'project' && s.verb === 'select'));
  return [...targeting, ...subscriptions].map(commandLine);
};

const codeNotices = (d: Deployment): string[] => [
  ...d.functions
    .filter((f) => f.code_bundle === undefined)
    .map(
      (f) =>
        `function ${f.name}: set functions["${f.name}"].code_bundle to its code bundle in a registry (built from ${f.build_source ?? ''}; deploy/terraform/README.md, Code)`,
    ),
  ...[d.app ? { what: 'app', c: d.app } : undefined, d.job ? { what: 'job', c: d.job } : undefined]
    .filter((x) => x !== undefined && x.c.image === undefined)
    .map(
      (x) =>
        `${x?.what} ${x?.c.name}: set ${x?.what}.image to its image in a registry (built from ${x?.c.build_source ?? ''}; deploy/terraform/README.md, Code)`,
    ),
];

/** `jq -n` builds the JSON from the environment (`env.NAME`), so no value is ever typed, echoed or stored. */
const fromEnv = (entries: readonly (readonly [string, string])[]): string =>
  `{${entries.map(([k, e]) => `${JSON.stringify(k)}:env.${e}`).join(',')}}`;

const secretNotices = (d: Deployment): string[] => {
  const env = d.secrets.flatMap((s) =>
    s.from === 'env' && !Array.isArray(s.keys) ? [{ name: s.name, keys: s.keys }] : [],
  );
  const keyed =
    d.activity_tracker?.targets.flatMap((t) =>
      t.api_key_env !== undefined ? [[t.name, t.api_key_env] as const] : [],
    ) ?? [];
  const secrets = `{${env.map((s) => `${JSON.stringify(s.name)}:${fromEnv(Object.entries(s.keys))}`).join(',')}}`;
  return [
    ...(env.length > 0
      ? [`secret values, read from the environment: export TF_VAR_secret_values="$(jq -n '${secrets}')"`]
      : []),
    ...(keyed.length > 0
      ? [`Activity Tracker target API keys: export TF_VAR_at_target_api_keys="$(jq -n '${fromEnv(keyed)}')"`]
      : []),
  ];
};

/** The module's inputs for a deployment: terraform.tfvars.json, grants.auto.tfvars.json, and what is left to do. */
const terraformInputs = (d: Deployment, policy: Policy): TerraformInputs => ({
  vars: {
    account_id: d.accounts[0].id,
    accounts: d.accounts.slice(1).map((a) => ({
      id: a.id,
      name: a.name ?? null,
      apikey_secret: a.apikey_secret ?? null,
      apikey_env: a.apikey_env ?? null,
      assume: a.assume ?? null,
    })),
    region: d.project.region,
    resource_group: d.project.resource_group,
    project: { name: d.project.name, config_map: d.project.config_map },
    identity: {
      trusted_profile: d.identity.trusted_profile ?? null,
      service_id: d.identity.service_id ?? null,
    },
    policy_json: JSON.stringify(policy),
    secrets: d.secrets.map((s) => ({ name: s.name, from: s.from, keys: keysOf(s) })),
    configmaps: d.configmaps.map((c) => ({ name: c.name, data: { ...c.data } })),
    functions: Object.fromEntries(d.functions.map((f) => [f.name, functionVars(f)])),
    app: d.app ? appVars(d.app) : null,
    job: d.job ? jobVars(d.job) : null,
    activity_tracker: activityTrackerVars(d),
    event_streams_topic: topicVars(d),
    audit_trail: d.audit_trail
      ? {
          bucket: d.audit_trail.bucket,
          region: d.audit_trail.region,
          instance_id: d.audit_trail.instance_id,
          prefix: d.audit_trail.prefix ?? null,
          endpoint: d.audit_trail.endpoint ?? null,
        }
      : null,
    post_apply_commands: postApplyCommands(d, policy),
  },
  grants: { grants: terraformGrants(d, policy) },
  notices: [...codeNotices(d), ...secretNotices(d)],
});

export type { TerraformGrant, TerraformInputs, TerraformVars };
export { terraformGrants, terraformInputs };
