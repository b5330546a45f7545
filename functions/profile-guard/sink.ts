// The ticket sink the policy names, built on first use per runtime (a sink with missing settings fails
// only when a ticket is needed) on the acting context's Case Management client.
import type { ActContext } from '#shared/runtime/acting.ts';
import type { GuardRuntime } from '#shared/runtime/guard.ts';
import { createSink, type TicketSink } from '#shared/tickets/index.ts';

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

export { sinkFor };
