// ibm-cloud-sdk-core's external configuration, read from an explicit environment. sdk-core 5.9.1's
// own reader (auth/utils/read-external-sources.js, file-reading-helpers.js) reads process.env only;
// this is the same algorithm over the env it is given: the credentials file, else the environment,
// else VCAP_SERVICES (one source, never merged); `<SERVICE>_` keys, camel-cased by the same package;
// the file parsed by the same dotenv. No SDK import: the ignore path reads configuration too.
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import camelcase from 'camelcase';
import { parse } from 'dotenv';
import { ConfigError, errorMessage } from '../errors.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Properties = Record<string, unknown>;

/** What sdk-core's `readExternalSources(serviceName)` returns, and which source it came from. */
interface ExternalConfig {
  properties: Properties;
  /** `credentials file <path>`, `environment` or `VCAP_SERVICES`; undefined when every source is empty. */
  source: string | undefined;
}

const CREDENTIALS_FILE = 'ibm-credentials.env';

const isFile = (path: string): boolean => {
  if (!existsSync(path)) return false;
  const stats = lstatSync(path);
  return stats.isFile() || stats.isSymbolicLink();
};

const withFileName = (path: string): string =>
  path.endsWith(CREDENTIALS_FILE) ? path : join(path, CREDENTIALS_FILE);

/**
 * `$IBM_CREDENTIALS_FILE` (a file, or a directory holding ibm-credentials.env), else
 * `./ibm-credentials.env`, else `~/ibm-credentials.env`. sdk-core crashes with a TypeError when
 * IBM_CREDENTIALS_FILE names nothing; here that is a configuration error saying so.
 */
const credentialsFilePath = (env: Env, cwd: string): string | undefined => {
  const given = env.IBM_CREDENTIALS_FILE ?? '';
  if (given) {
    if (isFile(given)) return given;
    if (isFile(withFileName(given))) return withFileName(given);
    throw new ConfigError(
      `IBM_CREDENTIALS_FILE is ${given}, but neither it nor ${withFileName(given)} is a file`,
    );
  }
  const here = withFileName(cwd);
  if (isFile(here)) return here;
  // os.homedir() is $HOME (USERPROFILE on Windows); an explicit env carries its own.
  const home = withFileName(env.HOME ?? env.USERPROFILE ?? homedir());
  return isFile(home) ? home : undefined;
};

const BOOLEANS = ['disableSsl', 'authDisableSsl', 'enableGzip', 'enableRetries'] as const;
const INTEGERS = ['maxRetries', 'retryInterval'] as const;

/** `IMDS_GUARD_IAM_PROFILE_NAME` → `iamProfileName`, with sdk-core's boolean and integer conversions. */
const filterByServiceName = (source: Env, serviceName: string): Properties => {
  const prefix = `${serviceName.toUpperCase().replace(/-/g, '_')}_`;
  const props: Properties = {};
  // An explicit env may hold `undefined` for "unset"; process.env never does.
  for (const [key, value] of Object.entries(source))
    if (key.startsWith(prefix) && value !== undefined) props[camelcase(key.substring(prefix.length))] = value;
  for (const k of BOOLEANS) if (typeof props[k] === 'string') props[k] = props[k] === 'true';
  for (const k of INTEGERS) if (typeof props[k] === 'string') props[k] = Number.parseInt(props[k], 10);
  return props;
};

/** sdk-core's Cloud Foundry source: the entry named `serviceName`, else the first of that service. */
const vcapProperties = (env: Env, serviceName: string): Properties => {
  if (!env.VCAP_SERVICES) return {};
  let services: Record<string, { name?: string; credentials?: Properties }[]>;
  try {
    services = JSON.parse(env.VCAP_SERVICES) as typeof services;
  } catch (cause) {
    throw new ConfigError(`VCAP_SERVICES is not JSON: ${errorMessage(cause)}`, { cause });
  }
  const byName = Object.values(services)
    .flat()
    .find((i) => i.name === serviceName);
  const entry = byName ?? services[serviceName]?.[0];
  const credentials = { ...entry?.credentials };
  if (credentials.username || credentials.password) credentials.authType = 'basic';
  return credentials;
};

/** sdk-core's `readExternalSources(serviceName)` over `env` (and `cwd` for ./ibm-credentials.env). */
const readExternalConfig = (env: Env, serviceName: string, cwd: string = process.cwd()): ExternalConfig => {
  const file = credentialsFilePath(env, cwd);
  if (file) {
    const fromFile = filterByServiceName(parse(readFileSync(file)), serviceName);
    if (Object.keys(fromFile).length > 0) return { properties: fromFile, source: `credentials file ${file}` };
  }
  const fromEnv = filterByServiceName(env, serviceName);
  if (Object.keys(fromEnv).length > 0) return { properties: fromEnv, source: 'environment' };
  const fromVcap = vcapProperties(env, serviceName);
  if (Object.keys(fromVcap).length > 0) return { properties: fromVcap, source: 'VCAP_SERVICES' };
  return { properties: {}, source: undefined };
};

export type { Env, ExternalConfig, Properties };
export { credentialsFilePath, readExternalConfig };
