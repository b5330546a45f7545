// A cron (ping) subscription: `ce-type: dev.knative.sources.ping`, any body. It carries no event: the
// sweep runs on it; the guards answer "not ours".
import * as v from 'valibot';
import { baseOf, CE_TYPES, type Envelope, EnvelopeParseError } from '../commons.ts';

/** The attributes that make a delivery a ping (binary headers or a structured body alike). */
const CronAttributes = v.object({ type: v.literal(CE_TYPES.ping) });

/** A ping cannot be malformed (its body is free text); the class keeps the registry uniform. */
class CronParseError extends EnvelopeParseError {
  override name = 'CronParseError';
}

const cron = {
  kind: 'cron',
  matches: (d) => d.ce !== undefined && v.is(CronAttributes, d.ce),
  decode: (d) =>
    baseOf({ kind: 'cron', deliveryId: d.deliveryId, deliveryTime: d.ce?.time, what: 'ping' }, []),
} satisfies Envelope;

export { CronAttributes, CronParseError, cron };
