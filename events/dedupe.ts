// The key a warm container remembers a handled event by. Its own module, so acting code that releases
// a key does not import the decoder (its envelopes and schemas) a second time.
import type { ParsedEvent } from './commons.ts';

/** What a warm container remembers a handled event by: the idempotency key within its source. */
const dedupeKey = (parsed: ParsedEvent): string =>
  parsed.keySource ? `${parsed.keySource} ${parsed.idempotencyKey}` : parsed.idempotencyKey;

export { dedupeKey };
