// The scenario document (YAML or JSON): the world the emulator starts from. Contract for tests,
// the demo and the generator. Names are references; ids are derived from `seed` unless given.
import * as v from 'valibot';
import { VPC_NETWORK_ENTRIES } from './network-schema.ts';

const Name = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

const Role = v.picklist([
  'Viewer',
  'Operator',
  'Editor',
  'Administrator',
  'Reader',
  'Writer',
  'Manager',
  'Event Source Manager',
  'Event Notifications Publisher',
  'Channel Editor',
]);

const IamServiceKey = v.picklist([
  '*',
  'is',
  'iam-identity',
  'iam-access-management',
  'iam-groups',
  'global-tagging',
  'support',
  'servicenow',
  'event-notifications',
  'atracker',
  'codeengine',
]);

const MetadataServiceDoc = v.strictObject({
  enabled: v.boolean(),
  protocol: v.optional(v.picklist(['http', 'https']), 'http'),
  response_hop_limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)), 1),
});

const TagsDoc = v.strictObject({
  user: v.optional(v.array(v.string()), []),
  access: v.optional(v.array(v.string()), []),
  service: v.optional(v.array(v.string()), []),
});

const DefaultTrustedProfileDoc = v.strictObject({
  profile: Name,
  auto_link: v.optional(v.boolean(), false),
});

const ApiKeyDoc = v.strictObject({
  name: Name,
  key: v.pipe(v.string(), v.minLength(8)),
  kind: v.optional(v.picklist(['user', 'serviceid', 'profile']), 'serviceid'),
  iam_id: v.optional(v.string()),
  /** kind: profile — the trusted profile a compute resource logs in as. */
  profile: v.optional(Name),
  cr_token: v.optional(v.string()),
  roles: v.optional(v.record(IamServiceKey, v.array(Role)), {}),
});

const VpcDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  resource_group: v.optional(Name),
  ...VPC_NETWORK_ENTRIES,
});

const ImageDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  os: v.optional(v.string(), 'ubuntu-24-04-amd64'),
  allowed_use: v.optional(v.strictObject({ instance: v.string() })),
});

const InstanceDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  zone: v.optional(v.string()),
  vpc: v.optional(Name),
  resource_group: v.optional(Name),
  image: v.optional(Name),
  profile: v.optional(v.string(), 'bx2-2x8'),
  status: v.optional(
    v.picklist(['pending', 'running', 'starting', 'stopping', 'stopped', 'restarting', 'deleting', 'failed']),
    'running',
  ),
  metadata_service: v.optional(MetadataServiceDoc, {
    enabled: false,
    protocol: 'http',
    response_hop_limit: 1,
  }),
  default_trusted_profile: v.optional(DefaultTrustedProfileDoc),
  tags: v.optional(TagsDoc),
  instance_group: v.optional(Name),
  created_at: v.optional(v.string()),
});

const TemplateDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  zone: v.optional(v.string()),
  vpc: v.optional(Name),
  resource_group: v.optional(Name),
  image: v.optional(Name),
  profile: v.optional(v.string(), 'bx2-2x8'),
  /** Absent = the template does not set it (instances get IBM's default: disabled). */
  metadata_service: v.optional(MetadataServiceDoc),
  default_trusted_profile: v.optional(DefaultTrustedProfileDoc),
  tags: v.optional(TagsDoc),
});

const InstanceGroupDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  template: Name,
  /** Absent = the number of this region's instances that name this group. */
  membership_count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  resource_group: v.optional(Name),
});

const RegionDoc = v.strictObject({
  name: Name,
  status: v.optional(v.picklist(['available', 'unavailable']), 'available'),
  zones: v.optional(v.array(v.string())),
  vpcs: v.optional(v.array(VpcDoc), []),
  images: v.optional(v.array(ImageDoc), []),
  instances: v.optional(v.array(InstanceDoc), []),
  templates: v.optional(v.array(TemplateDoc), []),
  instance_groups: v.optional(v.array(InstanceGroupDoc), []),
});

/**
 * A value taken from another object of the scenario, so documents need not spell out derived ids:
 * exactly one key. VPC names are unique per region; qualify as `region/name` when ambiguous.
 */
const RefDoc = v.strictObject({
  instance_id: v.optional(Name),
  instance_crn: v.optional(Name),
  vpc_id: v.optional(Name),
  vpc_crn: v.optional(Name),
  resource_group_id: v.optional(Name),
  profile_id: v.optional(Name),
  profile_iam_id: v.optional(Name),
});

