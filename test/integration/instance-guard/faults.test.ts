// Theme 4: IBM misbehaving or changing under the guard. The 412 race (re-read, re-decide, bounded),
// 429/5xx on PATCH (our own retry: sdk-core never retries PATCH), a 5xx that never stops (503 so the
// platform redelivers, and the redelivery is processed), a just-created instance that is not visible
// yet or never appears, and IBM refusing the change (allowed-use).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Fault } from '#emulator/core/faults.ts';
import { asParams, bodyOf, decisionFor, startWorld, type World } from './support.ts';

/** No tag rules and no tag exemptions: the journal shows only VPC calls. */
const SECURE = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };
const DISABLE = { instances: { default: { mode: 'disable' }, exemptions: { access_tags: [] } } };
const HTTPS_1 = { enabled: true, protocol: 'https', response_hop_limit: 1 };

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

/** The guard's VPC calls since `since` as `METHOD status`. */
const vpcTrail = async (since: number): Promise<string[]> =>
  (await world.guardCalls(since, 'vpc')).map((c) => `${c.method} ${c.status}`);

/** Polls until `check` holds; the test's own timeout, not a wall-clock bound here, ends a hang. */
const waitUntil = async (check: () => Promise<boolean>): Promise<void> => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
};

describe('412: someone else changed the instance between our GET and PATCH', () => {
  test('a stale ETag (fault) → re-read, re-decide, PATCH again → remediated', async () => {
    // Prepare
    const event = await world.userSets('web-01', { protocol: 'http' });
    const web = await world.instance('web-01');
    await world.admin.fault({ service: 'vpc', method: 'PATCH', path: web.id, status: 412, count: 1 });
    const guard = world.guard(SECURE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(await vpcTrail(since)).toEqual(['GET 200', 'PATCH 412', 'GET 200', 'PATCH 200']);
    const line = decisionFor(guard.decisions(), web.crn);
    expect(line).toMatchObject({ outcome: 'remediated', after: HTTPS_1, api_calls: 4 });
    expect((await world.instance('web-01')).metadata_service).toEqual(HTTPS_1);
  });

  test('a real concurrent writer: alice PATCHes while our PATCH is in flight → we re-decide on her state', async () => {
    // Prepare: our PATCH is held 400 ms before the emulator applies it; alice gets in first.
    const event = await world.userSets('web-01', { protocol: 'http' });
    const web = await world.instance('web-01');
    const [hold] = (
      await world.admin.fault({ service: 'vpc', method: 'PATCH', path: web.id, latency_ms: 400, count: 1 })
    ).faults;
    const guard = world.guard(SECURE);
    const since = await world.mark();

    // Act
    const pending = guard.main(asParams(event));
    await waitUntil(async () => {
      const { faults } = await world.admin.call<{ faults: Fault[] }>('GET', '/faults');
      return faults.find((f) => f.id === hold?.id)?.fired === 1;
    });
    await world.vpcAs('us-south').updateInstance({ id: web.id, metadataService: { response_hop_limit: 7 } });
    const res = await pending;

    // Assess: the second decision patched both fields that differ from alice's state.
    expect(res.statusCode).toBe(200);
    expect(await vpcTrail(since)).toEqual(['GET 200', 'PATCH 412', 'GET 200', 'PATCH 200']);
    const line = decisionFor(guard.decisions(), web.crn);
    expect(line.outcome).toBe('remediated');
    expect(line.detail?.patch).toEqual({ protocol: 'https', response_hop_limit: 1 });
    expect((await world.instance('web-01')).metadata_service).toEqual(HTTPS_1);
  });

  test('a concurrent writer who fixes it first → compliant, no second PATCH', async () => {
    // Prepare
    const event = await world.userSets('web-02', { protocol: 'http' });
    const web = await world.instance('web-02');
    const [hold] = (
      await world.admin.fault({ service: 'vpc', method: 'PATCH', path: web.id, latency_ms: 400, count: 1 })
    ).faults;
    const guard = world.guard(SECURE);
    const since = await world.mark();

    // Act
    const pending = guard.main(asParams(event));
    await waitUntil(async () => {
      const { faults } = await world.admin.call<{ faults: Fault[] }>('GET', '/faults');
      return faults.find((f) => f.id === hold?.id)?.fired === 1;
    });
    await world.vpcAs('us-south').updateInstance({ id: web.id, metadataService: { protocol: 'https' } });
    await pending;

    // Assess
    expect(await vpcTrail(since)).toEqual(['GET 200', 'PATCH 412', 'GET 200']);
    expect(decisionFor(guard.decisions(), web.crn).outcome).toBe('compliant');
  });

  test('412 every time → bounded (3 PATCHes), failed, 503 for a redelivery', async () => {
    // Prepare
    const event = await world.userSets('web-01', { protocol: 'http' });
    const web = await world.instance('web-01');
    await world.admin.fault({ service: 'vpc', method: 'PATCH', path: web.id, status: 412 });
    const guard = world.guard(SECURE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(503);
    const trail = await vpcTrail(since);
    expect(trail.filter((c) => c === 'PATCH 412')).toHaveLength(3);
    expect(trail).toHaveLength(7);
    const line = decisionFor(guard.decisions(), web.crn);
    expect(line).toMatchObject({ outcome: 'failed', level: 'error' });
    expect(line.reason).toMatch(/412 three times/);
  });
});

describe('429 and 5xx during PATCH: retried by our code (sdk-core never retries PATCH)', () => {
  test.each([
    { status: 429, retry_after: 1 },
    { status: 503, retry_after: 1 },
    { status: 500, retry_after: undefined },
  ])('$status (Retry-After $retry_after) once → retried → remediated', async ({ status, retry_after }) => {
    // Prepare
    const event = await world.userSets('web-01', { protocol: 'http' });
    const web = await world.instance('web-01');
    await world.admin.fault({
      service: 'vpc',
      method: 'PATCH',
      path: web.id,
      status,
      count: 1,
      ...(retry_after ? { retry_after } : {}),
    });
    const guard = world.guard(SECURE);
    const since = await world.mark();
    const started = Date.now();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    const elapsed = Date.now() - started;
    expect(res.statusCode).toBe(200);
    expect(await vpcTrail(since)).toEqual(['GET 200', `PATCH ${status}`, 'PATCH 200']);
    if (retry_after) expect(elapsed).toBeGreaterThanOrEqual(retry_after * 1000);
    const line = decisionFor(guard.decisions(), web.crn);
    expect(line).toMatchObject({ outcome: 'remediated', after: HTTPS_1, api_calls: 3 });
  });

  test('5xx that never stops → failed with IBM’s reason, 503; the redelivery is processed, not deduped', async () => {
    // Prepare
    const event = await world.userSets('web-01', { protocol: 'http' });
    const web = await world.instance('web-01');
    const { faults } = await world.admin.fault({
      service: 'vpc',
      method: 'PATCH',
      path: web.id,
      status: 503,
    });
    const guard = world.guard(SECURE);
    const since = await world.mark();

    // Act
    const first = await guard.main(asParams(event));
    await world.admin.call('DELETE', `/faults/${faults[0]?.id}`);
    const again = await guard.main(asParams(event));

    // Assess
    expect(first.statusCode).toBe(503);
    expect(bodyOf(first).outcome).toBe('failed');
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again).outcome).toBe('remediated');
    const lines = guard.decisions().filter((l) => l.event_id === event.id);
    expect(lines.map((l) => l.outcome)).toEqual(['failed', 'remediated']);
    expect(lines[0]?.reason).toMatch(/^IBM answered 503/);
    expect(lines[0]?.detail).toMatchObject({ ibm: { status: 503 } });
    const trail = await vpcTrail(since);
    // 4 attempts the first time, then GET + PATCH on the redelivery.
    expect(trail).toEqual([
      'GET 200',
      'PATCH 503',
      'PATCH 503',
      'PATCH 503',
      'PATCH 503',
      'GET 200',
      'PATCH 200',
    ]);
    expect((await world.instance('web-01')).metadata_service).toEqual(HTTPS_1);
  });
});

