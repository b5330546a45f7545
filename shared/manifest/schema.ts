// The deployment sections of manifest.yaml: what `imds-guard deploy` creates on IBM Cloud Code Engine.
// The `policy:` section is not defined here: shared/policy/schema.ts owns it and shared/policy/load.ts
// validates it. Like the policy, objects are strict (a misspelt option fails loudly, with a "did you mean"
// hint), `null` means "not set", and every limit IBM documents is enforced here with its reason
// (../shared/docs/events-and-code-engine.md §3.0 and §4). Checks that need two sections at once
// (references between sections) live in references.ts. Each section's schema is in schema/; this file
// puts them together as the Manifest.
import * as v from 'valibot';
import { section } from '../policy/schema.ts';
import { AuditTrail } from './schema/audit-trail.ts';
import {
  CRON_DESTINATION_TYPES,
  type CronDestinationType,
  DEFAULT_CONFIG_MAP,
  defaultBuildSource,
  FUNCTION_RUNTIMES,
  FUNCTION_SIZES,
  type FunctionRuntime,
  LIMITS,
  VISIBILITIES,
  type Visibility,
} from './schema/common.ts';
import { App, FunctionSpec, INVOCATION_KEYS, Job } from './schema/components.ts';
import { ConfigMap, Secret } from './schema/config.ts';
import { ActivityTracker, byteLength, Cron, type EventStreamsTarget, Kafka } from './schema/events.ts';
import { Account, Identity, Project } from './schema/project.ts';

const Manifest = section({
  project: v.optional(Project),
  accounts: v.optional(
    v.pipe(
      v.array(Account, 'expected a list of accounts'),
      v.minLength(1, 'list the account the guard is deployed to'),
    ),
  ),
  identity: v.optional(Identity),
  secrets: v.nullish(v.array(Secret, 'expected a list of secrets'), []),
  configmaps: v.nullish(v.array(ConfigMap, 'expected a list of configmaps'), []),
  functions: v.nullish(
    v.pipe(
      v.array(FunctionSpec, 'expected a list of functions'),
      v.maxLength(
        LIMITS.functionsPerProject,
        `a Code Engine project holds at most ${LIMITS.functionsPerProject} functions`,
      ),
    ),
    [],
  ),
  app: v.optional(App),
  job: v.optional(Job),
  cron: v.nullish(
    v.pipe(
      v.array(Cron, 'expected a list of cron subscriptions'),
      v.maxLength(
        LIMITS.cronSubscriptionsPerProject,
        `a project holds at most ${LIMITS.cronSubscriptionsPerProject} cron subscriptions`,
      ),
    ),
    [],
  ),
  kafka: v.optional(Kafka),
  activity_tracker: v.optional(ActivityTracker),
  audit_trail: v.optional(AuditTrail),
  /** Validated by shared/policy/load.ts (the one owner of the policy schema). */
  policy: v.optional(v.unknown()),
});

type Manifest = v.InferOutput<typeof Manifest>;
type ManifestInput = v.InferInput<typeof Manifest>;

/** A manifest that deploys: the sections every deployment needs are present (references.ts checks it). */
type Deployment = Manifest & {
  project: Project;
  accounts: [Account, ...Account[]];
  identity: Identity;
};

export type {
  Account,
  ActivityTracker,
  App,
  AuditTrail,
  ConfigMap,
  Cron,
  CronDestinationType,
  Deployment,
  EventStreamsTarget,
  FunctionRuntime,
  FunctionSpec,
  Identity,
  Job,
  Kafka,
  ManifestInput,
  Project,
  Secret,
  Visibility,
};
export {
  byteLength,
  CRON_DESTINATION_TYPES,
  DEFAULT_CONFIG_MAP,
  defaultBuildSource,
  FUNCTION_RUNTIMES,
  FUNCTION_SIZES,
  INVOCATION_KEYS,
  LIMITS,
  Manifest,
  VISIBILITIES,
};