const ClaimConditionDoc = v.strictObject({
  claim: v.string(),
  operator: v.picklist([
    'EQUALS',
    'NOT_EQUALS',
    'EQUALS_IGNORE_CASE',
    'NOT_EQUALS_IGNORE_CASE',
    'CONTAINS',
    'IN',
  ]),
  /**
   * IBM stores a JSON-encoded string (`"\"value\""`); a plain value here is encoded for you.
   * `{instance_crn: web-01}` (a RefDoc) takes the value from the scenario.
   */
  value: v.union([v.string(), v.number(), v.boolean(), v.array(v.string()), RefDoc]),
});

const ClaimRuleDoc = v.strictObject({
  name: v.optional(v.string()),
  id: v.optional(v.string()),
  type: v.optional(v.picklist(['Profile-SAML', 'Profile-CR']), 'Profile-CR'),
  realm_name: v.optional(v.string()),
  cr_type: v.optional(v.picklist(['VSI', 'BMS', 'PVS', 'IKS_SA', 'ROKS_SA', 'CE'])),
  expiration: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 3600),
  conditions: v.array(ClaimConditionDoc),
});

const ProfileLinkDoc = v.strictObject({
  name: v.optional(v.string()),
  id: v.optional(v.string()),
  cr_type: v.optional(v.picklist(['VSI', 'BMS', 'IKS_SA', 'ROKS_SA', 'CE']), 'VSI'),
  /** An instance of this scenario, by name (its CRN is linked). */
  instance: v.optional(Name),
  crn: v.optional(v.string()),
  namespace: v.optional(v.string()),
  component_type: v.optional(v.string()),
  component_name: v.optional(v.string()),
  is_cross_account: v.optional(v.boolean()),
});

/** A policy in compact form: resource attributes as `key: value`; `*` in a value means stringMatch. */
const PolicyDoc = v.strictObject({
  id: v.optional(v.string()),
  type: v.optional(v.picklist(['access', 'authorization']), 'access'),
  description: v.optional(v.string()),
  roles: v.pipe(v.array(v.string()), v.minLength(1)),
  /** A value may be a RefDoc, e.g. `instanceId: {instance_id: web-01}`. */
  resource: v.optional(v.record(v.string(), v.union([v.string(), RefDoc])), {}),
  resource_tags: v.optional(v.record(v.string(), v.string())),
  /** v2 time-based condition, kept as given. */
  rule: v.optional(v.unknown()),
  pattern: v.optional(v.string()),
  state: v.optional(v.picklist(['active', 'deleted']), 'active'),
});

/** Who may assume the profile (IamAssumeAuthenticator): `key` (an API key of this scenario), or type + identifier. */
const IdentityDoc = v.strictObject({
  key: v.optional(Name),
  type: v.optional(v.picklist(['user', 'serviceid', 'crn'])),
  identifier: v.optional(v.string()),
  iam_id: v.optional(v.string()),
  accounts: v.optional(v.array(v.string())),
  description: v.optional(v.string()),
});

const ProfileDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  description: v.optional(v.string()),
  email: v.optional(v.string()),
  rules: v.optional(v.array(ClaimRuleDoc), []),
  links: v.optional(v.array(ProfileLinkDoc), []),
  identities: v.optional(v.array(IdentityDoc), []),
  /** Policies whose subject is this profile's iam_id. */
  policies: v.optional(v.array(PolicyDoc), []),
  /** Access groups (by name) this profile is a member of. */
  access_groups: v.optional(v.array(Name), []),
});

const MemberDoc = v.strictObject({
  /** One of: a profile of this scenario, an api key of this scenario, or a raw iam_id. */
  profile: v.optional(Name),
  key: v.optional(Name),
  iam_id: v.optional(v.string()),
  type: v.optional(v.picklist(['user', 'service', 'profile'])),
});

const AccessGroupDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  description: v.optional(v.string()),
  members: v.optional(v.array(MemberDoc), []),
  policies: v.optional(v.array(PolicyDoc), []),
});

const SubjectPolicyDoc = v.strictObject({
  ...PolicyDoc.entries,
  /** The subject: an iam_id, or an access group / profile / key of this scenario by name. */
  subject: v.strictObject({
    iam_id: v.optional(v.string()),
    access_group: v.optional(Name),
    profile: v.optional(Name),
    key: v.optional(Name),
  }),
});

