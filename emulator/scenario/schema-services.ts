// The scenario's other services: support cases, Event Notifications, Jira, Activity Tracker routing
// and Code Engine projects.
import * as v from 'valibot';
import { Name } from './schema-vpc.ts';

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

type CeComponentDoc = v.InferOutput<typeof CeComponentDoc>;

export { AtRouteDoc, AtTargetDoc, CaseDoc, CeComponentDoc, CeProjectDoc, EnInstanceDoc, Guid, JiraDoc };
