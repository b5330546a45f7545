// Deliveries for tests and the events/ fixtures: one event in each envelope of docs/architecture.md,
// built by the emulator's own builders (one implementation of the sending side), and the `params`
// Code Engine makes of them (shared/runtime/ce-params.ts, the same conversion `serve` uses).
import {
  type DeliveryMeta,
  ENVELOPE_KINDS as SENT,
  buildDelivery as send,
} from '#emulator/events/envelopes.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';

/** The emulator's envelopes, plus Event Notifications with `log_example` cut as Cloud Logs cuts it. */
const ENVELOPE_KINDS = [...SENT, 'event-notifications-truncated'] as const;

type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];
type EnvelopeMeta = DeliveryMeta;

/** An HTTP delivery as a fixture: `body` is the parsed JSON, or the text when it is not JSON. */
interface HttpDelivery {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** `event-notifications` keeps a long event whole in `log_example`; `-truncated` cuts it at 1,000 characters. */
const buildDelivery = (
  kind: EnvelopeKind,
  event: Record<string, unknown>,
  meta: EnvelopeMeta = {},
): HttpDelivery => {
  const d =
    kind === 'event-notifications-truncated'
      ? send('event-notifications', [event], meta)
      : send(
          kind,
          [event],
          kind === 'event-notifications' ? { ...meta, logExampleLimit: Number.POSITIVE_INFINITY } : meta,
        );
  return { method: 'POST', path: '/', headers: d.headers, body: parsed(d.body) };
};

/** What Code Engine hands a function for this delivery (Go's client headers, as in IBM's samples). */
const paramsFromDelivery = (
  delivery: HttpDelivery,
  extra: { query?: string; requestId?: string } = {},
): Record<string, unknown> => {
  const text = typeof delivery.body === 'string' ? delivery.body : JSON.stringify(delivery.body);
  return paramsFromHttp({
    method: delivery.method,
    path: delivery.path,
    query: extra.query ?? '',
    headers: {
      accept: '*/*',
      'content-length': String(Buffer.byteLength(text)),
      'user-agent': 'Go-http-client/1.1',
      ...(extra.requestId ? { 'x-request-id': extra.requestId } : {}),
      ...delivery.headers,
    },
    body: Buffer.from(text, 'utf8'),
  });
};

/** A cron (ping) subscription delivery: text data, `ce-type: dev.knative.sources.ping` (CE-CRON). */
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

/** A cron subscription → function: IBM shows only `__ce_headers` (canonical case) and `body` (CE-CRON). */
const cronParams = (delivery: ReturnType<typeof buildCronDelivery>): Record<string, unknown> => {
  const { __ce_headers } = paramsFromHttp({ ...delivery, query: '', body: Buffer.alloc(0) });
  return {
    __ce_headers: { 'Content-Length': String(Buffer.byteLength(delivery.body)), ...(__ce_headers as object) },
    body: delivery.body,
  };
};

export type { EnvelopeKind, EnvelopeMeta, HttpDelivery };
export { buildCronDelivery, buildDelivery, cronParams, ENVELOPE_KINDS, paramsFromDelivery };
