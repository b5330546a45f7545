// One ticket per subject (a trusted profile, a VPC's network posture), through any sink: search by marker,
// plan (ticket-subject.ts), act, and — after opening — look again so that concurrent runs converge on one
// survivor (earliest created, lowest number): a run whose new ticket is not the survivor closes it.
import type { Outcome } from '#shared/audit/decision.ts';
import type { OpenTicket, SinkTicket, TicketSink, TicketUpdate } from '#shared/tickets/index.ts';
import { TicketSinkError } from '#shared/tickets/index.ts';
import type { TicketText } from '#shared/tickets/tags.ts';
import type { ProfileAssessment } from './decide.ts';
import { profileTicketable } from './ticket-plan.ts';
import {
  chooseSurvivor,
  planSubjectTicket,
  type SurvivorPlan,
  type Ticketable,
  type TicketPlan,
  type TriggerEvent,
} from './ticket-subject.ts';

/** What happened to the ticket, for the decision record's `detail.ticket`. */
interface TicketDetail {
  sink: string;
  action:
    | 'opened'
    | 'commented'
    | 'resolved'
    | 'unchanged'
    | 'none'
    | 'duplicate-closed'
    | 'notified-open'
    | 'notified-resolve'
    | 'planned';
  id?: string;
  /** The previous key, when a comment recorded a change of findings. */
  previous_key?: string;
  added?: string[];
  removed?: string[];
  /** Duplicates closed against the survivor in this run. */
  closed?: string[];
  /** The survivor, when this run's own new ticket lost the race and was closed. */
  duplicate_of?: string;
  /** Closing a duplicate failed with a 4xx (most often: another run closed it first). */
  close_errors?: string[];
  /** Dry run: what the plan was. */
  plan?: TicketPlan['kind'];
  /** The claim before opening (claim.ts): won and opened, lost and waited, or the store was unavailable. */
  claim?: 'won' | 'lost' | 'unavailable';
}

interface TicketResult {
  outcome: Outcome;
  reason: string;
  ticket: TicketDetail;
  /** A decision the log should show at info although its outcome is `ignored` (nothing new, but checked). */
  level?: 'info';
}

interface LifecycleOptions {
  dryRun: boolean;
  event?: TriggerEvent;
  mappedSeverity?: number | string;
  /** Waits between searches after losing a claim (tests pass an instant one). */
  sleep?: (ms: number) => Promise<void>;
}

/** After losing a claim: search again after each wait (12.75 s in all), then give the event back. */
const CLAIM_WAITS_MS = [250, 500, 1000, 2000, 4000, 5000];

const updateOf = (a: Ticketable): TicketUpdate => ({
  marker: a.marker,
  key: a.key,
  subject: a.subject,
  finding_ids: a.finding_ids,
});

const openRequest = (
  a: Ticketable,
  plan: Extract<TicketPlan, { kind: 'open' }>,
  o: LifecycleOptions,
): OpenTicket => ({
  marker: plan.marker,
  key: plan.key,
  title: plan.title,
  body: plan.body,
  severity: plan.severity,
  ...(o.mappedSeverity !== undefined ? { mapped_severity: o.mappedSeverity } : {}),
  subject: updateOf(a).subject,
  finding_ids: a.finding_ids,
  affected_crns: a.affected_crns,
});

const findingsList = (ids: readonly string[]): string => (ids.length > 0 ? ids.join(', ') : 'none');

/** No open ticket and nothing to open. */
const quiet = (a: Ticketable, sink: string): TicketResult =>
  a.exempt
    ? {
        outcome: 'exempt',
        reason: `exempt until ${a.exempt.expires} (approved by ${a.exempt.approver}, ticket ${a.exempt.ticket}); ${a.finding_ids.length} finding(s) not ticketed`,
        ticket: { sink, action: 'none' },
      }
    : {
        outcome: 'compliant',
        reason: `${a.words.clean} and no ticket is open`,
        ticket: { sink, action: 'none' },
      };

