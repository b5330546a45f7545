// 50 containers receive the same event at once (50 separate `createMain` runtimes, invoked together).
// Without a claim store each may find nothing and open a ticket; each then looks again and closes its own
// ticket if an earlier one survives. With the trail bucket configured they first claim the opening
// (a write-once object): one opens, the others wait for its ticket. Either way exactly one stays open.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { decisionOn, detailOf, paramsFor, responseOf, startWorld, type World } from './support.ts';
import { startTicketStore, ticketsOf } from './tickets-view.ts';

const CONTAINERS = 50;

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

const CASES = [
  ['case-management', false],
  ['servicenow', false],
  ['jira', false],
  ['case-management', true],
  ['servicenow', true],
  ['jira', true],
  ['event-notifications', true],
] as const;

describe.each(CASES)('a burst of identical events through %s (claims: %s)', (sink, claims) => {
  test(`${CONTAINERS} concurrent containers → exactly one open ticket`, async () => {
    // Prepare
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');
    const env = claims ? store.env() : {};
    const policy = {
      profiles: { ticket: { sink, ...(sink === 'jira' ? { jira: { project: 'SEC' } } : {}) } },
    };
    const containers = Array.from({ length: CONTAINERS }, () => world.guard(policy, env));

    // Act
    const responses = await Promise.all(
      containers.map(async (c) => responseOf(await c.main(paramsFor(event)))),
    );

    // Assess
    expect(responses.every((r) => r.statusCode < 500)).toBe(true);
    const decisions = responses.map((r) => decisionOn(r, broad.crn));
    const { marker } = detailOf(decisions[0] as (typeof decisions)[number]);
    const tickets = await ticketsOf(world, sink, marker);
    const open = tickets.filter((t) => t.open);
    expect(open).toHaveLength(1);
    const survivor = open[0]?.id;
    // Whoever opened the survivor says so; every other container points at it.
    expect(decisions.filter((d) => d.outcome === 'ticket_opened').map((d) => detailOf(d).ticket.id)).toEqual([
      survivor,
    ]);
    for (const d of decisions.filter((x) => x.outcome !== 'ticket_opened')) {
      expect(['ignored', 'ticket_updated']).toContain(d.outcome);
      expect(detailOf(d).ticket.id).toBe(survivor);
    }
    // Everything else ever created was closed as a duplicate of the survivor.
    const closedAsDuplicates = decisions.flatMap((d) => detailOf(d).ticket.closed ?? []);
    expect(new Set(closedAsDuplicates)).toEqual(new Set(tickets.filter((t) => !t.open).map((t) => t.id)));
    console.info(
      `[burst ${sink}${claims ? ' with claims' : ''}] ${CONTAINERS} containers: ${tickets.length} ticket(s) ever created, ${open.length} open afterwards (${survivor})`,
    );
    // With claims the claim's winner is the only one to open (the window edge could let a second in).
    if (claims) expect(tickets.length).toBeLessThanOrEqual(3);

    // Act 2: the same event once more, after the burst: nothing new.
    const after = responseOf(await world.guard(policy, env).main(paramsFor(event)));

    // Assess 2
    expect(decisionOn(after, broad.crn).outcome).toBe('ignored');
  });
});
