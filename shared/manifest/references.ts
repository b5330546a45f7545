// Checks a shape cannot express: references between sections (a cron destination names a function or
// job, the Kafka destination is the app, secrets referenced are declared and hold the keys their user
// reads…), sizes that must match, and warnings for deployments that work but miss events. Pure: the
// loader turns each problem's document path into `file:line:col`.

import { PROFILE_RULE_IDS } from '../policy/profiles.ts';
import { type DocPath, type Policy, suggestion } from '../policy/schema.ts';
import { checkManyAccounts } from './accounts.ts';
import {
  type App,
  type CronDestinationType,
  type Deployment,
  FUNCTION_SIZES,
  type FunctionSpec,
  type Job,
  type Manifest,
  type Secret,
} from './schema.ts';

interface ManifestProblem {
  severity: 'error' | 'warning';
  path: DocPath;
  message: string;
}

/** Environment variables `imds-guard deploy` sets itself (in the generated configmap or from the identity). */
const GENERATED_ENV = [
  'IMDS_GUARD_POLICY',
  'IMDS_GUARD_AUTH_TYPE',
  'IMDS_GUARD_IAM_PROFILE_NAME',
  'IMDS_GUARD_IAM_PROFILE_ID',
  'IMDS_GUARD_SELF_IDS',
  'IMDS_GUARD_ACCOUNTS',
  'IMDS_GUARD_TRAIL_BUCKET',
  'IMDS_GUARD_TRAIL_REGION',
  'IMDS_GUARD_TRAIL_PREFIX',
  'IMDS_GUARD_TRAIL_ENDPOINT',
] as const;

/** Names that say "credential": their values belong in a secret, never in the manifest. */
const CREDENTIAL_NAME = /APIKEY|API_KEY|PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY/i;
const APIKEY_KEY = 'IMDS_GUARD_APIKEY';
/** The key names Code Engine reads from a Kafka subscription's secret (`token` and the Event Streams API key). */
const KAFKA_SECRET_KEYS = ['username', 'password'] as const;

const keysOf = (secret: Secret): string[] =>
  Array.isArray(secret.keys) ? secret.keys : Object.keys(secret.keys);

type Component =
  | { type: 'function'; spec: FunctionSpec; path: DocPath }
  | { type: 'app'; spec: App; path: DocPath }
  | { type: 'job'; spec: Job; path: DocPath };

const componentsOf = (m: Manifest): Component[] => [
  ...m.functions.map((spec, i): Component => ({ type: 'function', spec, path: ['functions', i] })),
  ...(m.app ? [{ type: 'app', spec: m.app, path: ['app'] } satisfies Component] : []),
  ...(m.job ? [{ type: 'job', spec: m.job, path: ['job'] } satisfies Component] : []),
];

/** Whether the manifest deploys anything (a `policy:`-only manifest is valid and deploys nothing). */
const DEPLOYMENT_KEYS = [
  'accounts',
  'identity',
  'secrets',
  'configmaps',
  'functions',
  'app',
  'job',
  'cron',
  'kafka',
  'activity_tracker',
  'audit_trail',
] as const;

const presentDeploymentKeys = (m: Manifest): string[] =>
  DEPLOYMENT_KEYS.filter((k) => {
    const value = m[k];
    return Array.isArray(value) ? value.length > 0 : value !== undefined;
  });

const isDeployment = (m: Manifest): m is Deployment =>
  m.project !== undefined && m.accounts !== undefined && m.identity !== undefined;

const checkDuplicates = (
  names: readonly string[],
  path: (i: number) => DocPath,
  what: string,
  problems: ManifestProblem[],
): void => {
  const first = new Map<string, number>();
  names.forEach((name, i) => {
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, i);
    else
      problems.push({
        severity: 'error',
        path: path(i),
        message: `${what} "${name}" is already defined above; names must be unique`,
      });
  });
};

