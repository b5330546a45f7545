// Manifest → the exact `ibmcloud` commands that deploy it, in order. Pure: what already exists comes in
// as an ExistingState (read by deploy-probe.ts, or "nothing" when the IBM Cloud CLI is not installed), so
// the plan creates what is missing and updates what exists — running it twice never duplicates anything.
//
// Order: the account/region first; the project (its CRN links the identity); the identity, its links and
// its least-privilege policies before any code exists, so nothing ever runs unauthorised; secrets and
// configuration before the code that reads them; the code; the subscriptions that call it; and the
// Activity Tracker route last, so events flow only into a deployment that is ready for them.

import { type Grant, grantsFor, scopeFlags, scopeKey } from '../actions/grants.ts';
import type { Policy } from '../policy/schema.ts';
import { accountSecrets, accountsSetting } from './accounts.ts';
import { APIKEY_KEY, componentsOf, keysOf } from './references.ts';
import type { App, Deployment, EventStreamsTarget, FunctionSpec, Job } from './schema.ts';

type ResourceKind =
  | 'target'
  | 'project'
  | 'identity'
  | 'link'
  | 'iam-policy'
  | 'secret'
  | 'configmap'
  | 'function'
  | 'app'
  | 'job'
  | 'cron'
  | 'kafka'
  | 'authorization'
  | 'at-target'
  | 'at-route';

type Verb = 'target' | 'select' | 'read' | 'create' | 'update';

/** What exists already. `probed: false` = nothing was read (no IBM Cloud CLI): everything is missing. */
interface ExistingState {
  probed: boolean;
  /** Why nothing was read, when `probed` is false (default: ibmcloud is not on PATH). */
  unread?: string;
  project: boolean;
  /** The trusted profile or service ID of `identity:`. */
  identity: boolean;
  /** Trusted-profile link names (`ce-fn-<name>`…). */
  links: ReadonlySet<string>;
  /** IAM policies of the identity: scope key (grants.ts `scopeKey`) → policy id. */
  policies: ReadonlyMap<string, string>;
  secrets: ReadonlySet<string>;
  configmaps: ReadonlySet<string>;
  functions: ReadonlySet<string>;
  apps: ReadonlySet<string>;
  jobs: ReadonlySet<string>;
  crons: ReadonlySet<string>;
  kafkas: ReadonlySet<string>;
  /** Service-to-service authorizations, keyed `atracker>messagehub:<instance guid>`. */
  authorizations: ReadonlySet<string>;
  atTargets: ReadonlySet<string>;
  atRoutes: ReadonlySet<string>;
}

/** A file the deploy command writes into a private temporary directory (secrets never reach argv or output). */
type FileContent =
  | { kind: 'env-file'; entries: readonly { key: string; env: string }[] }
  | { kind: 'env-value'; env: string }
  | { kind: 'text'; text: string };

interface FileArg {
  /** Index in argv that becomes `prefix + path` at run time. */
  index: number;
  prefix: string;
  /** Base name of the file (shown as `<name>`). */
  file: string;
  content: FileContent;
}

interface Step {
  kind: ResourceKind;
  name: string;
  verb: Verb;
  /** Lines printed before the command (without `# `). */
  comment: readonly string[];
  /** Arguments after `ibmcloud`; `${NAME}` is a value captured by an earlier step. */
  argv: readonly string[];
  /** Remember a property of the command's JSON output as `${variable}`. */
  capture?: { variable: string; property: string };
  file?: FileArg;
}

interface PlanSection {
  title: string;
  /** Things that need no command (already there, not managed here); printed as comments. */
  notes: readonly string[];
  steps: readonly Step[];
}

interface Plan {
  file: string;
  header: readonly string[];
  sections: readonly PlanSection[];
}

const EMPTY_STATE: ExistingState = {
  probed: false,
  project: false,
  identity: false,
  links: new Set(),
  policies: new Map(),
  secrets: new Set(),
  configmaps: new Set(),
  functions: new Set(),
  apps: new Set(),
  jobs: new Set(),
  crons: new Set(),
  kafkas: new Set(),
  authorizations: new Set(),
  atTargets: new Set(),
  atRoutes: new Set(),
};

const PROJECT_CRN = 'PROJECT_CRN';
const GUARD_IAM_ID = 'GUARD_IAM_ID';
const ref = (variable: string): string => `\${${variable}}`;

