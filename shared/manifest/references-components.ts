// Manifest checks of one component (function, app or job): literal environment variables, secret
// references, images and build sources, public endpoints, sizes.
import { suggestion } from '../policy/blocks.ts';
import type { DocPath } from '../policy/schema.ts';
import {
  APIKEY_KEY,
  type Component,
  CREDENTIAL_NAME,
  GENERATED_ENV,
  keysOf,
  type ManifestProblem,
} from './references-common.ts';
import { type App, FUNCTION_SIZES, type FunctionSpec, type Job, type Manifest } from './schema.ts';

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

export { checkComponent, checkEndpoint, checkEnvNames, checkImage, checkSecretRef };
