// The deployment sections of manifest.yaml: what `imds-guard deploy` creates on IBM Cloud Code Engine.
// The `policy:` section is not defined here: shared/policy/schema.ts owns it and shared/policy/load.ts
// validates it. Like the policy, objects are strict (a misspelt option fails loudly, with a "did you mean"
// hint), `null` means "not set", and every limit IBM documents is enforced here with its reason
// (../shared/docs/events-and-code-engine.md §3.0 and §4). Checks that need two sections at once
// (references between sections) live in references.ts.
import * as v from 'valibot';
import { section } from '../policy/schema.ts';

// ---- Vocabularies and IBM's limits -------------------------------------------------------------

/** Node.js 20 reaches end of life on Code Engine on 2026-04-30, after which its functions stop working. */
const FUNCTION_RUNTIMES = ['nodejs-22', 'nodejs-24'] as const;
const VISIBILITIES = ['project', 'private', 'public'] as const;
const CRON_DESTINATION_TYPES = ['function', 'job', 'app'] as const;

/** A function's vCPU and memory come in IBM's three combinations only (facts §4.1). */
const FUNCTION_SIZES = [
  { cpu: 0.25, memory: '1G' },
  { cpu: 0.5, memory: '2G' },
  { cpu: 1, memory: '4G' },
] as const;

const LIMITS = {
  functionsPerProject: 20,
  functionMaxExecutionSeconds: 120,
  functionScaleDownDelaySeconds: 600,
  appMaxScale: 250,
  appRequestTimeoutSeconds: 600,
  cpuMax: 12,
  memoryGbMax: 48,
  jobArraySize: 1000,
  jobRetryLimit: 5,
  jobMaxExecutionSeconds: 86_400,
  cronSubscriptionsPerProject: 100,
  cronDataBytes: 4096,
  atTargetsPerAccount: 16,
  atRulesPerRoute: 30,
  atLocationsPerRule: 8,
  atTargetsPerRule: 3,
} as const;

/** Where a function's code comes from when the manifest does not say: the esbuild bundle of `npm run build`. */
const defaultBuildSource = (name: string): string => `dist/functions/${name}`;
const DEFAULT_CONFIG_MAP = 'imds-guard-config';

type FunctionRuntime = (typeof FUNCTION_RUNTIMES)[number];
type Visibility = (typeof VISIBILITIES)[number];
type CronDestinationType = (typeof CRON_DESTINATION_TYPES)[number];

// ---- Building blocks -----------------------------------------------------------------------------

const Text = v.pipe(v.string('expected text'), v.trim(), v.minLength(1, 'must not be empty'));