const authorizationKey = (instanceGuid: string): string => `atracker>messagehub:${instanceGuid}`;
/** The instance GUID inside an Event Streams CRN (`…:a/<account>:<guid>::`). */
const crnGuid = (crn: string): string => crn.split(':')[7] ?? '';

const linkName = (type: 'function' | 'app' | 'job', name: string): string =>
  `${{ function: 'ce-fn', app: 'ce-app', job: 'ce-job' }[type]}-${name}`;

/** Component type names `trusted-profile-link-create --link-component-type` takes (IBM samples). */
const LINK_COMPONENT_TYPES = { function: 'function', app: 'application', job: 'job' } as const;

const targetVariables = (targets: readonly EventStreamsTarget[]): Map<string, string> => {
  const seen = new Set<string>();
  const out = new Map<string, string>();
  for (const t of targets) {
    let variable = `TARGET_ID_${t.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
    for (let n = 2; seen.has(variable); n += 1) variable = `${variable}_${n}`;
    seen.add(variable);
    out.set(t.name, variable);
  }
  return out;
};

// ---- Sections ------------------------------------------------------------------------------------

const targetSection = (d: Deployment): PlanSection => ({
  title: 'Account, region and resource group',
  notes: [],
  steps: [
    {
      kind: 'target',
      name: d.accounts[0].id,
      verb: 'target',
      comment: [
        `Every command below acts in account ${d.accounts[0].id}${d.accounts[0].name ? ` (${d.accounts[0].name})` : ''}: the guard's identity can act only there.`,
      ],
      argv: ['target', '-c', d.accounts[0].id, '-r', d.project.region, '-g', d.project.resource_group],
    },
  ],
});

const projectSection = (d: Deployment, s: ExistingState): PlanSection => {
  const name = d.project.name;
  const steps: Step[] = [];
  if (!s.project) {
    steps.push({
      kind: 'project',
      name,
      verb: 'create',
      comment: [],
      argv: ['ce', 'project', 'create', '--name', name],
    });
  }
  steps.push(
    { kind: 'project', name, verb: 'select', comment: [], argv: ['ce', 'project', 'select', '--name', name] },
    {
      kind: 'project',
      name,
      verb: 'read',
      comment: ['The project CRN identifies its components to IAM (trusted-profile links).'],
      argv: ['ce', 'project', 'get', '--name', name, '--output', 'json'],
      capture: { variable: PROJECT_CRN, property: 'crn' },
    },
  );
  return { title: `Code Engine project ${name}`, notes: [], steps };
};

const grantStep = (g: Grant, s: ExistingState, subject: string, service: boolean): Step => {
  const key = scopeKey(g.scope);
  const existing = s.policies.get(key);
  const create = service ? 'service-policy-create' : 'trusted-profile-policy-create';
  const update = service ? 'service-policy-update' : 'trusted-profile-policy-update';
  const roles = ['--roles', g.roles.join(',')];
  return {
    kind: 'iam-policy',
    name: key,
    verb: existing === undefined ? 'create' : 'update',
    comment: [`${g.roles.join(', ')} on ${g.scopeText}: ${g.why}.`],
    argv:
      existing === undefined
        ? ['iam', create, subject, ...roles, ...scopeFlags(g.scope)]
        : ['iam', update, subject, existing, ...roles, ...scopeFlags(g.scope)],
  };
};

