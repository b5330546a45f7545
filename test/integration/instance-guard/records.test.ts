// Theme 6: the decision record is a contract (design.md): exactly these fields, one JSON line per
// target, `level` names IBM Cloud Logs reads, `api_calls` equal to what the journal saw.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { asParams, bodyOf, decisionFor, startWorld, type World } from './support.ts';

/** design.md, "Decision record — contract"; `detail` is the documented optional extra. */
const CONTRACT_FIELDS = [
  'timestamp',
  'level',
  'message',
  'app',
  'subsystem',
  'fn',
  'event_id',
  'action',
  'target_crn',
  'account',
  'outcome',
  'reason',
  'before',
  'after',
  'initiator',
  'correlation_id',
  'dry_run',
  'api_calls',
  'latency_ms',
].sort();

const POLICY = { instances: { default: { mode: 'secure' } } };
const HTTP = { enabled: true, protocol: 'http', response_hop_limit: 1 } as const;
const HTTPS = { enabled: true, protocol: 'https', response_hop_limit: 1 } as const;

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

beforeEach(async () => {
  await world.admin.reset();
});

afterAll(async () => {
  await world.close();
});

const fieldsOf = (line: Record<string, unknown>): string[] =>
  Object.keys(line)
    .filter((k) => k !== 'detail')
    .sort();

