import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ChangeEvent } from '#emulator/core/context.ts';
import type { DeliveryRecord, SubscriptionView } from '#emulator/events/subscriptions.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { adminClient, withEmulator } from '../../helpers/emulator.ts';

const SCENARIO = `
seed: events-test
api_keys:
  - { name: guard, key: guard-key-0001, roles: { is: [Editor] } }
  - { name: dev, key: dev-key-00000001, kind: user, roles: { is: [Editor] } }
regions:
  - name: us-south
    vpcs: [{ name: v }]
`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/** A local receiver: records every request; answers per path from a script (default 200). */
const startReceiver = async () => {
  const received: Received[] = [];
  const scripts = new Map<string, Answer[]>();
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body, at: performance.now() });
      const answer = scripts.get(path)?.shift() ?? { status: 200 };
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let n = 0;
  return {
    /** A fresh path (so tests never see each other's requests), optionally with scripted answers. */
    endpoint: (...answers: Answer[]) => {
      n += 1;
      const path = `/r${n}`;
      scripts.set(path, answers);
      return { url: `${base}${path}`, got: () => received.filter((r) => r.path === path) };
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const ACCOUNT_TARGET = (account: string, id: string) =>
  `crn:v1:bluemix:public:is:us-south-1:a/${account}::instance:${id}`;

let emu: RunningEmulator;
let admin: ReturnType<typeof adminClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let account: string;

const change = (action: string, name = 'web-01', over: Partial<ChangeEvent> = {}): ChangeEvent => ({
  action,
  target: { id: ACCOUNT_TARGET(account, `0717_${name}`), name, typeURI: 'is.instance/instance' },
  reasonCode: action.endsWith('create') ? 201 : 200,
  message: `Virtual Server for VPC: ${action.split('.').pop()} instance ${name}`,
  location: 'us-south-1',
  ...over,
});

const subscribe = (spec: Record<string, unknown>) =>
  admin.call<SubscriptionView>('POST', '/subscriptions', spec);
const inject = (body: unknown) =>
  admin.call<{ events: { id: string }[]; queued: number }>('POST', '/events', body);
const flush = (timeoutMs = 5000) =>
  admin.call<{ complete: boolean; delivered: number }>('POST', `/deliveries/flush?timeout_ms=${timeoutMs}`);
const deliveries = async (query: Record<string, string>) =>
  (await admin.call<{ deliveries: DeliveryRecord[] }>('GET', `/deliveries?${new URLSearchParams(query)}`))
    .deliveries;

beforeAll(async () => {
  [emu, receiver] = await Promise.all([withEmulator(SCENARIO), startReceiver()]);
  admin = adminClient(emu.url);
  account = emu.emulator.state.account.id;
});
afterEach(async () => {
  await admin.call('DELETE', '/subscriptions');
});
afterAll(async () => {
  await emu.close();
  await receiver.close();
});

describe('envelopes over HTTP', () => {
  test('at: a change injected as an API key arrives as one AT event', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({ url: ep.url, envelope: 'at' });
    // Act
    const res = await inject({ change: change('is.instance.instance.update'), as: 'dev' });
    await flush();
    // Assess
    const [got] = ep.got();
    expect(ep.got()).toHaveLength(1);
    expect(got?.headers['content-type']).toBe('application/json');
    const event = JSON.parse(got?.body ?? '');
    expect(event).toMatchObject({
      id: res.events[0]?.id,
      action: 'is.instance.instance.update',
      outcome: 'success',
      severity: 'warning',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\+0000$/),
      initiator: { name: 'dev', typeURI: 'service/security/account/user', credential: { type: 'apikey' } },
      observer: { name: 'ActivityTracker' },
    });
  });

  test('cloudevents-binary: Kafka offsets in order, ce-* headers, no Content-Type, AT body', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({ url: ep.url, envelope: 'cloudevents-binary', name: 'guard-sub', topic: 'at-events' });
    // Act
    for (const name of ['a', 'b', 'c'])
      emu.emulator.applyChange(change('is.instance.instance.create', name), undefined);
    await flush();
    // Assess
    const got = ep.got();
    expect(got.map((r) => r.headers['ce-id'])).toEqual([
      'partition:0/offset:0',
      'partition:0/offset:1',
      'partition:0/offset:2',
    ]);
    expect(got.map((r) => JSON.parse(r.body).target.name)).toEqual(['a', 'b', 'c']);
    expect(got[0]?.headers).toMatchObject({
      'ce-source': expect.stringMatching(
        /^\/apis\/v1\/namespaces\/[a-z0-9]+\/kafkasources\/guard-sub#at-events$/,
      ),
      'ce-specversion': '1.0',
      'ce-subject': 'partition:0#0',
      'ce-type': 'dev.knative.kafka.event',
      'ce-time': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(got[0]?.headers).not.toHaveProperty('content-type');
  });

  test('cloudevents-structured: the AT event as data of a CloudEvent', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({ url: ep.url, envelope: 'cloudevents-structured' });
    // Act
    await inject({ change: change('is.instance.instance.delete'), as: 'guard' });
    await flush();
    // Assess
    const [got] = ep.got();
    expect(got?.headers['content-type']).toBe('application/cloudevents+json');
    expect(JSON.parse(got?.body ?? '')).toMatchObject({
      specversion: '1.0',
      id: 'partition:0/offset:0',
      type: 'dev.knative.kafka.event',
      datacontenttype: 'application/json',
      data: { action: 'is.instance.instance.delete', initiator: { name: 'guard' } },
    });
  });

  test('event-notifications: a Cloud Logs alert; a large event arrives truncated to 1000 chars', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({ url: ep.url, envelope: 'event-notifications', name: 'imds-alert' });
    const big = change('is.instance.instance.update', 'big', { requestData: { note: 'x'.repeat(1200) } });
    // Act
    await inject([{ change: change('is.instance.instance.update', 'small') }, { change: big }]);
    await flush();
    // Assess
    const [small, large] = ep.got().map((r) => JSON.parse(r.body));
    expect(small).toMatchObject({
      type: expect.stringMatching(/^com\.ibm\.cloud\.logs\.\w+:AlertTriggered$/),
      data: { log_example: { target: { name: 'small' } }, log_example_truncated: false },
    });
    expect(large.data.log_example_truncated).toBe(true);
    expect(large.data.log_example).toHaveLength(1000);
    expect(large.data.alert_definition.name).toBe('imds-alert');
  });

  test('at-array: events inside batch_ms share one body; an injected array is one body', async () => {
    // Prepare
    const batched = receiver.endpoint();
    const plain = receiver.endpoint();
    await subscribe({ url: batched.url, envelope: 'at-array', batch_ms: 100 });
    // Act
    for (const name of ['a', 'b', 'c']) await inject({ change: change('is.instance.instance.update', name) });
    await flush();
    await admin.call('DELETE', '/subscriptions');
    await subscribe({ url: plain.url, envelope: 'at-array' });
    await inject([
      { change: change('is.instance.instance.update', 'x') },
      { change: change('is.instance.instance.update', 'y') },
    ]);
    await flush();
    // Assess
    expect(batched.got()).toHaveLength(1);
    expect(
      JSON.parse(batched.got()[0]?.body ?? '').map((e: { target: { name: string } }) => e.target.name),
    ).toEqual(['a', 'b', 'c']);
    expect(plain.got()).toHaveLength(1);
    expect(JSON.parse(plain.got()[0]?.body ?? '')).toHaveLength(2);
  });

  test('an AT event injected as-is (another account) is delivered unchanged, with custom headers', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({ url: ep.url, envelope: 'at', headers: { Authorization: 'Bearer receiver-token' } });
    const foreign = {
      action: 'iam-identity.profile-template.assign',
      outcome: 'failure',
      eventTime: '2026-09-01T10:15:42.18+0000',
      target: {
        id: 'crn:v1:bluemix:public:iam-identity::a/ffffffffffffffffffffffffffffffff::profile-template:T-1',
      },
    };
    // Act
    await inject(foreign);
    await flush();
    // Assess
    const [got] = ep.got();
    expect(JSON.parse(got?.body ?? '')).toEqual(foreign);
    expect(got?.headers.authorization).toBe('Bearer receiver-token');
  });
});

