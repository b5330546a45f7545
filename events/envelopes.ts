// The sending side of docs/architecture.md "Delivery envelopes": builds what each path hands us, for
// fixtures and tests (the emulator has its own builders in emulator/events/; both follow that section).
import { parseEventTime } from './schema.ts';

/** An HTTP delivery as a fixture: `body` is sent as its JSON text, or as-is when it is a string. */
interface HttpDelivery {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

const ENVELOPE_KINDS = [
  'at',
  'at-array',
  'cloudevents-binary',
  'cloudevents-structured',
  'event-notifications',
  'event-notifications-truncated',
] as const;

type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

/** Everything a builder needs besides the event; fixtures derive it deterministically. */
interface EnvelopeMeta {
  /** Delivery time (`ce-time`, CloudEvent `time`). */
  time: Date;
  /** Kafka position of the record: `ce-id: partition:<p>/offset:<n>`. */
  partition: number;
  offset: number;
  /** Code Engine project subdomain, Kafka subscription and topic (`ce-source`). */
  project: string;
  subscription: string;
  topic: string;
  /** Structured CloudEvent id / EN notification ids. */
  id: string;
  notificationId: string;
  /** Cloud Logs instance CRN (EN `source`, `ibmensourceid`). */
  logsCrn: string;
  alertId: string;
}

/** Cloud Logs cuts `log_example` here (CL-PAY). */
const LOG_EXAMPLE_LIMIT = 1000;

/** INVENTED: IBM publishes no structured-mode type for AT events; the decoder ignores it. */
const AT_CLOUDEVENT_TYPE = 'com.ibm.cloud.activity-tracker.event';

const json = { 'content-type': 'application/json' };

const iso6 = (d: Date): string => `${d.toISOString().slice(0, 23)}000Z`;

const alertPayload = (event: Record<string, unknown>, meta: EnvelopeMeta, truncate: boolean) => {
  const text = JSON.stringify(event);
  const cut = truncate && text.length > LOG_EXAMPLE_LIMIT;
  const eventTime = typeof event.eventTime === 'string' ? event.eventTime : undefined;
  const dashboard = `https://dashboard.us-south.logs.cloud.ibm.com/${meta.logsCrn.split(':')[7] ?? ''}`;
  return {
    data: {
      alert_definition: {
        alert_type: 'StandardImmediateAlertEvent',
        condition: { Immediate: {} },
        description: 'Activity Tracker changes imds-guard reacts to',
        id: meta.alertId,
        meta_labels: { app: 'imds-guard' },
        name: 'imds-guard-at-changes',
        query_statement: 'action:is.instance* OR action:is.instance-group* OR action:iam-*',
        severity: 'INFO',
        versioned_id: `${meta.alertId}-v1`,
      },
      latest_event_timestamp: (eventTime ? parseEventTime(eventTime)?.getTime() : undefined) ?? 0,
      links: {
        edit_alert: `${dashboard}/#/alerts/${meta.alertId}-v1`,
        view_alert: `${dashboard}/#/insights?id=${meta.notificationId}`,
      },
      log_example: cut ? text.slice(0, LOG_EXAMPLE_LIMIT) : event,
      log_example_truncated: cut,
      meta_labels_truncated: false,
      priority: 'P3',
      status: 'triggered',
    },
    datacontenttype: 'application/json',
    ibmendefaultlong: `Triggered: ${meta.time.toISOString().slice(0, 19)}Z`,
    ibmendefaultshort: 'INFO - imds-guard-at-changes',
    ibmenseverity: 'info',
    ibmensourceid: meta.logsCrn,
    id: meta.id,
    notification_id: meta.notificationId,
    source: meta.logsCrn,
    specversion: '1.0',
    time: iso6(meta.time),
    type: 'com.ibm.cloud.logs.StandardImmediateAlertEvent:AlertTriggered',
  };
};

type Builder = (event: Record<string, unknown>, meta: EnvelopeMeta) => HttpDelivery;

const BUILDERS = {
  at: (event) => ({ method: 'POST', path: '/', headers: { ...json }, body: event }),
  'at-array': (event) => ({ method: 'POST', path: '/', headers: { ...json }, body: [event] }),
  // Kafka subscription → app: no guaranteed Content-Type; the body is the record value (CE-KAFKA).
  'cloudevents-binary': (event, meta) => ({
    method: 'POST',
    path: '/',
    headers: {
      'ce-id': `partition:${meta.partition}/offset:${meta.offset}`,
      'ce-source': `/apis/v1/namespaces/${meta.project}/kafkasources/${meta.subscription}#${meta.topic}`,
      'ce-specversion': '1.0',
      'ce-subject': `partition:${meta.partition}#${meta.offset}`,
      'ce-time': meta.time.toISOString(),
      'ce-type': 'dev.knative.kafka.event',
    },
    body: event,
  }),
  'cloudevents-structured': (event, meta) => ({
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: {
      specversion: '1.0',
      id: meta.id,
      source: typeof event.logSourceCRN === 'string' ? event.logSourceCRN : 'imds-guard',
      type: AT_CLOUDEVENT_TYPE,
      time: meta.time.toISOString(),
      datacontenttype: 'application/json',
      data: event,
    },
  }),
  'event-notifications': (event, meta) => ({
    method: 'POST',
    path: '/',
    headers: { ...json },
    body: alertPayload(event, meta, false),
  }),
  'event-notifications-truncated': (event, meta) => ({
    method: 'POST',
    path: '/',
    headers: { ...json },
    body: alertPayload(event, meta, true),
  }),
} satisfies Record<EnvelopeKind, Builder>;

const buildDelivery = (
  kind: EnvelopeKind,
  event: Record<string, unknown>,
  meta: EnvelopeMeta,
): HttpDelivery => BUILDERS[kind](event, meta);

/** A cron (ping) subscription delivery to an app: text data, `ce-type: dev.knative.sources.ping` (CE-CRON). */
const buildCronDelivery = (meta: {
  id: string;
  time: Date;
  project: string;
  name: string;
  data: string;
}) => ({
  method: 'POST' as const,
  path: '/',
  headers: {
    'ce-id': meta.id,
    'ce-source': `/apis/v1/namespaces/${meta.project}/pingsources/${meta.name}`,
    'ce-specversion': '1.0',
    'ce-time': meta.time.toISOString(),
    'ce-type': 'dev.knative.sources.ping',
    'content-type': 'text/plain',
  },
  body: meta.data,
});

/** `content-type` → `Content-Type`, `ce-id` → `Ce-Id`, as Code Engine canonicalises them. */
const canonicalHeader = (name: string): string =>
  name
    .toLowerCase()
    .split('-')
    .map((part) => (part ? `${part[0]?.toUpperCase()}${part.slice(1)}` : part))
    .join('-');

// defineProperty: an unfolded key named `__proto__` must stay a plain key.
const put = (obj: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
};

const bodyText = (body: unknown): string => (typeof body === 'string' ? body : JSON.stringify(body));

/**
 * The `params` Code Engine builds for a function from an HTTP delivery (§4.2): canonical headers,
 * `__ce_body` Base64 (text as-is), and for JSON (the default) the top-level object keys unfolded.
 */
const paramsFromDelivery = (
  delivery: HttpDelivery,
  extra: { query?: string; requestId?: string } = {},
): Record<string, unknown> => {
  const text = bodyText(delivery.body);
  const headers: Record<string, string> = {
    Accept: '*/*',
    'Content-Length': String(Buffer.byteLength(text)),
    'User-Agent': 'Go-http-client/1.1',
    ...(extra.requestId ? { 'X-Request-Id': extra.requestId } : {}),
  };
  for (const [k, v] of Object.entries(delivery.headers)) headers[canonicalHeader(k)] = v;
  const type = (headers['Content-Type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const asText = type.startsWith('text/') || type === 'application/x-www-form-urlencoded';
  const isJson = type === '' || type === 'application/json' || type.endsWith('+json');
  const params: Record<string, unknown> = {};
  const query = extra.query ?? '';
  for (const [k, v] of new URLSearchParams(query)) if (!k.startsWith('__ce_')) put(params, k, v);
  const parsed: unknown = typeof delivery.body === 'string' ? undefined : delivery.body;
  if (isJson && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    for (const [k, v] of Object.entries(parsed)) if (!k.startsWith('__ce_')) put(params, k, v);
  }
  params.__ce_body = asText ? text : Buffer.from(text, 'utf8').toString('base64');
  params.__ce_headers = headers;
  params.__ce_method = delivery.method;
  params.__ce_path = delivery.path;
  params.__ce_query = query;
  return params;
};

/** A cron subscription → function: IBM shows only `__ce_headers` (canonical case) and `body` (CE-CRON). */
const cronParams = (delivery: ReturnType<typeof buildCronDelivery>): Record<string, unknown> => {
  const headers: Record<string, string> = { 'Content-Length': String(Buffer.byteLength(delivery.body)) };
  for (const [k, v] of Object.entries(delivery.headers)) headers[canonicalHeader(k)] = v;
  return { __ce_headers: headers, body: delivery.body };
};

export type { EnvelopeKind, EnvelopeMeta, HttpDelivery };
export {
  AT_CLOUDEVENT_TYPE,
  buildCronDelivery,
  buildDelivery,
  canonicalHeader,
  cronParams,
  ENVELOPE_KINDS,
  LOG_EXAMPLE_LIMIT,
  paramsFromDelivery,
};
