// The ticket sinks by name (`policy.profiles.ticket.sink`). A sink whose settings are missing refuses to
// be built: the decision says `failed` with what to set, and no event is retried for it.
import type CaseManagementV1 from '@ibm-cloud/platform-services/case-management/v1.js';
import type { Logger } from '../audit/logger.ts';
import { serviceUrl } from '../cloud/endpoints.ts';
import type { Config } from '../config.ts';
import type { TicketSinkKind } from '../policy/profiles.ts';
import { createCaseManagementSink } from './case-management.ts';
import { createLogSink } from './log.ts';
import { createServiceNowSink } from './servicenow.ts';
import {
  type OpenTicket,
  type ResolveReason,
  type SinkTicket,
  type TicketSink,
  TicketSinkError,
  type TicketSubject,
  type TicketUpdate,
} from './types.ts';
import { createWebhookSink } from './webhook.ts';

interface SinkDeps {
  config: Pick<Config, 'endpoint' | 'env' | 'tickets'>;
  logger: Logger;
  /** The Case Management client on the process's one authenticator (shared/cloud/clients.ts). */
  cases: () => Promise<CaseManagementV1>;
  now?: () => Date;
}

type SinkFactory = (deps: SinkDeps) => TicketSink;

const missing = (sink: TicketSinkKind, names: string[]): TicketSinkError =>
  new TicketSinkError(sink, `the ${sink} ticket sink needs ${names.join(' and ')}`, {
    status: 0,
    retryable: false,
  });

const TICKET_SINKS = {
  'case-management': (d) =>
    createCaseManagementSink({ client: d.cases, timeoutMs: d.config.tickets.timeoutMs }),
  servicenow: (d) => {
    const baseUrl = serviceUrl(d.config, 'servicenow');
    const { servicenowUser: user, servicenowPassword: password, timeoutMs } = d.config.tickets;
    const absent = [
      ...(baseUrl ? [] : ['SERVICENOW_URL']),
      ...(user ? [] : ['IMDS_GUARD_SERVICENOW_USER']),
      ...(password ? [] : ['IMDS_GUARD_SERVICENOW_PASSWORD']),
    ];
    if (!baseUrl || !user || !password) throw missing('servicenow', absent);
    return createServiceNowSink({ baseUrl, user, password, timeoutMs });
  },
  webhook: (d) => {
    const { webhookUrl: url, webhookSecret: secret, timeoutMs } = d.config.tickets;
    if (!url || !secret)
      throw missing('webhook', [
        ...(url ? [] : ['IMDS_GUARD_WEBHOOK_URL']),
        ...(secret ? [] : ['IMDS_GUARD_WEBHOOK_SECRET']),
      ]);
    return createWebhookSink({ url, secret, timeoutMs, ...(d.now ? { now: d.now } : {}) });
  },
  log: (d) => createLogSink({ logger: d.logger, ...(d.now ? { now: d.now } : {}) }),
} satisfies Record<TicketSinkKind, SinkFactory>;

/** The sink the policy names; throws TicketSinkError (not retryable) when its settings are missing. */
const createSink = (kind: TicketSinkKind, deps: SinkDeps): TicketSink => TICKET_SINKS[kind](deps);

export type {
  OpenTicket,
  ResolveReason,
  SinkDeps,
  SinkFactory,
  SinkTicket,
  TicketSink,
  TicketSubject,
  TicketUpdate,
};
export { createSink, TICKET_SINKS, TicketSinkError };