describe('delivery semantics', () => {
  test('503 twice then 200: retried with backoff, the same ce-id each time', async () => {
    // Prepare
    const ep = receiver.endpoint({ status: 503 }, { status: 503 });
    const sub = await subscribe({ url: ep.url, envelope: 'cloudevents-binary' });
    // Act
    await inject({ change: change('is.instance.instance.update') });
    await flush();
    // Assess
    const got = ep.got();
    expect(got.map((r) => r.headers['ce-id'])).toEqual(Array(3).fill('partition:0/offset:0'));
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect((got[1]?.at ?? 0) - (got[0]?.at ?? 0)).toBeGreaterThanOrEqual(90);
    const [d] = await deliveries({ subscription: sub.id });
    expect(d?.status).toBe('delivered');
    expect(d?.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
  });

  test('gives up after max_attempts, records failed, and moves on to the next event in order', async () => {
    // Prepare
    const ep = receiver.endpoint({ status: 500 }, { status: 500 });
    const sub = await subscribe({ url: ep.url, envelope: 'at', max_attempts: 2, name: 'give-up' });
    // Act
    await inject({ change: change('is.instance.instance.update', 'first') });
    await inject({ change: change('is.instance.instance.update', 'second') });
    await flush();
    // Assess
    expect(ep.got().map((r) => JSON.parse(r.body).target.name)).toEqual(['first', 'first', 'second']);
    const failed = await deliveries({ subscription: 'give-up', status: 'failed' });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ offset: 0, attempts: [{ status: 500 }, { status: 500 }] });
    expect(await deliveries({ subscription: sub.id, status: 'delivered' })).toHaveLength(1);
  });

  test('a connection error counts as a failed attempt', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sub = await subscribe({ url: `http://127.0.0.1:${port}/`, envelope: 'at', max_attempts: 2 });
    // Act
    await inject({ change: change('is.instance.instance.update') });
    await flush();
    // Assess
    const [d] = await deliveries({ subscription: sub.id });
    expect(d?.status).toBe('failed');
    expect(d?.attempts).toEqual([
      expect.objectContaining({ error: expect.stringMatching(/ECONNREFUSED/) }),
      expect.objectContaining({ error: expect.stringMatching(/ECONNREFUSED/) }),
    ]);
  });

  test('action globs filter what a subscription receives', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({
      url: ep.url,
      envelope: 'at',
      actions: ['is.instance.*', 'iam-identity.account-profile.*'],
    });
    // Act
    const res = await inject([
      { change: change('is.instance.instance.update') },
      { change: change('is.instance-group.instance.create') },
      { change: change('iam-identity.account-profile.delete', 'p', { location: 'global' }) },
      { change: change('iam-groups.group.update', 'g', { location: 'global' }) },
    ]);
    await flush();
    // Assess
    expect(res.queued).toBe(2);
    expect(ep.got().map((r) => JSON.parse(r.body).action)).toEqual([
      'is.instance.instance.update',
      'iam-identity.account-profile.delete',
    ]);
  });

  test('delay_ms holds a delivery back (routing latency)', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({ url: ep.url, envelope: 'at', delay_ms: 150 });
    const t0 = performance.now();
    // Act
    await inject({ change: change('is.instance.instance.update') });
    await flush();
    // Assess
    expect((ep.got()[0]?.at ?? 0) - t0).toBeGreaterThanOrEqual(140);
  });

  test('flush answers within its timeout while a receiver hangs; delete cancels the delivery', async () => {
    // Prepare
    const ep = receiver.endpoint('hang');
    const sub = await subscribe({ url: ep.url, envelope: 'at' });
    await inject({ change: change('is.instance.instance.update') });
    // Act
    const summary = await flush(100);
    await admin.call('DELETE', `/subscriptions/${sub.id}`);
    // Assess: it gave up at its timeout (not complete, the delivery still pending), not when the
    // receiver answered — which it never does
    expect(summary).toMatchObject({ complete: false, pending: 1 });
    const [d] = await deliveries({ subscription: sub.id });
    expect(d?.status).toBe('cancelled');
    expect((await flush(100)).complete).toBe(true);
  });
});

