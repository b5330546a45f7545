// Delivery → validated Activity Tracker events (docs/architecture.md "Delivery envelopes").
// Every input ends as exactly one result: events to handle, or a 4xx refusal with a reason. Never throws.
import { createHash } from 'node:crypto';
import { errorMessage } from '#shared/errors.ts';
import { parsePartialJson } from './partial-json.ts';
import { type DeliveryRequest, mediaType, requestFromParams } from './request.ts';
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

/** A COS object notification (recognised; processing comes later). */
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

const DEFAULT_LIMITS = { maxBodyBytes: 5 * 1024 * 1024, maxEvents: 1000 } satisfies Required<DecodeOptions>;

const CE_TYPES = {
  ping: 'dev.knative.sources.ping',
  kafka: 'dev.knative.kafka.event',
  cosWrite: 'com.ibm.cloud.cos.document.write',
  cosDelete: 'com.ibm.cloud.cos.document.delete',
  logsPrefix: 'com.ibm.cloud.logs.',
} as const;

/** Key fields a truncated `log_example` is searched for; the rest of the event is left out on purpose. */
const TRUNCATION_KEY_FIELDS = [
  'action',
  'target.id',
  'target.name',
  'initiator.id',
  'eventTime',
  'id',
  'outcome',
] as const;
const TRUNCATION_EXTRA_FIELDS = [
  'message',
  'severity',
  'correlationId',
  'logSourceCRN',
  'initiator.name',
  'initiator.typeURI',
  'target.typeURI',
  'target.resourceGroupId',
] as const;

// Body types we try to read as JSON; anything else is the wrong door (415).
const READABLE_TYPES = new Set(['', 'application/json', 'text/plain', 'application/octet-stream']);

const refuse = (
  status: RefusedDelivery['status'],
  reason: string,
  extra: { kind?: DeliveryKind; deliveryId?: string | undefined } = {},
): RefusedDelivery => ({
  ok: false,
  status,
  reason,
  ...(extra.kind ? { kind: extra.kind } : {}),
  ...(extra.deliveryId ? { deliveryId: extra.deliveryId } : {}),
});

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

/** Caller-supplied text in a reason stays short. */
const clip = (text: string): string => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

const nonEmpty = (x: unknown): string | undefined =>
  typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined;

interface Envelope {
  kind: Exclude<DeliveryKind, 'cos'>;
  deliveryId: string | undefined;
  deliveryTime: Date | undefined;
  /** CloudEvent `source` (ce-source): the scope within which `deliveryId` is unique. */
  source?: string | undefined;
  /** Where the event sits, for reasons: `body`, `Kafka record value`, `CloudEvent data`… */
  what: string;
}

const baseOf = (env: Envelope, notes: string[]): DecodedDelivery => ({
  ok: true,
  kind: env.kind,
  events: [],
  ...(env.deliveryId ? { deliveryId: env.deliveryId } : {}),
  ...(env.deliveryTime ? { deliveryTime: env.deliveryTime } : {}),
  notes,
});

const toParsedEvent = (
  event: AtEvent,
  key: string,
  label: string,
  notes: string[],
  truncated?: { missing: string[] },
  keySource?: string,
): ParsedEvent => {
  const eventTime = event.eventTime === undefined ? undefined : parseEventTime(event.eventTime);
  if (event.eventTime !== undefined && !eventTime)
    notes.push(`${label}: eventTime ${JSON.stringify(event.eventTime.slice(0, 40))} is not a time; ignored`);
  return {
    event,
    idempotencyKey: key,
    ...(keySource ? { keySource } : {}),
    ...(eventTime ? { eventTime } : {}),
    ...(truncated ? { truncated } : {}),
  };
};

/** Validates candidates; bad ones become notes unless none is left, then the delivery is refused. */
const decodeEvents = (
  candidates: unknown[],
  env: Envelope,
  limits: Required<DecodeOptions>,
): DecodeResult => {
  const ctx = { kind: env.kind, deliveryId: env.deliveryId };
  if (candidates.length > limits.maxEvents)
    return refuse(400, `${candidates.length} events in one delivery; the limit is ${limits.maxEvents}`, ctx);
  const notes: string[] = [];
  const result = baseOf(env, notes);
  if (candidates.length === 0) {
    notes.push('empty array: no events');
    return result;
  }
  const refusals: string[] = [];
  const single = candidates.length === 1;
  candidates.forEach((candidate, index) => {
    const label = single ? env.what : `${env.what}[${index}]`;
    const parsed = parseAtEvent(candidate);
    if (!parsed.ok) {
      refusals.push(`${label}: ${parsed.reason}`);
      return;
    }
    if (parsed.legacy) notes.push(`${label}: legacy payload/meta wrapper unwrapped`);
    const fromDelivery = env.deliveryId && (single ? env.deliveryId : `${env.deliveryId}#${index}`);
    const key = fromDelivery || nonEmpty(parsed.event.id) || hashOf(parsed.event);
    const source = fromDelivery ? env.source : undefined;
    result.events.push(toParsedEvent(parsed.event, key, label, notes, undefined, source));
  });
  if (result.events.length === 0) {
    const shown = refusals.slice(0, 3).join('; ');
    const more = refusals.length > 3 ? `; and ${refusals.length - 3} more` : '';
    return refuse(
      400,
      single ? (refusals[0] ?? 'no event') : `no valid event in ${env.what}: ${shown}${more}`,
      ctx,
    );
  }
  notes.push(...refusals.map((r) => `skipped ${r}`));
  return result;
};

