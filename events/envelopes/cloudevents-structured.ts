// CloudEvents structured mode: `Content-Type: application/cloudevents+json`, body
// `{specversion:"1.0", id, source, type, time, datacontenttype, data | data_base64}`; `data` is the
// Activity Tracker event (an object, JSON text, or Base64 JSON).
import * as v from 'valibot';
import {
  type CloudEventAttrs,
  candidatesOf,
  decodeEvents,
  type Envelope,
  EnvelopeParseError,
  type JsonRead,
  nonEmpty,
  readJson,
  timeOf,
} from '../commons.ts';

/** A body that is a structured CloudEvent even without its content type. */
const StructuredBody = v.looseObject({
  specversion: v.string(),
  type: v.string(),
  data: v.optional(v.unknown()),
  data_base64: v.optional(v.unknown()),
});

class CloudEventsStructuredParseError extends EnvelopeParseError {
  override name = 'CloudEventsStructuredParseError';
}

// The `specversion` test first: without it StructuredBody fails anyway, and a plain AT event has none.
const looksStructured = (x: unknown): x is Record<string, unknown> =>
  typeof (x as { specversion?: unknown } | null)?.specversion === 'string' &&
  v.is(StructuredBody, x) &&
  ('data' in x || 'data_base64' in x);

/** `data` of a structured CloudEvent: an object, JSON text, or `data_base64`. */
const dataOf = (ce: Record<string, unknown>): JsonRead => {
  if (typeof ce.data_base64 === 'string' && ce.data === undefined)
    return readJson(Buffer.from(ce.data_base64, 'base64'));
  if (typeof ce.data === 'string') return readJson(Buffer.from(ce.data, 'utf8'));
  return { ok: true, value: ce.data };
};

/**
 * The attributes of a structured delivery; undefined when it is not one. A body sent as
 * `application/cloudevents+json` that is not an object throws: it can be nothing else.
 */
const readStructured = (mediaType: string, body: JsonRead): CloudEventAttrs | undefined => {
  const value = body.ok ? body.value : undefined;
  if (mediaType !== 'application/cloudevents+json' && !looksStructured(value)) return undefined;
  if (!v.is(v.record(v.string(), v.unknown()), value) || Array.isArray(value))
    throw new CloudEventsStructuredParseError('a structured CloudEvent must be a JSON object');
  return {
    mode: 'structured',
    type: String(value.type),
    id: nonEmpty(value.id),
    source: nonEmpty(value.source),
    time: timeOf(nonEmpty(value.time)),
    data: dataOf(value),
  };
};

const cloudEventsStructured = {
  kind: 'cloudevents-structured',
  matches: (d) => d.ce?.mode === 'structured',
  decode: (d, limits) => {
    const ce = d.ce as CloudEventAttrs;
    if (!ce.data.ok) throw new CloudEventsStructuredParseError(`CloudEvent data is ${ce.data.error}`);
    return decodeEvents(
      candidatesOf(ce.data.value),
      {
        kind: 'cloudevents-structured',
        deliveryId: ce.id,
        deliveryTime: ce.time,
        source: ce.source,
        what: 'CloudEvent data',
      },
      limits,
      (reason) => new CloudEventsStructuredParseError(reason),
    );
  },
} satisfies Envelope;

export { CloudEventsStructuredParseError, cloudEventsStructured, readStructured, StructuredBody };