const identitySection = (d: Deployment, policy: Policy, s: ExistingState): PlanSection => {
  const tp = d.identity.trusted_profile;
  const sid = d.identity.service_id;
  const grants = grantsFor(policy, d.audit_trail);
  const steps: Step[] = [];
  const notes: string[] = [];
  if (tp) {
    steps.push(
      s.identity
        ? {
            kind: 'identity',
            name: tp.name,
            verb: 'update',
            comment: [],
            argv: ['iam', 'trusted-profile-update', tp.name, '-d', tp.description],
          }
        : {
            kind: 'identity',
            name: tp.name,
            verb: 'create',
            comment: [
              'A trusted profile: Code Engine hands the components a token for it, so there is no API key to leak or rotate.',
            ],
            argv: ['iam', 'trusted-profile-create', tp.name, '-d', tp.description],
          },
      {
        kind: 'identity',
        name: tp.name,
        verb: 'read',
        comment: [
          'Its IAM id: events the guard itself causes carry it, and the guard ignores them (IMDS_GUARD_SELF_IDS).',
        ],
        argv: ['iam', 'trusted-profile', tp.name, '--output', 'JSON'],
        capture: { variable: GUARD_IAM_ID, property: 'iam_id' },
      },
    );
    for (const c of componentsOf(d)) {
      const link = linkName(c.type, c.spec.name);
      if (s.links.has(link)) {
        notes.push(`Link ${link} exists (links have no update).`);
        continue;
      }
      steps.push({
        kind: 'link',
        name: link,
        verb: 'create',
        comment: [],
        argv: [
          'iam',
          'trusted-profile-link-create',
          tp.name,
          '--name',
          link,
          '--cr-type',
          'CE',
          '--link-crn',
          ref(PROJECT_CRN),
          '--link-component-type',
          LINK_COMPONENT_TYPES[c.type],
          '--link-component-name',
          c.spec.name,
        ],
      });
    }
    for (const g of grants) steps.push(grantStep(g, s, tp.name, false));
  } else if (sid) {
    steps.push(
      s.identity
        ? {
            kind: 'identity',
            name: sid.name,
            verb: 'update',
            comment: [],
            argv: ['iam', 'service-id-update', sid.name, '-d', sid.description],
          }
        : {
            kind: 'identity',
            name: sid.name,
            verb: 'create',
            comment: [],
            argv: ['iam', 'service-id-create', sid.name, '-d', sid.description],
          },
      {
        kind: 'identity',
        name: sid.name,
        verb: 'read',
        comment: [
          'Its IAM id: events the guard itself causes carry it, and the guard ignores them (IMDS_GUARD_SELF_IDS).',
        ],
        argv: ['iam', 'service-id', sid.name, '--output', 'JSON'],
        capture: { variable: GUARD_IAM_ID, property: 'iam_id' },
      },
    );
    for (const g of grants) steps.push(grantStep(g, s, sid.name, true));
    notes.push(
      `The API key is yours to create and rotate; deploy never sees it. For example: ibmcloud iam service-api-key-create imds-guard-key ${sid.name} --file key.json, then put its apikey into secret ${sid.apikey_secret} as ${APIKEY_KEY}.`,
    );
  }
  const kind = tp ? `trusted profile ${tp.name}` : `service ID ${sid?.name ?? ''}`;
  return { title: `Identity: ${kind}, its links and least-privilege access`, notes, steps };
};

const literal = (key: string, value: string): string[] => ['--from-literal', `${key}=${value}`];

const configSection = (d: Deployment, policy: Policy, s: ExistingState): PlanSection => {
  const steps: Step[] = [];
  const notes: string[] = [];
  for (const secret of d.secrets) {
    if (secret.from === 'existing') {
      notes.push(
        `Secret ${secret.name} is not managed here (from: existing); it must already hold ${keysOf(secret).join(', ')}.`,
      );
      continue;
    }
    const entries = Object.entries(secret.keys).map(([key, env]) => ({ key, env }));
    const verb = s.secrets.has(secret.name) ? 'update' : 'create';
    const argv = ['ce', 'secret', verb, '--name', secret.name, '--from-env-file', ''];
    steps.push({
      kind: 'secret',
      name: secret.name,
      verb,
      comment: [`${secret.name}: ${entries.map((e) => `${e.key} from $${e.env}`).join(', ')}.`],
      argv,
      file: {
        index: argv.length - 1,
        prefix: '',
        file: `${secret.name}.env`,
        content: { kind: 'env-file', entries },
      },
    });
  }
  for (const cm of d.configmaps) {
    const verb = s.configmaps.has(cm.name) ? 'update' : 'create';
    steps.push({
      kind: 'configmap',
      name: cm.name,
      verb,
      comment: [],
      argv: [
        'ce',
        'configmap',
        verb,
        '--name',
        cm.name,
        ...Object.entries(cm.data).flatMap(([k, val]) => literal(k, val)),
      ],
    });
  }
  const name = d.project.config_map;
  const verb = s.configmaps.has(name) ? 'update' : 'create';
  const json = JSON.stringify(policy);
  const trail = d.audit_trail;
  const many = accountsSetting(d.accounts);
  const argv = [
    'ce',
    'configmap',
    verb,
    '--name',
    name,
    '--from-file',
    '',
    ...(d.identity.trusted_profile
      ? [
          ...literal('IMDS_GUARD_AUTH_TYPE', 'container'),
          ...literal('IMDS_GUARD_IAM_PROFILE_NAME', d.identity.trusted_profile.name),
        ]
      : []),
    ...literal('IMDS_GUARD_SELF_IDS', ref(GUARD_IAM_ID)),
    ...(many ? literal('IMDS_GUARD_ACCOUNTS', many) : []),
    ...(trail
      ? [
          ...literal('IMDS_GUARD_TRAIL_BUCKET', trail.bucket),
          ...literal('IMDS_GUARD_TRAIL_REGION', trail.region),
          ...(trail.prefix !== undefined ? literal('IMDS_GUARD_TRAIL_PREFIX', trail.prefix) : []),
          ...(trail.endpoint !== undefined ? literal('IMDS_GUARD_TRAIL_ENDPOINT', trail.endpoint) : []),
        ]
      : []),
  ];
  steps.push({
    kind: 'configmap',
    name,
    verb,
    comment: [
      `${name} holds the policy: section (validated, defaults filled in) as IMDS_GUARD_POLICY, and how the code authenticates.`,
    ],
    argv,
    file: {
      index: 6,
      prefix: 'IMDS_GUARD_POLICY=',
      file: 'policy.json',
      content: { kind: 'text', text: json },
    },
  });
  return { title: 'Secrets and configuration', notes, steps };
};

