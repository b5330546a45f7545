// What the rollout must remember across events: when an instance's owner was told (the notice), when the
// guard changed it (for the change cap), and how many changes this minute took (the per-minute limit).
// With a trail bucket it lives there, beside the ticket claims and ledger, as write-once objects whose
// names say everything (one list reads an instance's state; no object is ever rewritten):
//   <state prefix>/rollout/instances/<instance id>/<seq 8 digits>-<notice|closed|changed>-<epoch ms>.json
//   <state prefix>/rollout/rate/<yyyy-mm-ddThhmm>/<slot 4 digits>.json
// Without a bucket it lives in the warm container's memory: a cold start forgets notices (the next event
// gives a new one, so the grace period starts again — never an early change), change counts and slots
// (the cap and the limit then hold per container).
import { openStore } from '#shared/audit/trail/open.ts';
import { describeFailure, type ObjectStore } from '#shared/audit/trail/types.ts';
import type { Config } from '#shared/config.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';

type EntryType = 'notice' | 'closed' | 'changed';

interface InstanceRollout {
  /** The open notice (the last notice not closed since). */
  notice?: { at: string };
  /** When the guard changed the instance (ISO), oldest first. */
  changes: string[];
  /** Sequence number of the last entry (0: none). */
  seq: number;
}

interface RolloutStore {
  /** Where it lives, for records and reasons. */
  where: 'trail-bucket' | 'memory';
  read(instanceId: string): Promise<InstanceRollout>;
  /** Appends an entry; a notice when one is open, or a close when none is, is a no-op. */
  append(instanceId: string, type: EntryType, at: Date): Promise<void>;
  /** Takes one of `limit` change slots of `minute`; false when all are taken. */
  takeSlot(minute: string, limit: number, at: Date): Promise<boolean>;
}

class RolloutStateError extends Error {
  override name = 'RolloutStateError';
}

const ENTRY = /\/(\d{8})-(notice|closed|changed)-(\d+)\.json$/;

/** Entries in sequence order → the state. */
const fold = (entries: readonly { seq: number; type: EntryType; at: number }[]): InstanceRollout => {
  const state: InstanceRollout = { changes: [], seq: 0 };
  for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
    state.seq = e.seq;
    const at = new Date(e.at).toISOString();
    if (e.type === 'notice') state.notice ??= { at };
    else if (e.type === 'closed') delete state.notice;
    else state.changes.push(at);
  }
  return state;
};

/** Nothing to write: a second notice while one is open, or a close with none open. */
const redundant = (state: InstanceRollout, type: EntryType): boolean =>
  (type === 'notice' && state.notice !== undefined) || (type === 'closed' && state.notice === undefined);

const MAX_APPEND_ATTEMPTS = 5;

const cosRollout = (store: () => Promise<ObjectStore>, bucket: string, prefix: string): RolloutStore => {
  const dir = (id: string) => `${prefix}/instances/${id.replace(/[^A-Za-z0-9._-]/g, '_')}/`;
  const read = async (instanceId: string): Promise<InstanceRollout> => {
    const entries: { seq: number; type: EntryType; at: number }[] = [];
    try {
      for await (const obj of (await store()).list(bucket, dir(instanceId))) {
        const m = ENTRY.exec(obj.key);
        if (m) entries.push({ seq: Number(m[1]), type: m[2] as EntryType, at: Number(m[3]) });
      }
    } catch (err) {
      throw new RolloutStateError(`rollout state of ${instanceId} could not be read`, { cause: err });
    }
    return fold(entries);
  };
  const append = async (instanceId: string, type: EntryType, at: Date): Promise<void> => {
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
      const state = await read(instanceId);
      if (redundant(state, type)) return;
      const name = `${dir(instanceId)}${String(state.seq + 1).padStart(8, '0')}-${type}-${at.getTime()}.json`;
      const body = Buffer.from(`${JSON.stringify({ instance: instanceId, type, at: at.toISOString() })}\n`);
      const put = await (await store()).put(bucket, name, body, {
        contentType: 'application/json',
        ifNoneMatch: true,
      });
      if (put.ok) return;
      // Another run wrote that sequence number first: read again and re-apply.
      if (put.failure.kind !== 'clash')
        throw new RolloutStateError(`rollout state ${name}: ${describeFailure(put.failure)}`);
    }
    throw new RolloutStateError(`rollout state of ${instanceId}: too many concurrent writers`);
  };
  const takeSlot = async (minute: string, limit: number, at: Date): Promise<boolean> => {
    const s = await store();
    let taken = 0;
    for await (const _ of s.list(bucket, `${prefix}/rate/${minute}/`)) taken += 1;
    for (let slot = taken; slot < limit; slot += 1) {
      const name = `${prefix}/rate/${minute}/${String(slot).padStart(4, '0')}.json`;
      const body = Buffer.from(`${JSON.stringify({ at: at.toISOString() })}\n`);
      const put = await s.put(bucket, name, body, { contentType: 'application/json', ifNoneMatch: true });
      if (put.ok) return true;
      if (put.failure.kind !== 'clash')
        throw new RolloutStateError(`rollout slot ${name}: ${describeFailure(put.failure)}`);
    }
    return false;
  };
  return { where: 'trail-bucket', read, append, takeSlot };
};

const memoryRollout = (): RolloutStore => {
  const entries = new Map<string, { seq: number; type: EntryType; at: number }[]>();
  const slots = new Map<string, number>();
  const read = async (id: string) => fold(entries.get(id) ?? []);
  return {
    where: 'memory',
    read,
    append: async (id, type, at) => {
      const state = await read(id);
      if (redundant(state, type)) return;
      entries.set(id, [...(entries.get(id) ?? []), { seq: state.seq + 1, type, at: at.getTime() }]);
    },
    takeSlot: async (minute, limit) => {
      const n = slots.get(minute) ?? 0;
      if (n >= limit) return false;
      slots.clear(); // only the current minute matters
      slots.set(minute, n + 1);
      return true;
    },
  };
};

/** `<IMDS_GUARD_TICKET_STATE_PREFIX or imds-guard>/rollout`, as the ticket claims and ledger are named. */
const rolloutPrefix = (config: Config): string =>
  `${(config.env.IMDS_GUARD_TICKET_STATE_PREFIX?.trim() || 'imds-guard').replace(/^\/+|\/+$/g, '')}/rollout`;

const stores = new WeakMap<GuardRuntime, RolloutStore>();

/** The runtime's rollout state: the trail bucket when configured, else this container's memory. */
const rolloutStoreFor = (rt: GuardRuntime): RolloutStore => {
  let s = stores.get(rt);
  if (!s) {
    const { bucket, connection } = rt.config.trail;
    s = bucket
      ? cosRollout(() => openStore(rt.config, connection), bucket, rolloutPrefix(rt.config))
      : memoryRollout();
    stores.set(rt, s);
  }
  return s;
};

export type { EntryType, InstanceRollout, RolloutStore };
export { fold, memoryRollout, RolloutStateError, rolloutStoreFor };
