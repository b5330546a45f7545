// Issue 13 §3, the brakes on the event path: the per-minute change limit defers the excess events (503,
// so the platform delivers them again — nothing is lost; the redelivery a minute later changes the
// instance), and the per-instance change cap: an instance a person changes back more than N times within
// the window is ticketed, not fought over. Clock injected; no sleeps.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { PolicyInput } from '#shared/policy/schema.ts';
import { type AtEventLike, bodyOf } from '../instance-guard/support.ts';
import { clock, type RolloutWorld, startRolloutWorld } from './support.ts';

const HTTP = { enabled: true, protocol: 'http', response_hop_limit: 1 } as const;
const HTTPS = { enabled: true, protocol: 'https', response_hop_limit: 1 } as const;

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

describe('max_changes_per_minute', () => {
  const LIMITED: PolicyInput = {
    instances: { default: { mode: 'secure' }, rollout: { max_changes_per_minute: 2 } },
  };

  test('the third change in a minute is deferred (503, nothing changed); its redelivery next minute enforces', async () => {
    // Prepare
    const t = clock('2026-06-01T09:00:10Z');
    const guard = world.guard(LIMITED, t.now);
    const events: AtEventLike[] = [];
    for (const name of ['web-01', 'web-02', 'web-03'])
      events.push(await world.userSets(name, { protocol: 'http' }));

    // Act 1: three deliveries within one minute.
    const results = [];
    for (const e of events) results.push(await guard.send(e));

    // Assess 1: two changes, the third deferred with a 503 and the instance untouched.
    expect(results.map((r) => r.res.statusCode)).toEqual([200, 200, 503]);
    expect(results.map((r) => r.line.outcome)).toEqual(['remediated', 'remediated', 'deferred']);
    const [, , third] = results;
    if (!third) throw new Error('three results expected');
    const deferred = third.line;
    expect(deferred.reason).toContain('deferred: 2 change(s) already made this minute');
    expect(deferred.detail).toMatchObject({ rollout: { gate: 'deferred' } });
    expect(bodyOf(third.res).decisions.map((d) => d.outcome)).toEqual(['deferred']);
    expect(await world.metadataOf('web-03')).toEqual(HTTP);

    // Act 2: the platform delivers the same event again a minute later.
    t.advance(60_000);
    const redelivered = await guard.send(events[2] as AtEventLike);

    // Assess 2: processed again (its id was released), and the change made.
    expect(redelivered.res.statusCode).toBe(200);
    expect(redelivered.line.outcome).toBe('remediated');
    expect(await world.metadataOf('web-03')).toEqual(HTTPS);
  });

  test('changes that are not needed take no slot: compliant instances pass a full minute', async () => {
    const t = clock('2026-06-01T09:00:10Z');
    const guard = world.guard(
      { instances: { default: { mode: 'secure' }, rollout: { max_changes_per_minute: 1 } } },
      t.now,
    );
    const first = await guard.send(await world.userSets('web-01', { protocol: 'http' }));
    const compliant = await guard.send(await world.userSets('web-02', { protocol: 'https' }));
    expect([first.line.outcome, compliant.line.outcome]).toEqual(['remediated', 'compliant']);
    expect(compliant.res.statusCode).toBe(200);
  });
});

describe('change_cap', () => {
  const CAPPED: PolicyInput = {
    instances: {
      default: { mode: 'secure' },
      rollout: { change_cap: { changes: 2, window: '1h' } },
    },
    profiles: { ticket: { sink: 'case-management' } },
  };

  test('changed back by a person after each of 2 changes within the hour → ticketed, not changed a third time', async () => {
    // Prepare
    const t = clock('2026-06-01T09:00:00Z');
    const guard = world.guard(CAPPED, t.now);
    const outcomes: string[] = [];

    // Act: alice sets http three times, ten minutes apart; the guard answers each.
    for (let i = 0; i < 3; i += 1) {
      const { line } = await guard.send(await world.userSets('web-01', { protocol: 'http' }));
      outcomes.push(line.outcome);
      t.advance(10 * 60_000);
    }

    // Assess: two changes, then a ticket; the instance keeps alice's setting.
    expect(outcomes).toEqual(['remediated', 'remediated', 'ticket_opened']);
    const capped = guard.decisions().at(-1);
    expect(capped?.detail).toMatchObject({ rollout: { gate: 'cap', count: 2, window: '1h' } });
    expect(capped?.reason).toContain('not changing it again (change_cap), ticketed instead');
    expect(await world.metadataOf('web-01')).toEqual(HTTP);
    const cases = await world.casesOf('web-01');
    expect(cases).toHaveLength(1);
    expect(cases[0]?.short_description).toContain('stopped changing instance web-01');

    // Act 2: once the window has passed the earlier changes, the guard changes it again.
    t.advance(60 * 60_000);
    const later = await guard.send(await world.userSets('web-01', { protocol: 'http' }));

    // Assess 2
    expect(later.line.outcome).toBe('remediated');
    expect(await world.metadataOf('web-01')).toEqual(HTTPS);
  });
});
