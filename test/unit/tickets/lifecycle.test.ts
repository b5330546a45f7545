// The ticket lifecycle against a small in-memory sink (a real TicketSink, not a mock): interleavings the
// emulator cannot force — two runs that both find nothing, a create whose answer is lost, a duplicate
// that another run already closed.
import { describe, expect, test } from 'vitest';
import { assessProfile } from '#functions/profile-guard/decide.ts';
import { CLAIM_WAITS_MS, runTicket } from '#functions/profile-guard/lifecycle.ts';
import type { TicketClaims } from '#shared/tickets/claim.ts';
import type { SinkTicket, TicketSink } from '#shared/tickets/index.ts';
import { TicketSinkError } from '#shared/tickets/index.ts';
import { ALL_SERVICES, policy, snapshot, thresholds } from '../profile-guard/fixtures.ts';

interface Stored extends SinkTicket {
  texts: string[];
}

/** Tickets in memory; `hooks` let a test pause or break a call. */
const memorySink = (hooks: { beforeFind?: () => Promise<void>; afterOpen?: (t: Stored) => void } = {}) => {
  const tickets: Stored[] = [];
  let n = 0;
  const sink: TicketSink = {
    kind: 'case-management',
    searchable: true,
    find: async (marker) => {
      await hooks.beforeFind?.();
      return tickets.filter((t) => t.marker === marker && t.status === 'open').map((t) => ({ ...t }));
    },
    open: async (t) => {
      n += 1;
      const stored: Stored = {
        id: `CS${1_000_000 + n}`,
        created_at: new Date(Date.UTC(2026, 4, 1, 0, 0, n)).toISOString(),
        status: 'open',
        key: t.key,
        marker: t.marker,
        finding_ids: t.finding_ids,
        texts: [t.body.text],
      };
      tickets.push(stored);
      hooks.afterOpen?.(stored);
      return { ...stored };
    },
    comment: async (ref, text, u) => {
      const t = tickets.find((x) => x.id === ref.id) as Stored;
      t.texts.push(text.text);
      t.key = u.key;
    },
    resolve: async (ref, text) => {
      const t = tickets.find((x) => x.id === ref.id) as Stored;
      t.texts.push(text.text);
      t.status = 'resolved';
    },
    close: async (ref, _survivor, text) => {
      const t = tickets.find((x) => x.id === ref.id) as Stored;
      if (t.status !== 'open')
        throw new TicketSinkError('case-management', `${ref.id} is already resolved`, { status: 400 });
      t.texts.push(text.text);
      t.status = 'resolved';
    },
  };
  return { sink, tickets };
};

const NOW = new Date('2026-05-01T00:00:00Z');
const broad = assessProfile(
  snapshot({ policies: [policy({ id: 'p1', roles: ['Administrator'], resource: ALL_SERVICES })] }),
  thresholds(),
  NOW,
);

describe('runTicket', () => {
  test('two runs that both found nothing: both open, the later one closes its own', async () => {
    // Prepare: both runs must search before either opens.
    let waiting = 0;
    let release: () => void = () => {};
    const bothSearched = new Promise<void>((r) => {
      release = r;
    });
    let first = true;
    const { sink, tickets } = memorySink({
      beforeFind: async () => {
        if (!first) return;
        waiting += 1;
        if (waiting === 2) {
          first = false;
          release();
        }
        await bothSearched;
      },
    });

    // Act
    const [a, b] = await Promise.all([
      runTicket(sink, broad, { dryRun: false }),
      runTicket(sink, broad, { dryRun: false }),
    ]);

    // Assess
    expect(tickets.map((t) => [t.id, t.status])).toEqual([
      ['CS1000001', 'open'],
      ['CS1000002', 'resolved'],
    ]);
    expect(a.outcome).toBe('ticket_opened');
    expect(a.ticket.id).toBe('CS1000001');
    expect(b.outcome).toBe('ignored');
    expect(b.ticket).toMatchObject({ id: 'CS1000001', duplicate_of: 'CS1000001', closed: ['CS1000002'] });
    expect(tickets[1]?.texts.at(-1)).toMatch(/duplicate of ticket CS1000001/);
  });

  test('the create succeeded but its answer was lost: the retry finds the ticket and adds nothing', async () => {
    // Prepare
    let lose = true;
    const { sink, tickets } = memorySink({
      afterOpen: () => {
        if (lose) {
          lose = false;
          throw new TicketSinkError('case-management', 'no answer within 10000 ms', { status: 0 });
        }
      },
    });

    // Act
    const failed = await runTicket(sink, broad, { dryRun: false }).catch((e: unknown) => e);
    const retried = await runTicket(sink, broad, { dryRun: false });

    // Assess
    expect(failed).toBeInstanceOf(TicketSinkError);
    expect((failed as TicketSinkError).retryable).toBe(true);
    expect(retried.outcome).toBe('ignored');
    expect(tickets).toHaveLength(1);
  });

  test('a duplicate another run already closed is noted, not fatal', async () => {
    // Prepare: two open tickets; the second is closed behind our back between find and close.
    const { sink, tickets } = memorySink();
    await sink.open({
      marker: broad.profile_marker,
      key: broad.key,
      title: 't',
      body: { text: 'x', markdown: 'x' },
      severity: 'critical',
      subject: { id: 'p', crn: 'c', name: 'n', account_id: 'a' },
      finding_ids: broad.finding_ids,
      affected_crns: [],
    });
    await sink.open({
      marker: broad.profile_marker,
      key: broad.key,
      title: 't',
      body: { text: 'y', markdown: 'y' },
      severity: 'critical',
      subject: { id: 'p', crn: 'c', name: 'n', account_id: 'a' },
      finding_ids: broad.finding_ids,
      affected_crns: [],
    });
    const racing: TicketSink = {
      ...sink,
      find: async (m) => {
        const found = await sink.find(m);
        (tickets[1] as Stored).status = 'resolved';
        return found;
      },
    };

    // Act
    const r = await runTicket(racing, broad, { dryRun: false });

    // Assess
    expect(r.outcome).toBe('ticket_updated');
    expect(r.ticket.closed).toEqual([]);
    expect(r.ticket.close_errors?.[0]).toMatch(/CS1000002 is already resolved/);
  });

  test('dry run: planned, the sink is only searched', async () => {
    // Prepare
    const { sink, tickets } = memorySink();

    // Act
    const r = await runTicket(sink, broad, { dryRun: true });

    // Assess
    expect(r).toMatchObject({ outcome: 'planned', ticket: { action: 'planned', plan: 'open' } });
    expect(tickets).toEqual([]);
  });
});

