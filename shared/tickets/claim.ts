// A short claim before opening a ticket, so a burst of identical events (the same change seen by many
// containers at once) opens one ticket instead of dozens. The claim is a write-once object in the trail
// bucket (`If-None-Match: *`), named by profile marker, finding key and what triggered the run — the
// event id (every copy of one event shares it; another event, such as a relapse after a resolve, does
// not), or for sweeps a time window. The one run whose PUT succeeds opens; the others wait for its
// ticket to appear, and open themselves if it never does (its owner died): nothing is lost.
import type { ObjectStore, StoreResult } from '../audit/trail/types.ts';
import { describeFailure, isRetryable } from '../audit/trail/types.ts';
import { sleep } from '../runtime/retry.ts';

type ClaimResult =
  | { kind: 'won'; object: string }
  | { kind: 'lost'; object: string }
  /** The store could not be asked: open anyway (a duplicate is closed by the survivor rule, a lost ticket is not). */
  | { kind: 'unavailable'; reason: string };

interface TicketClaims {
  /** `eventId`: the trigger's id; without one (a sweep) the claim covers a time window. */
  claim(marker: string, key: string, eventId?: string): Promise<ClaimResult>;
}

interface CosClaimOptions {
  store: () => Promise<ObjectStore>;
  bucket: string;
  /** Object-name prefix, without slashes at either end. */
  prefix: string;
  /** Claims without an event id cover this window (default 2 minutes). */
  windowMs?: number;
  now?: () => Date;
}

const DEFAULT_WINDOW_MS = 120_000;
/** A dropped connection or a throttle: try the PUT again after these pauses before giving up on claiming. */
const RETRY_PAUSES_MS = [100, 400];
/** Under IMDS_GUARD_TICKET_STATE_PREFIX (default `imds-guard`). */
const CLAIM_PREFIX = 'ticket-claims';

const windowName = (at: Date, windowMs: number): string =>
  new Date(Math.floor(at.getTime() / windowMs) * windowMs).toISOString().replace(/[:.]/g, '');

/** An event id as part of an object name: letters, digits, `.`, `_`, `-`; at most 100 characters. */
const safeName = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);

const createCosClaims = (o: CosClaimOptions): TicketClaims => {
  const windowMs = o.windowMs ?? DEFAULT_WINDOW_MS;
  const now = o.now ?? (() => new Date());
  return {
    claim: async (marker, key, eventId) => {
      const at = now();
      const scope = eventId ? `event-${safeName(eventId)}` : `window-${windowName(at, windowMs)}`;
      const object = `${o.prefix}/${marker}/${key}/${scope}.json`;
      let store: ObjectStore;
      try {
        store = await o.store();
      } catch (err) {
        return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
      }
      const body = Buffer.from(
        `${JSON.stringify({ marker, key, event: eventId, claimed_at: at.toISOString() })}\n`,
      );
      const attempt = () =>
        store.put(o.bucket, object, body, { contentType: 'application/json', ifNoneMatch: true });
      let put: StoreResult<{ etag: string }> = await attempt();
      for (const pause of RETRY_PAUSES_MS) {
        if (put.ok || !isRetryable(put.failure)) break;
        await sleep(pause);
        // A 412 now may be our own earlier PUT that landed unanswered: the waits then end in opening anyway.
        put = await attempt();
      }
      if (put.ok) return { kind: 'won', object };
      if (put.failure.kind === 'clash') return { kind: 'lost', object };
      return { kind: 'unavailable', reason: describeFailure(put.failure) };
    },
  };
};

export type { ClaimResult, CosClaimOptions, TicketClaims };
export { CLAIM_PREFIX, createCosClaims, windowName };
