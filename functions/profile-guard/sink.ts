// The ticket sink the policy names, built on first use per runtime (a sink with missing settings fails
// only when a ticket is needed) on the acting context's Case Management client, and a subject's one
// ticket through it: the way every guard (profiles, networks, rollout and image notices) tickets.
import type { ActContext } from '#shared/runtime/acting.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { createSink, type TicketSink, TicketSinkError } from '#shared/tickets/index.ts';
import { runSubjectTicket, type TicketResult } from './lifecycle.ts';
import type { Ticketable, TriggerEvent } from './ticket-subject.ts';

const sinks = new WeakMap<GuardRuntime, TicketSink>();

const sinkFor = (ctx: ActContext): TicketSink => {
  const { rt } = ctx;
  let sink = sinks.get(rt);
  if (!sink) {
    sink = createSink(rt.policy.profiles.ticket, {
      config: rt.config,
      logger: rt.logger,
      cases: ctx.clients.cases,
      now: rt.now,
    });
    sinks.set(rt, sink);
  }
  return sink;
};

interface TicketOptions {
  event?: TriggerEvent;
  /** Send the sink the policy's `severity_map` value for the subject's severity (findings subjects). */
  mapSeverity?: boolean;
}

/** The subject's one ticket, in the runtime's dry-run mode. Throws TicketSinkError (lifecycle.ts). */
const ticketFor = (ctx: ActContext, t: Ticketable, o: TicketOptions = {}): Promise<TicketResult> => {
  const { rt } = ctx;
  const mapped =
    o.mapSeverity && t.severity ? rt.policy.profiles.ticket.severity_map?.[t.severity] : undefined;
  return runSubjectTicket(sinkFor(ctx), t, {
    dryRun: rt.dryRun,
    ...(o.event ? { event: o.event } : {}),
    ...(mapped !== undefined ? { mappedSeverity: mapped } : {}),
  });
};

/** Why a sink's failure leaves a decision `failed`: unavailable (the event should come again) or refused. */
const sinkFailureReason = (err: TicketSinkError): string =>
  `${err.retryable ? 'ticket sink unavailable, retry wanted' : 'ticket sink refused'}: ${err.message}`;

/** A sink that failed, as data: the reason, the record's `detail.ticket`, and whether to retry. */
interface SinkFailure {
  kind: 'sink-failed';
  reason: string;
  ticket: { sink: string; action: 'none'; status: number };
  retry: boolean;
}

/** `ticketFor`, with a sink's failure returned instead of thrown (anything else is still thrown). */
const tryTicketFor = async (
  ctx: ActContext,
  t: Ticketable,
  o: TicketOptions = {},
): Promise<{ kind: 'ticket'; ticket: TicketResult } | SinkFailure> => {
  try {
    return { kind: 'ticket', ticket: await ticketFor(ctx, t, o) };
  } catch (err) {
    if (!(err instanceof TicketSinkError)) throw err;
    return {
      kind: 'sink-failed',
      reason: sinkFailureReason(err),
      ticket: { sink: err.sink, action: 'none', status: err.status },
      retry: err.retryable,
    };
  }
};

export type { SinkFailure };
export { sinkFailureReason, sinkFor, ticketFor, tryTicketFor };
