// A batch of Activity Tracker events: body = a JSON array; valid events are kept, the others noted.
import * as v from 'valibot';
import { decodeEvents, type Envelope, EnvelopeParseError, nonEmpty } from '../commons.ts';

const AtArrayBody = v.array(v.unknown());

class AtArrayParseError extends EnvelopeParseError {
  override name = 'AtArrayParseError';
}

const atArray = {
  kind: 'at-array',
  // `v.is(AtArrayBody, …)` without visiting every item: each is checked by decodeEvents.
  matches: (d) => d.ce === undefined && d.body.ok && Array.isArray(d.body.value),
  decode: (d, limits) =>
    decodeEvents(
      d.body.ok && Array.isArray(d.body.value) ? d.body.value : [],
      {
        kind: 'at-array',
        what: 'event',
        deliveryId: d.deliveryId,
        deliveryTime: undefined,
        source: nonEmpty(d.request.headers['ce-source']),
      },
      limits,
      (reason) => new AtArrayParseError(reason),
    ),
} satisfies Envelope;

export { AtArrayBody, AtArrayParseError, atArray };
