import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadManifest, ManifestError } from '#shared/manifest/load.ts';
import { loadPolicyFromManifest } from '#shared/policy/load.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const file = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const REPO_MANIFEST = file('../../../manifest.yaml');
const SAMPLE = file('../../fixtures/manifest.sample.yaml');
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const ES_CRN = `"crn:v1:bluemix:public:messagehub:us-south:a/${ACCOUNT}:6a1c2f4e-8d3b-4f5a-9e7c-1b2d3f4a5c6e::"`;

/** A deployable manifest (with an empty policy, so no "no policy: section" warning) plus `extra` lines. */
const manifest = (...extra: string[]): string =>
  [
    'policy: {}',
    'project:',
    '  name: p',
    '  region: us-south',
    '  resource_group: default',
    'accounts:',
    `  - id: ${ACCOUNT}`,
    'identity:',
    '  trusted_profile:',
    '    name: guard',
    'functions:',
    '  - name: instance-guard',
    ...extra,
    '',
  ].join('\n');

/** `m.yaml:L:C` of `token` on the first line that contains `lineMarker` (1-based, like the loader). */
const at = (text: string, lineMarker: string, token = lineMarker): string => {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.includes(lineMarker));
  if (index < 0) throw new Error(`no line contains ${lineMarker}`);
  const line = lines[index] ?? '';
  const start = line.indexOf(lineMarker);
  // A token inside the marker is its last occurrence there (`apikey_secret: key` → the value `key`).
  const col = lineMarker.includes(token) ? start + lineMarker.lastIndexOf(token) : line.indexOf(token, start);
  return `m.yaml:${index + 1}:${col + 1}`;
};

/** Every line of the ManifestError a load throws. */
const problems = (text: string): string[] => {
  try {
    loadManifest(text, 'm.yaml', { now: NOW });
  } catch (err) {
    if (err instanceof ManifestError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ManifestError');
};

const warningsOf = (text: string): string[] =>
  loadManifest(text, 'm.yaml', { now: NOW }).warnings.map((w) => `${w.line}:${w.col}: ${w.message}`);

describe('the repository manifest.yaml', () => {
  test('validates with no errors and no warnings, and deploys three functions, the app and the job', () => {
    // Prepare
    const text = readFileSync(REPO_MANIFEST, 'utf8');
    // Act
    const loaded = loadManifest(text, 'manifest.yaml', { now: NOW });
    // Assess
    expect(loaded.warnings).toEqual([]);
    expect(loaded.deployment?.functions.map((f) => f.name)).toEqual([
      'instance-guard',
      'profile-guard',
      'sweep',
    ]);
    expect(loaded.deployment?.app?.name).toBeDefined();
    expect(loaded.deployment?.job?.name).toBeDefined();
    expect(loaded.deployment?.cron[0]?.destination).toBe('sweep');
    expect(loaded.deployment?.kafka?.destination).toBe(loaded.deployment?.app?.name);
    expect(loaded.deployment?.identity.trusted_profile).toBeDefined();
    expect(loaded.deployment?.activity_tracker?.route.rules[0]?.locations).toContain('global');
  });

  test('its policy is exactly what the policy loader reads', () => {
    const text = readFileSync(REPO_MANIFEST, 'utf8');
    const loaded = loadManifest(text, 'manifest.yaml', { now: NOW });
    expect(loaded.policy).toEqual(loadPolicyFromManifest(text, 'manifest.yaml', { now: NOW }).policy);
  });

  test('the sample fixture validates too', () => {
    const loaded = loadManifest(readFileSync(SAMPLE, 'utf8'), 'sample.yaml', { now: NOW });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.deployment?.project.name).toBe('guard-sample');
  });
});

describe('loadManifest', () => {
  test('a policy-only manifest is valid and deploys nothing', () => {
    const loaded = loadManifest('policy:\n  dry_run: true\n', 'm.yaml', { now: NOW });
    expect(loaded.deployment).toBeUndefined();
    expect(loaded.policy.dry_run).toBe(true);
  });

  test('YAML syntax errors point at line and column', () => {
    const [first] = problems('project:\n  name: [p\n');
    expect(first).toMatch(/^m\.yaml:\d+:\d+: /);
  });

  test('a manifest that is not a mapping is refused', () => {
    expect(problems('- project\n')).toEqual([
      'm.yaml:1:1: a manifest is a mapping of sections (project:, functions:, policy:, …)',
    ]);
  });

  test('an unknown section gets a "did you mean" at its key', () => {
    const text = manifest('functoins: []');
    expect(problems(text)).toEqual([
      `${at(text, 'functoins')}: unknown option "functoins"; did you mean "functions"? (at functoins)`,
    ]);
  });

  test('schema limits carry their position', () => {
    const text = manifest('    max_execution_time: 300');
    expect(problems(text)).toEqual([
      `${at(text, 'max_execution_time', '300')}: max_execution_time must be a whole number from 1 to 120 (seconds; Code Engine stops a function after 120 s) (at functions[0].max_execution_time)`,
    ]);
  });

  test('policy and deployment problems are reported together, in file order', () => {
    const text = manifest(
      'cron:',
      '  - name: c',
      '    schedule: 0 * * * *',
      '    destination: nowhere',
    ).replace('policy: {}', 'policy:\n  instances:\n    default:\n      mode: shred');
    const lines = problems(text);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^${at(text, 'mode: shred', 'shred')}: mode must be one of disable, secure, audit`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^${at(text, 'destination: nowhere', 'nowhere')}: cron destination "nowhere"`),
    );
  });
});