describe('decision records', () => {
  test('a remediation: every contract field, nothing else, values from the event, the reads and the journal', async () => {
    // Prepare
    const event = await world.userSets('web-01', { protocol: 'http' });
    const guard = world.guard(POLICY);
    await guard.main(asParams(await world.userSets('web-02', { protocol: 'http' })));
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    const line = decisionFor(guard.decisions(), event.target.id);
    expect(fieldsOf(line)).toEqual(CONTRACT_FIELDS);
    expect(line).toMatchObject({
      level: 'info',
      message: expect.stringMatching(/^remediated /),
      app: 'imds-guard',
      subsystem: 'instance-guard',
      fn: 'instance-guard',
      event_id: event.id,
      action: 'is.instance.instance.update',
      target_crn: event.target.id,
      outcome: 'remediated',
      before: HTTP,
      after: HTTPS,
      initiator: world.iamIdOf('alice'),
      correlation_id: event.correlationId,
      dry_run: false,
    });
    expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp);
    expect(typeof line.latency_ms).toBe('number');
    expect(line.latency_ms).toBeGreaterThan(0);
    expect(typeof line.reason).toBe('string');
    expect(line.reason.length).toBeGreaterThan(0);
    // The journal's count: GET instance, GET tags (exemption access tags), PATCH.
    const journal = await world.guardCalls(since);
    expect(journal.map((c) => `${c.service} ${c.method}`)).toEqual(['vpc GET', 'tagging GET', 'vpc PATCH']);
    expect(line.api_calls).toBe(journal.length);
    // The response carries the same record.
    const [record] = bodyOf(res).decisions;
    const { timestamp: _a, ...fromResponse } = record ?? ({} as Record<string, unknown>);
    const { timestamp: _b, ...fromLog } = line;
    expect(fromResponse).toEqual(fromLog);
  });

  test('api_calls counts sdk-core’s own retries too (a GET answered 503 once)', async () => {
    // Prepare
    const event = await world.userSets('web-01', { protocol: 'http' });
    const web = await world.instance('web-01');
    await world.admin.fault({ service: 'vpc', method: 'GET', path: web.id, status: 503, count: 1 });
    const guard = world.guard(POLICY);
    const since = await world.mark();

    // Act
    await guard.main(asParams(event));

    // Assess
    const journal = await world.guardCalls(since);
    expect(journal.map((c) => `${c.method} ${c.status}`)).toEqual([
      'GET 503',
      'GET 200',
      'GET 200',
      'PATCH 200',
    ]);
    expect(decisionFor(guard.decisions(), web.crn).api_calls).toBe(journal.length);
  });

  test.each([
    { outcome: 'remediated', level: 'info' },
    { outcome: 'compliant', level: 'info' },
    { outcome: 'exempt', level: 'info' },
    { outcome: 'planned', level: 'info' },
    { outcome: 'failed', level: 'error' },
    { outcome: 'refused', level: 'warn' },
    { outcome: 'ignored', level: 'debug' },
  ])('$outcome is logged at level $level with the same fields', async ({ outcome, level }) => {
    // Prepare: one situation per outcome.
    const setups: Record<
      string,
      () => Promise<{ event: Record<string, unknown>; policy: Record<string, unknown> }>
    > = {
      remediated: async () => ({ event: await world.userSets('web-01', HTTP), policy: POLICY }),
      compliant: async () => ({ event: await world.userSets('web-01', HTTPS), policy: POLICY }),
      exempt: async () => ({ event: await world.userSets('legacy-01', HTTP), policy: POLICY }),
      planned: async () => ({
        event: await world.userSets('web-01', HTTP),
        policy: { instances: { default: { mode: 'audit' } } },
      }),
      failed: async () => ({
        event: await world.userSets('agent-01', HTTP),
        policy: { instances: { default: { mode: 'disable' }, on_image_requires_metadata: 'fail' } },
      }),
      refused: async () => ({
        event: await world.userSets('web-01', HTTP),
        policy: { ...POLICY, accounts: ['0000000000000000000000000000beef'] },
      }),
      ignored: async () => ({
        event: await world.userSets('web-01', HTTP),
        policy: { ...POLICY, self_ids: [world.iamIdOf('alice')] },
      }),
    };
    const setup = setups[outcome];
    if (!setup) throw new Error(`no setup for ${outcome}`);
    const { event, policy } = await setup();
    const guard = world.guard(policy);

    // Act
    await guard.main(asParams(event));

    // Assess
    const lines = guard.decisions();
    expect(lines).toHaveLength(1);
    const line = lines[0] as (typeof lines)[number];
    expect(fieldsOf(line)).toEqual(CONTRACT_FIELDS);
    expect(line).toMatchObject({ outcome, level, fn: 'instance-guard', subsystem: 'instance-guard' });
    expect(line.message).toMatch(new RegExp(`^${outcome} `));
    expect(typeof line.latency_ms).toBe('number');
    expect(Number.isInteger(line.api_calls)).toBe(true);
  });

  test('bad input (not JSON) → 400 and one refused record with the fields (null where unknown)', async () => {
    // Prepare
    const guard = world.guard(POLICY);
    const params = {
      __ce_method: 'POST',
      __ce_path: '/',
      __ce_query: '',
      __ce_headers: { 'Content-Type': 'application/json' },
      __ce_body: Buffer.from('{"action": "is.instance.instance.upd', 'utf8').toString('base64'),
    };

    // Act
    const res = await guard.main(params);

    // Assess
    expect(res.statusCode).toBe(400);
    const lines = guard.decisions();
    expect(lines).toHaveLength(1);
    expect(fieldsOf(lines[0] as Record<string, unknown>)).toEqual(CONTRACT_FIELDS);
    expect(lines[0]).toMatchObject({
      outcome: 'refused',
      level: 'warn',
      event_id: null,
      target_crn: null,
      before: null,
      after: null,
      api_calls: 0,
    });
  });

  test('a delivery of three events → three lines, one per target, and a response listing all three', async () => {
    // Prepare
    const events = [
      await world.userSets('web-01', HTTP),
      await world.userSets('db-01', { enabled: false }),
      await world.userSets('legacy-01', HTTP),
    ];
    const guard = world.guard(POLICY);

    // Act
    const res = await guard.main(asParams(events));

    // Assess
    expect(bodyOf(res).outcome).toBe('remediated');
    expect(bodyOf(res).decisions.map((d) => d.outcome)).toEqual(['remediated', 'remediated', 'exempt']);
    for (const e of events) expect(decisionFor(guard.decisions(), e.target.id).event_id).toBe(e.id);
  });
});