describe('a delivery of several events where one needs another try', () => {
  test('503 for the whole delivery; the redelivery redoes only the failed event', async () => {
    // Prepare
    const events = [
      await world.userSets('web-01', { protocol: 'http' }),
      await world.userSets('web-02', { protocol: 'http' }),
    ];
    const [web1, web2] = [await world.instance('web-01'), await world.instance('web-02')];
    await world.admin.fault({ service: 'vpc', method: 'PATCH', path: web1.id, status: 500, count: 4 });
    const guard = world.guard(SECURE);

    // Act
    const first = await guard.main(asParams(events));
    const since = await world.mark();
    const again = await guard.main(asParams(events));

    // Assess
    const outcomes = (res: typeof first) =>
      Object.fromEntries(bodyOf(res).decisions.map((d) => [d.target_crn, d.outcome]));
    expect(first.statusCode).toBe(503);
    expect(outcomes(first)).toEqual({ [web1.crn]: 'failed', [web2.crn]: 'remediated' });
    expect(again.statusCode).toBe(200);
    expect(outcomes(again)).toEqual({ [web1.crn]: 'remediated', [web2.crn]: 'ignored' });
    const trail = (await world.guardCalls(since, 'vpc')).map(
      (c) => `${c.method} ${c.path.split('/').at(-1)}`,
    );
    expect(trail).toEqual([`GET ${web1.id}`, `PATCH ${web1.id}`]);
    for (const w of [web1, web2]) expect((await world.instance(w.name)).metadata_service).toEqual(HTTPS_1);
  });
});

