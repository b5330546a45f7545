// The manifest's vocabularies, IBM's limits, defaults, and the building blocks several sections share.
import * as v from 'valibot';
import { Text, wholeNumber } from '../../policy/blocks.ts';

// ---- Vocabularies and IBM's limits -------------------------------------------------------------

/** Node.js 20 reaches end of life on Code Engine on 2026-04-30, after which its functions stop working. */
const FUNCTION_RUNTIMES = ['nodejs-22', 'nodejs-24'] as const;
const VISIBILITIES = ['project', 'private', 'public'] as const;
const CRON_DESTINATION_TYPES = ['function', 'job', 'app'] as const;

/** A function's vCPU and memory come in IBM's three combinations only (facts §4.1). */
const FUNCTION_SIZES = [
  { cpu: 0.25, memory: '1G' },
  { cpu: 0.5, memory: '2G' },
  { cpu: 1, memory: '4G' },
] as const;

const LIMITS = {
  functionsPerProject: 20,
  functionMaxExecutionSeconds: 120,
  functionScaleDownDelaySeconds: 600,
  appMaxScale: 250,
  appRequestTimeoutSeconds: 600,
  cpuMax: 12,
  memoryGbMax: 48,
  jobArraySize: 1000,
  jobRetryLimit: 5,
  jobMaxExecutionSeconds: 86_400,
  cronSubscriptionsPerProject: 100,
  cronDataBytes: 4096,
  atTargetsPerAccount: 16,
  atRulesPerRoute: 30,
  atLocationsPerRule: 8,
  atTargetsPerRule: 3,
} as const;

/** Where a function's code comes from when the manifest does not say: the esbuild bundle of `npm run build`. */
const defaultBuildSource = (name: string): string => `dist/functions/${name}`;
const DEFAULT_CONFIG_MAP = 'imds-guard-config';

type FunctionRuntime = (typeof FUNCTION_RUNTIMES)[number];
type Visibility = (typeof VISIBILITIES)[number];
type CronDestinationType = (typeof CRON_DESTINATION_TYPES)[number];

// ---- Building blocks -----------------------------------------------------------------------------

/** Code Engine app, job, function and subscription names (facts §4.4: ≤ 63, lowercase, starts with a letter). */
const componentName = (what: string) =>
  v.pipe(
    v.string(`expected a ${what} name`),
    v.trim(),
    v.regex(
      /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
      `a ${what} name starts with a lowercase letter, holds lowercase letters, digits and hyphens, and ends with a letter or digit`,
    ),
    v.maxLength(63, `a ${what} name is at most 63 characters`),
  );

/** Code Engine secret and configmap names (lowercase letters, digits, periods, hyphens; ≤ 253). */
const ConfigName = v.pipe(
  v.string('expected a secret or configmap name'),
  v.trim(),
  v.regex(
    /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/,
    'secret and configmap names hold lowercase letters, digits, periods and hyphens, and start and end with a letter or digit',
  ),
  v.maxLength(253, 'secret and configmap names are at most 253 characters'),
);

/** Keys become environment variables of the functions, so they must be valid variable names. */
const EnvName = v.pipe(
  v.string('expected an environment variable name'),
  v.regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'expected an environment variable name (letters, digits and underscores, not starting with a digit)',
  ),
);

/** YAML reads `true` and `8080` as a boolean and a number; environment values are text either way. */
const EnvValue = v.pipe(
  v.union([v.string(), v.number(), v.boolean()], 'expected text, a number or true/false'),
  v.transform((x): string => String(x)),
);

const Region = v.pipe(
  v.string('expected a region such as us-south'),
  v.trim(),
  v.regex(/^[a-z]{2}-[a-z]{2,5}$/, 'expected an IBM Cloud region such as us-south or eu-de'),
);

export type { CronDestinationType, FunctionRuntime, Visibility };
export {
  ConfigName,
  CRON_DESTINATION_TYPES,
  componentName,
  DEFAULT_CONFIG_MAP,
  defaultBuildSource,
  EnvName,
  EnvValue,
  FUNCTION_RUNTIMES,
  FUNCTION_SIZES,
  LIMITS,
  Region,
  Text,
  VISIBILITIES,
  wholeNumber,
};
