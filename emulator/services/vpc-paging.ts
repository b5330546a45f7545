// Collection paging for the VPC API: opaque `start` tokens over `seq` (insertion order), and a
// per-region instance index so a page of 100,000 instances costs a binary search, not a sort.
import { createHash } from 'node:crypto';
import type { InstanceRec, RegionState } from '../core/state.ts';

/** `start` token: 8 hex of checksum + the seq of the page's first item, in hex. Opaque to clients. */
const startToken = (seq: number): string => {
  const hex = seq.toString(16);
  return `${createHash('sha1').update(`start:${hex}`).digest('hex').slice(0, 8)}${hex}`;
};

/** The seq a token starts at, or undefined when the token was not issued here. */
const parseStartToken = (token: string): number | undefined => {
  if (!/^[0-9a-f]{9,21}$/.test(token)) return undefined;
  const hex = token.slice(8);
  if (startToken(Number.parseInt(hex, 16)) !== token) return undefined;
  return Number.parseInt(hex, 16);
};

/** First index whose seq ≥ `seq` in a list sorted by seq. */
const lowerBound = (items: readonly { seq: number }[], seq: number): number => {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid]?.seq ?? Number.POSITIVE_INFINITY) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

interface Page<T> {
  items: T[];
  /** seq of the first item of the next page; absent on the last page. */
  nextSeq?: number;
}

/** One page from a seq-sorted list, skipping items `accept` refuses (hidden, already deleted). */
const pageOf = <T extends { seq: number }>(
  items: readonly T[],
  startSeq: number | undefined,
  limit: number,
  accept: (item: T) => boolean,
): Page<T> => {
  const out: T[] = [];
  let i = startSeq === undefined ? 0 : lowerBound(items, startSeq);
  for (; i < items.length && out.length < limit; i += 1) {
    const item = items[i];
    if (item && accept(item)) out.push(item);
  }
  for (; i < items.length; i += 1) {
    const item = items[i];
    if (item && accept(item)) return { items: out, nextSeq: item.seq };
  }
  return { items: out };
};

interface View {
  items: InstanceRec[];
  /** Members that carry `visible_after`: the only ones that may be hidden at query time. */
  timed: InstanceRec[];
}

interface InstanceIndex {
  /** The map this index mirrors (a scenario reload replaces it). */
  map: Map<string, InstanceRec>;
  /** map.size when last synchronised: a mismatch means someone else changed the map. */
  size: number;
  all: View;
  /** Filtered views by canonical filter key; dropped on every change. */
  views: Map<string, View>;
}

const indexes = new WeakMap<RegionState, InstanceIndex>();

const MAX_VIEWS = 64;

const viewFrom = (items: InstanceRec[]): View => ({
  items,
  timed: items.filter((r) => r.visible_after !== undefined),
});

const rebuild = (rs: RegionState): InstanceIndex => {
  const items = Array.from(rs.instances.values());
  // Map order is insertion order, which is seq order unless someone re-inserted a record.
  let sorted = true;
  for (let i = 1; i < items.length && sorted; i += 1) {
    if ((items[i - 1]?.seq ?? 0) > (items[i]?.seq ?? 0)) sorted = false;
  }
  if (!sorted) items.sort((a, b) => a.seq - b.seq);
  const ix: InstanceIndex = {
    map: rs.instances,
    size: rs.instances.size,
    all: viewFrom(items),
    views: new Map(),
  };
  indexes.set(rs, ix);
  return ix;
};

const indexOf = (rs: RegionState): InstanceIndex => {
  const ix = indexes.get(rs);
  if (!ix || ix.map !== rs.instances || ix.size !== rs.instances.size) return rebuild(rs);
  return ix;
};

/** Call after adding `rec` to `rs.instances`. */
const noteInstanceAdded = (rs: RegionState, rec: InstanceRec): void => {
  const ix = indexes.get(rs);
  if (!ix || ix.map !== rs.instances || ix.size !== rs.instances.size - 1) return;
  const items = ix.all.items;
  const last = items[items.length - 1];
  if (!last || last.seq < rec.seq) items.push(rec);
  else items.splice(lowerBound(items, rec.seq), 0, rec);
  if (rec.visible_after !== undefined) ix.all.timed.push(rec);
  ix.size = rs.instances.size;
  ix.views.clear();
};

/** Call after removing `rec` from `rs.instances`. */
const noteInstanceRemoved = (rs: RegionState, rec: InstanceRec): void => {
  const ix = indexes.get(rs);
  if (!ix || ix.map !== rs.instances || ix.size !== rs.instances.size + 1) return;
  const items = ix.all.items;
  const at = lowerBound(items, rec.seq);
  if (items[at] !== rec) {
    indexes.delete(rs);
    return;
  }
  items.splice(at, 1);
  ix.all.timed = ix.all.timed.filter((r) => r !== rec);
  ix.size = rs.instances.size;
  ix.views.clear();
};

/** Call after changing a field a filter may read (name). */
const noteInstanceChanged = (rs: RegionState): void => {
  indexes.get(rs)?.views.clear();
};

interface InstanceFilter {
  /** Canonical text of the filter, the cache key of its view. */
  key: string;
  test: (rec: InstanceRec) => boolean;
}

const isVisible = (rec: InstanceRec, nowMs: number): boolean =>
  rec.visible_after === undefined || rec.visible_after <= nowMs;

interface InstancePage {
  items: InstanceRec[];
  nextSeq?: number;
  total: number;
}

const pageInstances = (
  rs: RegionState,
  filter: InstanceFilter | undefined,
  startSeq: number | undefined,
  limit: number,
  nowMs: number,
): InstancePage => {
  const ix = indexOf(rs);
  let view = ix.all;
  if (filter) {
    const cached = ix.views.get(filter.key);
    if (cached) view = cached;
    else {
      view = viewFrom(ix.all.items.filter(filter.test));
      if (ix.views.size >= MAX_VIEWS) ix.views.clear();
      ix.views.set(filter.key, view);
    }
  }
  const page = pageOf(view.items, startSeq, limit, (rec) => isVisible(rec, nowMs));
  let hidden = 0;
  for (const rec of view.timed) if (!isVisible(rec, nowMs)) hidden += 1;
  return { ...page, total: view.items.length - hidden };
};

export type { InstanceFilter, InstancePage, Page };
export {
  isVisible,
  noteInstanceAdded,
  noteInstanceChanged,
  noteInstanceRemoved,
  pageInstances,
  pageOf,
  parseStartToken,
  startToken,
};
