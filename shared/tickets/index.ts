// The ticket sinks by name (`policy.profiles.ticket.sink`). A sink whose settings are missing refuses to
// be built: the decision says `failed` with what to set, and no event is retried for it.
import type CaseManagementV1 from '@ibm-cloud/platform-services/case-management/v1.js';
import type { Logger } from '../audit/logger.ts';
import { openStore } from '../audit/trail/open.ts';
import type { ObjectStore } from '../audit/trail/types.ts';
import { authenticatorFor } from '../cloud/auth.ts';
import { serviceUrl } from '../cloud/endpoints.ts';
import type { Config } from '../config.ts';
import type { TicketOptions, TicketSinkKind } from '../policy/profiles.ts';
import { createCaseManagementSink } from './case-management.ts';
import { CLAIM_PREFIX, createCosClaims, type TicketClaims } from './claim.ts';
import { enServiceUrl } from './en-client.ts';
import { createEventNotificationsSink } from './event-notifications.ts';
import { createJiraSink } from './jira.ts';
import { createCosLedger, LEDGER_PREFIX } from './ledger.ts';
import { createLogSink } from './log.ts';
import { createServiceNowSink } from './servicenow.ts';
import { type TicketSink, TicketSinkError } from './types.ts';
import { createWebhookSink } from './webhook.ts';

interface SinkDeps {
  config: Config;
  /** The policy's `profiles.ticket` (sink settings such as `jira.project`). */
  options: TicketOptions;
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

/** The trail bucket's store, opened on first use; undefined without a trail bucket. */
const trailStore = (config: Config): (() => Promise<ObjectStore>) | undefined => {
  if (!config.trail.bucket) return undefined;
  let store: Promise<ObjectStore> | undefined;
  return () => {
    store ??= openStore(config, config.trail.connection);
    // A failed open is not kept: the next call tries again.
    store.catch(() => {
      store = undefined;
    });
    return store;
  };
};

const env = (d: SinkDeps, name: string): string | undefined => d.config.env[name]?.trim() || undefined;

/** Where claims and the Event Notifications ledger live in the trail bucket. */
const statePrefix = (config: Config, leaf: string): string =>
  `${(config.env.IMDS_GUARD_TICKET_STATE_PREFIX?.trim() || 'imds-guard').replace(/^\/+|\/+$/g, '')}/${leaf}`;

/** Where the Event Notifications sink sends (and doctor reads): the emulator, EVENT_NOTIFICATIONS_URL, or the region's. */
const eventNotificationsUrl = (config: Config): string => {
  const region = config.env.IMDS_GUARD_EN_REGION?.trim() || 'us-south';
  return config.endpoint
    ? `${config.endpoint}/event-notifications`
    : config.env.EVENT_NOTIFICATIONS_URL?.trim() || enServiceUrl(region);
};

/** The Jira site the Jira sink talks to (and doctor reads): the emulator or JIRA_URL. */
const jiraUrl = (config: Config): string | undefined =>
  config.endpoint ?? (config.env.JIRA_URL?.trim() || undefined);

const eventNotificationsSink: SinkFactory = (d) => {
  const instanceId = env(d, 'IMDS_GUARD_EN_INSTANCE_ID');
  const sourceId = env(d, 'IMDS_GUARD_EN_SOURCE_ID');
  if (!instanceId || !sourceId)
    throw missing('event-notifications', [
      ...(instanceId ? [] : ['IMDS_GUARD_EN_INSTANCE_ID']),
      ...(sourceId ? [] : ['IMDS_GUARD_EN_SOURCE_ID']),
    ]);
  const url = eventNotificationsUrl(d.config);
  const store = trailStore(d.config);
  const bucket = d.config.trail.bucket;
  return createEventNotificationsSink({
    authenticator: authenticatorFor(d.config),
    serviceUrl: url,
    instanceId,
    sourceId,
    timeoutMs: d.config.tickets.timeoutMs,
    ...(store && bucket
      ? {
          ledger: createCosLedger({
            store,
            bucket,
            prefix: statePrefix(d.config, LEDGER_PREFIX),
            ...(d.now ? { now: d.now } : {}),
          }),
        }
      : {}),
    ...(d.now ? { now: d.now } : {}),
  });
};

const jiraSink: SinkFactory = (d) => {
  const baseUrl = jiraUrl(d.config);
  const email = env(d, 'IMDS_GUARD_JIRA_EMAIL');
  const apiToken = env(d, 'IMDS_GUARD_JIRA_API_TOKEN');
  const jira = d.options.jira;
  const absent = [
    ...(baseUrl ? [] : ['JIRA_URL']),
    ...(email ? [] : ['IMDS_GUARD_JIRA_EMAIL']),
    ...(apiToken ? [] : ['IMDS_GUARD_JIRA_API_TOKEN']),
    ...(jira ? [] : ['policy profiles.ticket.jira.project']),
  ];
  if (!baseUrl || !email || !apiToken || !jira) throw missing('jira', absent);
  return createJiraSink({
    baseUrl,
    email,
    apiToken,
    project: jira.project,
    issueType: jira.issue_type,
    ...(jira.done_transition ? { doneTransition: jira.done_transition } : {}),
    timeoutMs: d.config.tickets.timeoutMs,
  });
};

const TICKET_SINKS = {
  'event-notifications': eventNotificationsSink,
  jira: jiraSink,
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

/** Claims before opening (claim.ts) when a trail bucket is configured: searchable sinks only. */
const withClaims = (sink: TicketSink, config: Config, now?: () => Date): TicketSink => {
  const store = trailStore(config);
  const bucket = config.trail.bucket;
  if (!sink.searchable || !store || !bucket) return sink;
  const claims: TicketClaims = createCosClaims({
    store,
    bucket,
    prefix: statePrefix(config, CLAIM_PREFIX),
    ...(now ? { now } : {}),
  });
  return { ...sink, claims };
};

/** The sink the policy names; throws TicketSinkError (not retryable) when its settings are missing. */
const createSink = (options: TicketOptions, deps: Omit<SinkDeps, 'options'>): TicketSink => {
  const d = { ...deps, options };
  return withClaims(TICKET_SINKS[options.sink](d), deps.config, deps.now);
};

export type { OpenTicket, ResolveReason, SinkTicket, TicketSubject, TicketUpdate } from './types.ts';
export type { SinkDeps, SinkFactory, TicketSink };
export { createSink, eventNotificationsUrl, jiraUrl, TICKET_SINKS, TicketSinkError };
