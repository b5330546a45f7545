// What every envelope shares (events/envelopes/*.ts): the decoded shapes, the parse error they throw,
// and the helpers that turn candidate values into validated Activity Tracker events.
import { createHash } from 'node:crypto';
import type { DeliveryRequest } from './request.ts';
import { type AtEvent, isRecord, parseAtEvent, parseEventTime } from './schema.ts';

const DELIVERY_KINDS = [
  'at',
  'at-array',
  'cloudevents-binary',
  'cloudevents-structured',
  'event-notifications',
  'cron',
  'cos',
] as const;

type DeliveryKind = (typeof DELIVERY_KINDS)[number];

interface ParsedEvent {
  event: AtEvent;
  /** ce-id (or the CloudEvent id), else the event's `id`, else a stable hash of the event. */
  idempotencyKey: string;
  /**
   * The CloudEvent `source` when the key is a CloudEvent id: ids are unique only per source (Kafka's
   * `partition:0/offset:N` repeats across subscriptions), so deduplication keys on both (`dedupeKey`).
   */
  keySource?: string;
  eventTime?: Date;
  /** Recovered from a `log_example` cut at 1000 characters: these fields could not be read. */
  truncated?: { missing: string[] };
}

/** A COS object notification: the COS job reads the object it names. */
interface CosObject {
  bucket: string;
  key: string;
  /** `Object:Write` or `Object:Delete`. */
  operation: string;
  endpoint?: string;
}

interface DecodedBase {
  ok: true;
  events: ParsedEvent[];
  deliveryId?: string;
  /** `ce-time` / CloudEvent `time`, when given and readable. */
  deliveryTime?: Date;
  notes: string[];
}

type DecodedDelivery =
  | (DecodedBase & { kind: Exclude<DeliveryKind, 'cos'> })
  | (DecodedBase & { kind: 'cos'; cos: CosObject });

interface RefusedDelivery {
  ok: false;
  status: 400 | 413 | 415;
  reason: string;
  kind?: DeliveryKind;
  deliveryId?: string;
}

type DecodeResult = DecodedDelivery | RefusedDelivery;

interface DecodeOptions {
  /** Code Engine's request limit is 5 MB (CE-LIM). */
  maxBodyBytes?: number;
  /** Events per delivery (JSON arrays). */
  maxEvents?: number;
}

type Limits = Required<DecodeOptions>;

const DEFAULT_LIMITS = { maxBodyBytes: 5 * 1024 * 1024, maxEvents: 1000 } satisfies Limits;

type JsonRead = { ok: true; value: unknown } | { ok: false; error: string };

/** CloudEvent attributes, from `ce-*` headers (binary mode) or the body (structured mode). */
interface CloudEventAttrs {
  mode: 'binary' | 'structured';
  type: string;
  id?: string | undefined;
  source?: string | undefined;
  time?: Date | undefined;
  /** The payload: the body (binary) or `data` / `data_base64` (structured), read as JSON. */
  data: JsonRead;
}

/** A delivery as every envelope sees it: the request, its body read as JSON once, its CloudEvent attributes. */
interface Incoming {
  request: DeliveryRequest;
  body: JsonRead;
  ce?: CloudEventAttrs;
  /** The delivery id: the CloudEvent id, or a plain delivery's `ce-id` header. */
  deliveryId?: string | undefined;
}

/** Bad input in one envelope: the dispatcher answers `status` with the message; `cause` keeps the detail. */
class EnvelopeParseError extends Error {
  override name = 'EnvelopeParseError';
  readonly status: 400 | 413 | 415;
  constructor(message: string, options: { cause?: unknown; status?: 400 | 413 | 415 } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status ?? 400;
  }
}

interface Envelope {
  kind: DeliveryKind;
  /** Is the delivery in this envelope? Cheap: headers, CloudEvent attributes, the parsed body. */
  matches: (d: Incoming) => boolean;
  /** The delivery's events; throws the envelope's own EnvelopeParseError subclass on bad input. */
  decode: (d: Incoming, limits: Limits) => DecodedDelivery;
}

/** Where the events sit and how the delivery names itself, for keys and reasons. */
interface Meta {
  kind: Exclude<DeliveryKind, 'cos'>;
  deliveryId: string | undefined;
  deliveryTime: Date | undefined;
  /** CloudEvent `source` (ce-source): the scope within which `deliveryId` is unique. */
  source?: string | undefined;
  /** Where the event sits, for reasons: `body`, `Kafka record value`, `CloudEvent data`… */
  what: string;
}

