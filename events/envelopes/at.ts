// A plain Activity Tracker event: `POST`, `Content-Type: application/json`, body = one event object.
import * as v from 'valibot';
import { decodeEvents, type Envelope, EnvelopeParseError, nonEmpty } from '../commons.ts';

/** The body: one JSON object (its fields are checked by AtEventSchema, events/schema.ts). */
const AtBody = v.record(v.string(), v.unknown());

class AtParseError extends EnvelopeParseError {
  override name = 'AtParseError';
}

const at = {
  kind: 'at',
  // `v.is(AtBody, …)` of parsed JSON, without visiting every key: any non-null object (the event's
  // fields are AtEventSchema's to check, in decodeEvents).
  matches: (d) =>
    d.ce === undefined && d.body.ok && typeof d.body.value === 'object' && d.body.value !== null,
  decode: (d, limits) =>
    decodeEvents(
      [d.body.ok ? d.body.value : undefined],
      {
        kind: 'at',
        what: 'body',
        deliveryId: d.deliveryId,
        deliveryTime: undefined,
        source: nonEmpty(d.request.headers['ce-source']),
      },
      limits,
      (reason) => new AtParseError(reason),
    ),
} satisfies Envelope;

export { AtBody, AtParseError, at };
