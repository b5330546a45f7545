// Environment → typed configuration, parsed once per process. Tests pass their own env object.

import { type Level, parseLevel } from './audit/logger.ts';
import { type AccountAccess, parseAccounts } from './cloud/accounts.ts';
import { type AuthConfig, readAuthConfig } from './cloud/auth-config.ts';
import { ConfigError } from './errors.ts';

/** Where profile-guard's tickets go besides the policy's `profiles.ticket.sink` (shared/tickets/README.md). */
interface TicketConfig {
  /** IMDS_GUARD_TICKET_TIMEOUT_MS: limit per request to a ticket sink (default 10 s). */
  timeoutMs: number;
  /** Basic-auth user of the ServiceNow Table API; the instance URL is SERVICENOW_URL (or the emulator). */
  servicenowUser: string | undefined;
  servicenowPassword: string | undefined;
  /** IMDS_GUARD_WEBHOOK_URL and the HMAC-SHA256 signing secret IMDS_GUARD_WEBHOOK_SECRET. */
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
}

/** Who may invoke a public function or app URL (docs/delivery-and-trail.md). Empty lists: no check. */
interface InvocationAuthConfig {
  /** IMDS_GUARD_INVOKE_TOKEN: accepted bearer tokens, comma-separated so a rotation can overlap. */
  tokens: string[];
  /** IMDS_GUARD_INVOKE_HMAC_SECRET: accepted HMAC-SHA256 body-signing secrets, comma-separated. */
  hmacSecrets: string[];
  /** IMDS_GUARD_INVOKE_MAX_SKEW_S: how far a signed timestamp may be from now (default 300 s). */
  maxSkewS: number;
  /** IMDS_GUARD_INVOKE_REQUIRE_TIMESTAMP: refuse signatures that carry no timestamp (replay bound). */
  requireTimestamp: boolean;
}

/** An S3-compatible endpoint (IBM Cloud Object Storage) and how to sign for it. */
interface CosConnection {
  /** Origin of the S3 API, e.g. `https://s3.direct.us-south.cloud-object-storage.appdomain.cloud`. */
  endpoint: string;
  region: string;
  /** HMAC credentials; without them requests carry the guard's IAM token (IMDS_GUARD_APIKEY / profile). */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

/** The COS audit trail: decision records batched into write-once objects. Off without a bucket. */
interface TrailConfig {
  /** IMDS_GUARD_TRAIL_BUCKET. */
  bucket: string | undefined;
  /** IMDS_GUARD_TRAIL_PREFIX (default `imds-guard/decisions`), without slashes at either end. */
  prefix: string;
  /** IMDS_GUARD_TRAIL_ENDPOINT / _REGION / _ACCESS_KEY_ID / _SECRET_ACCESS_KEY. */
  connection: CosConnection;
  /** IMDS_GUARD_TRAIL_GZIP: write `.jsonl.gz` objects. */
  gzip: boolean;
  /** IMDS_GUARD_TRAIL_INCLUDE_IGNORED: also keep `ignored` records (every "not ours" event: many). */
  includeIgnored: boolean;
}

/** The COS job: where Activity Tracker objects are read and their completion markers written. */
interface CosJobConfig {
  /** IMDS_GUARD_COS_ENDPOINT / _REGION / _ACCESS_KEY_ID / _SECRET_ACCESS_KEY, else the trail's. */
  connection: CosConnection;
  /** IMDS_GUARD_COS_MARKER_BUCKET (default: the trail bucket, else the notified bucket). */
  markerBucket: string | undefined;
  /** IMDS_GUARD_COS_MARKER_PREFIX (default `imds-guard/processed`). */
  markerPrefix: string;
}

interface Config {
  /** IMDS_GUARD_ENDPOINT: one origin for every IBM service and the token URLs (the emulator). */
  endpoint: string | undefined;
  /** The guard's identity in sdk-core's conventions (shared/cloud/auth-config.ts); undefined: none set. */
  auth: AuthConfig | undefined;
  /** IMDS_GUARD_ACCOUNTS: the accounts acted in, each with its credentials; [] = the guard's own only. */
  accounts: AccountAccess[];
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
  tickets: TicketConfig;
  invocation: InvocationAuthConfig;
  trail: TrailConfig;
  cosJob: CosJobConfig;
  /** Raw environment, for sdk-core's `<SERVICE>_URL` overrides. */
  env: Readonly<Record<string, string | undefined>>;
}

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** sdk-core's external configuration for `imds_guard`; IMDS_GUARD_APIKEY falls back to IBMCLOUD_API_KEY. */
const parseAuth = (env: Record<string, string | undefined>): AuthConfig | undefined =>
  readAuthConfig(env, 'imds_guard', { fallbackApikey: env.IBMCLOUD_API_KEY });

const parseEndpoint = (raw: string | undefined): string | undefined => {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch (cause) {
    throw new ConfigError(`IMDS_GUARD_ENDPOINT is not a URL: ${raw}`, { cause });
  }
};

const DEFAULT_TICKET_TIMEOUT_MS = 10_000;

const parseTimeout = (raw: string | undefined): number => {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TICKET_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1 || ms > 600_000)
    throw new ConfigError(`IMDS_GUARD_TICKET_TIMEOUT_MS must be milliseconds from 1 to 600000, not "${raw}"`);
  return ms;
};