const CE_TYPES = {
  ping: 'dev.knative.sources.ping',
  kafka: 'dev.knative.kafka.event',
  cosWrite: 'com.ibm.cloud.cos.document.write',
  cosDelete: 'com.ibm.cloud.cos.document.delete',
  logsPrefix: 'com.ibm.cloud.logs.',
} as const;

const nonEmpty = (x: unknown): string | undefined =>
  typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined;

/** Caller-supplied text in a reason stays short. */
const clip = (text: string): string => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** Sorted-key JSON, so the same event hashes the same whatever order its keys arrived in. */
const stableJson = (x: unknown): string => {
  if (Array.isArray(x)) return `[${x.map(stableJson).join(',')}]`;
  if (isRecord(x))
    return `{${Object.keys(x)
      .sort()
      .filter((k) => x[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(x[k])}`)
      .join(',')}}`;
  return JSON.stringify(x) ?? 'null';
};

const hashOf = (x: unknown): string =>
  `sha256:${createHash('sha256')
    .update(typeof x === 'string' ? x : stableJson(x))
    .digest('hex')
    .slice(0, 32)}`;

const readJson = (body: Buffer): JsonRead => {
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return { ok: false, error: 'empty' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
};

const timeOf = (text: string | undefined): Date | undefined => (text ? parseEventTime(text) : undefined);

const candidatesOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

const baseOf = (meta: Meta, notes: string[]): DecodedDelivery => ({
  ok: true,
  kind: meta.kind,
  events: [],
  ...(meta.deliveryId ? { deliveryId: meta.deliveryId } : {}),
  ...(meta.deliveryTime ? { deliveryTime: meta.deliveryTime } : {}),
  notes,
});

const toParsedEvent = (
  event: AtEvent,
  key: string,
  label: string,
  notes: string[],
  extra: { truncated?: { missing: string[] }; keySource?: string | undefined } = {},
): ParsedEvent => {
  const eventTime = event.eventTime === undefined ? undefined : parseEventTime(event.eventTime);
  if (event.eventTime !== undefined && !eventTime)
    notes.push(`${label}: eventTime ${JSON.stringify(event.eventTime.slice(0, 40))} is not a time; ignored`);
  return {
    event,
    idempotencyKey: key,
    ...(extra.keySource ? { keySource: extra.keySource } : {}),
    ...(eventTime ? { eventTime } : {}),
    ...(extra.truncated ? { truncated: extra.truncated } : {}),
  };
};

/** Validates candidates; bad ones become notes unless none is left, then `fail` says why. */
const decodeEvents = (
  candidates: unknown[],
  meta: Meta,
  limits: Limits,
  fail: (reason: string) => Error,
): DecodedDelivery => {
  if (candidates.length > limits.maxEvents)
    throw fail(`${candidates.length} events in one delivery; the limit is ${limits.maxEvents}`);
  const notes: string[] = [];
  const result = baseOf(meta, notes);
  if (candidates.length === 0) {
    notes.push('empty array: no events');
    return result;
  }
  const refusals: string[] = [];
  const single = candidates.length === 1;
  candidates.forEach((candidate, index) => {
    const label = single ? meta.what : `${meta.what}[${index}]`;
    const parsed = parseAtEvent(candidate);
    if (!parsed.ok) {
      refusals.push(`${label}: ${parsed.reason}`);
      return;
    }
    if (parsed.legacy) notes.push(`${label}: legacy payload/meta wrapper unwrapped`);
    const fromDelivery = meta.deliveryId && (single ? meta.deliveryId : `${meta.deliveryId}#${index}`);
    const key = fromDelivery || nonEmpty(parsed.event.id) || hashOf(parsed.event);
    const keySource = fromDelivery ? meta.source : undefined;
    result.events.push(toParsedEvent(parsed.event, key, label, notes, { keySource }));
  });
  if (result.events.length === 0) {
    const shown = refusals.slice(0, 3).join('; ');
    const more = refusals.length > 3 ? `; and ${refusals.length - 3} more` : '';
    throw fail(single ? (refusals[0] ?? 'no event') : `no valid event in ${meta.what}: ${shown}${more}`);
  }
  notes.push(...refusals.map((r) => `skipped ${r}`));
  return result;
};

export type {
  CloudEventAttrs,
  CosObject,
  DecodedDelivery,
  DecodeOptions,
  DecodeResult,
  DeliveryKind,
  Envelope,
  Incoming,
  JsonRead,
  Limits,
  Meta,
  ParsedEvent,
  RefusedDelivery,
};
export {
  baseOf,
  CE_TYPES,
  candidatesOf,
  clip,
  DEFAULT_LIMITS,
  DELIVERY_KINDS,
  decodeEvents,
  EnvelopeParseError,
  hashOf,
  nonEmpty,
  readJson,
  timeOf,
  toParsedEvent,
};
