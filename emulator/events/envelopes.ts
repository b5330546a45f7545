// Pure builders of what a receiver gets over HTTP for each delivery path (docs/architecture.md
// "Delivery envelopes"). Exported for intake tests: the same bytes the emulator's subscriptions send.
import { randomUuid, stableUuid } from '../core/ids.ts';

const ENVELOPE_KINDS = [
  'at',
  'at-array',
  'cloudevents-binary',
  'cloudevents-structured',
  'event-notifications',
] as const;

type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

interface DeliveryMeta {
  /** Kafka partition of the record; the emulator has one partition per subscription. */
  partition?: number;
  /** Kafka offset of the record (per subscription, from 0). */
  offset?: number;
  /** Code Engine project subdomain, the `namespaces/<project>` of ce-source. */
  project?: string;
  /** Subscription name: the KafkaSource name in ce-source, the alert name for EN. */
  subscription?: string;
  topic?: string;
  /** When the record was produced (ce-time, EN time); constant across redeliveries. */
  time?: Date;
  /** Account of the Cloud Logs instance (EN `source`). */
  account?: string;
  /** Region of the Cloud Logs instance that raises the alert (IAM events land in eu-de). */
  region?: string;
  /** The alert's query, shown as `alert_definition.query_statement` (≤ 100 chars). */
  query?: string;
  uuid?: () => string;
  /** Where Cloud Logs cuts `log_example` (default 1000; `Infinity` keeps a long event whole, for tests). */
  logExampleLimit?: number;
}

interface Delivery {
  /** Lower-case header names; Content-Length is left to the sender. */
  headers: Record<string, string>;
  /** The exact request body. */
  body: string;
}

class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

/** Cloud Logs cuts `log_example` at 1000 characters (CL-PAY). */
const LOG_EXAMPLE_LIMIT = 1000;
const KAFKA_EVENT_TYPE = 'dev.knative.kafka.event';
/** `com.ibm.cloud.logs.<event_type>:<event_subtype>` (CL-ETYPES): an immediate alert per matching line. */
const CL_ALERT_TYPE = 'StandardImmediateAlertEvent';
const CL_EVENT_TYPE = `com.ibm.cloud.logs.${CL_ALERT_TYPE}:AlertTriggered`;

const DEFAULTS = {
  partition: 0,
  offset: 0,
  project: 'imdsguardemu',
  subscription: 'imds-guard-events',
  topic: 'activity-tracker',
  account: '0123456789abcdef0123456789abcdef',
  region: 'eu-de',
  query: '_exists_:action',
};

type Resolved = typeof DEFAULTS & { time: Date; uuid: () => string; logExampleLimit: number };

const resolve = (meta: DeliveryMeta): Resolved => ({
  partition: meta.partition ?? DEFAULTS.partition,
  offset: meta.offset ?? DEFAULTS.offset,
  project: meta.project ?? DEFAULTS.project,
  subscription: meta.subscription ?? DEFAULTS.subscription,
  topic: meta.topic ?? DEFAULTS.topic,
  account: meta.account ?? DEFAULTS.account,
  region: meta.region ?? DEFAULTS.region,
  query: meta.query ?? DEFAULTS.query,
  time: meta.time ?? new Date(),
  uuid: meta.uuid ?? randomUuid,
  logExampleLimit: meta.logExampleLimit ?? LOG_EXAMPLE_LIMIT,
});

/** The CloudEvent attributes a Code Engine Kafka subscription gives one record (CE-KAFKA). */
const kafkaAttributes = (m: Resolved) => ({
  id: `partition:${m.partition}/offset:${m.offset}`,
  source: `/apis/v1/namespaces/${m.project}/kafkasources/${m.subscription}#${m.topic}`,
  specversion: '1.0',
  subject: `partition:${m.partition}#${m.offset}`,
  time: m.time.toISOString(),
  type: KAFKA_EVENT_TYPE,
});

const single = (envelope: EnvelopeKind, events: readonly unknown[]): unknown => {
  if (events.length !== 1)
    throw new EnvelopeError(`envelope ${envelope} carries exactly one event, got ${events.length}`);
  return events[0];
};

/** `log_example` as Cloud Logs sends it: the object, or its first 1000 JSON characters. */
const logExample = (
  event: unknown,
  limit = LOG_EXAMPLE_LIMIT,
): { log_example: unknown; log_example_truncated: boolean } => {
  const text = JSON.stringify(event);
  return text.length > limit
    ? { log_example: text.slice(0, limit), log_example_truncated: true }
    : { log_example: event, log_example_truncated: false };
};