/** Environment flags every component gets, in a fixed order (generated configmap first). */
const envFlags = (d: Deployment, spec: FunctionSpec | App | Job): string[] => {
  const secrets = [
    ...spec.secrets,
    ...(d.identity.service_id ? [d.identity.service_id.apikey_secret] : []),
    ...accountSecrets(d.accounts),
    ...('invocation_auth' in spec && spec.invocation_auth ? [spec.invocation_auth.secret] : []),
  ];
  return [
    '--env-from-configmap',
    d.project.config_map,
    ...spec.configmaps.flatMap((c) => ['--env-from-configmap', c]),
    ...[...new Set(secrets)].flatMap((sec) => ['--env-from-secret', sec]),
    ...Object.entries(spec.env).flatMap(([k, val]) => ['--env', `${k}=${val}`]),
  ];
};

const identityFlag = (d: Deployment, verb: 'create' | 'update'): string[] => {
  if (d.identity.trusted_profile) return ['--trusted-profiles-enabled'];
  return verb === 'update' ? ['--trusted-profiles-enabled=false'] : [];
};

const functionStep = (d: Deployment, f: FunctionSpec, s: ExistingState): Step => {
  const verb = s.functions.has(f.name) ? 'update' : 'create';
  return {
    kind: 'function',
    name: f.name,
    verb,
    comment: [],
    argv: [
      'ce',
      'fn',
      verb,
      '--name',
      f.name,
      '--runtime',
      f.runtime,
      ...(f.code_bundle !== undefined
        ? ['--code-bundle', f.code_bundle]
        : ['--build-source', f.build_source ?? '']),
      '--cpu',
      String(f.cpu),
      '--memory',
      f.memory,
      '--maxexecutiontime',
      String(f.max_execution_time),
      '--scale-down-delay',
      String(f.scale_down_delay),
      '--visibility',
      f.visibility,
      ...envFlags(d, f),
      ...identityFlag(d, verb),
    ],
  };
};

/** `--image`, or `--build-source` (Code Engine builds the directory and pushes the image itself). */
const codeFlags = (c: App | Job): string[] => [
  ...(c.image !== undefined
    ? ['--image', c.image]
    : ['--build-source', c.build_source ?? '', '--build-strategy', c.build_strategy]),
  ...(c.registry_secret ? ['--registry-secret', c.registry_secret] : []),
];

const appStep = (d: Deployment, app: App, s: ExistingState): Step => {
  const verb = s.apps.has(app.name) ? 'update' : 'create';
  return {
    kind: 'app',
    name: app.name,
    verb,
    comment: [
      'The app receives the Activity Tracker stream: Kafka subscriptions deliver only to apps and jobs.',
    ],
    argv: [
      'ce',
      'app',
      verb,
      '--name',
      app.name,
      ...codeFlags(app),
      '--port',
      String(app.port),
      '--min-scale',
      String(app.min_scale),
      '--max-scale',
      String(app.max_scale),
      '--concurrency',
      String(app.concurrency),
      '--request-timeout',
      String(app.request_timeout),
      '--visibility',
      app.visibility,
      '--cpu',
      String(app.cpu),
      '--memory',
      app.memory,
      ...envFlags(d, app),
      ...identityFlag(d, verb),
    ],
  };
};

