// The Kafka-subscription app end to end: emulator subscription (CloudEvents binary, like a Code Engine
// Kafka subscription) → app → guards → IBM APIs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { startAppServer } from '#functions/app/server.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

let emu: RunningEmulator;
let app: Awaited<ReturnType<typeof startAppServer>>;
let bob: VpcClient;
let admin: ReturnType<typeof adminClient>;

interface Delivery {
  ce_id: string;
  status: string;
  attempts: { status?: number }[];
}

const deliveries = async (): Promise<Delivery[]> =>
  (await admin.call<{ deliveries: Delivery[] }>('GET', '/deliveries?subscription=kafka')).deliveries ?? [];

const flush = () => admin.call('POST', '/deliveries/flush?timeout_ms=20000');

const instance = async (name: string) => (await bob.listInstances({ name })).result.instances[0]!;

beforeAll(async () => {
  emu = await withEmulator();
  admin = adminClient(emu.url);
  bob = new VpcClient({
    authenticator: authFor(emu.url, 'bob-demo-key'),
    serviceUrl: `${emu.url}/vpc/us-south/v1`,
  });
  app = await startAppServer({
    port: 0,
    host: '127.0.0.1',
    overrides: {
      env: {
        IMDS_GUARD_ENDPOINT: emu.url,
        IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
        IMDS_GUARD_POLICY: JSON.stringify({ instances: { default: { mode: 'disable' } } }),
      },
      logger: memoryLogger(),
    },
  });
  await admin.call('POST', '/subscriptions', {
    name: 'kafka',
    url: `${app.url}/`,
    envelope: 'cloudevents-binary',
    topic: 'activity-tracker',
    max_attempts: 6,
  });
});
afterAll(async () => {
  await app.close();
  await emu.close();
});

describe('Kafka-subscription app', () => {
  test('remediates from a CloudEvents-binary delivery; unrelated records are acknowledged', async () => {
    // Prepare
    // batch-01, not web-01: a trusted profile is linked to web-01, so it would get a notice first.
    const web = await instance('batch-01');
    // Act: bob's PATCH produces is.instance.instance.update; the guard's own PATCH comes back too.
    await bob.updateInstance({ id: web.id, metadataService: { response_hop_limit: 2 } });
    await flush();
    // Assess
    expect((await instance('batch-01')).metadata_service.enabled).toBe(false);
    const all = await deliveries();
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.every((d) => d.status === 'delivered' && d.attempts.length === 1)).toBe(true);
  });

  test('asks for a redelivery (503) while IBM keeps failing, then processes the same ce-id once', async () => {
    // Prepare: every PATCH fails for a while.
    const db = await instance('db-01');
    // bob's own PATCH (the first) goes through; the guard's PATCHes then fail 8 times.
    const fault = await admin.fault({ service: 'vpc', method: 'PATCH', status: 503, after: 1, count: 8 });
    // Act
    await bob.updateInstance({ id: db.id, metadataService: { enabled: true, protocol: 'http' } });
    await flush();
    // Assess: the first attempts were answered 503 and redelivered with the same ce-id until it worked.
    const mine = (await deliveries()).filter((d) => d.attempts.some((a) => a.status === 503));
    expect(mine.length).toBe(1);
    expect(mine[0]?.status).toBe('delivered');
    expect((await instance('db-01')).metadata_service.enabled).toBe(false);
    expect(fault.faults[0]?.id).toBeDefined();
    await admin.clearFaults();
  });

  test('refuses a record that is not an event (4xx, no redelivery) and answers health probes', async () => {
    const bad = await fetch(`${app.url}/`, {
      method: 'POST',
      headers: {
        'ce-id': 'partition:0/offset:999',
        'ce-type': 'dev.knative.kafka.event',
        'ce-specversion': '1.0',
        'ce-source': 's',
      },
      body: 'test1: 1',
    });
    expect(bad.status).toBe(400);
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('Kafka-subscription app with invocation auth', () => {
  test('a delivery without the token is answered 401, not acknowledged', async () => {
    // Prepare
    const guarded = await startAppServer({
      port: 0,
      host: '127.0.0.1',
      overrides: {
        env: {
          IMDS_GUARD_ENDPOINT: emu.url,
          IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
          IMDS_GUARD_INVOKE_TOKEN: 'app-test-token-0123456789',
        },
        logger: memoryLogger(),
      },
    });
    const web = await instance('web-02');
    const event = {
      action: 'is.instance.instance.update',
      outcome: 'success',
      id: 'auth-1',
      target: { id: web.crn },
    };
    const headers = {
      'ce-id': 'partition:0/offset:1',
      'ce-type': 'dev.knative.kafka.event',
      'ce-specversion': '1.0',
      'ce-source': 's',
    };
    try {
      // Act
      const without = await fetch(`${guarded.url}/`, {
        method: 'POST',
        headers,
        body: JSON.stringify(event),
      });
      // Assess
      expect(without.status).toBe(401);
      expect((await instance('web-02')).metadata_service.enabled).toBe(true);
      // Credentials come before decoding: a caller without them learns nothing but 401.
      for (const body of ['not json at all', '[]', '{}'])
        expect((await fetch(`${guarded.url}/`, { method: 'POST', headers, body })).status).toBe(401);
      const bodies = await Promise.all(
        ['not json at all', '[]'].map(async (body) => {
          const res = await fetch(`${guarded.url}/`, { method: 'POST', headers, body });
          return res.json();
        }),
      );
      for (const b of bodies)
        expect(b).toEqual({ outcome: 'refused', reason: 'missing or invalid credentials', decisions: [] });
    } finally {
      await guarded.close();
    }
  });
});
