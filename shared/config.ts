// Environment → typed configuration, parsed once per process. Tests pass their own env object.

import { type Level, parseLevel } from './audit/logger.ts';
import { ConfigError } from './errors.ts';

type AuthConfig =
  | { type: 'iam'; apikey: string }
  | { type: 'container'; profileName?: string; profileId?: string; crTokenFilename?: string };

interface Config {
  /** IMDS_GUARD_ENDPOINT: one origin for every IBM service and the IAM token URL (the emulator). */
  endpoint: string | undefined;
  auth: AuthConfig | undefined;
  /** VPC API date version sent on every VPC call (facts §1.1). */
  vpcVersion: string;
  dryRun: boolean;
  logLevel: Level;
  /** Initiator ids the guard acts as: events they cause are ignored (loop protection). */
  selfIds: string[];
  /** Policy document (JSON) from IMDS_GUARD_POLICY, if set. */
  policyJson: string | undefined;
  /** Path of manifest.yaml, when the policy comes from the manifest. */
  manifestPath: string | undefined;
  /** Raw environment, for sdk-core's `<SERVICE>_URL` overrides. */
  env: Readonly<Record<string, string | undefined>>;
}

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const parseAuth = (env: Record<string, string | undefined>): AuthConfig | undefined => {
  const type = (env.IMDS_GUARD_AUTH_TYPE ?? '').toLowerCase();
  if (type === 'container') {
    const profileName = env.IMDS_GUARD_IAM_PROFILE_NAME;
    const profileId = env.IMDS_GUARD_IAM_PROFILE_ID;
    if (!profileName && !profileId) {
      throw new ConfigError(
        'IMDS_GUARD_AUTH_TYPE=container needs IMDS_GUARD_IAM_PROFILE_NAME or IMDS_GUARD_IAM_PROFILE_ID',
      );
    }
    return {
      type: 'container',
      ...(profileName ? { profileName } : {}),
      ...(profileId ? { profileId } : {}),
      ...(env.IMDS_GUARD_CR_TOKEN_FILENAME ? { crTokenFilename: env.IMDS_GUARD_CR_TOKEN_FILENAME } : {}),
    };
  }
  if (type !== '' && type !== 'iam') {
    throw new ConfigError(`IMDS_GUARD_AUTH_TYPE must be "iam" or "container", not "${type}"`);
  }
  const apikey = env.IMDS_GUARD_APIKEY ?? env.IBMCLOUD_API_KEY;
  return apikey ? { type: 'iam', apikey } : undefined;
};

const parseEndpoint = (raw: string | undefined): string | undefined => {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch (cause) {
    throw new ConfigError(`IMDS_GUARD_ENDPOINT is not a URL: ${raw}`, { cause });
  }
};

const loadConfig = (env: Record<string, string | undefined> = process.env): Config => ({
  endpoint: parseEndpoint(env.IMDS_GUARD_ENDPOINT),
  auth: parseAuth(env),
  vpcVersion: env.IMDS_GUARD_VPC_VERSION ?? '2026-03-24',
  dryRun: truthy(env.IMDS_GUARD_DRY_RUN),
  logLevel: parseLevel(env.IMDS_GUARD_LOG_LEVEL),
  selfIds: list(env.IMDS_GUARD_SELF_IDS),
  policyJson: env.IMDS_GUARD_POLICY,
  manifestPath: env.IMDS_GUARD_MANIFEST,
  env: { ...env },
});

let cached: Config | undefined;
/** The process configuration, read from process.env on first use. */
const config = (): Config => {
  cached ??= loadConfig();
  return cached;
};

export type { AuthConfig, Config };
export { config, list, loadConfig, truthy };