const wholeNumber = (what: string, min: number, max: number, why = '') => {
  const message = `${what} must be a whole number from ${min} to ${max}${why ? ` (${why})` : ''}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
};

/** Code Engine app, job, function and subscription names (facts §4.4: ≤ 63, lowercase, starts with a letter). */
const componentName = (what: string) =>
  v.pipe(
    v.string(`expected a ${what} name`),
    v.trim(),
    v.regex(
      /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
      `a ${what} name starts with a lowercase letter, holds lowercase letters, digits and hyphens, and ends with a letter or digit`,
    ),
    v.maxLength(63, `a ${what} name is at most 63 characters`),
  );

/** Code Engine secret and configmap names (lowercase letters, digits, periods, hyphens; ≤ 253). */
const ConfigName = v.pipe(
  v.string('expected a secret or configmap name'),
  v.trim(),
  v.regex(
    /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/,
    'secret and configmap names hold lowercase letters, digits, periods and hyphens, and start and end with a letter or digit',
  ),
  v.maxLength(253, 'secret and configmap names are at most 253 characters'),
);

/** Keys become environment variables of the functions, so they must be valid variable names. */
const EnvName = v.pipe(
  v.string('expected an environment variable name'),
  v.regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'expected an environment variable name (letters, digits and underscores, not starting with a digit)',
  ),
);

/** YAML reads `true` and `8080` as a boolean and a number; environment values are text either way. */
const EnvValue = v.pipe(
  v.union([v.string(), v.number(), v.boolean()], 'expected text, a number or true/false'),
  v.transform((x): string => String(x)),
);

const Region = v.pipe(
  v.string('expected a region such as us-south'),
  v.trim(),
  v.regex(/^[a-z]{2}-[a-z]{2,5}$/, 'expected an IBM Cloud region such as us-south or eu-de'),
);

const AccountId = v.pipe(
  v.string('expected an account id'),
  v.trim(),
  v.regex(/^[0-9a-f]{32}$/, 'an IBM Cloud account id is 32 lowercase hexadecimal characters'),
);

const Guid = v.pipe(
  v.string('expected a GUID'),
  v.trim(),
  v.regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'expected a service instance GUID such as 0c3f9b0e-1d2a-4c5b-8e7f-9a0b1c2d3e4f',
  ),
);

/** Event Streams instance CRN: `crn:v1:bluemix:public:messagehub:<region>:a/<account>:<guid>::`. */
const EventStreamsCrn = v.pipe(
  v.string('expected the CRN of the Event Streams instance'),
  v.trim(),
  v.regex(
    /^crn:v1:[a-z]+:[a-z]+:messagehub:[a-z0-9-]+:a\/[0-9a-f]{32}:[0-9a-f-]{36}::$/,
    'expected an Event Streams instance CRN: crn:v1:bluemix:public:messagehub:<region>:a/<account id>:<instance guid>::',
  ),
);

const Broker = v.pipe(
  v.string('expected a broker host:port'),
  v.trim(),
  v.regex(
    /^[A-Za-z0-9.-]+:\d{1,5}$/,
    'expected a broker as host:port, such as broker-0-xyz.kafka.svc07.us-south.eventstreams.cloud.ibm.com:9093',
  ),
);

const Brokers = v.pipe(
  v.array(Broker, 'expected a list of brokers'),
  v.minLength(1, 'list at least one broker'),
);

const Topic = v.pipe(
  v.string('expected a topic name'),
  v.trim(),
  v.regex(
    /^[A-Za-z0-9._-]{1,249}$/,
    'a Kafka topic name holds letters, digits, periods, underscores and hyphens (≤ 249)',
  ),
);

const Memory = v.pipe(
  v.string('expected memory such as 2G or 512M'),
  v.trim(),
  v.regex(/^\d+(\.\d+)?[MG]$/, 'expected memory such as 2G or 512M'),
  v.check(
    (m) => Number.parseFloat(m) * (m.endsWith('G') ? 1 : 1 / 1000) <= LIMITS.memoryGbMax,
    `memory is at most ${LIMITS.memoryGbMax}G on Code Engine`,
  ),
);

const Cpu = v.pipe(
  v.number('expected vCPUs as a number, such as 0.5'),
  v.check((n) => n > 0 && n <= LIMITS.cpuMax, `cpu must be more than 0 and at most ${LIMITS.cpuMax} vCPUs`),
);

const Visibility = v.picklist(
  VISIBILITIES,
  (issue) => `visibility must be project, private or public (got ${issue.received})`,
);

const isValidTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const TimeZone = v.pipe(
  v.string('expected a time zone such as UTC or Europe/Berlin'),
  v.trim(),
  v.check(isValidTimeZone, 'expected an IANA time zone such as UTC or Europe/Berlin'),
);

/** Five fields (minute hour day-of-month month day-of-week), like "0 * * * *" or "0 3 * * 1". */
const CronSchedule = v.pipe(
  v.string('expected a cron schedule such as "0 * * * *"'),
  v.trim(),
  v.check((s) => {
    const fields = s.split(/\s+/);
    return fields.length === 5 && fields.every((f) => /^[0-9A-Za-z*/,-]+$/.test(f));
  }, 'expected a five-field cron schedule such as "0 * * * *" (minute hour day month weekday)'),
);

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Cron data: text as is, or a mapping sent as JSON (the usual case). */
const CronData = v.pipe(
  v.union([v.string(), v.record(v.string(), v.unknown())], 'expected text or a mapping (sent as JSON)'),
  v.transform((d): string => (typeof d === 'string' ? d : JSON.stringify(d))),
  v.check(
    (d) => byteLength(d) <= LIMITS.cronDataBytes,
    `cron data is at most ${LIMITS.cronDataBytes} bytes (Code Engine limit)`,
  ),
);

/** Settings shared by everything that runs code: functions, the app and the job. */
const runEntries = {
  /** Literal, non-secret environment variables. */
  env: v.nullish(v.record(EnvName, EnvValue, 'expected a mapping NAME: value'), {}),
  configmaps: v.nullish(v.array(ConfigName, 'expected a list of configmap names'), []),
  secrets: v.nullish(v.array(ConfigName, 'expected a list of secret names'), []),
};

/** The variables the runtime checks callers against (shared/config.ts): bearer tokens or HMAC secrets. */
const INVOCATION_KEYS = ['IMDS_GUARD_INVOKE_TOKEN', 'IMDS_GUARD_INVOKE_HMAC_SECRET'] as const;

/** For public endpoints: the declared secret holding what the code checks every invocation against. */
const InvocationAuth = section({
  secret: ConfigName,
  key: v.nullish(
    v.picklist(
      INVOCATION_KEYS,
      (issue) =>
        `key must be IMDS_GUARD_INVOKE_TOKEN (bearer tokens) or IMDS_GUARD_INVOKE_HMAC_SECRET (signed bodies), the variables the guard checks callers against (got ${issue.received})`,
    ),
    'IMDS_GUARD_INVOKE_TOKEN',
  ),
});

/** Container code for the app and the job: an image, or a local directory Code Engine builds into one. */
const codeEntries = {
  image: v.optional(Text),
  /** A local directory (e.g. `dist/apps/events` from `npm run build`) Code Engine builds and pushes. */
  build_source: v.optional(Text),
  build_strategy: v.nullish(
    v.picklist(
      ['buildpacks', 'dockerfile'],
      (issue) => `build_strategy must be buildpacks or dockerfile (got ${issue.received})`,
    ),
    'buildpacks',
  ),
  /** An existing registry access secret (`ibmcloud ce registry create`) for private images. */
  registry_secret: v.optional(ConfigName),
};

// ---- Sections ------------------------------------------------------------------------------------

const Project = section({
  name: v.pipe(
    Text,
    v.maxLength(128, 'a project name is at most 128 characters'),
    v.regex(
      /^[\p{L}\p{N} .:_-]+$/u,
      'a project name holds letters, digits, spaces, periods, colons, underscores and hyphens',
    ),
  ),
  region: Region,
  /** Named, not defaulted: older accounts call theirs "default", newer ones "Default". */
  resource_group: Text,
  /** The configmap `deploy` writes (IMDS_GUARD_POLICY and the identity settings). */
  config_map: v.nullish(ConfigName, DEFAULT_CONFIG_MAP),
});

/** A trusted profile in another account, assumed (sdk-core `iamAssume`) by exactly one of these. */
const AssumeRef = section({
  profile_id: v.optional(Text),
  profile_crn: v.optional(v.pipe(Text, v.startsWith('crn:v1:', 'profile_crn is a CRN (crn:v1:…)'))),
  profile_name: v.optional(Text),
});

/**
 * The first account is the one deployed to (the guard's identity acts there). Any other names how it is
 * reached: `assume` (a trusted profile there), and/or an API key by reference — `apikey_secret` (a
 * declared secret) holding it under `apikey_env` (the variable it arrives as). Never the key itself.
 */
const Account = section({
  id: AccountId,
  name: v.optional(Text),
  apikey_secret: v.optional(ConfigName),
  apikey_env: v.optional(EnvName),
  assume: v.optional(AssumeRef),
});

const TrustedProfile = section({
  name: v.pipe(Text, v.maxLength(255, 'a trusted profile name is at most 255 characters')),
  description: v.nullish(
    Text,
    'imds-guard: Code Engine functions that guard instance metadata and trusted profiles',
  ),
});

const ServiceId = section({
  name: v.pipe(Text, v.maxLength(255, 'a service ID name is at most 255 characters')),
  description: v.nullish(
    Text,
    'imds-guard: Code Engine functions that guard instance metadata and trusted profiles',
  ),
  /** Declared secret holding IMDS_GUARD_APIKEY; you create the key, deploy never sees it. */
  apikey_secret: ConfigName,
});

const Identity = section({
  trusted_profile: v.optional(TrustedProfile),
  service_id: v.optional(ServiceId),
});

/** Names and keys only: values come from the environment at deploy time, or the secret already exists. */
const Secret = section({
  name: ConfigName,
  from: v.picklist(
    ['env', 'existing'],
    (issue) =>
      `from must be env (values read from environment variables when deploying) or existing (a secret already in the project) (got ${issue.received})`,
  ),
  /** from: env → mapping `key: ENV_VAR`; from: existing → list of the keys it must hold. */
  keys: v.union(
    [v.record(EnvName, EnvName), v.array(EnvName)],
    'keys is a mapping `key: ENVIRONMENT_VARIABLE` (from: env) or a list of key names (from: existing)',
  ),
});

/** Non-sensitive settings only (credentials belong in a secret). */
const ConfigMap = section({
  name: ConfigName,
  data: v.record(EnvName, EnvValue, 'expected a mapping KEY: value'),
});

const cpuForMemory = (memory: string): number | undefined =>
  FUNCTION_SIZES.find((s) => s.memory === memory)?.cpu;
const memoryForCpu = (cpu: number): string | undefined => FUNCTION_SIZES.find((s) => s.cpu === cpu)?.memory;

const FunctionSpec = v.pipe(
  section({
    name: componentName('function'),
    runtime: v.nullish(
      v.picklist(FUNCTION_RUNTIMES, (issue) =>
        issue.received === '"nodejs-20"'
          ? 'nodejs-20 reaches end of life on Code Engine on 2026-04-30 and its functions then stop working; use nodejs-22 or nodejs-24'
          : `runtime must be nodejs-22 or nodejs-24 (got ${issue.received})`,
      ),
      'nodejs-22',
    ),
    cpu: v.optional(
      v.picklist([0.25, 0.5, 1], 'function cpu must be 0.25, 0.5 or 1 (with memory 1G, 2G or 4G)'),
    ),
    memory: v.optional(
      v.picklist(['1G', '2G', '4G'], 'function memory must be 1G, 2G or 4G (with cpu 0.25, 0.5 or 1)'),
    ),
    max_execution_time: v.nullish(
      wholeNumber(
        'max_execution_time',
        1,
        LIMITS.functionMaxExecutionSeconds,
        'seconds; Code Engine stops a function after 120 s',
      ),
      60,
    ),
    scale_down_delay: v.nullish(
      wholeNumber(
        'scale_down_delay',
        0,
        LIMITS.functionScaleDownDelaySeconds,
        'seconds an idle instance stays warm',
      ),
      1,
    ),
    visibility: v.nullish(Visibility, 'project'),
    invocation_auth: v.optional(InvocationAuth),
    /** A local directory Code Engine builds into a code bundle (default: the esbuild output). */
    build_source: v.optional(Text),
    /** Or an existing code bundle in a container registry. */
    code_bundle: v.optional(Text),
    ...runEntries,
  }),
  // One of cpu/memory fixes the other; neither → the smallest size (these functions are I/O-bound).
  v.transform((f) => {
    const cpu = f.cpu ?? (f.memory !== undefined ? cpuForMemory(f.memory) : undefined) ?? 0.25;
    const memory = f.memory ?? memoryForCpu(cpu) ?? '1G';
    return {
      ...f,
      cpu,
      memory,
      build_source: f.build_source ?? (f.code_bundle === undefined ? defaultBuildSource(f.name) : undefined),
    };
  }),
);

const App = section({
  name: componentName('app'),
  ...codeEntries,
  port: v.nullish(wholeNumber('port', 1, 65_535), 8080),
  min_scale: v.nullish(wholeNumber('min_scale', 0, LIMITS.appMaxScale), 0),
  max_scale: v.nullish(wholeNumber('max_scale', 1, LIMITS.appMaxScale, 'Code Engine limit'), 10),
  concurrency: v.nullish(wholeNumber('concurrency', 1, 1000), 100),
  request_timeout: v.nullish(
    wholeNumber('request_timeout', 1, LIMITS.appRequestTimeoutSeconds, 'seconds; Code Engine limit'),
    300,
  ),
  visibility: v.nullish(Visibility, 'project'),
  invocation_auth: v.optional(InvocationAuth),
  cpu: v.nullish(Cpu, 0.5),
  memory: v.nullish(Memory, '2G'),
  ...runEntries,
});

const Job = section({
  name: componentName('job'),
  ...codeEntries,
  array_size: v.nullish(
    wholeNumber(
      'array_size',
      1,
      LIMITS.jobArraySize,
      'Code Engine runs at most 1000 array indices per job run',
    ),
    1,
  ),
  retry_limit: v.nullish(
    wholeNumber('retry_limit', 0, LIMITS.jobRetryLimit, 'Code Engine retries a failed index at most 5 times'),
    3,
  ),
  max_execution_time: v.nullish(
    wholeNumber('max_execution_time', 1, LIMITS.jobMaxExecutionSeconds, 'seconds; Code Engine limit is 24 h'),
    7200,
  ),
  mode: v.nullish(
    v.picklist(['task'], (issue) =>
      issue.received === '"daemon"'
        ? 'mode daemon runs without a timeout and restarts forever; bulk batches end, so use mode task'
        : `mode must be task (got ${issue.received})`,
    ),
    'task',
  ),
  cpu: v.nullish(Cpu, 1),
  memory: v.nullish(Memory, '4G'),
  ...runEntries,
});

const Cron = section({
  name: componentName('subscription'),
  schedule: CronSchedule,
  time_zone: v.nullish(TimeZone, 'UTC'),
  /** A function, job or app of this manifest. */
  destination: componentName('destination'),
  /** Only needed when a function and a job share the destination's name. */
  destination_type: v.optional(
    v.picklist(
      CRON_DESTINATION_TYPES,
      (issue) => `destination_type must be function, job or app (got ${issue.received})`,
    ),
  ),
  data: v.optional(CronData),
  content_type: v.nullish(Text, 'application/json'),
});

const Kafka = section({
  name: componentName('subscription'),
  brokers: Brokers,
  topic: Topic,
  /** Fixed at creation: Code Engine cannot change a subscription's consumer group later. */
  consumer_group: v.optional(Text),
  /** Declared secret with keys username (`token` for Event Streams) and password (the API key). */
  secret: ConfigName,
  /** The app (Kafka subscriptions cannot deliver to functions). */
  destination: componentName('destination'),
  path: v.nullish(
    v.pipe(v.string('expected a URL path'), v.trim(), v.startsWith('/', 'a path starts with /')),
    '/',
  ),
});

const TargetName = v.pipe(
  Text,
  v.regex(
    /^[A-Za-z0-9 ._-]+$/,
    'a target or route name holds letters, digits, spaces, periods, underscores and hyphens',
  ),
  v.maxLength(256, 'at most 256 characters'),
);

/** A route rule location: `global` (IAM and other account-wide events), a region, or `*` (everything). */
const Location = v.pipe(
  v.string('expected a location such as global or us-south'),
  v.trim(),
  v.regex(/^(global|\*|[a-z]{2}-[a-z]{2,5})$/, 'a location is global, * or a region such as us-south'),
);

const EventStreamsTarget = section({
  name: TargetName,
  /** Region of the Activity Tracker Event Routing endpoint that owns the target (default: the project's). */
  region: v.optional(Region),
  instance_crn: EventStreamsCrn,
  brokers: Brokers,
  topic: Topic,
  /** Left out → service-to-service authorization (preferred: no key). Else the variable holding an API key. */
  api_key_env: v.optional(EnvName),
});

const RouteRule = section({
  locations: v.pipe(
    v.array(Location, 'expected a list of locations'),
    v.minLength(1, 'list at least one location'),
    v.maxLength(LIMITS.atLocationsPerRule, `a route rule has at most ${LIMITS.atLocationsPerRule} locations`),
  ),
  targets: v.pipe(
    v.array(TargetName, 'expected a list of target names'),
    v.minLength(1, 'list at least one target'),
    v.maxLength(LIMITS.atTargetsPerRule, `a route rule sends to at most ${LIMITS.atTargetsPerRule} targets`),
  ),
});

const ActivityTracker = section({
  targets: v.pipe(
    v.array(EventStreamsTarget, 'expected a list of targets'),
    v.minLength(1, 'list at least one target'),
    v.maxLength(LIMITS.atTargetsPerAccount, `an account has at most ${LIMITS.atTargetsPerAccount} targets`),
  ),
  route: section({
    name: TargetName,
    rules: v.pipe(
      v.array(RouteRule, 'expected a list of rules'),
      v.minLength(1, 'list at least one rule'),
      v.maxLength(LIMITS.atRulesPerRoute, `a route has at most ${LIMITS.atRulesPerRoute} rules`),
    ),
  }),
});

const BucketName = v.pipe(
  v.string('expected a bucket name'),
  v.trim(),
  v.regex(
    /^[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]$/,
    'a bucket name is 3-63 lowercase letters, digits, periods and hyphens',
  ),
);

const AuditTrail = section({
  bucket: BucketName,
  region: Region,
  /** Object name prefix; left out, the guard's default (`imds-guard/decisions`) applies. */
  prefix: v.optional(
    v.pipe(v.string('expected an object name prefix'), v.trim(), v.minLength(1, 'must not be empty')),
  ),
  /** Left out, the guard uses the region's public endpoint. */
  endpoint: v.optional(
    v.pipe(
      v.string('expected an endpoint URL'),
      v.trim(),
      v.regex(
        /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/,
        'expected an endpoint URL such as https://s3.direct.us-south.cloud-object-storage.appdomain.cloud',
      ),
    ),
  ),
  /** GUID of the Cloud Object Storage instance: the write grant is scoped to it and the bucket. */
  instance_id: Guid,
});

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
type Project = v.InferOutput<typeof Project>;
type Account = v.InferOutput<typeof Account>;
type Identity = v.InferOutput<typeof Identity>;
type Secret = v.InferOutput<typeof Secret>;
type ConfigMap = v.InferOutput<typeof ConfigMap>;
type FunctionSpec = v.InferOutput<typeof FunctionSpec>;
type App = v.InferOutput<typeof App>;
type Job = v.InferOutput<typeof Job>;
type Cron = v.InferOutput<typeof Cron>;
type Kafka = v.InferOutput<typeof Kafka>;
type ActivityTracker = v.InferOutput<typeof ActivityTracker>;
type EventStreamsTarget = v.InferOutput<typeof EventStreamsTarget>;
type AuditTrail = v.InferOutput<typeof AuditTrail>;

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
