// The functions, app and job sections: what runs code, with its size, code source and environment.
import * as v from 'valibot';
import { section } from '../../policy/schema.ts';
import {
  ConfigName,
  componentName,
  defaultBuildSource,
  EnvName,
  EnvValue,
  FUNCTION_RUNTIMES,
  FUNCTION_SIZES,
  LIMITS,
  Text,
  VISIBILITIES,
  wholeNumber,
} from './common.ts';

const Memory = v.pipe(
  v.string('expected memory such as 2G or 512M'),
  v.trim(),
  v.regex(/^\d+(\.\d+)?[MG]$/, 'expected memory such as 2G or 512M'),
  v.check(
    (m) => Number.parseFloat(m) * (m.endsWith('G') ? 1 : 1 / 1000) <= LIMITS.memoryGbMax,
    `memory is at most ${LIMITS.memoryGbMax}G on Code Engine`,
  ),
);

const Cpu = v.pipe(
  v.number('expected vCPUs as a number, such as 0.5'),
  v.check((n) => n > 0 && n <= LIMITS.cpuMax, `cpu must be more than 0 and at most ${LIMITS.cpuMax} vCPUs`),
);

const Visibility = v.picklist(
  VISIBILITIES,
  (issue) => `visibility must be project, private or public (got ${issue.received})`,
);

/** Settings shared by everything that runs code: functions, the app and the job. */
const runEntries = {
  /** Literal, non-secret environment variables. */
  env: v.nullish(v.record(EnvName, EnvValue, 'expected a mapping NAME: value'), {}),
  configmaps: v.nullish(v.array(ConfigName, 'expected a list of configmap names'), []),
  secrets: v.nullish(v.array(ConfigName, 'expected a list of secret names'), []),
};

/** The variables the runtime checks callers against (shared/config.ts): bearer tokens or HMAC secrets. */
const INVOCATION_KEYS = ['IMDS_GUARD_INVOKE_TOKEN', 'IMDS_GUARD_INVOKE_HMAC_SECRET'] as const;

/** For public endpoints: the declared secret holding what the code checks every invocation against. */
const InvocationAuth = section({
  secret: ConfigName,
  key: v.nullish(
    v.picklist(
      INVOCATION_KEYS,
      (issue) =>
        `key must be IMDS_GUARD_INVOKE_TOKEN (bearer tokens) or IMDS_GUARD_INVOKE_HMAC_SECRET (signed bodies), the variables the guard checks callers against (got ${issue.received})`,
    ),
    'IMDS_GUARD_INVOKE_TOKEN',
  ),
});

/** Container code for the app and the job: an image, or a local directory Code Engine builds into one. */
const codeEntries = {
  image: v.optional(Text),
  /** A local directory (e.g. `dist/apps/events` from `npm run build`) Code Engine builds and pushes. */
  build_source: v.optional(Text),
  build_strategy: v.nullish(
    v.picklist(
      ['buildpacks', 'dockerfile'],
      (issue) => `build_strategy must be buildpacks or dockerfile (got ${issue.received})`,
    ),
    'buildpacks',
  ),
  /** An existing registry access secret (`ibmcloud ce registry create`) for private images. */
  registry_secret: v.optional(ConfigName),
};

const cpuForMemory = (memory: string): number | undefined =>
  FUNCTION_SIZES.find((s) => s.memory === memory)?.cpu;
const memoryForCpu = (cpu: number): string | undefined => FUNCTION_SIZES.find((s) => s.cpu === cpu)?.memory;

