// The components plan section: each function, the app and the job, created or updated with their
// code, sizes, environment (configmaps and secrets) and identity.
import { accountSecrets } from '../accounts.ts';
import type { App, Deployment, FunctionSpec, Job } from '../schema.ts';
import { ceStep, type ExistingState, type PlanSection, type Step } from './types.ts';

/** Environment flags every component gets, in a fixed order (generated configmap first). */
const envFlags = (d: Deployment, spec: FunctionSpec | App | Job): string[] => {
  const secrets = [
    ...spec.secrets,
    ...(d.identity.service_id ? [d.identity.service_id.apikey_secret] : []),
    ...accountSecrets(d.accounts),
    ...('invocation_auth' in spec && spec.invocation_auth ? [spec.invocation_auth.secret] : []),
  ];
  return [
    '--env-from-configmap',
    d.project.config_map,
    ...spec.configmaps.flatMap((c) => ['--env-from-configmap', c]),
    ...[...new Set(secrets)].flatMap((sec) => ['--env-from-secret', sec]),
    ...Object.entries(spec.env).flatMap(([k, val]) => ['--env', `${k}=${val}`]),
  ];
};

const identityFlag = (d: Deployment, verb: 'create' | 'update'): string[] => {
  if (d.identity.trusted_profile) return ['--trusted-profiles-enabled'];
  return verb === 'update' ? ['--trusted-profiles-enabled=false'] : [];
};

const functionStep = (d: Deployment, f: FunctionSpec, s: ExistingState): Step =>
  ceStep('function', ['fn'], f.name, s.functions, (verb) => [
    '--runtime',
    f.runtime,
    ...(f.code_bundle !== undefined
      ? ['--code-bundle', f.code_bundle]
      : ['--build-source', f.build_source ?? '']),
    '--cpu',
    String(f.cpu),
    '--memory',
    f.memory,
    '--maxexecutiontime',
    String(f.max_execution_time),
    '--scale-down-delay',
    String(f.scale_down_delay),
    '--visibility',
    f.visibility,
    ...envFlags(d, f),
    ...identityFlag(d, verb),
  ]);

/** `--image`, or `--build-source` (Code Engine builds the directory and pushes the image itself). */
const codeFlags = (c: App | Job): string[] => [
  ...(c.image !== undefined
    ? ['--image', c.image]
    : ['--build-source', c.build_source ?? '', '--build-strategy', c.build_strategy]),
  ...(c.registry_secret ? ['--registry-secret', c.registry_secret] : []),
];

const appStep = (d: Deployment, app: App, s: ExistingState): Step =>
  ceStep(
    'app',
    ['app'],
    app.name,
    s.apps,
    (verb) => [
      ...codeFlags(app),
      '--port',
      String(app.port),
      '--min-scale',
      String(app.min_scale),
      '--max-scale',
      String(app.max_scale),
      '--concurrency',
      String(app.concurrency),
      '--request-timeout',
      String(app.request_timeout),
      '--visibility',
      app.visibility,
      '--cpu',
      String(app.cpu),
      '--memory',
      app.memory,
      ...envFlags(d, app),
      ...identityFlag(d, verb),
    ],
    ['The app receives the Activity Tracker stream: Kafka subscriptions deliver only to apps and jobs.'],
  );

const jobStep = (d: Deployment, job: Job, s: ExistingState): Step =>
  ceStep(
    'job',
    ['job'],
    job.name,
    s.jobs,
    (verb) => [
      ...codeFlags(job),
      '--array-size',
      String(job.array_size),
      '--retrylimit',
      String(job.retry_limit),
      '--maxexecutiontime',
      String(job.max_execution_time),
      '--mode',
      job.mode,
      '--cpu',
      String(job.cpu),
      '--memory',
      job.memory,
      ...envFlags(d, job),
      ...identityFlag(d, verb),
    ],
    [
      `Bulk batches: ibmcloud ce jobrun submit --job ${job.name} (or a cron subscription) runs ${job.array_size} shard${job.array_size === 1 ? '' : 's'}.`,
    ],
  );

const componentsSection = (d: Deployment, s: ExistingState): PlanSection => ({
  title: 'Functions, app and job',
  notes: [],
  steps: [
    ...d.functions.map((f) => functionStep(d, f, s)),
    ...(d.app ? [appStep(d, d.app, s)] : []),
    ...(d.job ? [jobStep(d, d.job, s)] : []),
  ],
});

export { componentsSection };