describe('cross-references, each at the line and column of the reference', () => {
  const KAFKA_SECRET = [
    'secrets:',
    '  - name: es',
    '    from: env',
    '    keys: {username: ES_USER, password: ES_KEY}',
  ];
  const kafka = (destination: string, secret = 'es') => [
    'kafka:',
    '  name: k',
    '  brokers: [b0.example:9093]',
    '  topic: at',
    `  secret: ${secret}`,
    `  destination: ${destination}`,
  ];
  const APP = ['app:', '  name: events', '  image: icr.io/ns/events:1'];
  const JOB = ['job:', '  name: bulk', '  image: icr.io/ns/bulk:1'];
  const cron = (destination: string, ...extra: string[]) => [
    'cron:',
    '  - name: c',
    '    schedule: 0 * * * *',
    `    destination: ${destination}`,
    ...extra,
  ];

  test.each<[string, string, [string, string?], string]>([
    [
      'cron destination that does not exist',
      manifest(...cron('instance-gaurd')),
      ['destination: instance-gaurd', 'instance-gaurd'],
      'cron destination "instance-gaurd" is not a function, job or app of this manifest; did you mean "instance-guard"? (at cron[0].destination)',
    ],
    [
      'cron destination of another type',
      manifest(...JOB, ...cron('bulk', '    destination_type: function')),
      ['destination: bulk', 'bulk'],
      'function "bulk" is not defined in this manifest (at cron[0].destination)',
    ],
    [
      'cron destination shared by a function and the job',
      manifest('  - name: bulk', ...JOB, ...cron('bulk')),
      ['destination: bulk', 'bulk'],
      '"bulk" names a function and a job; set destination_type (at cron[0].destination)',
    ],
    [
      'cron data that is not the JSON its content type says',
      manifest(...cron('instance-guard', '    data: not json')),
      ['data: not json', 'not json'],
      'data is sent as application/json but is not JSON; write it as a mapping, or set content_type: text/plain (at cron[0].data)',
    ],
    [
      'Kafka destination that is a function',
      manifest(...KAFKA_SECRET, ...APP, ...kafka('instance-guard')),
      ['destination: instance-guard', 'instance-guard'],
      '"instance-guard" is a function, and Code Engine delivers Kafka events only to apps and jobs; point the subscription at the app (at kafka.destination)',
    ],
    [
      'Kafka destination that is the job',
      manifest(...KAFKA_SECRET, ...APP, ...JOB, ...kafka('bulk')),
      ['destination: bulk', 'bulk'],
      '"bulk" is the job: every Kafka message would start a job run, and past 100 job runs per project events are lost; point the subscription at the app (at kafka.destination)',
    ],
    [
      'Kafka subscription without an app',
      manifest(...KAFKA_SECRET, ...kafka('events')),
      ['destination: events', 'events'],
      'Kafka subscriptions deliver to an app (Code Engine cannot deliver Kafka events to functions); add an app: section (at kafka.destination)',
    ],
    [
      'Kafka destination that is not the app',
      manifest(...KAFKA_SECRET, ...APP, ...kafka('event')),
      ['destination: event', 'event'],
      'Kafka destination "event" is not the app of this manifest; did you mean "events"? (at kafka.destination)',
    ],
    [
      'Kafka secret that is not declared',
      manifest(...KAFKA_SECRET, ...APP, ...kafka('events', 'ess')),
      ['secret: ess', 'ess'],
      'secret "ess" is not declared under secrets:; did you mean "es"? (at kafka.secret)',
    ],
    [
      'Kafka secret without the keys Code Engine reads',
      manifest(
        'secrets:',
        '  - name: es',
        '    from: existing',
        '    keys: [username]',
        ...APP,
        ...kafka('events'),
      ),
      ['secret: es', 'es'],
      'secret "es" must hold the key password (Event Streams: username token, password the API key); its keys: username (at kafka.secret)',
    ],
    [
      'function secret that is not declared',
      manifest('    secrets: [servicenow]'),
      ['secrets: [servicenow]', 'servicenow'],
      'secret "servicenow" is not declared under secrets: (at functions[0].secrets[0])',
    ],
    [
      'function configmap that is not declared',
      manifest('    configmaps: [setings]', 'configmaps:', '  - name: settings', '    data: {A: b}'),
      ['configmaps: [setings]', 'setings'],
      'configmap "setings" is not declared under configmaps:; did you mean "settings"? (at functions[0].configmaps[0])',
    ],
    [
      'public function without invocation auth',
      manifest('    visibility: public'),
      ['visibility: public', 'public'],
      'a public endpoint can be called by anyone on the internet and Code Engine does not authenticate callers; set invocation_auth (a secret the code checks) or use visibility project (at functions[0].visibility)',
    ],
    [
      'invocation auth secret without its key',
      manifest(
        '    visibility: public',
        '    invocation_auth: {secret: token, key: IMDS_GUARD_INVOKE_HMAC_SECRET}',
        'secrets:',
        '  - name: token',
        '    from: existing',
        '    keys: [TOKEN]',
      ),
      ['invocation_auth: {secret: token', 'token'],
      'secret "token" must hold the key IMDS_GUARD_INVOKE_HMAC_SECRET; its keys: TOKEN (at functions[0].invocation_auth.secret)',
    ],
    [
      'route rule target that is not defined',
      manifest(
        'activity_tracker:',
        '  targets:',
        '    - name: es-target',
        `      instance_crn: ${ES_CRN}`,
        '      brokers: [b0.example:9093]',
        '      topic: at',
        '  route:',
        '    name: r',
        '    rules:',
        '      - locations: [global]',
        '        targets: [es-targte]',
      ),
      ['targets: [es-targte]', 'es-targte'],
      'target "es-targte" is not defined under activity_tracker.targets; did you mean "es-target"? (at activity_tracker.route.rules[0].targets[0])',
    ],
    [
      'service ID API key secret without IMDS_GUARD_APIKEY',
      manifest('secrets:', '  - name: key', '    from: env', '    keys: {APIKEY: GUARD_KEY}').replace(
        '  trusted_profile:\n    name: guard',
        '  service_id:\n    name: guard\n    apikey_secret: key',
      ),
      ['apikey_secret: key', 'key'],
      'secret "key" must hold the key IMDS_GUARD_APIKEY (the service ID API key the functions authenticate with); its keys: APIKEY (at identity.service_id.apikey_secret)',
    ],
    [
      'function size that is not a Code Engine size',
      manifest('    cpu: 0.5', '    memory: 4G'),
      ['memory: 4G', '4G'],
      'cpu 0.5 with memory 4G is not a Code Engine function size; the sizes are 0.25/1G, 0.5/2G, 1/4G (at functions[0].memory)',
    ],
    [
      'build source and code bundle together',
      manifest('    build_source: dist/x', '    code_bundle: icr.io/ns/x:1'),
      ['code_bundle:', 'icr.io'],
      'give build_source or code_bundle, not both (at functions[0].code_bundle)',
    ],
    [
      'duplicate function names',
      manifest('  - name: instance-guard # again'),
      ['instance-guard # again', 'instance-guard'],
      'function "instance-guard" is already defined above; names must be unique (at functions[1].name)',
    ],
    [
      'from: env with a list of keys',
      manifest('secrets:', '  - name: es', '    from: env', '    keys: [username]'),
      ['keys: [username]', '['],
      'from: env needs a mapping `key: ENVIRONMENT_VARIABLE` (which variable holds each value when you deploy) (at secrets[0].keys)',
    ],
    [
      'a credential in literal environment variables',
      manifest('    env: {ES_APIKEY: abc}'),
      ['env: {ES_APIKEY: abc}', 'abc'],
      'ES_APIKEY looks like a credential; values never go in the manifest: declare a secret (secrets:) and reference it (at functions[0].env.ES_APIKEY)',
    ],
    [
      'a variable deploy sets itself',
      manifest('    env: {IMDS_GUARD_POLICY: "{}"}'),
      ['env: {IMDS_GUARD_POLICY', '"{}"'],
      'IMDS_GUARD_POLICY is set by imds-guard deploy (from the policy:, identity: and audit_trail: sections); remove it here (at functions[0].env.IMDS_GUARD_POLICY)',
    ],
    [
      'a configmap named like the one deploy writes',
      manifest('configmaps:', '  - name: imds-guard-config', '    data: {A: b}'),
      ['- name: imds-guard-config', 'imds-guard-config'],
      '"imds-guard-config" is the configmap imds-guard deploy writes (project.config_map); pick another name (at configmaps[0].name)',
    ],
    [
      'both identities',
      manifest('secrets:', '  - name: key', '    from: existing', '    keys: [IMDS_GUARD_APIKEY]').replace(
        '    name: guard',
        '    name: guard\n  service_id:\n    name: guard\n    apikey_secret: key',
      ),
      ['  trusted_profile:', 'trusted_profile'],
      'give exactly one of trusted_profile (preferred: no API key to leak or rotate) or service_id (at identity)',
    ],
    [
      'a policy that refuses the account it is deployed to',
      manifest().replace('policy: {}', `policy:\n  accounts: [${'f'.repeat(32)}]`),
      ['accounts: [f', '['],
      `the guard is deployed to account ${ACCOUNT} (accounts:), but policy.accounts does not list it, so every event would be refused (at policy.accounts)`,
    ],
  ])('%s', (_label, text, [marker, token], message) => {
    expect(problems(text)).toEqual([`${at(text, marker, token)}: ${message}`]);
  });

  test('a policy that also lists accounts accounts: gives no credentials for gets a warning as well', () => {
    const text = manifest().replace(
      'policy: {}',
      `policy:\n  accounts: [${ACCOUNT}, ffffffffffffffffffffffffffffffff]`,
    );
    expect(warningsOf(text)).toEqual([
      `${at(text, 'accounts: [', '[').slice('m.yaml:'.length)}: policy.accounts also lists ffffffffffffffffffffffffffffffff, but accounts: gives no credentials for it: add it to accounts: (assume or apikey_secret), or events there are refused`,
    ]);
  });

  test('the app and the job need an image or a build source, not both', () => {
    const text = manifest(
      'app:',
      '  name: events',
      'job:',
      '  name: bulk',
      '  image: i',
      '  build_source: dist/bulk',
    );
    expect(problems(text)).toEqual([
      `${at(text, 'name: events', 'name')}: give image (a container image) or build_source (a directory Code Engine builds, such as dist/apps/events) (at app)`,
      `${at(text, 'build_source: dist/bulk', 'dist/bulk')}: give image or build_source, not both (at job.build_source)`,
    ]);
  });

  test('deployment sections without a project', () => {
    const text = 'policy: {}\nfunctions:\n  - name: instance-guard\n';
    expect(problems(text)).toEqual([
      `${at(text, '- name', '-')}: deployment sections need a project: section (name, region, resource_group) (at functions)`,
    ]);
  });

  test('a project without accounts and identity', () => {
    const text =
      'policy: {}\nproject:\n  name: p\n  region: us-south\n  resource_group: default\nfunctions:\n  - name: f\n';
    expect(problems(text)).toEqual([
      `${at(text, 'name: p', 'name')}: add an accounts: section naming the account the guard is deployed to (at project)`,
      `${at(text, 'name: p', 'name')}: add an identity: section (trusted_profile, preferred, or service_id) (at project)`,
    ]);
  });
});