/** Deploy-time checks of literal environment variables (functions, app, job, configmaps). */
const checkEnvNames = (
  names: readonly string[],
  path: (name: string) => DocPath,
  problems: ManifestProblem[],
) => {
  for (const name of names) {
    if (
      (GENERATED_ENV as readonly string[]).includes(name) ||
      name === APIKEY_KEY ||
      name === 'IBMCLOUD_API_KEY'
    ) {
      problems.push({
        severity: 'error',
        path: path(name),
        message: `${name} is set by imds-guard deploy (from the policy:, identity: and audit_trail: sections); remove it here`,
      });
    } else if (CREDENTIAL_NAME.test(name)) {
      problems.push({
        severity: 'error',
        path: path(name),
        message: `${name} looks like a credential; values never go in the manifest: declare a secret (secrets:) and reference it`,
      });
    } else if (name === 'IMDS_GUARD_ENDPOINT') {
      problems.push({
        severity: 'warning',
        path: path(name),
        message:
          'IMDS_GUARD_ENDPOINT sends every IBM Cloud call to another origin (the emulator); deployed functions should not set it',
      });
    }
  }
};

const checkSecretRef = (
  m: Manifest,
  name: string,
  path: DocPath,
  problems: ManifestProblem[],
  requiredKeys: readonly string[] = [],
  purpose = '',
): void => {
  const secret = m.secrets.find((s) => s.name === name);
  if (!secret) {
    problems.push({
      severity: 'error',
      path,
      message: `secret "${name}" is not declared under secrets:${suggestion(
        name,
        m.secrets.map((s) => s.name),
      )}`,
    });
    return;
  }
  const keys = keysOf(secret);
  const missing = requiredKeys.filter((k) => !keys.includes(k));
  if (missing.length > 0) {
    problems.push({
      severity: 'error',
      path,
      message: `secret "${name}" must hold the key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${purpose ? ` (${purpose})` : ''}; its keys: ${keys.join(', ') || 'none'}`,
    });
  }
};

/** The app and the job run a container: from an image, or built from a local directory. */
const checkImage = (spec: App | Job, path: DocPath, problems: ManifestProblem[]): void => {
  if ((spec.image === undefined) === (spec.build_source === undefined)) {
    problems.push({
      severity: 'error',
      path: spec.image === undefined ? path : [...path, 'build_source'],
      message:
        spec.image === undefined
          ? 'give image (a container image) or build_source (a directory Code Engine builds, such as dist/apps/events)'
          : 'give image or build_source, not both',
    });
  }
};

/** Functions and the app have URLs; a public one must say how its code authenticates callers. */
const checkEndpoint = (
  m: Manifest,
  spec: FunctionSpec | App,
  path: DocPath,
  problems: ManifestProblem[],
): void => {
  if (spec.visibility === 'public' && spec.invocation_auth === undefined) {
    problems.push({
      severity: 'error',
      path: [...path, 'visibility'],
      message:
        'a public endpoint can be called by anyone on the internet and Code Engine does not authenticate callers; set invocation_auth (a secret the code checks) or use visibility project',
    });
  }
  if (spec.invocation_auth) {
    checkSecretRef(m, spec.invocation_auth.secret, [...path, 'invocation_auth', 'secret'], problems, [
      spec.invocation_auth.key,
    ]);
  }
};