/** Claims in memory with the write-once semantics of the COS claim (first PUT of a name wins). */
const memoryClaims = () => {
  const taken = new Set<string>();
  const claims: TicketClaims = {
    claim: async (marker, key, eventId) => {
      const object = `${marker}/${key}/${eventId ?? 'window'}`;
      if (taken.has(object)) return { kind: 'lost', object };
      taken.add(object);
      return { kind: 'won', object };
    },
  };
  return claims;
};

describe('runTicket with claims', () => {
  const instant = async (): Promise<void> => {};
  const event = { action: 'iam-identity.account-profile.update', time: '2026-05-01T00:00:00Z', id: 'ev-1' };

  test('two runs of one event that both found nothing: one opens, the other waits for it and adds nothing', async () => {
    // Prepare: both runs search before either opens; the loser's waits are instant.
    let waiting = 0;
    let release: () => void = () => {};
    const bothSearched = new Promise<void>((r) => {
      release = r;
    });
    let first = true;
    const { sink, tickets } = memorySink({
      beforeFind: async () => {
        if (!first) return;
        waiting += 1;
        if (waiting === 2) {
          first = false;
          release();
        }
        await bothSearched;
      },
    });
    const claimed: TicketSink = { ...sink, claims: memoryClaims() };

    // Act
    const [a, b] = await Promise.all([
      runTicket(claimed, broad, { dryRun: false, event, sleep: instant }),
      runTicket(claimed, broad, { dryRun: false, event, sleep: instant }),
    ]);

    // Assess
    expect(tickets).toHaveLength(1);
    expect([a.ticket.claim, b.ticket.claim].sort()).toEqual(['lost', 'won']);
    const loser = a.ticket.claim === 'lost' ? a : b;
    expect(loser).toMatchObject({ outcome: 'ignored', ticket: { id: 'CS1000001' } });
  });

  test('the claim winner never opened (it died): the loser opens after its waits, nothing is lost', async () => {
    // Prepare: the claim for this event is already taken by a run that will never open.
    const { sink, tickets } = memorySink();
    const claims = memoryClaims();
    await claims.claim(broad.profile_marker, broad.key, 'ev-1');
    const waits: number[] = [];

    // Act
    const r = await runTicket({ ...sink, claims }, broad, {
      dryRun: false,
      event,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    // Assess
    expect(waits).toEqual(CLAIM_WAITS_MS);
    expect(r).toMatchObject({ outcome: 'ticket_opened', ticket: { claim: 'lost', id: 'CS1000001' } });
    expect(r.reason).toMatch(/its ticket never appeared/);
    expect(tickets).toHaveLength(1);
  });

  test('another event after a resolve claims afresh and opens a new ticket at once', async () => {
    // Prepare
    const { sink, tickets } = memorySink();
    const claimed: TicketSink = { ...sink, claims: memoryClaims() };
    await runTicket(claimed, broad, { dryRun: false, event, sleep: instant });
    (tickets[0] as Stored).status = 'resolved';

    // Act
    const again = await runTicket(claimed, broad, {
      dryRun: false,
      event: { ...event, id: 'ev-2' },
      sleep: async () => {
        throw new Error('must not wait');
      },
    });

    // Assess
    expect(again).toMatchObject({ outcome: 'ticket_opened', ticket: { claim: 'won', id: 'CS1000002' } });
  });
});
