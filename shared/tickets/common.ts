// Steps the sinks share: counting a call toward the decision's `api_calls`, turning an SDK failure into a
// TicketSinkError, HTTP Basic credentials, the policy's `severity_map` value or the sink's default, the
// check that a created ticket came back whole, and the ticket a stateless sink reports as opened.
import { CloudApiError, errorMessage } from '../errors.ts';
import type { TicketSinkKind } from '../policy/profiles.ts';
import { currentTally } from '../runtime/call-counter.ts';
import { type OpenTicket, type SinkTicket, TicketSinkError } from './types.ts';

/** One call to the sink, counted in the running decision's tally (when there is one). */
const countCall = (sink: TicketSinkKind): void => {
  const tally = currentTally();
  if (!tally) return;
  tally.calls += 1;
  tally.byService[sink] = (tally.byService[sink] ?? 0) + 1;
};

/** An IBM SDK call failed: `<service> <what>: <status or "no answer"> <message>`, retryable as the error says. */
const cloudSinkError = (
  sink: TicketSinkKind,
  service: string,
  err: unknown,
  what: string,
): TicketSinkError => {
  const e =
    err instanceof CloudApiError ? err : new CloudApiError(errorMessage(err), { status: 0, cause: err });
  return new TicketSinkError(sink, `${service} ${what}: ${e.status || 'no answer'} ${e.message}`, {
    status: e.status,
    retryable: e.retryable,
    cause: err,
  });
};

/** `Authorization` for HTTP Basic. */
const basicAuth = (user: string, secret: string): string =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** A `severity_map` value naming the sink's own level (Jira priority, EN severity), else the default. */
const mappedName = (mapped: number | string | undefined, fallback: string): string =>
  typeof mapped === 'string' && mapped.trim() !== '' ? mapped.trim() : fallback;

/** A `severity_map` value that is a level 1..max (ServiceNow impact, case severity), else the default. */
const mappedLevel = (mapped: number | string | undefined, max: number, fallback: number): number => {
  const n = Number(mapped);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
};

/** The ticket read from a create answer; a 502 when the answer lacks its number or the marker. */
const createdTicket = (sink: TicketSinkKind, noun: string, ticket: SinkTicket | undefined): SinkTicket => {
  if (!ticket)
    throw new TicketSinkError(sink, `the created ${noun} came back without its number or marker`, {
      status: 502,
    });
  return ticket;
};

/**
 * The ticket a stateless sink (webhook, log) reports as opened: the receiver names its tickets itself,
 * so the marker is the only id both sides share.
 */
const receiverTicket = (t: OpenTicket, at: Date): SinkTicket => ({
  id: t.marker,
  created_at: at.toISOString(),
  status: 'open',
  key: t.key,
  marker: t.marker,
  finding_ids: t.finding_ids,
});

export { basicAuth, cloudSinkError, countCall, createdTicket, mappedLevel, mappedName, receiverTicket };
