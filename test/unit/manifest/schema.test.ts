import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { LIMITS, Manifest, type ManifestInput } from '#shared/manifest/schema.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const ES_CRN = `crn:v1:bluemix:public:messagehub:us-south:a/${ACCOUNT}:6a1c2f4e-8d3b-4f5a-9e7c-1b2d3f4a5c6e::`;

/** A deployable manifest; each test changes one thing. */
const base = (): Record<string, unknown> => ({
  project: { name: 'imds-guard', region: 'us-south', resource_group: 'default' },
  accounts: [{ id: ACCOUNT }],
  identity: { trusted_profile: { name: 'imds-guard' } },
  functions: [{ name: 'instance-guard' }],
});

const target = (name: string) => ({ name, instance_crn: ES_CRN, brokers: ['b0.example:9093'], topic: 'at' });

/** The messages of a failed parse (one per issue). */
const messages = (input: unknown): string[] => {
  const result = v.safeParse(Manifest, input);
  return result.success ? [] : result.issues.map((i) => i.message);
};

describe('defaults', () => {
  test('a function gets the smallest size, 60 s, project visibility and the esbuild bundle', () => {
    // Act
    const m = v.parse(Manifest, base());
    // Assess
    expect(m.functions[0]).toEqual({
      name: 'instance-guard',
      runtime: 'nodejs-22',
      cpu: 0.25,
      memory: '1G',
      max_execution_time: 60,
      scale_down_delay: 1,
      visibility: 'project',
      build_source: 'dist/functions/instance-guard',
      env: {},
      configmaps: [],
      secrets: [],
    });
    expect(m.project?.config_map).toBe('imds-guard-config');
    expect(m.cron).toEqual([]);
    expect(m.secrets).toEqual([]);
  });

  test.each([
    [{ cpu: 1 }, { cpu: 1, memory: '4G' }],
    [{ memory: '2G' }, { cpu: 0.5, memory: '2G' }],
    [
      { cpu: 0.5, memory: '2G' },
      { cpu: 0.5, memory: '2G' },
    ],
  ])('function size %j → %j (one of cpu/memory fixes the other)', (size, expected) => {
    const m = v.parse(Manifest, { ...base(), functions: [{ name: 'f', ...size }] });
    expect(m.functions[0]).toMatchObject(expected);
  });

  test('a code bundle replaces the default build source', () => {
    const m = v.parse(Manifest, { ...base(), functions: [{ name: 'f', code_bundle: 'icr.io/ns/f:1' }] });
    expect(m.functions[0]?.build_source).toBeUndefined();
    expect(m.functions[0]?.code_bundle).toBe('icr.io/ns/f:1');
  });

  test('app, job, cron, kafka and audit trail defaults', () => {
    // Prepare
    const input: ManifestInput = {
      ...(base() as ManifestInput),
      app: { name: 'events', build_source: 'dist/apps/events' },
      job: { name: 'bulk', image: 'icr.io/ns/job:1' },
      cron: [
        { name: 'sweep', schedule: '0 * * * *', destination: 'instance-guard', data: { mode: 'sweep' } },
      ],
      kafka: {
        name: 'at',
        brokers: ['b0.example:9093'],
        topic: 'at',
        secret: 'es',
        destination: 'events',
      },
      audit_trail: {
        bucket: 'trail-bucket',
        region: 'us-south',
        instance_id: '0c3f9b0e-1d2a-4c5b-8e7f-9a0b1c2d3e4f',
      },
    };
    // Act
    const m = v.parse(Manifest, input);
    // Assess
    expect(m.app).toMatchObject({
      build_strategy: 'buildpacks',
      port: 8080,
      min_scale: 0,
      max_scale: 10,
      concurrency: 100,
      request_timeout: 300,
      visibility: 'project',
      cpu: 0.5,
      memory: '2G',
    });
    expect(m.job).toMatchObject({
      array_size: 1,
      retry_limit: 3,
      max_execution_time: 7200,
      mode: 'task',
      cpu: 1,
      memory: '4G',
    });
    expect(m.cron[0]).toMatchObject({
      time_zone: 'UTC',
      content_type: 'application/json',
      data: '{"mode":"sweep"}',
    });
    expect(m.kafka?.path).toBe('/');
    expect(m.audit_trail?.prefix).toBeUndefined();
  });

  test('null counts as "not set" (a YAML key whose list is commented out)', () => {
    const m = v.parse(Manifest, {
      ...base(),
      cron: null,
      secrets: null,
      functions: [{ name: 'f', runtime: null }],
    });
    expect(m.cron).toEqual([]);
    expect(m.functions[0]?.runtime).toBe('nodejs-22');
  });
});

