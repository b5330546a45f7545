// Where each IBM service lives. IMDS_GUARD_ENDPOINT sends every service to one origin (the
// emulator); otherwise IBM's public endpoints, each overridable by sdk-core's `<SERVICE>_URL`.
import type { Config } from '../config.ts';

type ServiceId =
  | 'iam-token'
  | 'iam-identity'
  | 'iam-policy-management'
  | 'iam-access-groups'
  | 'global-tagging'
  | 'case-management'
  | 'servicenow';

interface ServiceEndpoint {
  /** sdk-core's external-configuration prefix (`VPC_URL`, `IAM_IDENTITY_URL`, …). */
  envPrefix: string;
  ibm: string;
  /** Path of this service under the single emulator origin. */
  emulatorPath: string;
}

const SERVICES = {
  'iam-token': { envPrefix: 'IMDS_GUARD_AUTH', ibm: 'https://iam.cloud.ibm.com', emulatorPath: '' },
  'iam-identity': { envPrefix: 'IAM_IDENTITY', ibm: 'https://iam.cloud.ibm.com', emulatorPath: '' },
  'iam-policy-management': {
    envPrefix: 'IAM_POLICY_MANAGEMENT',
    ibm: 'https://iam.cloud.ibm.com',
    emulatorPath: '',
  },
  'iam-access-groups': { envPrefix: 'IAM_ACCESS_GROUPS', ibm: 'https://iam.cloud.ibm.com', emulatorPath: '' },
  'global-tagging': {
    envPrefix: 'GLOBAL_TAGGING',
    ibm: 'https://tags.global-search-tagging.cloud.ibm.com',
    emulatorPath: '',
  },
  'case-management': {
    envPrefix: 'CASE_MANAGEMENT',
    ibm: 'https://support-center.cloud.ibm.com/case-management/v1',
    emulatorPath: '/case-management/v1',
  },
  // ServiceNow has no IBM default: the instance URL must come from configuration.
  servicenow: { envPrefix: 'SERVICENOW', ibm: '', emulatorPath: '' },
} as const satisfies Record<ServiceId, ServiceEndpoint>;

const serviceUrl = (cfg: Pick<Config, 'endpoint' | 'env'>, id: ServiceId): string => {
  const svc: ServiceEndpoint = SERVICES[id];
  if (cfg.endpoint) return cfg.endpoint + svc.emulatorPath;
  return cfg.env[`${svc.envPrefix}_URL`] ?? svc.ibm;
};

/** VPC is regional: `https://{region}.iaas.cloud.ibm.com/v1`; `VPC_URL` may carry a `{region}` placeholder. */
const vpcUrl = (cfg: Pick<Config, 'endpoint' | 'env'>, region: string): string => {
  if (cfg.endpoint) return `${cfg.endpoint}/vpc/${encodeURIComponent(region)}/v1`;
  const override = cfg.env.VPC_URL;
  if (override) return override.replaceAll('{region}', region);
  return `https://${region}.iaas.cloud.ibm.com/v1`;
};

/** Regional like VPC: `ATRACKER_URL` / `CODE_ENGINE_URL` may carry a `{region}` placeholder. */
const regionalUrl =
  (envName: string, emulatorPath: (region: string) => string, ibm: (region: string) => string) =>
  (cfg: Pick<Config, 'endpoint' | 'env'>, region: string): string => {
    if (cfg.endpoint) return `${cfg.endpoint}${emulatorPath(encodeURIComponent(region))}`;
    const override = cfg.env[envName];
    if (override) return override.replaceAll('{region}', region);
    return ibm(region);
  };

/** Activity Tracker Event Routing API v2: `https://{region}.atracker.cloud.ibm.com` (+ `/api/v2/…`). */
const atrackerUrl = regionalUrl(
  'ATRACKER_URL',
  (r) => `/atracker/${r}`,
  (r) => `https://${r}.atracker.cloud.ibm.com`,
);

/** Code Engine API v2: `https://api.{region}.codeengine.cloud.ibm.com/v2`. */
const codeEngineUrl = regionalUrl(
  'CODE_ENGINE_URL',
  (r) => `/codeengine/${r}/v2`,
  (r) => `https://api.${r}.codeengine.cloud.ibm.com/v2`,
);

export type { ServiceId };
export { atrackerUrl, codeEngineUrl, serviceUrl, vpcUrl };