const parseTickets = (env: Record<string, string | undefined>): TicketConfig => ({
  timeoutMs: parseTimeout(env.IMDS_GUARD_TICKET_TIMEOUT_MS),
  servicenowUser: env.IMDS_GUARD_SERVICENOW_USER || undefined,
  servicenowPassword: env.IMDS_GUARD_SERVICENOW_PASSWORD || undefined,
  webhookUrl: env.IMDS_GUARD_WEBHOOK_URL || undefined,
  webhookSecret: env.IMDS_GUARD_WEBHOOK_SECRET || undefined,
});

const DEFAULT_MAX_SKEW_S = 300;

const parseSkew = (raw: string | undefined): number => {
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_SKEW_S;
  const s = Number(raw);
  if (!Number.isInteger(s) || s < 1 || s > 86_400)
    throw new ConfigError(`IMDS_GUARD_INVOKE_MAX_SKEW_S must be seconds from 1 to 86400, not "${raw}"`);
  return s;
};

const parseInvocation = (env: Record<string, string | undefined>): InvocationAuthConfig => ({
  tokens: list(env.IMDS_GUARD_INVOKE_TOKEN),
  hmacSecrets: list(env.IMDS_GUARD_INVOKE_HMAC_SECRET),
  maxSkewS: parseSkew(env.IMDS_GUARD_INVOKE_MAX_SKEW_S),
  requireTimestamp: truthy(env.IMDS_GUARD_INVOKE_REQUIRE_TIMESTAMP),
});

/** IBM COS public endpoint of a region (the `direct`/`private` ones are set explicitly). */
const cosEndpointOf = (region: string): string => `https://s3.${region}.cloud-object-storage.appdomain.cloud`;

const parseCosConnection = (
  env: Record<string, string | undefined>,
  prefix: string,
  fallback?: CosConnection,
): CosConnection => {
  const region = env[`${prefix}_REGION`] || fallback?.region || env.CE_REGION || 'us-south';
  const ownRegion = env[`${prefix}_REGION`] ? cosEndpointOf(region) : undefined;
  const raw = env[`${prefix}_ENDPOINT`] || ownRegion || fallback?.endpoint || cosEndpointOf(region);
  let endpoint: string;
  try {
    const url = new URL(raw);
    endpoint = url.origin + url.pathname.replace(/\/+$/, '');
  } catch (cause) {
    throw new ConfigError(`${prefix}_ENDPOINT is not a URL: ${raw}`, { cause });
  }
  const accessKeyId = env[`${prefix}_ACCESS_KEY_ID`] || undefined;
  const secretAccessKey = env[`${prefix}_SECRET_ACCESS_KEY`] || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw new ConfigError(`${prefix}_ACCESS_KEY_ID and ${prefix}_SECRET_ACCESS_KEY go together`);
  const own = accessKeyId !== undefined && secretAccessKey !== undefined;
  return {
    endpoint,
    region,
    accessKeyId: own ? accessKeyId : fallback?.accessKeyId,
    secretAccessKey: own ? secretAccessKey : fallback?.secretAccessKey,
  };
};

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');

const parseTrail = (env: Record<string, string | undefined>): TrailConfig => ({
  bucket: env.IMDS_GUARD_TRAIL_BUCKET?.trim() || undefined,
  prefix: trimSlashes(env.IMDS_GUARD_TRAIL_PREFIX ?? 'imds-guard/decisions'),
  connection: parseCosConnection(env, 'IMDS_GUARD_TRAIL'),
  gzip: truthy(env.IMDS_GUARD_TRAIL_GZIP),
  includeIgnored: truthy(env.IMDS_GUARD_TRAIL_INCLUDE_IGNORED),
});

const parseCosJob = (env: Record<string, string | undefined>, trail: TrailConfig): CosJobConfig => ({
  connection: parseCosConnection(env, 'IMDS_GUARD_COS', trail.connection),
  markerBucket: env.IMDS_GUARD_COS_MARKER_BUCKET?.trim() || trail.bucket,
  markerPrefix: trimSlashes(env.IMDS_GUARD_COS_MARKER_PREFIX ?? 'imds-guard/processed'),
});

const trailAndJob = (env: Record<string, string | undefined>): Pick<Config, 'trail' | 'cosJob'> => {
  const trail = parseTrail(env);
  return { trail, cosJob: parseCosJob(env, trail) };
};

const identities = (env: Record<string, string | undefined>): Pick<Config, 'auth' | 'accounts'> => {
  const auth = parseAuth(env);
  return { auth, accounts: parseAccounts(env, auth) };
};

const loadConfig = (env: Record<string, string | undefined> = process.env): Config => ({
  endpoint: parseEndpoint(env.IMDS_GUARD_ENDPOINT),
  ...identities(env),
  vpcVersion: env.IMDS_GUARD_VPC_VERSION ?? '2026-03-24',
  dryRun: truthy(env.IMDS_GUARD_DRY_RUN),
  logLevel: parseLevel(env.IMDS_GUARD_LOG_LEVEL),
  selfIds: list(env.IMDS_GUARD_SELF_IDS),
  policyJson: env.IMDS_GUARD_POLICY,
  manifestPath: env.IMDS_GUARD_MANIFEST,
  tickets: parseTickets(env),
  invocation: parseInvocation(env),
  ...trailAndJob(env),
  env: { ...env },
});

let cached: Config | undefined;
/** The process configuration, read from process.env on first use. */
const config = (): Config => {
  cached ??= loadConfig();
  return cached;
};

export type {
  AccountAccess,
  AuthConfig,
  Config,
  CosConnection,
  CosJobConfig,
  InvocationAuthConfig,
  TicketConfig,
  TrailConfig,
};
export { config, list, loadConfig, truthy };
