// A sink that fails: 503s, connection resets, a receiver that answers 500 or never answers. The function
// answers 5xx (the platform delivers the event again and the dedupe id is released), nothing is lost,
// and the retry — the same event to the same warm container — produces the ticket exactly once.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type Receiver, startReceiver } from './receiver.ts';
import { decisionOn, detailOf, SPARE_GUARD_KEY, startWorld, type World } from './support.ts';

const SECRET = 'pg-webhook-failure-secret';

let world: World;
let receiver: Receiver;

beforeAll(async () => {
  world = await startWorld();
  receiver = await startReceiver(SECRET);
});

beforeEach(async () => {
  await world.emu.reset();
  receiver.received.length = 0;
  receiver.set({ kind: 'ok' });
});

afterAll(async () => {
  await receiver.close();
  await world.close();
});

const countFor = async (sink: 'case-management' | 'servicenow', marker: string): Promise<number> =>
  sink === 'case-management'
    ? (await world.casesFor(marker)).length
    : (await world.incidentsFor(marker)).length;

describe.each([
  { sink: 'case-management', fault: { status: 503 } },
  { sink: 'case-management', fault: { reset: true } },
  { sink: 'servicenow', fault: { status: 503 } },
  { sink: 'servicenow', fault: { reset: true } },
] as const)('$sink failing with $fault', ({ sink, fault }) => {
  test('5xx, nothing lost; the retry opens the ticket once', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink } } });
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');
    await world.admin.fault({ service: sink, ...fault });

    // Act 1: the sink is down.
    const failed = await world.send(guard, event);

    // Assess 1
    expect(failed.statusCode).toBe(503);
    const f = decisionOn(failed, broad.crn);
    expect(f.outcome).toBe('failed');
    expect(f.reason).toMatch(/ticket sink unavailable, retry wanted/);
    const { marker } = detailOf(f);
    expect(await countFor(sink, marker)).toBe(0);

    // Act 2: the platform delivers the same event again, to the same container.
    await world.admin.clearFaults();
    const retried = await world.send(guard, event);

    // Assess 2
    expect(retried.statusCode).toBe(200);
    expect(decisionOn(retried, broad.crn).outcome).toBe('ticket_opened');
    expect(await countFor(sink, marker)).toBe(1);

    // Act 3: a third copy of the same delivery is a duplicate for this container.
    const third = await world.send(guard, event);

    // Assess 3
    expect(third.statusCode).toBe(202);
    expect(third.decisions[0]?.reason).toMatch(/duplicate delivery/);
    expect(await countFor(sink, marker)).toBe(1);
  });
});

describe('Case Management failing half-way', () => {
  test('Case Management hangs past our timeout: 5xx, and the retry opens the case once', async () => {
    // Prepare
    const guard = world.guard(
      { profiles: { ticket: { sink: 'case-management' } } },
      { IMDS_GUARD_TICKET_TIMEOUT_MS: '300' },
    );
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');
    await world.admin.fault({ service: 'case-management', latency_ms: 900, count: 2 });

    // Act
    const failed = await world.send(guard, event);
    await sleep(1000);
    const retried = await world.send(guard, event);

    // Assess
    expect(failed.statusCode).toBe(503);
    expect(decisionOn(failed, broad.crn).reason).toMatch(/no answer/);
    const r = decisionOn(retried, broad.crn);
    expect(r.outcome).toBe('ticket_opened');
    expect(await world.casesFor(detailOf(r).marker)).toHaveLength(1);
  });

  test('a comment that fails is written once by the retry', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'case-management' } } });
    const sessions = await world.profile('sessions');
    await world.send(guard, await world.touchProfile('sessions'));
    const { event } = await world.grantAll({ iam_id: sessions.iam_id });
    await world.admin.fault({ service: 'case-management', method: 'PUT', path: '/comments', status: 503 });

    // Act
    const failed = await world.send(guard, event);
    await world.admin.clearFaults();
    const retried = await world.send(guard, event);

    // Assess
    expect(failed.statusCode).toBe(503);
    const r = decisionOn(retried, sessions.crn);
    expect(r.outcome).toBe('ticket_updated');
    const [c] = await world.casesFor(detailOf(r).marker);
    expect(c?.comments).toHaveLength(1);
  });
});

describe('webhook receiver failing', () => {
  const env = () => ({
    IMDS_GUARD_WEBHOOK_URL: receiver.url,
    IMDS_GUARD_WEBHOOK_SECRET: SECRET,
    IMDS_GUARD_TICKET_TIMEOUT_MS: '300',
  });

  test.each([
    { what: 'answers 500', mode: { kind: 'status', status: 500 } },
    { what: 'hangs past the timeout', mode: { kind: 'hang' } },
  ] as const)('the receiver $what: 5xx, then the retry is delivered once', async ({ mode }) => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'webhook' } } }, env());
    const sessions = await world.profile('sessions');
    const event = await world.touchProfile('sessions');
    receiver.set(mode);

    // Act
    const failed = await world.send(guard, event);
    receiver.set({ kind: 'ok' });
    const retried = await world.send(guard, event);

    // Assess
    expect(failed.statusCode).toBe(503);
    expect(decisionOn(failed, sessions.crn).outcome).toBe('failed');
    expect(retried.statusCode).toBe(200);
    expect(decisionOn(retried, sessions.crn).outcome).toBe('ticket_opened');
    const delivered = receiver.received.filter((r) => r.answered === 204);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.notification.type).toBe('open');
    expect(delivered[0]?.signed).toBe(true);
  });

  test('the receiver refuses (400): failed, no retry asked', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'webhook' } } }, env());
    const event = await world.touchProfile('sessions');
    receiver.set({ kind: 'status', status: 400 });

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.decisions[0]?.outcome).toBe('failed');
    expect(res.decisions[0]?.reason).toMatch(/refused: webhook POST \/hooks\/imds-guard answered 400/);
  });
});

describe('authentication', () => {
  test('no token (IAM answers 503 once) → failed, 503; the redelivery to the same warm container is processed', async () => {
    // Prepare: a key this process has no token for yet.
    const guard = world.guard({ profiles: { ticket: { sink: 'case-management' } } }, {}, SPARE_GUARD_KEY);
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');
    await world.admin.fault({ service: 'iam-token', status: 503, count: 1 });
    const since = await world.mark();

    // Act
    const first = await world.send(guard, event);
    const again = await world.send(guard, event);

    // Assess: the failed token request was not kept; the second delivery asked IAM again.
    expect(first.statusCode).toBe(503);
    expect(first.decisions[0]).toMatchObject({ outcome: 'failed', level: 'error' });
    expect(first.decisions[0]?.reason).toMatch(/^cannot authenticate/);
    expect(again.statusCode).toBe(200);
    const r = decisionOn(again, broad.crn);
    expect(r.outcome).toBe('ticket_opened');
    expect(await world.casesFor(detailOf(r).marker)).toHaveLength(1);
    const tokens = (await world.calls(since)).filter((c) => c.path === '/identity/token');
    expect(tokens.map((c) => c.status)).toEqual([503, 200]);
  });
});