/** Closes duplicates; a 4xx (already closed by a concurrent run) is noted, anything retryable is thrown. */
const closeAll = async (
  sink: TicketSink,
  byId: Map<string, SinkTicket>,
  survivor: SinkTicket,
  close: { ticket_id: string; comment: TicketText }[],
): Promise<{ closed: string[]; errors: string[] }> => {
  const closed: string[] = [];
  const errors: string[] = [];
  for (const c of close) {
    const ref = byId.get(c.ticket_id);
    if (!ref) continue;
    try {
      await sink.close(ref, survivor, c.comment);
      closed.push(ref.id);
    } catch (err) {
      if (err instanceof TicketSinkError && !err.retryable) errors.push(`${ref.id}: ${err.message}`);
      else throw err;
    }
  }
  return { closed, errors };
};

/** Keeps the survivor current: nothing, a comment with the change, or a comment and resolve. */
const applySurvivor = async (
  sink: TicketSink,
  a: Ticketable,
  plan: SurvivorPlan,
  survivor: SinkTicket,
): Promise<TicketResult> => {
  const base = { sink: sink.kind, id: survivor.id };
  switch (plan.kind) {
    case 'none':
      // Same findings as the ticket already says: checked, nothing new to tell anyone.
      return {
        outcome: 'ignored',
        level: 'info',
        reason: `findings unchanged (${a.finding_ids.length}, key ${a.key}): ticket ${survivor.id} already tracks them`,
        ticket: { ...base, action: 'unchanged' },
      };
    case 'comment':
      await sink.comment(survivor, plan.comment, updateOf(a));
      return {
        outcome: 'ticket_updated',
        reason: `findings changed (added ${findingsList(plan.added)}; removed ${findingsList(plan.removed)}): commented on ticket ${survivor.id}`,
        ticket: {
          ...base,
          action: 'commented',
          previous_key: plan.previous_key,
          added: plan.added,
          removed: plan.removed,
        },
      };
    case 'resolve':
      await sink.resolve(survivor, plan.comment, { ...updateOf(a), reason: plan.reason });
      return {
        outcome: 'ticket_resolved',
        reason:
          plan.reason === 'compliant'
            ? `${a.words.clean} any more: commented on and resolved ticket ${survivor.id}`
            : `the ${a.words.noun} is exempt until ${a.exempt?.expires ?? '?'}: commented on and resolved ticket ${survivor.id}`,
        ticket: { ...base, action: 'resolved' },
      };
  }
};

/** Stateless sinks (webhook, log): a notification per assessment; the receiver dedupes on key and marker. */
const notify = async (sink: TicketSink, a: Ticketable, o: LifecycleOptions): Promise<TicketResult> => {
  const plan = planSubjectTicket(a, [], o.event ? { event: o.event } : {});
  if (plan.kind === 'open') {
    if (o.dryRun)
      return {
        outcome: 'planned',
        reason: `dry run: would send an open notification for ${a.finding_ids.length} finding(s) to the ${sink.kind} sink`,
        ticket: { sink: sink.kind, action: 'planned', plan: 'open' },
      };
    const t = await sink.open(openRequest(a, plan, o));
    return {
      outcome: 'ticket_opened',
      reason: `${a.finding_ids.length} finding(s) (severity ${a.severity ?? 'none'}): sent to the ${sink.kind} sink, which cannot be searched; the receiver dedupes on key ${a.key}`,
      ticket: { sink: sink.kind, action: 'notified-open', id: t.id },
    };
  }
  const result = quiet(a, sink.kind);
  if (o.dryRun) return result;
  // Tell the receiver the subject is clean, in case it holds a ticket for this marker.
  const ref: SinkTicket = {
    id: a.marker,
    created_at: '',
    status: 'open',
    key: a.key,
    marker: a.marker,
  };
  const text = planSubjectTicket(a, [ref]);
  if (text.kind === 'resolve') await sink.resolve(ref, text.comment, { ...updateOf(a), reason: text.reason });
  return { ...result, ticket: { sink: sink.kind, action: 'notified-resolve', id: a.marker } };
};

