// What a fire-and-forget sink (Event Notifications) has sent, kept where it can be read back: an
// append-only log per profile marker in the trail bucket, one write-once object per entry
// (`<prefix>/<marker>/<seq 8 digits>.json`). Each entry carries the open tickets after it, so reading the
// state is one list and one get. Two runs appending the same sequence number: one PUT wins, the other
// re-reads and re-applies its change to the newer state.

import type { ObjectStore, StoreFailure } from '../audit/trail/types.ts';
import { describeFailure, isRetryable } from '../audit/trail/types.ts';
import type { Severity } from '../policy/profiles.ts';
import { sleep } from '../runtime/retry.ts';

/** An open "ticket": the notification that opened it and what it was last told. */
interface LedgerTicket {
  /** The open notification's id: the ticket id every later notification refers to. */
  id: string;
  created_at: string;
  key: string;
  finding_ids: string[];
  severity: Severity;
}

interface LedgerState {
  /** Sequence number of the last entry (0: nothing written yet). */
  seq: number;
  open: LedgerTicket[];
}

type LedgerAction = 'open' | 'update' | 'resolve' | 'close';

interface LedgerEntry extends LedgerState {
  at: string;
  type: LedgerAction;
  /** The ticket the entry is about and the notification that told EN. */
  ticket: string;
  notification_id: string;
}

/** The change to make, given the newest state; `undefined`: already done (nothing to append). */
type LedgerChange = (state: LedgerState) => Omit<LedgerEntry, 'seq' | 'at'> | undefined;

interface Ledger {
  read(marker: string): Promise<LedgerState>;
  append(marker: string, change: LedgerChange): Promise<void>;
}

class LedgerError extends Error {
  override name = 'LedgerError';
  readonly failure: StoreFailure;
  constructor(message: string, failure: StoreFailure) {
    super(message);
    this.failure = failure;
  }
  get retryable(): boolean {
    return isRetryable(this.failure) || this.failure.kind === 'clash';
  }
}

/** Under IMDS_GUARD_TICKET_STATE_PREFIX (default `imds-guard`). */
const LEDGER_PREFIX = 'tickets/event-notifications';
const MAX_APPEND_ATTEMPTS = 5;

const entryName = (prefix: string, marker: string, seq: number): string =>
  `${prefix}/${marker}/${String(seq).padStart(8, '0')}.json`;

const createCosLedger = (o: {
  store: () => Promise<ObjectStore>;
  bucket: string;
  prefix: string;
  now?: () => Date;
}): Ledger => {
  const now = o.now ?? (() => new Date());

  const readOnce = async (marker: string): Promise<LedgerState> => {
    const store = await o.store();
    let last: string | undefined;
    for await (const obj of store.list(o.bucket, `${o.prefix}/${marker}/`)) last = obj.key;
    if (!last) return { seq: 0, open: [] };
    const got = await store.get(o.bucket, last);
    if (!got.ok) throw new LedgerError(`ledger ${last}: ${describeFailure(got.failure)}`, got.failure);
    const entry = JSON.parse(got.body.toString('utf8')) as LedgerEntry;
    return { seq: entry.seq, open: entry.open };
  };

  // Reads are safe to repeat: a dropped connection gets two more tries before the event is given back.
  const read = async (marker: string): Promise<LedgerState> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await readOnce(marker);
      } catch (err) {
        const failure = err instanceof LedgerError ? err.failure : (err as { cause?: StoreFailure }).cause;
        if (attempt >= 3 || !failure || !isRetryable(failure)) throw err;
        await sleep(100 * attempt);
      }
    }
  };

  const append = async (marker: string, change: LedgerChange): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      const state = await read(marker);
      const next = change(state);
      if (!next) return;
      const seq = state.seq + 1;
      const entry: LedgerEntry = { ...next, seq, at: now().toISOString() };
      const name = entryName(o.prefix, marker, seq);
      const store = await o.store();
      const put = await store.put(o.bucket, name, Buffer.from(`${JSON.stringify(entry)}\n`), {
        contentType: 'application/json',
        ifNoneMatch: true,
      });
      if (put.ok) return;
      if (put.failure.kind !== 'clash' || attempt >= MAX_APPEND_ATTEMPTS)
        throw new LedgerError(`ledger ${name}: ${describeFailure(put.failure)}`, put.failure);
    }
  };

  return { read, append };
};

export type { Ledger, LedgerAction, LedgerChange, LedgerEntry, LedgerState, LedgerTicket };
export { createCosLedger, LEDGER_PREFIX, LedgerError };