const jobStep = (d: Deployment, job: Job, s: ExistingState): Step => {
  const verb = s.jobs.has(job.name) ? 'update' : 'create';
  return {
    kind: 'job',
    name: job.name,
    verb,
    comment: [
      `Bulk batches: ibmcloud ce jobrun submit --job ${job.name} (or a cron subscription) runs ${job.array_size} shard${job.array_size === 1 ? '' : 's'}.`,
    ],
    argv: [
      'ce',
      'job',
      verb,
      '--name',
      job.name,
      ...codeFlags(job),
      '--array-size',
      String(job.array_size),
      '--retrylimit',
      String(job.retry_limit),
      '--maxexecutiontime',
      String(job.max_execution_time),
      '--mode',
      job.mode,
      '--cpu',
      String(job.cpu),
      '--memory',
      job.memory,
      ...envFlags(d, job),
      ...identityFlag(d, verb),
    ],
  };
};

const subscriptionSection = (d: Deployment, s: ExistingState): PlanSection => {
  const steps: Step[] = [];
  const notes: string[] = [];
  for (const cron of d.cron) {
    const verb = s.crons.has(cron.name) ? 'update' : 'create';
    const type =
      cron.destination_type ??
      (d.functions.some((f) => f.name === cron.destination)
        ? 'function'
        : d.job?.name === cron.destination
          ? 'job'
          : 'app');
    steps.push({
      kind: 'cron',
      name: cron.name,
      verb,
      comment: [],
      argv: [
        'ce',
        'sub',
        'cron',
        verb,
        '--name',
        cron.name,
        '--destination',
        cron.destination,
        '--destination-type',
        type,
        '--schedule',
        cron.schedule,
        '--time-zone',
        cron.time_zone,
        ...(cron.data !== undefined ? ['--data', cron.data, '--content-type', cron.content_type] : []),
      ],
    });
  }
  const kafka = d.kafka;
  if (kafka) {
    const verb = s.kafkas.has(kafka.name) ? 'update' : 'create';
    if (verb === 'update' && kafka.consumer_group !== undefined) {
      notes.push(
        `Kafka subscription ${kafka.name} keeps its consumer group (Code Engine cannot change it after creation).`,
      );
    }
    steps.push({
      kind: 'kafka',
      name: kafka.name,
      verb,
      comment: [],
      argv: [
        'ce',
        'sub',
        'kafka',
        verb,
        '--name',
        kafka.name,
        '--destination',
        kafka.destination,
        '--destination-type',
        'app',
        ...(kafka.path !== '/' ? ['--path', kafka.path] : []),
        '--topic',
        kafka.topic,
        ...kafka.brokers.flatMap((b) => ['--broker', b]),
        '--secret',
        kafka.secret,
        ...(verb === 'create' && kafka.consumer_group !== undefined
          ? ['--consumer-group', kafka.consumer_group]
          : []),
      ],
    });
  }
  return { title: 'Subscriptions', notes, steps };
};

