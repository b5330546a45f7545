// Checks a shape cannot express: references between sections (a cron destination names a function or
// job, the Kafka destination is the app, secrets referenced are declared and hold the keys their user
// reads…), sizes that must match, and warnings for deployments that work but miss events. Pure: the
// loader turns each problem's document path into `file:line:col`.

import { PROFILE_RULE_IDS } from '../policy/profiles.ts';
import type { DocPath, Policy } from '../policy/schema.ts';
import { checkManyAccounts } from './accounts.ts';
import {
  APIKEY_KEY,
  type Component,
  checkDuplicates,
  componentsOf,
  GENERATED_ENV,
  isDeployment,
  KAFKA_SECRET_KEYS,
  keysOf,
  type ManifestProblem,
  presentDeploymentKeys,
} from './references-common.ts';
import { checkComponent, checkEnvNames, checkSecretRef } from './references-components.ts';
import { checkActivityTracker, checkCron, checkKafka } from './references-events.ts';
import type { Manifest } from './schema.ts';

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
