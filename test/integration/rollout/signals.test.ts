// Issue 13 §3: an instance likely to use the metadata service — a trusted profile linked to it as a compute
// resource, an image whose allowed use needs it, or the consumer tag — is never disabled without a notice
// first, even at stage enforce; securing it is allowed at once. The links are read only when the decision
// would disable (one index per minute per container), never for secure changes or compliant instances.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { PolicyInput } from '#shared/policy/schema.ts';
import { clock, NO_IAM_KEY, type RolloutWorld, startRolloutWorld } from './support.ts';

const DAY = 86_400_000;
const HTTP = { enabled: true, protocol: 'http', response_hop_limit: 1 } as const;
const HTTPS = { enabled: true, protocol: 'https', response_hop_limit: 1 } as const;
const OFF = { ...HTTP, enabled: false } as const;

/** Stage enforce (the default): disable everything, notices through Case Management. */
const ENFORCE: PolicyInput = {
  instances: { default: { mode: 'disable' }, rollout: { consumer_tag: 'imds:consumer' } },
  profiles: { ticket: { sink: 'case-management' } },
};

let world: RolloutWorld;

beforeAll(async () => {
  world = await startRolloutWorld();
});

beforeEach(async () => {
  await world.admin.reset();
});

afterAll(async () => {
  await world.close();
});

const iamCalls = async (since: number) => (await world.guardCalls(since, 'iam-identity')).length;

describe('signs of use at stage enforce', () => {
  test('a trusted profile linked to the instance → notice first, disabled only after the grace period', async () => {
    // Prepare
    const t = clock('2026-06-01T09:00:00Z');
    const guard = world.guard(ENFORCE, t.now);

    // Act 1
    const first = await guard.send(await world.userSets('app-01', { protocol: 'http' }));

    // Assess 1: a notice saying why; nothing changed.
    expect(first.line.outcome).toBe('ticket_opened');
    expect(first.line.detail).toMatchObject({
      rollout: {
        stage: 'enforce',
        gate: 'notice',
        why: 'consumer',
        consumer: ['trusted profile "app-reader" is linked to it as a compute resource'],
      },
    });
    expect(first.line.reason).toContain('never disabled without notice');
    expect(await world.metadataOf('app-01')).toEqual(HTTP);
    expect(await world.casesOf('app-01')).toHaveLength(1);

    // Act 2: the grace period (7d, the default) has passed.
    t.advance(7 * DAY);
    const later = await guard.send(await world.userSets('app-01', { protocol: 'http' }));

    // Assess 2
    expect(later.line.outcome).toBe('remediated');
    expect(await world.metadataOf('app-01')).toEqual(OFF);
    expect((await world.casesOf('app-01'))[0]?.status).toBe('resolved');
  });

  test('no link, no tag: disabled at once; the links are indexed once for the next events', async () => {
    // Prepare
    const t = clock('2026-06-01T09:00:00Z');
    const guard = world.guard(ENFORCE, t.now);
    const e1 = await world.userSets('web-01', { protocol: 'http' });
    const e2 = await world.userSets('web-02', { protocol: 'http' });
    const since = await world.mark();

    // Act
    const a = await guard.send(e1);
    const mid = await world.mark();
    const b = await guard.send(e2);

    // Assess: both disabled; the first paid for the index (profiles list + one links list per
    // profile: 2 profiles → 3 calls), the second none.
    expect([a.line.outcome, b.line.outcome]).toEqual(['remediated', 'remediated']);
    expect(await world.metadataOf('web-01')).toEqual(OFF);
    expect(await iamCalls(since)).toBe(3);
    expect(await iamCalls(mid)).toBe(0);
    expect(await world.casesOf('web-01')).toEqual([]);
  });

  test('securing is allowed at once, and reads no links', async () => {
    const t = clock('2026-06-01T09:00:00Z');
    const guard = world.guard({ ...ENFORCE, instances: { default: { mode: 'secure' } } }, t.now);
    const since = await world.mark();
    const { line } = await guard.send(await world.userSets('app-01', { protocol: 'http' }));
    expect(line.outcome).toBe('remediated');
    expect(await world.metadataOf('app-01')).toEqual(HTTPS);
    expect(await iamCalls(since)).toBe(0);
  });

  test('the consumer tag (a user tag the owner set) → notice first; no links read', async () => {
    const t = clock('2026-06-01T09:00:00Z');
    await world.attachTags('web-01', ['imds:consumer'], 'user');
    const since = await world.mark();
    const { line } = await world
      .guard(ENFORCE, t.now)
      .send(await world.userSets('web-01', { protocol: 'http' }));
    expect(line.outcome).toBe('ticket_opened');
    expect(line.detail).toMatchObject({
      rollout: { gate: 'notice', consumer: ['it carries the consumer tag "imds:consumer"'] },
    });
    expect(await world.metadataOf('web-01')).toEqual(HTTP);
    expect(await iamCalls(since)).toBe(0);
  });

  test('an image that requires the metadata service: secured at once (never disabled), no notice', async () => {
    const t = clock('2026-06-01T09:00:00Z');
    const { line } = await world
      .guard(ENFORCE, t.now)
      .send(await world.userSets('agent-01', { protocol: 'http' }));
    expect(line.outcome).toBe('remediated');
    expect(line.detail).toMatchObject({ fallback: 'secure', rollout: { stage: 'enforce', gate: 'go' } });
    expect(await world.metadataOf('agent-01')).toEqual(HTTPS);
    expect(await world.casesOf('agent-01')).toEqual([]);
  });

  test('an image whose allowed use names the metadata service but cannot be evaluated here → notice first', async () => {
    const t = clock('2026-06-01T09:00:00Z');
    const { line } = await world
      .guard(ENFORCE, t.now)
      .send(await world.userSets('vendor-01', { protocol: 'http' }));
    expect(line.outcome).toBe('ticket_opened');
    const rollout = (line.detail?.rollout ?? {}) as { consumer?: string[] };
    expect(rollout.consumer).toEqual([
      expect.stringContaining('its image "vendor-image" has an allowed use naming'),
    ]);
    expect(await world.metadataOf('vendor-01')).toEqual(HTTP);
  });
});

describe('links that cannot be read follow on_tag_lookup_failure', () => {
  test('fail-closed (default): disabled, the record says the links were not read', async () => {
    const t = clock('2026-06-01T09:00:00Z');
    const guard = world.guard(ENFORCE, t.now, { IMDS_GUARD_APIKEY: NO_IAM_KEY });
    const { line } = await guard.send(await world.userSets('app-01', { protocol: 'http' }));
    expect(line.outcome).toBe('remediated');
    expect(line.detail).toMatchObject({
      rollout: { link_lookup_error: expect.stringContaining('trusted profile links could not be read') },
    });
    expect(await world.metadataOf('app-01')).toEqual(OFF);
  });

  test('fail-open: counted as in use → notice first', async () => {
    const t = clock('2026-06-01T09:00:00Z');
    const policy: PolicyInput = {
      ...ENFORCE,
      instances: {
        default: { mode: 'disable' },
        rollout: { consumer_tag: 'imds:consumer' },
        on_tag_lookup_failure: 'fail-open',
      },
    };
    const guard = world.guard(policy, t.now, { IMDS_GUARD_APIKEY: NO_IAM_KEY });
    const { line } = await guard.send(await world.userSets('web-01', { protocol: 'http' }));
    expect(line.outcome).toBe('ticket_opened');
    expect(await world.metadataOf('web-01')).toEqual(HTTP);
  });
});
