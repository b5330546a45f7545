// Issue 13 §3, must show: a notify-stage scope. The first event gives notice (one support case, the same
// ticket id for the instance every time) and changes nothing; within the grace period the change waits;
// after it (the injected clock moved, no sleeps) the metadata service is disabled and verified through the
// VPC SDK; an exemption added in between leaves the instance alone and resolves its notice.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { PolicyInput } from '#shared/policy/schema.ts';
import type { DecisionLine } from '../instance-guard/support.ts';
import { startS3 } from '../trail/s3-server.ts';
import { clock, type RolloutWorld, startRolloutWorld } from './support.ts';

const DAY = 86_400_000;
const HTTP = { enabled: true, protocol: 'http', response_hop_limit: 1 } as const;

const NOTIFY: PolicyInput = {
  instances: {
    default: { mode: 'disable' },
    rules: [{ name: 'web', match: { names: ['web-*'] }, mode: 'disable', stage: 'notify' }],
    rollout: { stage: 'audit', grace_period: '7d' },
  },
  profiles: { ticket: { sink: 'case-management' } },
};

/** The ticket a decision names (rollout notices carry `detail.ticket.id`). */
const ticketIdOf = (line: DecisionLine): string | undefined =>
  (line.detail?.ticket as { id?: string } | undefined)?.id;

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