const checkComponent = (m: Manifest, c: Component, problems: ManifestProblem[]): void => {
  const { spec, path } = c;
  spec.configmaps.forEach((name, i) => {
    if (!m.configmaps.some((cm) => cm.name === name)) {
      problems.push({
        severity: 'error',
        path: [...path, 'configmaps', i],
        message: `configmap "${name}" is not declared under configmaps:${suggestion(
          name,
          m.configmaps.map((cm) => cm.name),
        )}`,
      });
    }
  });
  spec.secrets.forEach((name, i) => {
    checkSecretRef(m, name, [...path, 'secrets', i], problems);
  });
  checkEnvNames(Object.keys(spec.env), (name) => [...path, 'env', name], problems);
  switch (c.type) {
    case 'function': {
      const f = c.spec;
      checkEndpoint(m, f, path, problems);
      if (f.build_source !== undefined && f.code_bundle !== undefined) {
        problems.push({
          severity: 'error',
          path: [...path, 'code_bundle'],
          message: 'give build_source or code_bundle, not both',
        });
      }
      if (!FUNCTION_SIZES.some((s) => s.cpu === f.cpu && s.memory === f.memory)) {
        problems.push({
          severity: 'error',
          path: [...path, 'memory'],
          message: `cpu ${f.cpu} with memory ${f.memory} is not a Code Engine function size; the sizes are ${FUNCTION_SIZES.map((s) => `${s.cpu}/${s.memory}`).join(', ')}`,
        });
      }
      break;
    }
    case 'app':
      checkEndpoint(m, c.spec, path, problems);
      checkImage(c.spec, path, problems);
      if (c.spec.min_scale > c.spec.max_scale) {
        problems.push({
          severity: 'error',
          path: [...path, 'min_scale'],
          message: `min_scale ${c.spec.min_scale} is above max_scale ${c.spec.max_scale}`,
        });
      }
      break;
    case 'job':
      checkImage(c.spec, path, problems);
      break;
  }
};

const checkCron = (m: Manifest, problems: ManifestProblem[]): void => {
  checkDuplicates(
    m.cron.map((c) => c.name),
    (i) => ['cron', i, 'name'],
    'cron subscription',
    problems,
  );
  const byType: Record<CronDestinationType, string[]> = {
    function: m.functions.map((f) => f.name),
    job: m.job ? [m.job.name] : [],
    app: m.app ? [m.app.name] : [],
  };
  m.cron.forEach((cron, i) => {
    const path: DocPath = ['cron', i, 'destination'];
    const all = [...byType.function, ...byType.job, ...byType.app];
    if (cron.destination_type !== undefined) {
      const names = byType[cron.destination_type];
      if (!names.includes(cron.destination)) {
        problems.push({
          severity: 'error',
          path,
          message: `${cron.destination_type} "${cron.destination}" is not defined in this manifest${suggestion(cron.destination, names)}`,
        });
      }
    } else {
      const types = (Object.keys(byType) as CronDestinationType[]).filter((t) =>
        byType[t].includes(cron.destination),
      );
      if (types.length === 0) {
        problems.push({
          severity: 'error',
          path,
          message: `cron destination "${cron.destination}" is not a function, job or app of this manifest${suggestion(cron.destination, all)}`,
        });
      } else if (types.length > 1) {
        problems.push({
          severity: 'error',
          path,
          message: `"${cron.destination}" names a ${types.join(' and a ')}; set destination_type`,
        });
      }
    }
    if (cron.data !== undefined && /json/i.test(cron.content_type)) {
      try {
        JSON.parse(cron.data);
      } catch {
        problems.push({
          severity: 'error',
          path: ['cron', i, 'data'],
          message: `data is sent as ${cron.content_type} but is not JSON; write it as a mapping, or set content_type: text/plain`,
        });
      }
    }
  });
};

