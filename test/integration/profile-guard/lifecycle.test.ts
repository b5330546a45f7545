// The ticket's life through every searchable sink — Case Management, ServiceNow, Jira and Event
// Notifications (searchable through its ledger in the trail bucket): open → the same findings again
// (nothing new) → the findings change (a comment) → the profile is fixed (a comment and resolve) → quiet.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { parseTicketTags } from '#functions/profile-guard/ticket-plan.ts';
import { decisionOn, detailOf, startWorld, type World } from './support.ts';
import { type SinkUnderTest, startTicketStore, ticketsOf as viewOf } from './tickets-view.ts';

let world: World;
let store: Awaited<ReturnType<typeof startTicketStore>>;

beforeAll(async () => {
  world = await startWorld();
  store = await startTicketStore();
});

beforeEach(async () => {
  await world.emu.reset();
});

afterAll(async () => {
  await store.close();
  await world.close();
});

const ticketsOf = (sink: SinkUnderTest, marker: string) => viewOf(world, sink, marker);

/** The guard for a sink; Event Notifications gets its ledger (a fresh prefix in the trail bucket). */
const guardFor = (sink: SinkUnderTest, env: Record<string, string>) =>
  world.guard(
    { profiles: { ticket: { sink, ...(sink === 'jira' ? { jira: { project: 'SEC' } } : {}) } } },
    env,
  );

describe.each(['case-management', 'servicenow', 'jira', 'event-notifications'] as const)(
  'ticket lifecycle through %s',
  (sink) => {
    test('open → unchanged → changed (comment) → fixed (comment + resolve)', async () => {
      // Prepare
      const guard = guardFor(sink, sink === 'event-notifications' ? store.env() : {});
      const sessions = await world.profile('sessions');

      // Act 1: a long session (one low finding) → a ticket.
      const r1 = await world.send(guard, await world.touchProfile('sessions'));
      const d1 = decisionOn(r1, sessions.crn);
      const { marker } = detailOf(d1);

      // Assess 1
      expect(d1.outcome).toBe('ticket_opened');
      let tickets = await ticketsOf(sink, marker);
      expect(tickets).toHaveLength(1);
      const id = tickets[0]?.id;
      expect(detailOf(d1).ticket.id).toBe(id);

      // Act 2: another event, same findings.
      const r2 = await world.send(guard, await world.touchProfile('sessions'));
      const d2 = decisionOn(r2, sessions.crn);

      // Assess 2: checked, nothing new anywhere.
      expect(d2.outcome).toBe('ignored');
      expect(d2.level).toBe('info');
      expect(d2.reason).toMatch(/findings unchanged/);
      tickets = await ticketsOf(sink, marker);
      expect(tickets).toHaveLength(1);
      expect(tickets[0]?.texts).toHaveLength(1);

      // Act 3: Administrator on every service is granted to the profile.
      const { id: policyId, event } = await world.grantAll({ iam_id: sessions.iam_id });
      const r3 = await world.send(guard, event);
      const d3 = decisionOn(r3, sessions.crn);

      // Assess 3: one comment saying what was added, carrying the new key.
      expect(d3.outcome).toBe('ticket_updated');
      expect(detailOf(d3).ticket).toMatchObject({
        action: 'commented',
        id,
        added: [`broad-role-all-services:policy/${policyId}`],
      });
      tickets = await ticketsOf(sink, marker);
      expect(tickets).toHaveLength(1);
      expect(tickets[0]?.texts).toHaveLength(2);
      expect(tickets[0]?.texts[1]).toMatch(/Added: broad-role-all-services/);
      expect(parseTicketTags(tickets[0]?.texts.join('\n') ?? '').key).toBe(detailOf(d3).key);

      // Act 4: alice removes the grant and shortens the sessions.
      await world.policies.deleteV2Policy({ id: policyId });
      const r4 = await world.send(guard, await world.setExpiration('sessions', 900));
      const d4 = decisionOn(r4, sessions.crn);

      // Assess 4: a comment and resolve.
      expect(d4.outcome).toBe('ticket_resolved');
      expect(detailOf(d4).findings).toEqual([]);
      tickets = await ticketsOf(sink, marker);
      expect(tickets).toHaveLength(1);
      expect(tickets[0]?.open).toBe(false);
      expect(tickets[0]?.texts.at(-1)).toMatch(/no longer too broad/);

      // Act 5: quiet from now on.
      const r5 = await world.send(guard, await world.touchProfile('sessions'));

      // Assess 5
      expect(decisionOn(r5, sessions.crn).outcome).toBe('compliant');
      expect(await ticketsOf(sink, marker)).toHaveLength(1);
    });

    test('broad again after a resolve: a new ticket, the old one stays resolved', async () => {
      // Prepare
      const guard = guardFor(sink, sink === 'event-notifications' ? store.env() : {});
      const sessions = await world.profile('sessions');
      const first = decisionOn(await world.send(guard, await world.touchProfile('sessions')), sessions.crn);
      await world.send(guard, await world.setExpiration('sessions', 900));

      // Act
      const again = decisionOn(
        await world.send(guard, await world.setExpiration('sessions', 7200)),
        sessions.crn,
      );

      // Assess
      expect(again.outcome).toBe('ticket_opened');
      expect(detailOf(again).ticket.id).not.toBe(detailOf(first).ticket.id);
      const tickets = await ticketsOf(sink, detailOf(first).marker);
      expect(tickets.map((t) => t.open)).toEqual([false, true]);
    });
  },
);