describe('a notify-stage scope', () => {
  test('first event → notice, no change; in the grace period → waits; after it → disabled and verified', async () => {
    // Prepare
    const t = clock('2026-06-01T09:00:00Z');
    const guard = world.guard(NOTIFY, t.now);
    const web = await world.instance('web-01');

    // Act 1: alice touches web-01.
    const first = await guard.send(await world.userSets('web-01', { protocol: 'http' }));

    // Assess 1: a notice (one case), nothing sent to the instance.
    expect(first.res.statusCode).toBe(200);
    expect(first.line).toMatchObject({
      outcome: 'ticket_opened',
      target_crn: web.crn,
      before: HTTP,
      after: HTTP,
    });
    expect(first.line.detail).toMatchObject({
      rule: 'web',
      patch: { enabled: false },
      rollout: { stage: 'notify', gate: 'notice', why: 'stage', due: '2026-06-08T09:00:00.000Z' },
    });
    expect(first.line.reason).toContain('rollout stage notify (rule "web")');
    const cases = await world.casesOf('web-01');
    expect(cases).toHaveLength(1);
    const ticketId = ticketIdOf(first.line);
    expect(ticketId).toMatch(/\S/);
    expect(ticketId).toBe(cases[0]?.number);
    expect(await world.metadataOf('web-01')).toEqual(HTTP);

    // Act 2: three days later, another change by alice.
    t.advance(3 * DAY);
    const waiting = await guard.send(await world.userSets('web-01', { response_hop_limit: 1 }));

    // Assess 2: the notice stands; still nothing changed and no second case.
    expect(waiting.line.outcome).toBe('planned');
    expect(waiting.line.detail).toMatchObject({
      rollout: { gate: 'wait', noticed_at: '2026-06-01T09:00:00.000Z', due: '2026-06-08T09:00:00.000Z' },
    });
    expect(await world.casesOf('web-01')).toHaveLength(1);
    expect(await world.metadataOf('web-01')).toEqual(HTTP);

    // Act 3: the grace period has ended; the next event.
    t.advance(4 * DAY);
    const since = await world.mark();
    const enforced = await guard.send(await world.userSets('web-01', { protocol: 'http' }));

    // Assess 3: disabled (the PATCH answer checked), verified by reading it back; the same case resolved.
    expect(enforced.line).toMatchObject({ outcome: 'remediated', after: { ...HTTP, enabled: false } });
    expect(enforced.line.detail).toMatchObject({
      rollout: { stage: 'notify', gate: 'go' },
      ticket: { id: ticketId },
    });
    expect(enforced.line.reason).toContain('grace period 7d ended at 2026-06-08T09:00:00.000Z');
    expect(await world.metadataOf('web-01')).toEqual({ ...HTTP, enabled: false });
    const after = await world.casesOf('web-01');
    expect(after).toHaveLength(1);
    expect(after[0]?.status).toBe('resolved');
    const patches = (await world.guardCalls(since, 'vpc')).filter((c) => c.method === 'PATCH');
    expect(patches).toHaveLength(1);
  });

  test('the ticket id is stable per instance: a second container finds the open case, opens none', async () => {
    // Prepare
    const t = clock('2026-06-01T09:00:00Z');
    const first = await world.guard(NOTIFY, t.now).send(await world.userSets('web-02', { protocol: 'http' }));
    const id = ticketIdOf(first.line);
    expect(id).toMatch(/\S/);

    // Act: a cold container (its memory knows no notice) gets the next event.
    t.advance(DAY);
    const again = await world.guard(NOTIFY, t.now).send(await world.userSets('web-02', { protocol: 'http' }));

    // Assess: the same ticket, no second case, still nothing changed.
    expect(ticketIdOf(again.line)).toBe(id);
    expect(await world.casesOf('web-02')).toHaveLength(1);
    expect(await world.metadataOf('web-02')).toEqual(HTTP);
  });

  test('an exemption added within the grace period → left alone; the notice is resolved', async () => {
    // Prepare: notice given.
    const t = clock('2026-06-01T09:00:00Z');
    const guard = world.guard(NOTIFY, t.now);
    const noticed = await guard.send(await world.userSets('web-02', { protocol: 'http' }));
    expect(noticed.line.outcome).toBe('ticket_opened');

    // Act: the owner adds the exemption tag; the grace period passes; the next event.
    await world.attachTags('web-02', ['imds-guard:exempt'], 'access');
    t.advance(8 * DAY);
    const since = await world.mark();
    const later = await guard.send(await world.userSets('web-02', { protocol: 'http' }));

    // Assess: exempt, no PATCH, still http; the one case resolved, saying why.
    expect(later.line.outcome).toBe('exempt');
    expect(later.line.detail).toMatchObject({ rollout: { notice_closed: 'exempt' } });
    const patches = (await world.guardCalls(since, 'vpc')).filter((c) => c.method === 'PATCH');
    expect(patches).toEqual([]);
    expect(await world.metadataOf('web-02')).toEqual(HTTP);
    const cases = await world.casesOf('web-02');
    expect(cases).toHaveLength(1);
    expect(cases[0]?.status).toBe('resolved');
    expect(cases[0]?.comments.map((c) => c.value).join('\n')).toContain('the instance is exempt now');
  });

  test('with a trail bucket the notice outlives the container: a cold one enforces when the grace ends', async () => {
    // Prepare: the rollout state in the trail bucket (write-once objects under <prefix>/rollout/).
    const s3 = await startS3(['rollout-state']);
    try {
      const env = s3.trailEnv('rollout-state', { IMDS_GUARD_TICKET_STATE_PREFIX: 'it' });
      const t = clock('2026-06-01T09:00:00Z');
      const noticed = await world
        .guard(NOTIFY, t.now, env)
        .send(await world.userSets('web-01', { protocol: 'http' }));
      expect(noticed.line.detail).toMatchObject({ rollout: { gate: 'notice', state: 'trail-bucket' } });

      // Act: eight days later a new container gets the next event.
      t.advance(8 * DAY);
      const cold = await world
        .guard(NOTIFY, t.now, env)
        .send(await world.userSets('web-01', { protocol: 'http' }));

      // Assess: it read the notice from the bucket and enforced.
      expect(cold.line.outcome).toBe('remediated');
      expect(cold.line.detail).toMatchObject({ rollout: { gate: 'go' } });
      expect(await world.metadataOf('web-01')).toEqual({ ...HTTP, enabled: false });
      const keys = await s3.keys('rollout-state', 'it/rollout/instances/');
      expect(keys.map((k) => k.replace(/^.*\/\d{8}-(\w+)-\d+\.json$/, '$1'))).toEqual(['notice', 'closed']);
    } finally {
      await s3.close();
    }
  });

  test('what another scope matches is not held back: the account stage (audit) reports only', async () => {
    const t = clock('2026-06-01T09:00:00Z');
    const { line } = await world
      .guard(NOTIFY, t.now)
      .send(await world.userSets('app-01', { protocol: 'http' }));
    expect(line).toMatchObject({ outcome: 'planned', after: HTTP });
    expect(line.detail).toMatchObject({ rule: 'default', rollout: { stage: 'audit', gate: 'audit' } });
    expect(await world.casesOf('app-01')).toEqual([]);
  });
});