const checkKafka = (m: Manifest, problems: ManifestProblem[]): void => {
  const kafka = m.kafka;
  if (!kafka) return;
  const path: DocPath = ['kafka', 'destination'];
  if (m.functions.some((f) => f.name === kafka.destination)) {
    problems.push({
      severity: 'error',
      path,
      message: `"${kafka.destination}" is a function, and Code Engine delivers Kafka events only to apps and jobs; point the subscription at the app`,
    });
  } else if (m.job?.name === kafka.destination) {
    problems.push({
      severity: 'error',
      path,
      message: `"${kafka.destination}" is the job: every Kafka message would start a job run, and past 100 job runs per project events are lost; point the subscription at the app`,
    });
  } else if (!m.app) {
    problems.push({
      severity: 'error',
      path,
      message:
        'Kafka subscriptions deliver to an app (Code Engine cannot deliver Kafka events to functions); add an app: section',
    });
  } else if (m.app.name !== kafka.destination) {
    problems.push({
      severity: 'error',
      path,
      message: `Kafka destination "${kafka.destination}" is not the app of this manifest${suggestion(kafka.destination, [m.app.name])}`,
    });
  }
  checkSecretRef(
    m,
    kafka.secret,
    ['kafka', 'secret'],
    problems,
    KAFKA_SECRET_KEYS,
    'Event Streams: username token, password the API key',
  );
  const topics = m.activity_tracker?.targets.map((t) => t.topic) ?? [];
  if (m.activity_tracker && !topics.includes(kafka.topic)) {
    problems.push({
      severity: 'warning',
      path: ['kafka', 'topic'],
      message: `no Activity Tracker target writes to topic "${kafka.topic}" (targets write to ${topics.join(', ')}); the app would receive no events from this manifest's route`,
    });
  }
};

/** Whether a route location sends a region's events (a rule `us-south` also covers its zones). */
const routes = (locations: readonly string[], region: string): boolean =>
  locations.includes('*') || locations.includes(region);

const checkActivityTracker = (m: Manifest, policy: Policy | undefined, problems: ManifestProblem[]): void => {
  const at = m.activity_tracker;
  if (!at) return;
  const names = at.targets.map((t) => t.name);
  checkDuplicates(names, (i) => ['activity_tracker', 'targets', i, 'name'], 'target', problems);
  at.route.rules.forEach((rule, r) => {
    rule.targets.forEach((target, t) => {
      if (!names.includes(target)) {
        problems.push({
          severity: 'error',
          path: ['activity_tracker', 'route', 'rules', r, 'targets', t],
          message: `target "${target}" is not defined under activity_tracker.targets${suggestion(target, names)}`,
        });
      }
    });
  });
  const locations = at.route.rules.flatMap((rule) => rule.locations);
  if (!routes(locations, 'global')) {
    problems.push({
      severity: 'warning',
      path: ['activity_tracker', 'route', 'rules'],
      message:
        'no rule routes location global: IAM events (trusted profiles, policies, access groups) are global, so profile-guard would never hear of a change',
    });
  }
  // Regions the policy names explicitly should be routed; the cron sweep still covers any that are not.
  const regions = new Set(
    (policy?.instances.rules ?? [])
      .flatMap((rule) => rule.match.regions ?? [])
      .filter((r) => !/[*?]/.test(r)),
  );
  for (const region of regions) {
    if (!routes(locations, region)) {
      problems.push({
        severity: 'warning',
        path: ['activity_tracker', 'route', 'rules'],
        message: `the policy has rules for region ${region}, but no route rule sends ${region} events; changes there are only caught by the sweep`,
      });
    }
  }
};

const checkIdentity = (m: Manifest, problems: ManifestProblem[]): void => {
  const id = m.identity;
  if (!id) return;
  if ((id.trusted_profile === undefined) === (id.service_id === undefined)) {
    problems.push({
      severity: 'error',
      path: ['identity'],
      message: 'give exactly one of trusted_profile (preferred: no API key to leak or rotate) or service_id',
    });
  }
  if (id.service_id) {
    checkSecretRef(
      m,
      id.service_id.apikey_secret,
      ['identity', 'service_id', 'apikey_secret'],
      problems,
      [APIKEY_KEY],
      'the service ID API key the functions authenticate with',
    );
  }
};