describe('limits IBM documents, each with its reason', () => {
  const fn = (extra: Record<string, unknown>) => ({ ...base(), functions: [{ name: 'f', ...extra }] });
  const app = (extra: Record<string, unknown>) => ({ ...base(), app: { name: 'a', image: 'i', ...extra } });
  const job = (extra: Record<string, unknown>) => ({ ...base(), job: { name: 'j', image: 'i', ...extra } });
  const cron = (extra: Record<string, unknown>) => ({
    ...base(),
    cron: [{ name: 'c', schedule: '0 * * * *', destination: 'f', ...extra }],
  });
  const at = (targets: unknown[], rules: unknown[]) => ({
    ...base(),
    activity_tracker: { targets, route: { name: 'r', rules } },
  });
  const rule = (locations: string[], targets = ['t']) => ({ locations, targets });

  test.each([
    [
      'Node.js 20 is end of life',
      fn({ runtime: 'nodejs-20' }),
      /nodejs-20 reaches end of life .* use nodejs-22 or nodejs-24/,
    ],
    ['unknown runtime', fn({ runtime: 'python-3.13' }), /runtime must be nodejs-22 or nodejs-24/],
    [
      'function runtime limit',
      fn({ max_execution_time: 121 }),
      /from 1 to 120 .*stops a function after 120 s/,
    ],
    ['function cpu', fn({ cpu: 2 }), /function cpu must be 0.25, 0.5 or 1/],
    ['function memory', fn({ memory: '8G' }), /function memory must be 1G, 2G or 4G/],
    [
      'scale-down delay',
      fn({ scale_down_delay: 601 }),
      /scale_down_delay must be a whole number from 0 to 600/,
    ],
    ['function name', fn({ name: 'Instance_Guard' }), /starts with a lowercase letter/],
    ['function visibility', fn({ visibility: 'internet' }), /visibility must be project, private or public/],
    [
      'functions per project',
      { ...base(), functions: Array.from({ length: 21 }, (_, i) => ({ name: `f${i}` })) },
      /at most 20 functions/,
    ],
    [
      'app request timeout',
      app({ request_timeout: 601 }),
      /request_timeout must be a whole number from 1 to 600/,
    ],
    ['app max scale', app({ max_scale: 251 }), /max_scale must be a whole number from 1 to 250/],
    ['app cpu', app({ cpu: 13 }), /at most 12 vCPUs/],
    ['app memory', app({ memory: '64G' }), /at most 48G/],
    ['job array size', job({ array_size: 1001 }), /array_size must be a whole number from 1 to 1000/],
    ['job retries', job({ retry_limit: 6 }), /retry_limit must be a whole number from 0 to 5/],
    ['job run time', job({ max_execution_time: 86_401 }), /from 1 to 86400/],
    ['job daemon mode', job({ mode: 'daemon' }), /mode daemon runs without a timeout .* use mode task/],
    ['cron data size', cron({ data: 'x'.repeat(LIMITS.cronDataBytes + 1) }), /at most 4096 bytes/],
    ['cron data size in UTF-8 bytes', cron({ data: 'é'.repeat(2049) }), /at most 4096 bytes/],
    ['cron schedule', cron({ schedule: '0 0 * * * *' }), /five-field cron schedule/],
    ['cron time zone', cron({ time_zone: 'Mars/Olympus' }), /IANA time zone/],
    [
      'route rules',
      at(
        [target('t')],
        Array.from({ length: 31 }, () => rule(['global'])),
      ),
      /at most 30 rules/,
    ],
    [
      'locations per rule',
      at(
        [target('t')],
        [rule(['global', 'us-south', 'us-east', 'eu-de', 'eu-gb', 'eu-es', 'jp-tok', 'jp-osa', 'au-syd'])],
      ),
      /at most 8 locations/,
    ],
    ['targets per rule', at([target('t')], [rule(['global'], ['t', 't', 't', 't'])]), /at most 3 targets/],
    [
      'targets per account',
      at(
        Array.from({ length: 17 }, (_, i) => target(`t${i}`)),
        [rule(['global'])],
      ),
      /at most 16 targets/,
    ],
    ['location', at([target('t')], [rule(['us-south-1'])]), /a location is global, \* or a region/],
    [
      'Event Streams CRN',
      at([{ ...target('t'), instance_crn: 'crn:v1:bluemix:public:kafka::' }], [rule(['global'])]),
      /Event Streams instance CRN/,
    ],
    [
      'another account assuming a profile by a CRN that is not one',
      {
        ...base(),
        accounts: [{ id: ACCOUNT }, { id: 'f'.repeat(32), assume: { profile_crn: 'Profile-1' } }],
      },
      /profile_crn is a CRN/,
    ],
    ['account id', { ...base(), accounts: [{ id: 'acct-1' }] }, /32 lowercase hexadecimal/],
    [
      'secret name',
      { ...base(), secrets: [{ name: 'ES_Creds', from: 'env', keys: { a: 'B' } }] },
      /secret and configmap names hold/,
    ],
    [
      'secret source',
      { ...base(), secrets: [{ name: 'es', from: 'vault', keys: ['a'] }] },
      /from must be env .* or existing/,
    ],
    [
      'invocation auth key the guard does not read',
      fn({ visibility: 'public', invocation_auth: { secret: 's', key: 'MY_TOKEN' } }),
      /key must be IMDS_GUARD_INVOKE_TOKEN .* or IMDS_GUARD_INVOKE_HMAC_SECRET/,
    ],
    [
      'trail endpoint that is not a URL',
      {
        ...base(),
        audit_trail: {
          bucket: 'trail-bucket',
          region: 'us-south',
          instance_id: '0c3f9b0e-1d2a-4c5b-8e7f-9a0b1c2d3e4f',
          endpoint: 's3.us-south.cloud-object-storage.appdomain.cloud',
        },
      },
      /expected an endpoint URL/,
    ],
  ])('%s', (_label, input, expected) => {
    expect(messages(input).join('\n')).toMatch(expected);
  });

  test('limits allow the documented maximums', () => {
    const input = {
      ...base(),
      functions: [{ name: 'f', max_execution_time: 120, scale_down_delay: 600, cpu: 1, memory: '4G' }],
      app: { name: 'a', image: 'i', request_timeout: 600, max_scale: 250, cpu: 12, memory: '48G' },
      job: { name: 'j', image: 'i', array_size: 1000, retry_limit: 5, max_execution_time: 86_400 },
      cron: [
        {
          name: 'c',
          schedule: '0 * * * *',
          destination: 'f',
          data: 'x'.repeat(4096),
          content_type: 'text/plain',
        },
      ],
    };
    expect(messages(input)).toEqual([]);
  });

  test('an unknown option is refused with a "did you mean" hint', () => {
    expect(messages({ ...base(), functions: [{ name: 'f', memroy: '1G' }] })).toEqual([
      'unknown option "memroy"; did you mean "memory"?',
    ]);
  });
});
