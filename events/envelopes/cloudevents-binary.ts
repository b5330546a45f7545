// CloudEvents binary mode — what a Code Engine Kafka subscription sends to an app: `ce-*` headers carry
// the attributes (`ce-id: partition:<p>/offset:<n>` is the idempotency key), the body is the Kafka
// record value: one Activity Tracker event (or an array of them), with no guaranteed Content-Type.
import * as v from 'valibot';
import {
  CE_TYPES,
  type CloudEventAttrs,
  candidatesOf,
  clip,
  decodeEvents,
  type Envelope,
  EnvelopeParseError,
  type JsonRead,
  nonEmpty,
  timeOf,
} from '../commons.ts';
import type { DeliveryRequest } from '../request.ts';

/** The attribute headers (lower-case names); only `ce-type` is required to be binary mode. */
const BinaryHeaders = v.looseObject({
  'ce-type': v.pipe(v.string(), v.trim(), v.nonEmpty()),
  'ce-id': v.optional(v.string()),
  'ce-source': v.optional(v.string()),
  'ce-time': v.optional(v.string()),
});

class CloudEventsBinaryParseError extends EnvelopeParseError {
  override name = 'CloudEventsBinaryParseError';
}

/** The attributes of a binary-mode delivery, or undefined when it has no `ce-type` header. */
const readBinary = (request: DeliveryRequest, body: JsonRead): CloudEventAttrs | undefined => {
  // No `ce-type` string: BinaryHeaders cannot pass, so its issues are not built (the usual AT delivery).
  if (typeof request.headers['ce-type'] !== 'string') return undefined;
  const h = v.safeParse(BinaryHeaders, request.headers);
  if (!h.success) return undefined;
  return {
    mode: 'binary',
    type: h.output['ce-type'],
    id: nonEmpty(h.output['ce-id']),
    source: nonEmpty(h.output['ce-source']),
    time: timeOf(h.output['ce-time']),
    data: body,
  };
};

const cloudEventsBinary = {
  kind: 'cloudevents-binary',
  matches: (d) => d.ce?.mode === 'binary',
  decode: (d, limits) => {
    const ce = d.ce as CloudEventAttrs;
    const what = ce.type === CE_TYPES.kafka ? 'Kafka record value' : `${clip(ce.type)} payload`;
    if (!ce.data.ok)
      throw new CloudEventsBinaryParseError(
        `${what} is ${ce.data.error}: expected one Activity Tracker event`,
      );
    const meta = {
      kind: 'cloudevents-binary',
      deliveryId: ce.id,
      deliveryTime: ce.time,
      source: ce.source,
      what,
    } as const;
    return decodeEvents(
      candidatesOf(ce.data.value),
      meta,
      limits,
      (reason) => new CloudEventsBinaryParseError(reason),
    );
  },
} satisfies Envelope;

export { BinaryHeaders, CloudEventsBinaryParseError, cloudEventsBinary, readBinary };