/** After opening: look again; if another run's ticket is the survivor, close ours against it. */
const settleAfterOpen = async (
  sink: TicketSink,
  a: Ticketable,
  created: SinkTicket,
  o: LifecycleOptions,
): Promise<TicketResult> => {
  const opened: TicketResult = {
    outcome: 'ticket_opened',
    reason: `${a.finding_ids.length} finding(s) (severity ${a.severity ?? 'none'}): opened ticket ${created.id}`,
    ticket: { sink: sink.kind, action: 'opened', id: created.id },
  };
  let after: SinkTicket[];
  try {
    after = await sink.find(a.marker);
  } catch (err) {
    // The ticket exists; a later event (or the sweep) closes any duplicate this check would have found.
    if (err instanceof TicketSinkError)
      return { ...opened, reason: `${opened.reason} (recheck failed: ${err.message})` };
    throw err;
  }
  // The sink's own view of our ticket (its creation time, not ours) when the search already shows it.
  const mine0 = after.find((t) => t.id === created.id) ?? created;
  const open = [...after.filter((t) => t.id !== created.id), mine0];
  const plan = planSubjectTicket(a, open, o.event ? { event: o.event } : {});
  if (plan.kind !== 'close_duplicates' || plan.survivor_id === created.id) return opened;
  const survivor = chooseSurvivor(open.filter((t) => t.marker === a.marker));
  const mine = plan.close.find((c) => c.ticket_id === created.id);
  if (!survivor || !mine) return opened;
  // Close only our own ticket: each run closes what it made, so a burst does not close everything N times.
  const { errors } = await closeAll(sink, new Map([[created.id, mine0]]), survivor, [mine]);
  const rest = await applySurvivor(sink, a, plan.survivor_plan, survivor);
  return {
    ...rest,
    reason: `${rest.reason}; a concurrent run opened ${survivor.id} first, so our ${created.id} was closed as its duplicate`,
    ticket: {
      ...rest.ticket,
      duplicate_of: survivor.id,
      closed: [created.id],
      ...(errors.length > 0 ? { close_errors: errors } : {}),
    },
  };
};

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lost the claim: another run is opening this ticket. Search until it shows; undefined if it never does. */
const waitForTicket = async (
  sink: TicketSink,
  a: Ticketable,
  o: LifecycleOptions,
): Promise<SinkTicket[] | undefined> => {
  const sleep = o.sleep ?? sleepMs;
  for (const ms of CLAIM_WAITS_MS) {
    await sleep(ms);
    const found = await sink.find(a.marker);
    if (found.some((t) => t.marker === a.marker && t.status === 'open')) return found;
  }
  return undefined;
};

/** Opens — after a claim when the sink has claims — then settles races with a second search. */
const openTicket = async (
  sink: TicketSink,
  a: Ticketable,
  plan: Extract<TicketPlan, { kind: 'open' }>,
  o: LifecycleOptions,
): Promise<TicketResult> => {
  const claim = sink.claims ? await sink.claims.claim(a.marker, a.key, o.event?.id) : undefined;
  if (claim?.kind === 'lost') {
    const found = await waitForTicket(sink, a, o);
    if (found) {
      const r = await actOnPlan(sink, a, found, o, false);
      return { ...r, ticket: { ...r.ticket, claim: 'lost' } };
    }
  }
  const created = await sink.open(openRequest(a, plan, o));
  const r = await settleAfterOpen(sink, a, created, o);
  if (!claim) return r;
  const note =
    claim.kind === 'unavailable'
      ? ` (claim store unavailable: ${claim.reason})`
      : claim.kind === 'lost'
        ? ' (another run claimed it, but its ticket never appeared)'
        : '';
  return { ...r, reason: `${r.reason}${note}`, ticket: { ...r.ticket, claim: claim.kind } };
};