const pathValue = (root: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), root);

/** Rebuilds the readable part of a cut event; only complete strings count. */
const recoverTruncated = (text: string): { candidate: Record<string, unknown>; missing: string[] } => {
  const partial = parsePartialJson(text).value;
  const root =
    isRecord(partial) && isRecord(partial.payload) && !('action' in partial) ? partial.payload : partial;
  const candidate: Record<string, unknown> = {};
  for (const path of [...TRUNCATION_KEY_FIELDS, ...TRUNCATION_EXTRA_FIELDS]) {
    const value = pathValue(root, path);
    if (typeof value !== 'string') continue;
    const [head, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) candidate[head] = value;
    else candidate[head] = { ...(isRecord(candidate[head]) ? candidate[head] : {}), [leaf]: value };
  }
  const missing = TRUNCATION_KEY_FIELDS.filter((path) => typeof pathValue(candidate, path) !== 'string');
  return { candidate, missing };
};

const EN_WHAT = 'Event Notifications log_example';
const SWEEP_HINT = 'the cron sweep reconciles what this delivery cannot name';

/** Cloud Logs alert through Event Notifications: `data.log_example` is the event, whole or cut. */
const decodeEn = (
  data: unknown,
  type: string,
  env: Envelope,
  limits: Required<DecodeOptions>,
): DecodeResult => {
  const ctx = { kind: env.kind, deliveryId: env.deliveryId };
  if (type.endsWith(':AlertResolved') || type === `${CE_TYPES.logsPrefix}test_event`) {
    return baseOf(env, [`${clip(type)}: nothing to do (only triggered alerts carry a change)`]);
  }
  if (!isRecord(data)) return refuse(400, 'Event Notifications delivery without a data object', ctx);
  const log = data.log_example;
  const flagged = data.log_example_truncated === true;
  if (log === undefined || log === null)
    return refuse(400, `Event Notifications delivery without data.log_example; ${SWEEP_HINT}`, ctx);
  const notes: string[] = [];
  if (isRecord(log) && flagged) notes.push('log_example_truncated is true but log_example is a whole object');
  let whole: unknown = isRecord(log) ? log : undefined;
  if (typeof log === 'string') {
    try {
      whole = JSON.parse(log);
    } catch {
      whole = undefined;
    }
  }
  if (whole !== undefined) {
    if (!isRecord(whole))
      return refuse(
        400,
        'Event Notifications log_example is not a JSON object: no Activity Tracker event',
        ctx,
      );
    const decoded = decodeEvents([whole], env, limits);
    if (decoded.ok) decoded.notes.unshift(...notes);
    return decoded;
  }
  if (typeof log !== 'string')
    return refuse(400, 'Event Notifications log_example is neither an object nor JSON text', ctx);
  if (!flagged) notes.push('log_example is not whole JSON although log_example_truncated is not true');
  const { candidate, missing } = recoverTruncated(log);
  const lost = (['action', 'target.id'] as const).filter((f) => missing.includes(f));
  if (lost.length > 0) {
    const what = typeof candidate.action === 'string' ? ` (action ${candidate.action})` : '';
    return refuse(
      400,
      `Event Notifications log_example cut at ${log.length} characters: could not recover ${lost.join(' and ')}${what}; ${SWEEP_HINT}`,
      ctx,
    );
  }
  const parsed = parseAtEvent(candidate);
  if (!parsed.ok)
    return refuse(400, `Event Notifications log_example cut short and unreadable: ${parsed.reason}`, ctx);
  notes.push(`log_example cut at ${log.length} characters; missing: ${missing.join(', ') || 'none'}`);
  const key = env.deliveryId || nonEmpty(parsed.event.id) || hashOf(log);
  const source = env.deliveryId ? env.source : undefined;
  return {
    ...baseOf(env, notes),
    events: [toParsedEvent(parsed.event, key, env.what, notes, { missing }, source)],
  };
};

