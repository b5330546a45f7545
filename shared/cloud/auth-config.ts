// Which identity the guard acts as, in ibm-cloud-sdk-core's conventions: the external configuration
// of a service name (`imds_guard` → IMDS_GUARD_AUTH_TYPE, IMDS_GUARD_APIKEY, … or the credentials
// file) and the auth type sdk-core's getAuthenticatorFromEnvironment would pick. No SDK import here:
// the ignore path parses configuration too; shared/cloud/auth.ts builds the authenticator.
import { ConfigError } from '../errors.ts';
import { type Env, type Properties, readExternalConfig } from './external-config.ts';

/** The sdk-core auth types that give an IBM Cloud IAM token, spelled as sdk-core spells them. */
const AUTH_TYPES = ['iam', 'container', 'vpc', 'iamAssume', 'bearerToken'] as const;
type AuthType = (typeof AUTH_TYPES)[number];

/** Types sdk-core also knows that are no IBM Cloud IAM identity (password, none, Cloud Pak, MCSP). */
const NOT_IBM_CLOUD = ['basic', 'noAuth', 'cp4d', 'mcsp', 'mcspv2'] as const;

/** What sdk-core's authenticators read; other `IMDS_GUARD_*` settings are not kept with the credentials. */
const AUTH_PROPERTIES = [
  'authType',
  'authtype',
  'apikey',
  'authUrl',
  'authDisableSsl',
  'clientId',
  'clientSecret',
  'scope',
  'iamProfileId',
  'iamProfileName',
  'iamProfileCrn',
  'iamAccountId',
  'crTokenFilename',
  'bearerToken',
  'serviceVersion',
  'tokenLifetime',
] as const;

/** Without one of these (and without an auth type) nothing is configured: no identity at all. */
const IDENTIFYING = [
  'apikey',
  'iamProfileId',
  'iamProfileName',
  'iamProfileCrn',
  'crTokenFilename',
  'bearerToken',
];

/** An identity's credentials, as sdk-core would read them. */
interface AuthConfig {
  type: AuthType;
  /** sdk-core's camel-cased properties (`apikey`, `iamProfileName`, `authUrl`, …). Secrets: never log them. */
  properties: Readonly<Properties>;
  /** Where they were read: `credentials file <path>`, `environment` or `VCAP_SERVICES`. */
  source: string;
  /** The upper-cased service name they were read under (`IMDS_GUARD`), to name settings in messages. */
  prefix: string;
}

const KNOWN = AUTH_TYPES.join(', ');

const pickAuthProperties = (all: Properties): Properties => {
  const out: Properties = {};
  for (const k of AUTH_PROPERTIES) if (all[k] !== undefined && all[k] !== '') out[k] = all[k];
  return out;
};

/** sdk-core's rule: the given type, case-insensitively; none → `iam` with an API key, else `container`. */
const resolveType = (given: unknown, hasKey: boolean, setting: string, where: string): AuthType => {
  if (typeof given !== 'string' || given === '') return hasKey ? 'iam' : 'container';
  const lower = given.toLowerCase();
  const known = AUTH_TYPES.find((t) => t.toLowerCase() === lower);
  if (known) return known;
  if (NOT_IBM_CLOUD.some((t) => t.toLowerCase() === lower))
    throw new ConfigError(
      `${setting}=${given}${where}: ibm-cloud-sdk-core knows this type, but it gives no IBM Cloud IAM token; use one of ${KNOWN}`,
    );
  throw new ConfigError(
    `${setting}=${given}${where} is not an auth type ibm-cloud-sdk-core knows; use one of ${KNOWN}`,
  );
};

/**
 * The credentials configured for `serviceName` (`imds_guard`, or another prefix for a second
 * identity), or undefined when nothing identifies one. `fallbackApikey` stands in for a missing
 * `<PREFIX>_APIKEY` when the type takes one (IBMCLOUD_API_KEY, by the configuration contract).
 */
const readAuthConfig = (
  env: Env,
  serviceName: string,
  options: { fallbackApikey?: string | undefined; cwd?: string } = {},
): AuthConfig | undefined => {
  const prefix = serviceName.toUpperCase().replace(/-/g, '_');
  const external = readExternalConfig(env, serviceName, options.cwd);
  const properties = pickAuthProperties(external.properties);
  const given = properties.authType ?? properties.authtype;
  const takesKey = typeof given !== 'string' || given === '' || /^iam(assume)?$/i.test(given);
  if (!properties.apikey && options.fallbackApikey && takesKey) properties.apikey = options.fallbackApikey;
  if (given === undefined && !IDENTIFYING.some((k) => properties[k] !== undefined)) return undefined;
  const source = external.source ?? 'environment';
  const setting = `${prefix}_${properties.authType === undefined && given !== undefined ? 'AUTHTYPE' : 'AUTH_TYPE'}`;
  const where = source === 'environment' ? '' : ` (${source})`;
  return { type: resolveType(given, Boolean(properties.apikey), setting, where), properties, source, prefix };
};

export type { AuthConfig, AuthType };
export { AUTH_PROPERTIES, AUTH_TYPES, NOT_IBM_CLOUD, readAuthConfig };
