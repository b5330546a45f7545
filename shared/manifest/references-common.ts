// What the manifest checks share: the problem shape, generated and credential names, secret keys, the
// deployed components, whether a manifest deploys anything, and duplicate names.
import type { DocPath } from '../policy/schema.ts';
import type { App, Deployment, FunctionSpec, Job, Manifest, Secret } from './schema.ts';

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

export {
  APIKEY_KEY,
  type Component,
  CREDENTIAL_NAME,
  checkDuplicates,
  componentsOf,
  DEPLOYMENT_KEYS,
  GENERATED_ENV,
  isDeployment,
  KAFKA_SECRET_KEYS,
  keysOf,
  type ManifestProblem,
  presentDeploymentKeys,
};