describe('admin API', () => {
  test('subscriptions are listed and deleted by id; a deleted one receives nothing', async () => {
    // Prepare
    const ep = receiver.endpoint();
    const sub = await subscribe({ url: ep.url, envelope: 'at', name: 'to-delete' });
    // Act
    const listed = await admin.call<{ subscriptions: SubscriptionView[] }>('GET', '/subscriptions');
    await admin.call('DELETE', `/subscriptions/${sub.id}`);
    await inject({ change: change('is.instance.instance.update') });
    await flush();
    // Assess
    expect(listed.subscriptions.map((s) => s.name)).toEqual(['to-delete']);
    expect(sub).toMatchObject({ envelope: 'at', actions: ['*'], max_attempts: 5, topic: 'activity-tracker' });
    expect(ep.got()).toHaveLength(0);
    await expect(admin.call('DELETE', `/subscriptions/${sub.id}`)).rejects.toMatchObject({ status: 404 });
  });

  test('a bad subscription is refused with 400 and every reason; a duplicate name with 409', async () => {
    // Act
    const bad = await admin
      .call('POST', '/subscriptions', { url: 'nope', envelope: 'kafka', max_attempts: 0, retries: 3 })
      .catch((err: { status: number; body: { errors: { path: string }[] } }) => err);
    await subscribe({ url: 'http://127.0.0.1:1/', envelope: 'at', name: 'twice' });
    const dup = await admin
      .call('POST', '/subscriptions', { url: 'http://127.0.0.1:1/', envelope: 'at', name: 'twice' })
      .catch((err: { status: number }) => err);
    // Assess
    expect(bad).toMatchObject({ status: 400 });
    expect((bad as { body: { errors: { path: string }[] } }).body.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['url', 'envelope', 'max_attempts', 'retries']),
    );
    expect(dup).toMatchObject({ status: 409 });
  });

  test('injected changes are validated; unknown keys and api keys are refused, nothing is published', async () => {
    // Prepare
    const ep = receiver.endpoint();
    await subscribe({ url: ep.url, envelope: 'at' });
    // Act
    const res = await admin
      .call('POST', '/events', [
        { change: change('is.instance.instance.update') },
        { change: { action: 'nope' } },
        { change: change('is.instance.instance.update'), as: 'nobody' },
        42,
      ])
      .catch((err: { status: number; body: { errors: { path: string }[] } }) => err);
    await flush();
    // Assess
    expect(res).toMatchObject({ status: 400 });
    const paths = (res as { body: { errors: { path: string }[] } }).body.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['1.change.target', '2.as', '3']));
    expect(ep.got()).toHaveLength(0);
  });

  test('GET /_emulator/events lists what was emitted, filterable by action', async () => {
    // Act
    await inject({ change: change('is.instance.instance.stop', 'listed') });
    const { events } = await admin.call<{ events: { action: string }[] }>(
      'GET',
      '/events?action=is.instance.instance.stop',
    );
    // Assess
    expect(events.at(-1)).toMatchObject({ action: 'is.instance.instance.stop', target: { name: 'listed' } });
  });
});

describe('shutdown', () => {
  test('close() aborts an in-flight delivery quickly', async () => {
    // Prepare
    const own = await withEmulator(SCENARIO);
    const ep = receiver.endpoint('hang');
    await adminClient(own.url).call('POST', '/subscriptions', { url: ep.url, envelope: 'at' });
    own.emulator.applyChange(change('is.instance.instance.update'), undefined);
    while (ep.got().length === 0) await new Promise((r) => setTimeout(r, 10));
    // Act
    await own.close();
    // Assess: the hanging delivery was cancelled, not waited out (the receiver never answers)
    expect(ep.got()).toHaveLength(1);
    expect(own.events.bus.deliveries()[0]?.status).toBe('cancelled');
  });
});
