// 50 containers receive the same event at once (50 separate `createMain` runtimes, invoked together).
// Each may find nothing and open a ticket; each then looks again and closes its own ticket if an earlier
// one survives. Once the burst settles exactly one ticket per profile is open.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { decisionOn, detailOf, paramsFor, responseOf, startWorld, type World } from './support.ts';

const CONTAINERS = 50;

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

beforeEach(async () => {
  await world.emu.reset();
});

afterAll(async () => {
  await world.close();
});

describe.each(['case-management', 'servicenow'] as const)(
  'a burst of identical events through %s',
  (sink) => {
    test(`${CONTAINERS} concurrent containers → exactly one open ticket`, async () => {
      // Prepare
      const broad = await world.profile('broad-ops');
      const event = await world.touchProfile('broad-ops');
      const containers = Array.from({ length: CONTAINERS }, () =>
        world.guard({ profiles: { ticket: { sink } } }),
      );

      // Act
      const responses = await Promise.all(
        containers.map(async (c) => responseOf(await c.main(paramsFor(event)))),
      );

      // Assess
      expect(responses.every((r) => r.statusCode < 500)).toBe(true);
      const decisions = responses.map((r) => decisionOn(r, broad.crn));
      const { marker } = detailOf(decisions[0] as (typeof decisions)[number]);
      const tickets =
        sink === 'case-management'
          ? (await world.casesFor(marker)).map((c) => ({
              id: c.number,
              open: !['resolved', 'closed'].includes(c.status),
            }))
          : (await world.incidentsFor(marker)).map((i) => ({
              id: i.number,
              open: !['6', '7', '8'].includes(i.state),
            }));
      const open = tickets.filter((t) => t.open);
      expect(open).toHaveLength(1);
      const survivor = open[0]?.id;
      // Whoever opened the survivor says so; every other container points at it.
      expect(
        decisions.filter((d) => d.outcome === 'ticket_opened').map((d) => detailOf(d).ticket.id),
      ).toEqual([survivor]);
      for (const d of decisions.filter((x) => x.outcome !== 'ticket_opened')) {
        expect(['ignored', 'ticket_updated']).toContain(d.outcome);
        expect(detailOf(d).ticket.id).toBe(survivor);
      }
      // Everything else ever created was closed as a duplicate of the survivor.
      const closedAsDuplicates = decisions.flatMap((d) => detailOf(d).ticket.closed ?? []);
      expect(new Set(closedAsDuplicates)).toEqual(new Set(tickets.filter((t) => !t.open).map((t) => t.id)));
      console.info(
        `[burst ${sink}] ${CONTAINERS} containers: ${tickets.length} ticket(s) ever created, ${open.length} open afterwards (${survivor})`,
      );

      // Act 2: the same event once more, after the burst: nothing new.
      const after = responseOf(await world.guard({ profiles: { ticket: { sink } } }).main(paramsFor(event)));

      // Assess 2
      expect(decisionOn(after, broad.crn).outcome).toBe('ignored');
    });
  },
);