describe('a just-created instance', () => {
  const create = async (name: string) => {
    const { vpcs, images } = await world.idsIn('us-south');
    const res = await world.vpcAs('us-south').createInstance({
      instancePrototype: {
        name,
        zone: { name: 'us-south-1' },
        vpc: { id: vpcs['prod-vpc'] as string },
        image: { id: images.ubuntu as string },
        profile: { name: 'bx2-2x8' },
        metadata_service: { enabled: true, protocol: 'http' },
      },
    });
    const event = await world.lastEvent('is.instance.instance.create', res.result.crn);
    return { id: res.result.id, crn: res.result.crn, event };
  };

  test('404 twice, then visible → remediated', async () => {
    // Prepare
    const created = await create('fresh-01');
    await world.admin.fault({ service: 'vpc', method: 'GET', path: created.id, status: 404, count: 2 });
    const guard = world.guard(DISABLE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(created.event));

    // Assess
    expect(res.statusCode).toBe(200);
    // … then its image (read before a disable), then the PATCH.
    expect(await vpcTrail(since)).toEqual(['GET 404', 'GET 404', 'GET 200', 'GET 200', 'PATCH 200']);
    expect(decisionFor(guard.decisions(), created.crn).outcome).toBe('remediated');
    expect((await world.instance('fresh-01')).metadata_service.enabled).toBe(false);
  });

  test('never becomes visible → gone, 200 (nothing to retry)', async () => {
    // Prepare
    const created = await create('fresh-02');
    await world.admin.fault({ service: 'vpc', method: 'GET', path: created.id, status: 404 });
    const guard = world.guard(DISABLE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(created.event));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).outcome).toBe('gone');
    // Bounded by count: the first read and 4 more (backoff 200 ms doubling, capped at 600 ms), then gone.
    expect(await vpcTrail(since)).toEqual(Array.from({ length: 5 }, () => 'GET 404'));
    expect(decisionFor(guard.decisions(), created.crn)).toMatchObject({ outcome: 'gone', level: 'info' });
  });

  test('an update event for an instance deleted since → gone at once (one GET)', async () => {
    // Prepare
    const created = await create('fresh-03');
    const update = await world.userSets('fresh-03', { protocol: 'http' });
    await world.vpcAs('us-south').deleteInstance({ id: created.id });
    const guard = world.guard(DISABLE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(update));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(await vpcTrail(since)).toEqual(['GET 404']);
    expect(decisionFor(guard.decisions(), created.crn).outcome).toBe('gone');
  });
});

describe('IBM refuses the change', () => {
  test('allowed-use: the image needs the metadata service, policy disable → secure access instead, no refused PATCH', async () => {
    // Prepare
    const event = await world.userSets('agent-01', { protocol: 'http' });
    const agent = await world.instance('agent-01');
    const guard = world.guard(DISABLE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess: the image is read, the PATCH sent is one IBM accepts (issue 9, defect 6)
    expect(res.statusCode).toBe(200);
    expect(await vpcTrail(since)).toEqual(['GET 200', 'GET 200', 'PATCH 200']);
    const line = decisionFor(guard.decisions(), agent.crn);
    expect(line).toMatchObject({ outcome: 'remediated', after: HTTPS_1, api_calls: 3 });
    expect(line.reason).toMatch(/^fallback: image requires the metadata service/);
    expect(line.detail).toMatchObject({ fallback: 'secure', image: { name: 'imds-agent-image' } });
    expect((await world.instance('agent-01')).metadata_service).toEqual(HTTPS_1);
  });

  test('allowed-use: on_image_requires_metadata: fail → failed, nothing sent, not retried', async () => {
    const event = await world.userSets('agent-01', { protocol: 'http' });
    const agent = await world.instance('agent-01');
    const guard = world.guard({
      instances: { default: { mode: 'disable' }, on_image_requires_metadata: 'fail' },
    });
    const since = await world.mark();
    const res = await guard.main(asParams(event));
    expect(res.statusCode).toBe(200);
    expect(await vpcTrail(since)).toEqual(['GET 200', 'GET 200']);
    const line = decisionFor(guard.decisions(), agent.crn);
    expect(line).toMatchObject({ outcome: 'failed', level: 'error' });
    expect(line.reason).toMatch(/on_image_requires_metadata: fail/);
    expect((await world.instance('agent-01')).metadata_service.enabled).toBe(true);
  });

  test('allowed-use: the same instance under secure is remediated (https keeps it enabled)', async () => {
    const event = await world.userSets('agent-01', { protocol: 'http' });
    const guard = world.guard(SECURE);
    const res = await guard.main(asParams(event));
    expect(bodyOf(res).outcome).toBe('remediated');
    expect((await world.instance('agent-01')).metadata_service).toEqual(HTTPS_1);
  });
});