/** Acts on the plan for the tickets found; `mayOpen` false: a claim was lost, so another run opens. */
const actOnPlan = async (
  sink: TicketSink,
  a: Ticketable,
  existing: SinkTicket[],
  o: LifecycleOptions,
  mayOpen: boolean,
): Promise<TicketResult> => {
  const byId = new Map(existing.map((t) => [t.id, t]));
  const plan = planSubjectTicket(a, existing, o.event ? { event: o.event } : {});
  switch (plan.kind) {
    case 'none': {
      if (plan.reason !== 'unchanged') return quiet(a, sink.kind);
      const survivor = plan.ticket_id ? byId.get(plan.ticket_id) : undefined;
      return survivor ? applySurvivor(sink, a, plan, survivor) : quiet(a, sink.kind);
    }
    case 'open': {
      if (!mayOpen)
        throw new TicketSinkError(sink.kind, `the ticket for ${a.marker} is not open yet`, {
          status: 503,
        });
      return openTicket(sink, a, plan, o);
    }
    case 'comment':
    case 'resolve': {
      const survivor = byId.get(plan.ticket_id);
      if (!survivor)
        throw new TicketSinkError(sink.kind, `ticket ${plan.ticket_id} vanished`, { status: 503 });
      return applySurvivor(sink, a, plan, survivor);
    }
    case 'close_duplicates': {
      const survivor = byId.get(plan.survivor_id);
      if (!survivor)
        throw new TicketSinkError(sink.kind, `ticket ${plan.survivor_id} vanished`, { status: 503 });
      const { closed, errors } = await closeAll(sink, byId, survivor, plan.close);
      const { level: _quiet, ...rest } = await applySurvivor(sink, a, plan.survivor_plan, survivor);
      // Closing duplicates is a change to the tickets even when the survivor needed nothing.
      return {
        ...rest,
        outcome: rest.outcome === 'ignored' ? 'ticket_updated' : rest.outcome,
        reason: `closed ${closed.length} duplicate(s) of ticket ${survivor.id} (${closed.join(', ') || 'already closed'}); ${rest.reason}`,
        ticket: { ...rest.ticket, closed, ...(errors.length > 0 ? { close_errors: errors } : {}) },
      };
    }
  }
};

/**
 * The ticket side of one assessment. Throws TicketSinkError: retryable ones make the function answer
 * 5xx (the event comes again; every step is safe to repeat), the others end as `failed`.
 */
const runSubjectTicket = async (
  sink: TicketSink,
  a: Ticketable,
  o: LifecycleOptions,
): Promise<TicketResult> => {
  if (!sink.searchable) return notify(sink, a, o);
  const existing = await sink.find(a.marker);
  const plan = planSubjectTicket(a, existing, o.event ? { event: o.event } : {});
  if (o.dryRun && plan.kind !== 'none')
    return {
      outcome: 'planned',
      reason: `dry run: would ${plan.kind.replace('_', ' ')}${'ticket_id' in plan ? ` (ticket ${plan.ticket_id})` : ''}`,
      ticket: {
        sink: sink.kind,
        action: 'planned',
        plan: plan.kind,
        ...('ticket_id' in plan ? { id: plan.ticket_id } : {}),
      },
    };
  return actOnPlan(sink, a, existing, o, true);
};

/** A trusted profile's ticket (the same lifecycle as every subject's). */
const runTicket = (sink: TicketSink, a: ProfileAssessment, o: LifecycleOptions): Promise<TicketResult> =>
  runSubjectTicket(sink, profileTicketable(a), o);

export type { LifecycleOptions, TicketDetail, TicketResult };
export { CLAIM_WAITS_MS, runSubjectTicket, runTicket };