const activityTrackerSection = (d: Deployment, s: ExistingState): PlanSection | undefined => {
  const at = d.activity_tracker;
  if (!at) return undefined;
  const steps: Step[] = [];
  const notes: string[] = [];
  const variables = targetVariables(at.targets);
  const s2s = [
    ...new Set(at.targets.filter((t) => t.api_key_env === undefined).map((t) => crnGuid(t.instance_crn))),
  ];
  for (const guid of s2s) {
    if (s.authorizations.has(authorizationKey(guid))) {
      notes.push(`Activity Tracker may already write to Event Streams instance ${guid}.`);
      continue;
    }
    steps.push({
      kind: 'authorization',
      name: authorizationKey(guid),
      verb: 'create',
      comment: [
        'Activity Tracker Event Routing writes to the topic with its own service-to-service authorization (no API key).',
      ],
      argv: [
        'iam',
        'authorization-policy-create',
        'atracker',
        'messagehub',
        'Writer',
        '--target-service-instance-id',
        guid,
      ],
    });
  }
  for (const t of at.targets) {
    const exists = s.atTargets.has(t.name);
    const endpoint = ['--target-crn', t.instance_crn, '--brokers', t.brokers.join(','), '--topic', t.topic];
    const auth = t.api_key_env === undefined ? ['--service-to-service-enabled', 'true'] : ['--api-key', ''];
    const argv = exists
      ? ['atracker', 'target', 'update', '--target', t.name, ...endpoint, ...auth, '--output', 'JSON']
      : [
          'atracker',
          'target',
          'create',
          '--name',
          t.name,
          '--type',
          'event-streams',
          ...endpoint,
          ...auth,
          '--region',
          t.region ?? d.project.region,
          '--output',
          'JSON',
        ];
    const keyIndex = argv.indexOf('--api-key') + 1;
    steps.push({
      kind: 'at-target',
      name: t.name,
      verb: exists ? 'update' : 'create',
      comment: t.api_key_env !== undefined ? [`The Event Streams API key comes from $${t.api_key_env}.`] : [],
      argv,
      capture: { variable: variables.get(t.name) ?? 'TARGET_ID', property: 'id' },
      ...(t.api_key_env !== undefined
        ? {
            file: {
              index: keyIndex,
              prefix: '@',
              file: `${t.name}.apikey`,
              content: { kind: 'env-value', env: t.api_key_env },
            },
          }
        : {}),
    });
  }
  const rules = JSON.stringify(
    at.route.rules.map((r) => ({
      locations: r.locations,
      target_ids: r.targets.map((n) => ref(variables.get(n) ?? '')),
    })),
  );
  const exists = s.atRoutes.has(at.route.name);
  steps.push({
    kind: 'at-route',
    name: at.route.name,
    verb: exists ? 'update' : 'create',
    comment: [
      'IAM events are global: the rule needs location global. A route change can take up to an hour to take effect.',
    ],
    argv: exists
      ? ['atracker', 'route', 'update', '--route', at.route.name, '--rules', rules]
      : ['atracker', 'route', 'create', '--name', at.route.name, '--rules', rules],
  });
  return { title: 'Activity Tracker Event Routing: Event Streams target and route', notes, steps };
};

const headerFor = (d: Deployment, s: ExistingState, file: string): string[] => [
  `imds-guard deploy plan for ${file}`,
  `Account ${d.accounts[0].id}, Code Engine project ${d.project.name} in ${d.project.region}, resource group ${d.project.resource_group}.`,
  s.probed
    ? 'State: read from IBM Cloud with ibmcloud; what exists is updated, what is missing is created.'
    : `State: nothing was read from IBM Cloud (${s.unread ?? 'ibmcloud is not on PATH'}), so nothing is assumed to exist and every resource is created.`,
  'Secret values never appear here: they are written from environment variables into files in a private',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal shell placeholder the plan explains
  'temporary directory ($DEPLOY_DIR), removed at the end. ${NAME} is a value an earlier command printed.',
  'Every line pastes into bash as it is (you need jq); deploy runs the same commands itself.',
];

/** The deployment as ordered sections of `ibmcloud` commands. */
const planDeploy = (d: Deployment, policy: Policy, state: ExistingState, file = 'manifest.yaml'): Plan => {
  const components: Step[] = [
    ...d.functions.map((f) => functionStep(d, f, state)),
    ...(d.app ? [appStep(d, d.app, state)] : []),
    ...(d.job ? [jobStep(d, d.job, state)] : []),
  ];
  const sections: PlanSection[] = [
    targetSection(d),
    projectSection(d, state),
    identitySection(d, policy, state),
    configSection(d, policy, state),
    { title: 'Functions, app and job', notes: [], steps: components },
    subscriptionSection(d, state),
    ...[activityTrackerSection(d, state)].filter((x): x is PlanSection => x !== undefined),
  ].filter((sec) => sec.steps.length > 0 || sec.notes.length > 0);
  return { file, header: headerFor(d, state, file), sections };
};

/** Every step of a plan, in order. */
const stepsOf = (plan: Plan): Step[] => plan.sections.flatMap((sec) => [...sec.steps]);

export type { ExistingState, FileArg, FileContent, Plan, PlanSection, ResourceKind, Step, Verb };
export { authorizationKey, crnGuid, EMPTY_STATE, linkName, planDeploy, stepsOf };
