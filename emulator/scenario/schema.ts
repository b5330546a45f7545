// The scenario document (YAML or JSON): the world the emulator starts from. Contract for tests,
// the demo and the generator. Names are references; ids are derived from `seed` unless given.
import * as v from 'valibot';
import { AccessGroupDoc, type PolicyDoc, ProfileDoc, type RefDoc, SubjectPolicyDoc } from './schema-iam.ts';
import {
  AtRouteDoc,
  AtTargetDoc,
  CaseDoc,
  type CeComponentDoc,
  CeProjectDoc,
  EnInstanceDoc,
  JiraDoc,
} from './schema-services.ts';
import { ApiKeyDoc, type InstanceDoc, Name, RegionDoc } from './schema-vpc.ts';

/** What one account holds (the scenario's own, and each of its other `accounts`). */
const accountEntries = {
  account: v.optional(
    v.strictObject({
      id: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/))),
      name: v.optional(v.string()),
    }),
    {},
  ),
  token_ttl_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60)), 3600),
  resource_groups: v.optional(v.array(v.strictObject({ name: Name, id: v.optional(v.string()) })), [
    { name: 'default' },
  ]),
  api_keys: v.optional(v.array(ApiKeyDoc), []),
  regions: v.optional(v.array(RegionDoc), []),
  profiles: v.optional(v.array(ProfileDoc), []),
  access_groups: v.optional(v.array(AccessGroupDoc), []),
  policies: v.optional(v.array(SubjectPolicyDoc), []),
  cases: v.optional(v.array(CaseDoc), []),
  /**
   * The VSI (by instance name) the instance metadata endpoints (`/instance_identity/v1/…`,
   * `/identity/v1/…`) answer as: the machine a `vpc`-auth caller runs on. Absent: they answer nothing.
   */
  metadata_host: v.optional(Name),
  /** ServiceNow instance users (Basic auth on /api/now/…); local emulator credentials, not secrets. */
  servicenow: v.optional(
    v.strictObject({ users: v.array(v.strictObject({ user: v.string(), password: v.string() })) }),
    { users: [] },
  ),
  event_notifications: v.optional(v.strictObject({ instances: v.array(EnInstanceDoc) }), { instances: [] }),
  jira: v.optional(JiraDoc, {}),
  /** Activity Tracker Event Routing: targets and routes, as a deployment left them. */
  activity_tracker: v.optional(
    v.strictObject({
      targets: v.optional(v.array(AtTargetDoc), []),
      routes: v.optional(v.array(AtRouteDoc), []),
    }),
  ),
  /** Code Engine projects with their functions, apps, jobs and config maps. */
  code_engine: v.optional(v.strictObject({ projects: v.optional(v.array(CeProjectDoc), []) })),
};

/** Another account the emulator serves, with its own separate state; its id is required. */
const OtherAccountDoc = v.strictObject({
  ...accountEntries,
  account: v.strictObject({
    id: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
    name: v.optional(v.string()),
  }),
  /** Seed of this account's ids; default: the scenario's seed and the account id. */
  seed: v.optional(v.string()),
});

const ScenarioDoc = v.strictObject({
  version: v.optional(v.literal(1), 1),
  seed: v.optional(v.string(), 'imds-guard'),
  ...accountEntries,
  /**
   * Other accounts (an enterprise's), each with its own keys, regions, profiles: a token is scoped to
   * the account of its key or profile, and reaches another only by assuming a profile there.
   */
  accounts: v.optional(v.array(OtherAccountDoc), []),
});

type ScenarioDoc = v.InferOutput<typeof ScenarioDoc>;
type ScenarioInput = v.InferInput<typeof ScenarioDoc>;
type OtherAccountDoc = v.InferOutput<typeof OtherAccountDoc>;

export type { CeComponentDoc, InstanceDoc, OtherAccountDoc, PolicyDoc, RefDoc, ScenarioInput };
export { ScenarioDoc };
