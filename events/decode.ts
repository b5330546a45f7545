// Delivery → validated Activity Tracker events (docs/architecture.md "Delivery envelopes"). A registry
// of envelopes, one file each under events/envelopes/; the first whose `matches` holds decodes. Every
// input ends as exactly one result: events to handle, or a 4xx refusal with a reason. Never throws.
import {
  type CosObject,
  clip,
  DEFAULT_LIMITS,
  DELIVERY_KINDS,
  type DecodedDelivery,
  type DecodeOptions,
  type DecodeResult,
  type DeliveryKind,
  type Envelope,
  EnvelopeParseError,
  type Incoming,
  type Limits,
  nonEmpty,
  type ParsedEvent,
  type RefusedDelivery,
  readJson,
} from './commons.ts';
import { dedupeKey } from './dedupe.ts';
import { at } from './envelopes/at.ts';
import { atArray } from './envelopes/at-array.ts';
import { cloudEventsBinary, readBinary } from './envelopes/cloudevents-binary.ts';
import { cloudEventsStructured, readStructured } from './envelopes/cloudevents-structured.ts';
import { cos } from './envelopes/cos.ts';
import { cron } from './envelopes/cron.ts';
import { eventNotifications } from './envelopes/event-notifications.ts';
import { type DeliveryRequest, mediaType, requestFromParams } from './request.ts';

/** Every envelope, in the order they are tried: the specific ones before those that take any JSON. */
const ENVELOPES = {
  cron,
  cos,
  'event-notifications': eventNotifications,
  'cloudevents-structured': cloudEventsStructured,
  'cloudevents-binary': cloudEventsBinary,
  'at-array': atArray,
  at,
} satisfies Record<DeliveryKind, Envelope>;

// Body types we try to read as JSON; anything else is the wrong door (415).
const READABLE_TYPES = new Set(['', 'application/json', 'text/plain', 'application/octet-stream']);

const refuse = (
  status: RefusedDelivery['status'],
  reason: string,
  extra: { kind?: DeliveryKind | undefined; deliveryId?: string | undefined } = {},
): RefusedDelivery => ({
  ok: false,
  status,
  reason,
  ...(extra.kind ? { kind: extra.kind } : {}),
  ...(extra.deliveryId ? { deliveryId: extra.deliveryId } : {}),
});

/** The request read once: its body as JSON and, for CloudEvents, its attributes. */
const incomingOf = (request: DeliveryRequest): Incoming | RefusedDelivery => {
  const body = readJson(request.body);
  const binary = readBinary(request, body);
  if (binary) return { request, body, ce: binary, deliveryId: binary.id };
  const type = mediaType(request.headers);
  if (!READABLE_TYPES.has(type) && !type.endsWith('+json'))
    return refuse(415, `content type ${clip(type)} is not accepted; send application/json`);
  if (type === 'application/cloudevents-batch+json')
    return refuse(
      415,
      'CloudEvents batch mode is not accepted; send one CloudEvent or a JSON array of events',
    );
  if (!body.ok) return refuse(400, `body is ${body.error}: expected an Activity Tracker event`);
  const structured = readStructured(type, body);
  if (structured) return { request, body, ce: structured, deliveryId: structured.id };
  return { request, body, deliveryId: nonEmpty(request.headers['ce-id']) };
};

const decodeUnsafe = (request: DeliveryRequest, limits: Limits): DecodeResult => {
  if (request.body.length > limits.maxBodyBytes)
    return refuse(413, `body is ${request.body.length} bytes; the limit is ${limits.maxBodyBytes}`);
  const incoming = incomingOf(request);
  if ('ok' in incoming) return incoming;
  const envelope = Object.values(ENVELOPES).find((e) => e.matches(incoming));
  if (!envelope) return refuse(400, 'body is JSON but neither an object nor an array of events');
  try {
    return envelope.decode(incoming, limits);
  } catch (err) {
    if (!(err instanceof EnvelopeParseError)) throw err;
    return refuse(err.status, err.message, { kind: envelope.kind, deliveryId: incoming.deliveryId });
  }
};

/** Any delivery → events, or a refusal (400 bad input, 413 too large, 415 wrong content type). */
const decodeDelivery = (request: DeliveryRequest, options: DecodeOptions = {}): DecodeResult => {
  try {
    return decodeUnsafe(request, { ...DEFAULT_LIMITS, ...options });
  } catch (err) {
    // Last line of defence (e.g. absurd nesting): bad input stays a 400, never a crash.
    if (err instanceof EnvelopeParseError) return refuse(err.status, err.message);
    return refuse(400, `undecodable delivery: ${err instanceof Error ? err.message : String(err)}`);
  }
};

/** Code Engine function entry: `params` → decoded delivery. */
const decodeParams = (params: unknown, options: DecodeOptions = {}): DecodeResult =>
  decodeDelivery(requestFromParams(params), options);

export type {
  CosObject,
  DecodedDelivery,
  DecodeOptions,
  DecodeResult,
  DeliveryKind,
  ParsedEvent,
  RefusedDelivery,
};
export { DEFAULT_LIMITS, DELIVERY_KINDS, decodeDelivery, decodeParams, dedupeKey, ENVELOPES };