const FunctionSpec = v.pipe(
  section({
    name: componentName('function'),
    runtime: v.nullish(
      v.picklist(FUNCTION_RUNTIMES, (issue) =>
        issue.received === '"nodejs-20"'
          ? 'nodejs-20 reaches end of life on Code Engine on 2026-04-30 and its functions then stop working; use nodejs-22 or nodejs-24'
          : `runtime must be nodejs-22 or nodejs-24 (got ${issue.received})`,
      ),
      'nodejs-22',
    ),
    cpu: v.optional(
      v.picklist([0.25, 0.5, 1], 'function cpu must be 0.25, 0.5 or 1 (with memory 1G, 2G or 4G)'),
    ),
    memory: v.optional(
      v.picklist(['1G', '2G', '4G'], 'function memory must be 1G, 2G or 4G (with cpu 0.25, 0.5 or 1)'),
    ),
    max_execution_time: v.nullish(
      wholeNumber(
        'max_execution_time',
        1,
        LIMITS.functionMaxExecutionSeconds,
        'seconds; Code Engine stops a function after 120 s',
      ),
      60,
    ),
    scale_down_delay: v.nullish(
      wholeNumber(
        'scale_down_delay',
        0,
        LIMITS.functionScaleDownDelaySeconds,
        'seconds an idle instance stays warm',
      ),
      1,
    ),
    visibility: v.nullish(Visibility, 'project'),
    invocation_auth: v.optional(InvocationAuth),
    /** A local directory Code Engine builds into a code bundle (default: the esbuild output). */
    build_source: v.optional(Text),
    /** Or an existing code bundle in a container registry. */
    code_bundle: v.optional(Text),
    ...runEntries,
  }),
  // One of cpu/memory fixes the other; neither → the smallest size (these functions are I/O-bound).
  v.transform((f) => {
    const cpu = f.cpu ?? (f.memory !== undefined ? cpuForMemory(f.memory) : undefined) ?? 0.25;
    const memory = f.memory ?? memoryForCpu(cpu) ?? '1G';
    return {
      ...f,
      cpu,
      memory,
      build_source: f.build_source ?? (f.code_bundle === undefined ? defaultBuildSource(f.name) : undefined),
    };
  }),
);

const App = section({
  name: componentName('app'),
  ...codeEntries,
  port: v.nullish(wholeNumber('port', 1, 65_535), 8080),
  min_scale: v.nullish(wholeNumber('min_scale', 0, LIMITS.appMaxScale), 0),
  max_scale: v.nullish(wholeNumber('max_scale', 1, LIMITS.appMaxScale, 'Code Engine limit'), 10),
  concurrency: v.nullish(wholeNumber('concurrency', 1, 1000), 100),
  request_timeout: v.nullish(
    wholeNumber('request_timeout', 1, LIMITS.appRequestTimeoutSeconds, 'seconds; Code Engine limit'),
    300,
  ),
  visibility: v.nullish(Visibility, 'project'),
  invocation_auth: v.optional(InvocationAuth),
  cpu: v.nullish(Cpu, 0.5),
  memory: v.nullish(Memory, '2G'),
  ...runEntries,
});

const Job = section({
  name: componentName('job'),
  ...codeEntries,
  array_size: v.nullish(
    wholeNumber(
      'array_size',
      1,
      LIMITS.jobArraySize,
      'Code Engine runs at most 1000 array indices per job run',
    ),
    1,
  ),
  retry_limit: v.nullish(
    wholeNumber('retry_limit', 0, LIMITS.jobRetryLimit, 'Code Engine retries a failed index at most 5 times'),
    3,
  ),
  max_execution_time: v.nullish(
    wholeNumber('max_execution_time', 1, LIMITS.jobMaxExecutionSeconds, 'seconds; Code Engine limit is 24 h'),
    7200,
  ),
  mode: v.nullish(
    v.picklist(['task'], (issue) =>
      issue.received === '"daemon"'
        ? 'mode daemon runs without a timeout and restarts forever; bulk batches end, so use mode task'
        : `mode must be task (got ${issue.received})`,
    ),
    'task',
  ),
  cpu: v.nullish(Cpu, 1),
  memory: v.nullish(Memory, '4G'),
  ...runEntries,
});

type FunctionSpec = v.InferOutput<typeof FunctionSpec>;
type App = v.InferOutput<typeof App>;
type Job = v.InferOutput<typeof Job>;

export { App, FunctionSpec, INVOCATION_KEYS, Job };