const bucketFromSource = (source: string | undefined): string | undefined =>
  source?.match(/\/cloud-object-storage\/([^/?#]+)\/?$/)?.[1];

/** COS notification: body `{bucket, key, operation, notification}`; headers name them too (CE-COS). */
const decodeCos = (body: unknown, headers: Record<string, string>, deliveryId?: string): DecodeResult => {
  const b = isRecord(body) ? body : {};
  const n = isRecord(b.notification) ? b.notification : {};
  const ceType = headers['ce-type'] ?? '';
  const bucket = nonEmpty(b.bucket) ?? nonEmpty(n.bucket_name) ?? bucketFromSource(headers['ce-source']);
  const key = nonEmpty(b.key) ?? nonEmpty(n.object_name) ?? nonEmpty(headers['ce-subject']);
  const operation =
    nonEmpty(b.operation) ??
    nonEmpty(n.event_type) ??
    (ceType === CE_TYPES.cosDelete ? 'Object:Delete' : 'Object:Write');
  const ctx = { kind: 'cos' as const, deliveryId };
  if (!bucket || !key) return refuse(400, 'COS notification without a bucket and object key', ctx);
  const endpoint = nonEmpty(b.endpoint);
  const time = headers['ce-time'] ?? nonEmpty(n.request_time);
  const deliveryTime = time ? parseEventTime(time) : undefined;
  return {
    ok: true,
    kind: 'cos',
    cos: { bucket, key, operation, ...(endpoint ? { endpoint } : {}) },
    events: [],
    ...(deliveryId ? { deliveryId } : {}),
    ...(deliveryTime ? { deliveryTime } : {}),
    notes: ['COS object notifications are recognised, not processed yet'],
  };
};

const looksLikeCos = (x: unknown): boolean =>
  isRecord(x) &&
  typeof x.bucket === 'string' &&
  typeof x.key === 'string' &&
  /^Object:/.test(String(x.operation));

const looksLikeEn = (x: unknown): boolean =>
  isRecord(x) && isRecord(x.data) && ('log_example' in x.data || 'alert_definition' in x.data);

const looksStructured = (x: unknown): x is Record<string, unknown> =>
  isRecord(x) &&
  typeof x.specversion === 'string' &&
  typeof x.type === 'string' &&
  ('data' in x || 'data_base64' in x);

type JsonRead = { ok: true; value: unknown } | { ok: false; error: string };

const readJson = (body: Buffer): JsonRead => {
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return { ok: false, error: 'empty' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: `not JSON (${errorMessage(err)})` };
  }
};

const candidatesOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** `data` of a structured CloudEvent: an object, JSON text, or `data_base64`. */
const structuredData = (ce: Record<string, unknown>): JsonRead => {
  if (typeof ce.data_base64 === 'string' && ce.data === undefined)
    return readJson(Buffer.from(ce.data_base64, 'base64'));
  if (typeof ce.data === 'string') return readJson(Buffer.from(ce.data, 'utf8'));
  return { ok: true, value: ce.data };
};

const decodeStructured = (
  ce: Record<string, unknown>,
  headers: Record<string, string>,
  limits: Required<DecodeOptions>,
): DecodeResult => {
  const type = String(ce.type);
  const deliveryId = nonEmpty(ce.id);
  const source = nonEmpty(ce.source);
  const time = nonEmpty(ce.time);
  const deliveryTime = time ? parseEventTime(time) : undefined;
  if (type === CE_TYPES.ping) return baseOf({ kind: 'cron', deliveryId, deliveryTime, what: 'ping' }, []);
  if (type === CE_TYPES.cosWrite || type === CE_TYPES.cosDelete)
    return decodeCos(ce.data, { ...headers, 'ce-type': type }, deliveryId);
  const en: Envelope = { kind: 'event-notifications', deliveryId, deliveryTime, source, what: EN_WHAT };
  if (type.startsWith(CE_TYPES.logsPrefix)) return decodeEn(ce.data, type, en, limits);
  const env: Envelope = {
    kind: 'cloudevents-structured',
    deliveryId,
    deliveryTime,
    source,
    what: 'CloudEvent data',
  };
  const data = structuredData(ce);
  if (!data.ok) return refuse(400, `CloudEvent data is ${data.error}`, { kind: env.kind, deliveryId });
  if (looksLikeEn({ data: data.value })) return decodeEn(data.value, type, en, limits);
  return decodeEvents(candidatesOf(data.value), env, limits);
};

/** Binary mode: `ce-*` headers carry the envelope, the body is the payload (Kafka: the record value). */
const decodeBinary = (
  request: DeliveryRequest,
  ceType: string,
  limits: Required<DecodeOptions>,
): DecodeResult => {
  const h = request.headers;
  const deliveryId = nonEmpty(h['ce-id']);
  const source = nonEmpty(h['ce-source']);
  const deliveryTime = h['ce-time'] ? parseEventTime(h['ce-time']) : undefined;
  if (ceType === CE_TYPES.ping) return baseOf({ kind: 'cron', deliveryId, deliveryTime, what: 'ping' }, []);
  const body = readJson(request.body);
  if (ceType === CE_TYPES.cosWrite || ceType === CE_TYPES.cosDelete) {
    const decoded = decodeCos(body.ok ? body.value : undefined, h, deliveryId);
    if (decoded.ok && !body.ok)
      decoded.notes.push(`body is ${body.error}; bucket and key taken from ce-* headers`);
    return decoded;
  }
  if (ceType.startsWith(CE_TYPES.logsPrefix)) {
    const env: Envelope = { kind: 'event-notifications', deliveryId, deliveryTime, source, what: EN_WHAT };
    if (!body.ok)
      return refuse(400, `Event Notifications body is ${body.error}`, { kind: env.kind, deliveryId });
    return decodeEn(body.value, ceType, env, limits);
  }
  const what = ceType === CE_TYPES.kafka ? 'Kafka record value' : `${clip(ceType)} payload`;
  const env: Envelope = { kind: 'cloudevents-binary', deliveryId, deliveryTime, source, what };
  if (!body.ok) {
    return refuse(400, `${what} is ${body.error}: expected one Activity Tracker event`, {
      kind: env.kind,
      deliveryId,
    });
  }
  return decodeEvents(candidatesOf(body.value), env, limits);
};

const decodeUnsafe = (request: DeliveryRequest, limits: Required<DecodeOptions>): DecodeResult => {
  if (request.body.length > limits.maxBodyBytes)
    return refuse(413, `body is ${request.body.length} bytes; the limit is ${limits.maxBodyBytes}`);
  const ceType = nonEmpty(request.headers['ce-type']);
  if (ceType) return decodeBinary(request, ceType, limits);
  const type = mediaType(request.headers);
  if (!READABLE_TYPES.has(type) && !type.endsWith('+json'))
    return refuse(415, `content type ${clip(type)} is not accepted; send application/json`);
  if (type === 'application/cloudevents-batch+json')
    return refuse(
      415,
      'CloudEvents batch mode is not accepted; send one CloudEvent or a JSON array of events',
    );
  const deliveryId = nonEmpty(request.headers['ce-id']);
  const body = readJson(request.body);
  if (!body.ok) return refuse(400, `body is ${body.error}: expected an Activity Tracker event`);
  const value = body.value;
  if (type === 'application/cloudevents+json' || looksStructured(value)) {
    if (!isRecord(value)) return refuse(400, 'a structured CloudEvent must be a JSON object');
    return decodeStructured(value, request.headers, limits);
  }
  const plain = { deliveryId, deliveryTime: undefined, source: nonEmpty(request.headers['ce-source']) };
  if (looksLikeEn(value) && isRecord(value))
    return decodeEn(
      value.data,
      String(value.type ?? ''),
      { ...plain, kind: 'event-notifications', what: EN_WHAT },
      limits,
    );
  if (Array.isArray(value)) return decodeEvents(value, { ...plain, kind: 'at-array', what: 'event' }, limits);
  if (looksLikeCos(value)) return decodeCos(value, request.headers, deliveryId);
  if (!isRecord(value)) return refuse(400, 'body is JSON but neither an object nor an array of events');
  return decodeEvents([value], { ...plain, kind: 'at', what: 'body' }, limits);
};

/** Any delivery → events, or a refusal (400 bad input, 413 too large, 415 wrong content type). */
const decodeDelivery = (request: DeliveryRequest, options: DecodeOptions = {}): DecodeResult => {
  try {
    return decodeUnsafe(request, { ...DEFAULT_LIMITS, ...options });
  } catch (err) {
    // Last line of defence (e.g. absurd nesting): bad input stays a 400, never a crash.
    return refuse(400, `undecodable delivery: ${errorMessage(err)}`);
  }
};

/** What a warm container remembers a handled event by: the idempotency key within its source. */
const dedupeKey = (parsed: ParsedEvent): string =>
  parsed.keySource ? `${parsed.keySource} ${parsed.idempotencyKey}` : parsed.idempotencyKey;

/** Code Engine function entry: `params` → decoded delivery. */
const parseDelivery = (params: unknown, options: DecodeOptions = {}): DecodeResult => {
  try {
    return decodeDelivery(requestFromParams(params), options);
  } catch (err) {
    return refuse(400, `undecodable delivery: ${errorMessage(err)}`);
  }
};

export type {
  CosObject,
  DecodedDelivery,
  DecodeOptions,
  DecodeResult,
  DeliveryKind,
  ParsedEvent,
  RefusedDelivery,
};
export { DEFAULT_LIMITS, DELIVERY_KINDS, decodeDelivery, dedupeKey, parseDelivery };