const checkSecrets = (m: Manifest, problems: ManifestProblem[]): void => {
  checkDuplicates(
    m.secrets.map((s) => s.name),
    (i) => ['secrets', i, 'name'],
    'secret',
    problems,
  );
  m.secrets.forEach((secret, i) => {
    const path: DocPath = ['secrets', i, 'keys'];
    if (secret.from === 'env' && Array.isArray(secret.keys)) {
      problems.push({
        severity: 'error',
        path,
        message:
          'from: env needs a mapping `key: ENVIRONMENT_VARIABLE` (which variable holds each value when you deploy)',
      });
    } else if (secret.from === 'existing' && !Array.isArray(secret.keys)) {
      problems.push({
        severity: 'error',
        path,
        message: 'from: existing needs a list of the keys the existing secret holds',
      });
    } else if (keysOf(secret).length === 0) {
      problems.push({ severity: 'error', path, message: 'list at least one key' });
    }
  });
  checkDuplicates(
    m.configmaps.map((c) => c.name),
    (i) => ['configmaps', i, 'name'],
    'configmap',
    problems,
  );
  m.configmaps.forEach((cm, i) => {
    if (m.project && cm.name === m.project.config_map) {
      problems.push({
        severity: 'error',
        path: ['configmaps', i, 'name'],
        message: `"${cm.name}" is the configmap imds-guard deploy writes (project.config_map); pick another name`,
      });
    }
    if (Object.keys(cm.data).length === 0) {
      problems.push({ severity: 'error', path: ['configmaps', i, 'data'], message: 'list at least one key' });
    }
    checkEnvNames(Object.keys(cm.data), (name) => ['configmaps', i, 'data', name], problems);
  });
};

const checkAccounts = (m: Manifest, policy: Policy | undefined, problems: ManifestProblem[]): void =>
  checkManyAccounts(m, policy?.accounts, problems, checkSecretRef);

const checkPolicyGrants = (policy: Policy | undefined, problems: ManifestProblem[]): void => {
  if (!policy || policy.dry_run) return;
  const profilesOn = policy.profiles.disabled_rules.length < PROFILE_RULE_IDS.length;
  if (profilesOn && policy.profiles.fix.cap_session_expiration) {
    problems.push({
      severity: 'warning',
      path: ['policy', 'profiles', 'fix', 'cap_session_expiration'],
      message:
        'capping session expiration changes claim rules, which needs Administrator on IAM Identity: the guard could then manage every service ID, API key and trusted profile, its own included',
    });
  }
};

/** Every cross-section problem of a structurally valid manifest; `policy` is undefined when it has errors. */
const manifestProblems = (m: Manifest, policy: Policy | undefined): ManifestProblem[] => {
  const problems: ManifestProblem[] = [];
  const present = presentDeploymentKeys(m);
  if (m.project === undefined) {
    const [first] = present;
    if (first !== undefined) {
      problems.push({
        severity: 'error',
        path: [first],
        message: 'deployment sections need a project: section (name, region, resource_group)',
      });
    }
    return problems;
  }
  for (const required of ['accounts', 'identity'] as const) {
    if (m[required] === undefined) {
      problems.push({
        severity: 'error',
        path: ['project'],
        message:
          required === 'accounts'
            ? 'add an accounts: section naming the account the guard is deployed to'
            : 'add an identity: section (trusted_profile, preferred, or service_id)',
      });
    }
  }
  const components = componentsOf(m);
  if (components.length === 0) {
    problems.push({
      severity: 'error',
      path: ['project'],
      message: 'deploy at least one function, the app or the job',
    });
  }
  checkDuplicates(
    m.functions.map((f) => f.name),
    (i) => ['functions', i, 'name'],
    'function',
    problems,
  );
  checkSecrets(m, problems);
  for (const c of components) checkComponent(m, c, problems);
  checkIdentity(m, problems);
  checkCron(m, problems);
  checkKafka(m, problems);
  checkActivityTracker(m, policy, problems);
  checkAccounts(m, policy, problems);
  checkPolicyGrants(policy, problems);
  return problems;
};

export type { Component, ManifestProblem };
export {
  APIKEY_KEY,
  componentsOf,
  GENERATED_ENV,
  isDeployment,
  KAFKA_SECRET_KEYS,
  keysOf,
  manifestProblems,
  presentDeploymentKeys,
};