const eventMillis = (event: unknown, fallback: Date): number => {
  const t = (event as { eventTime?: unknown } | null)?.eventTime;
  const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? fallback.getTime() : ms;
};

/** EN times look like `2024-01-01T00:00:00.000000Z` (microseconds). */
const enTime = (d: Date): string => `${d.toISOString().slice(0, 23)}000Z`;

const enNotification = (event: unknown, m: Resolved) => {
  const instance = stableUuid(m.account, 'cloud-logs-instance');
  const alertId = stableUuid(m.account, `cl-alert:${m.subscription}`);
  const versionedId = stableUuid(m.account, `cl-alert-version:${m.subscription}`);
  const insight = m.uuid();
  const dashboard = `https://dashboard.${m.region}.logs.cloud.ibm.com/${instance}`;
  const crn = `crn:v1:bluemix:public:logs:${m.region}:a/${m.account}:${instance}::`;
  const severity = 'INFO';
  return {
    data: {
      alert_definition: {
        alert_type: CL_ALERT_TYPE,
        condition: { Immediate: {} },
        description: '',
        id: alertId,
        meta_labels: {},
        name: m.subscription.slice(0, 100),
        query_statement: m.query.slice(0, 100),
        severity,
        versioned_id: versionedId,
      },
      latest_event_timestamp: eventMillis(event, m.time),
      links: {
        edit_alert: `${dashboard}/#/alerts/${versionedId}`,
        view_alert: `${dashboard}/#/insights?id=${insight}`,
      },
      ...logExample(event, m.logExampleLimit),
      meta_labels_truncated: false,
      priority: 'P3',
      status: 'triggered',
    },
    datacontenttype: 'application/json',
    ibmendefaultlong: `Triggered: ${m.time.toISOString().slice(0, 19)}Z`,
    ibmendefaultshort: `${severity} - ${m.subscription}`,
    ibmenseverity: severity.toLowerCase(),
    ibmensourceid: crn,
    id: `${m.uuid()}_${insight}`,
    notification_id: m.uuid(),
    source: crn,
    specversion: '1.0',
    time: enTime(m.time),
    type: CL_EVENT_TYPE,
  };
};

type EnvelopeBuilder = (events: readonly unknown[], m: Resolved) => Delivery;

const JSON_HEADERS = { 'content-type': 'application/json' };

const BUILDERS = {
  at: (events, _m) => ({ headers: { ...JSON_HEADERS }, body: JSON.stringify(single('at', events)) }),
  'at-array': (events, _m) => {
    if (events.length === 0) throw new EnvelopeError('envelope at-array needs at least one event');
    return { headers: { ...JSON_HEADERS }, body: JSON.stringify(events) };
  },
  // The Kafka record value goes out as-is; atracker sets no Content-Type we could pass on (UNCONFIRMED).
  'cloudevents-binary': (events, m) => {
    const a = kafkaAttributes(m);
    return {
      headers: {
        'ce-id': a.id,
        'ce-source': a.source,
        'ce-specversion': a.specversion,
        'ce-subject': a.subject,
        'ce-time': a.time,
        'ce-type': a.type,
      },
      body: JSON.stringify(single('cloudevents-binary', events)),
    };
  },
  'cloudevents-structured': (events, m) => {
    const a = kafkaAttributes(m);
    const event = single('cloudevents-structured', events);
    return {
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ ...a, datacontenttype: 'application/json', data: event }),
    };
  },
  'event-notifications': (events, m) => ({
    headers: { ...JSON_HEADERS },
    body: JSON.stringify(enNotification(single('event-notifications', events), m)),
  }),
} satisfies Record<EnvelopeKind, EnvelopeBuilder>;

/** Headers and body of one delivery of `events` in `envelope` form. Pure except for default ids/time. */
const buildDelivery = (
  envelope: EnvelopeKind,
  events: readonly unknown[],
  meta: DeliveryMeta = {},
): Delivery => BUILDERS[envelope](events, resolve(meta));

/** Envelopes that carry one event per delivery (every kind but at-array). */
const isBatchEnvelope = (envelope: EnvelopeKind): boolean => envelope === 'at-array';

export type { Delivery, DeliveryMeta, EnvelopeKind };
export {
  buildDelivery,
  CL_EVENT_TYPE,
  ENVELOPE_KINDS,
  EnvelopeError,
  isBatchEnvelope,
  KAFKA_EVENT_TYPE,
  LOG_EXAMPLE_LIMIT,
  logExample,
};