describe('warnings: the deployment works but misses events', () => {
  const target = (topic: string) => [
    '  targets:',
    '    - name: t',
    `      instance_crn: ${ES_CRN}`,
    '      brokers: [b0.example:9093]',
    `      topic: ${topic}`,
  ];

  test('no route rule for location global', () => {
    const text = manifest(
      'activity_tracker:',
      ...target('at'),
      '  route:',
      '    name: r',
      '    rules:',
      '      - locations: [us-south]',
      '        targets: [t]',
    );
    expect(warningsOf(text)).toEqual([
      `${at(text, '- locations: [us-south]', '- ').slice('m.yaml:'.length)}: no rule routes location global: IAM events (trusted profiles, policies, access groups) are global, so profile-guard would never hear of a change`,
    ]);
  });

  test('a policy region that no rule routes', () => {
    const text = manifest(
      'activity_tracker:',
      ...target('at'),
      '  route:',
      '    name: r',
      '    rules:',
      '      - locations: [global, us-south]',
      '        targets: [t]',
    ).replace(
      'policy: {}',
      'policy:\n  instances:\n    rules:\n      - name: eu\n        match: {regions: [eu-de]}\n        mode: audit',
    );
    expect(warningsOf(text).map((w) => w.replace(/^\d+:\d+: /, ''))).toEqual([
      'the policy has rules for region eu-de, but no route rule sends eu-de events; changes there are only caught by the sweep',
    ]);
  });

  test('a Kafka topic no target writes', () => {
    const text = manifest(
      'secrets:',
      '  - name: es',
      '    from: env',
      '    keys: {username: U, password: P}',
      'app:',
      '  name: events',
      '  image: i',
      'kafka:',
      '  name: k',
      '  brokers: [b0.example:9093]',
      '  topic: other',
      '  secret: es',
      '  destination: events',
      'activity_tracker:',
      ...target('at'),
      '  route:',
      '    name: r',
      '    rules:',
      '      - locations: [global]',
      '        targets: [t]',
    );
    expect(warningsOf(text)).toEqual([
      `${at(text, 'topic: other', 'other').slice('m.yaml:'.length)}: no Activity Tracker target writes to topic "other" (targets write to at); the app would receive no events from this manifest's route`,
    ]);
  });

  test('capping session expiration needs Administrator on IAM Identity', () => {
    const text = manifest().replace(
      'policy: {}',
      'policy:\n  profiles:\n    fix:\n      cap_session_expiration: true',
    );
    expect(warningsOf(text)[0]).toMatch(
      /Administrator on IAM Identity: the guard could then manage every service ID/,
    );
  });
});
