// A short claim before opening a ticket, so a burst of identical events (the same change seen by many
// containers at once) opens one ticket instead of dozens. The claim is a write-once object in the trail
// bucket (`If-None-Match: *`), named by profile marker, finding key and a time window: the one run whose
// PUT succeeds opens; the others wait for its ticket to appear. The window bounds how long a claim whose
// owner died blocks the next attempt (a run starting in the next window claims afresh).
import type { ObjectStore } from '../audit/trail/types.ts';
import { describeFailure } from '../audit/trail/types.ts';

type ClaimResult =
  | { kind: 'won'; object: string }
  | { kind: 'lost'; object: string }
  /** The store could not be asked: open anyway (a duplicate is closed by the survivor rule, a lost ticket is not). */
  | { kind: 'unavailable'; reason: string };

interface TicketClaims {
  claim(marker: string, key: string): Promise<ClaimResult>;
}

interface CosClaimOptions {
  store: () => Promise<ObjectStore>;
  bucket: string;
  /** Object-name prefix, without slashes at either end. */
  prefix: string;
  /** Claims expire with their window (default 2 minutes). */
  windowMs?: number;
  now?: () => Date;
}

const DEFAULT_WINDOW_MS = 120_000;
const CLAIM_PREFIX = 'imds-guard/ticket-claims';

const windowName = (at: Date, windowMs: number): string =>
  new Date(Math.floor(at.getTime() / windowMs) * windowMs).toISOString().replace(/[:.]/g, '');

const createCosClaims = (o: CosClaimOptions): TicketClaims => {
  const windowMs = o.windowMs ?? DEFAULT_WINDOW_MS;
  const now = o.now ?? (() => new Date());
  return {
    claim: async (marker, key) => {
      const at = now();
      const object = `${o.prefix}/${marker}/${key}/${windowName(at, windowMs)}.json`;
      let store: ObjectStore;
      try {
        store = await o.store();
      } catch (err) {
        return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
      }
      const body = Buffer.from(`${JSON.stringify({ marker, key, claimed_at: at.toISOString() })}\n`);
      const put = await store.put(o.bucket, object, body, {
        contentType: 'application/json',
        ifNoneMatch: true,
      });
      if (put.ok) return { kind: 'won', object };
      if (put.failure.kind === 'clash') return { kind: 'lost', object };
      return { kind: 'unavailable', reason: describeFailure(put.failure) };
    },
  };
};

export type { ClaimResult, CosClaimOptions, TicketClaims };
export { CLAIM_PREFIX, createCosClaims, windowName };
