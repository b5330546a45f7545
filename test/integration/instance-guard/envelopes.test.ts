// Theme 1: every delivery envelope, end to end through the emulator's subscriptions. A user changes an
// instance, the emulator routes the Activity Tracker event to a local function host in one of the five
// envelopes, the guard remediates, and the delivery is acknowledged with a 2xx.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { startLocalHost } from '#shared/runtime/local-host.ts';
import { decisionFor, type GuardUnderTest, startWorld, type World } from './support.ts';

const POLICY = { instances: { default: { mode: 'disable' } } };

let world: World;
let guard: GuardUnderTest;
let host: Awaited<ReturnType<typeof startLocalHost>>;
let subscription: string | undefined;

beforeAll(async () => {
  world = await startWorld();
  // One warm container for the whole file, as Code Engine keeps one between deliveries.
  guard = world.guard(POLICY);
  host = await startLocalHost({
    functions: { 'instance-guard': async () => guard.main },
    // Like `imds-guard serve`: the Kafka app hands each delivery to instance-guard as params.
    app: async () => async (req) => guard.main(paramsFromHttp(req)),
  });
});

afterEach(async () => {
  if (subscription) await world.unsubscribe(subscription);
  subscription = undefined;
});

afterAll(async () => {
  await host.close();
  await world.close();
});

const CASES = [
  { envelope: 'at', path: '/functions/instance-guard' },
  { envelope: 'at-array', path: '/functions/instance-guard' },
  // A Kafka subscription can only target an app.
  { envelope: 'cloudevents-binary', path: '/app' },
  { envelope: 'cloudevents-structured', path: '/functions/instance-guard' },
  { envelope: 'event-notifications', path: '/functions/instance-guard' },
] as const;

describe('instance-guard through every envelope', () => {
  test.each(CASES)(
    '$envelope: a user enables http metadata → disabled again, delivery acknowledged',
    async ({ envelope, path }) => {
      // Prepare
      const sub = await world.subscribe(`${host.url}${path}`, envelope, { name: `ig-${envelope}` });
      subscription = sub.id;
      const since = await world.mark();
      const linesBefore = guard.decisions().length;

      // Act
      const event = await world.userSets('db-01', { enabled: true, protocol: 'http' });
      const flushed = await world.flush();

      // Assess
      expect(flushed.complete).toBe(true);
      const db = await world.instance('db-01');
      expect(db.metadata_service.enabled).toBe(false);
      const deliveries = await world.deliveries(sub.id);
      const users = deliveries.find((d) => d.event_id === event.id);
      expect(users?.status).toBe('delivered');
      expect(users?.attempts).toHaveLength(1);
      expect(users?.attempts[0]?.status).toBe(200);
      // The guard's own PATCH comes back as an event too: acknowledged (202 ignored), not acted on.
      const own = deliveries.filter((d) => d.event_id !== event.id);
      expect(own).toHaveLength(1);
      expect(own[0]?.status).toBe('delivered');
      expect(own[0]?.attempts.at(-1)?.status).toBe(202);
      const vpc = await world.guardCalls(since, 'vpc');
      // The instance and the PATCH; its image's allowed use is read once per container (image-gate.ts).
      expect(vpc.filter((c) => !c.path.includes('/images/')).map((c) => c.method)).toEqual(['GET', 'PATCH']);
      const lines = guard.decisions().slice(linesBefore);
      expect(lines).toHaveLength(2);
      const remediated = decisionFor(
        lines.filter((l) => l.outcome === 'remediated'),
        db.crn,
      );
      expect(remediated.event_id).toBe(event.id);
      expect(remediated.after).toEqual({ enabled: false, protocol: 'http', response_hop_limit: 1 });
      expect(lines.find((l) => l.outcome === 'ignored')?.reason).toMatch(/own change/);
    },
  );
});

describe('delivery ids are unique per source only', () => {
  test('two Kafka subscriptions both start at partition:0/offset:0: the second is not taken for a duplicate', async () => {
    // Prepare: a fresh container, so both deliveries meet the same seen-ids cache.
    const fresh = world.guard(POLICY);
    const app = await startLocalHost({
      functions: {},
      app: async () => async (req) => fresh.main(paramsFromHttp(req)),
    });
    const results: { ceId: string | undefined; enabled: boolean }[] = [];

    // Act: one user change per subscription; each subscription numbers its records from offset 0.
    for (const name of ['kafka-us-south', 'kafka-eu-de']) {
      const sub = await world.subscribe(`${app.url}/app`, 'cloudevents-binary', {
        name,
        actions: ['is.instance.instance.update'],
      });
      const event = await world.userSets('db-01', { enabled: true, protocol: 'http' });
      await world.flush();
      const delivery = (await world.deliveries(sub.id)).find((d) => d.event_id === event.id);
      results.push({
        ceId: delivery?.ce_id,
        enabled: (await world.instance('db-01')).metadata_service.enabled,
      });
      await world.unsubscribe(sub.id);
    }
    await app.close();

    // Assess
    expect(results).toEqual([
      { ceId: 'partition:0/offset:0', enabled: false },
      { ceId: 'partition:0/offset:0', enabled: false },
    ]);
    expect(fresh.decisions().filter((d) => d.outcome === 'remediated')).toHaveLength(2);
    expect(fresh.decisions().some((d) => /duplicate/.test(d.reason))).toBe(false);
  });
});

describe('redelivery', () => {
  test('IBM keeps failing the PATCH → 503 → the subscription delivers again → processed, remediated', async () => {
    // Prepare: alice's PATCH goes through (`after: 1`); the first delivery's four PATCH attempts fail,
    // the redelivery's succeeds.
    const sub = await world.subscribe(`${host.url}/functions/instance-guard`, 'at', {
      name: 'ig-redelivery',
      actions: ['is.instance.instance.update'],
    });
    subscription = sub.id;
    const db = await world.instance('db-01');
    await world.admin.fault({
      service: 'vpc',
      method: 'PATCH',
      path: db.id,
      status: 503,
      after: 1,
      count: 4,
    });

    // Act
    const event = await world.userSets('db-01', { enabled: true, protocol: 'http' });
    await world.flush();

    // Assess
    const delivery = (await world.deliveries(sub.id)).find((d) => d.event_id === event.id);
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([503, 200]);
    expect((await world.instance('db-01')).metadata_service.enabled).toBe(false);
    const lines = guard.decisions().filter((l) => l.event_id === event.id);
    expect(lines.map((l) => l.outcome)).toEqual(['failed', 'remediated']);
  });
});