const CaseDoc = v.strictObject({
  number: v.optional(v.string()),
  subject: v.string(),
  description: v.optional(v.string(), ''),
  type: v.optional(
    v.picklist(['technical', 'account_and_access', 'billing_and_invoice', 'sales']),
    'technical',
  ),
  severity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4)), 4),
  status: v.optional(
    v.picklist(['new', 'in_progress', 'waiting_on_client', 'resolution_provided', 'resolved', 'closed']),
    'new',
  ),
});

const Guid = v.pipe(v.string(), v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/));

/** An Event Notifications instance and the API sources registered in it (publishing needs one). */
const EnInstanceDoc = v.strictObject({
  name: Name,
  id: v.optional(Guid),
  region: v.optional(v.string(), 'us-south'),
  sources: v.optional(
    v.array(
      v.strictObject({
        name: Name,
        id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
        enabled: v.optional(v.boolean(), true),
      }),
    ),
    [],
  ),
});

const JiraDoc = v.strictObject({
  /** Atlassian accounts (email + API token, HTTP Basic); local emulator credentials, not secrets. */
  users: v.optional(v.array(v.strictObject({ email: v.string(), api_token: v.string() })), []),
  projects: v.optional(
    v.array(
      v.strictObject({
        key: v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]{1,9}$/)),
        name: v.optional(v.string()),
        issue_types: v.optional(v.array(Name), ['Task', 'Bug']),
      }),
    ),
    [],
  ),
});

/** An Activity Tracker Event Routing target; Event Streams is the one imds-guard reads from. */
const AtTargetDoc = v.strictObject({
  name: Name,
  id: v.optional(Guid),
  region: v.optional(v.string(), 'us-south'),
  event_streams: v.optional(
    v.strictObject({
      instance_crn: v.string(),
      brokers: v.pipe(v.array(v.string()), v.minLength(1)),
      topic: v.pipe(v.string(), v.minLength(1)),
      service_to_service: v.optional(v.boolean(), true),
    }),
  ),
  cloud_logs: v.optional(v.strictObject({ instance_crn: v.string() })),
  /** The last write attempt: `failed` with a reason models a target Event Routing cannot write to. */
  write_status: v.optional(v.picklist(['success', 'failed']), 'success'),
  failure_reason: v.optional(v.string()),
});

/** A route: rules of locations → targets (by target name). Routes are account-wide. */
const AtRouteDoc = v.strictObject({
  name: Name,
  id: v.optional(Guid),
  rules: v.pipe(
    v.array(
      v.strictObject({
        locations: v.pipe(v.array(v.string()), v.minLength(1)),
        targets: v.pipe(v.array(Name), v.minLength(1)),
      }),
    ),
    v.minLength(1),
  ),
});

/** A function, app or job of a Code Engine project; `reference` is the code bundle or image. */
const CeComponentDoc = v.strictObject({
  name: Name,
  runtime: v.optional(v.string()),
  reference: v.optional(v.string()),
  status: v.optional(v.picklist(['ready', 'deploying', 'failed', 'offline', 'warning'])),
  cpu: v.optional(v.string(), '0.25'),
  memory: v.optional(v.string(), '1G'),
  /** Config maps the component reads whole (`--env-from-configmap`), in order. */
  config_maps: v.optional(v.array(Name), []),
  env: v.optional(v.record(v.string(), v.string()), {}),
});

const CeProjectDoc = v.strictObject({
  name: Name,
  id: v.optional(Guid),
  region: v.optional(v.string(), 'us-south'),
  resource_group: v.optional(Name),
  status: v.optional(v.picklist(['active', 'creating', 'inactive', 'soft_deleted']), 'active'),
  config_maps: v.optional(
    v.array(v.strictObject({ name: Name, data: v.optional(v.record(v.string(), v.string()), {}) })),
    [],
  ),
  functions: v.optional(v.array(CeComponentDoc), []),
  apps: v.optional(v.array(CeComponentDoc), []),
  jobs: v.optional(v.array(CeComponentDoc), []),
});

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
type InstanceDoc = v.InferOutput<typeof InstanceDoc>;
type OtherAccountDoc = v.InferOutput<typeof OtherAccountDoc>;
type PolicyDoc = v.InferOutput<typeof PolicyDoc>;
type RefDoc = v.InferOutput<typeof RefDoc>;
type CeComponentDoc = v.InferOutput<typeof CeComponentDoc>;

export type { CeComponentDoc, InstanceDoc, OtherAccountDoc, PolicyDoc, RefDoc, ScenarioInput };
export { ScenarioDoc };
