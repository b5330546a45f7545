import { describe, expect, test } from 'vitest';
import { EmulatorState, type InstanceRec } from '#emulator/core/state.ts';
import {
  noteInstanceAdded,
  noteInstanceChanged,
  noteInstanceRemoved,
  pageInstances,
  pageOf,
  parseStartToken,
  startToken,
} from '#emulator/services/vpc-paging.ts';

const rec = (state: EmulatorState, i: number, extra: Partial<InstanceRec> = {}): InstanceRec => ({
  id: `0717_${String(i).padStart(8, '0')}`,
  crn: `crn:v1:bluemix:public:is:us-south-1:a/acct::instance:${i}`,
  name: `vm-${i}`,
  region: 'us-south',
  zone: 'us-south-1',
  vpc_id: i % 2 === 0 ? 'vpc-even' : 'vpc-odd',
  resource_group_id: 'rg',
  image_id: undefined,
  profile: 'bx2-2x8',
  status: 'running',
  created_at: '2026-01-15T09:00:00Z',
  metadata_service: { enabled: false, protocol: 'http', response_hop_limit: 1 },
  rev: 1,
  seq: state.nextSeq(),
  ...extra,
});

/** A Map that counts full reads: the paging index may read all instances once, not once per page. */
class CountingMap<K, V> extends Map<K, V> {
  fullReads = 0;
  override values(): MapIterator<V> {
    this.fullReads += 1;
    return super.values();
  }
}

const regionWith = (n: number) => {
  const state = new EmulatorState();
  const rs = state.addRegion({ name: 'us-south', status: 'available', zones: [] });
  rs.instances = new CountingMap<string, InstanceRec>();
  for (let i = 0; i < n; i += 1) {
    const r = rec(state, i);
    rs.instances.set(r.id, r);
  }
  return { state, rs };
};

/** Walks every page the way a client follows next.href. */
const walk = (
  rs: ReturnType<typeof regionWith>['rs'],
  limit: number,
  filter?: Parameters<typeof pageInstances>[1],
) => {
  const seen: InstanceRec[] = [];
  let start: number | undefined;
  let pages = 0;
  for (;;) {
    const page = pageInstances(rs, filter, start, limit, Date.now());
    seen.push(...page.items);
    pages += 1;
    if (page.nextSeq === undefined) return { seen, pages, total: page.total };
    start = page.nextSeq;
  }
};

describe('start tokens', () => {
  test('round-trip, and foreign or tampered tokens are refused', () => {
    // Act + Assess
    for (const seq of [1, 255, 123_456, 2 ** 40]) expect(parseStartToken(startToken(seq))).toBe(seq);
    const token = startToken(42);
    expect(parseStartToken(`${token.slice(0, -1)}b`)).toBeUndefined();
    expect(parseStartToken('0')).toBeUndefined();
    expect(parseStartToken('not-a-token')).toBeUndefined();
  });
});

describe('pageOf', () => {
  test('skips refused items and reports the next accepted one', () => {
    // Prepare
    const items = [1, 2, 3, 4, 5, 6].map((seq) => ({ seq }));
    const odd = (x: { seq: number }) => x.seq % 2 === 1;
    // Act + Assess
    expect(pageOf(items, undefined, 2, odd)).toEqual({ items: [{ seq: 1 }, { seq: 3 }], nextSeq: 5 });
    expect(pageOf(items, 5, 2, odd)).toEqual({ items: [{ seq: 5 }] });
    expect(pageOf(items, 4, 10, () => true).items.map((x) => x.seq)).toEqual([4, 5, 6]);
  });
});

describe('instance index', () => {
  test('100,000 instances: a full walk in pages of 100 reads the region once, in seq order, exactly once each', () => {
    // Prepare
    const { rs } = regionWith(100_000);
    // Act
    const { seen, pages, total } = walk(rs, 100);
    // Assess: a count, not a wall-clock bound (speed is bench/emulator.ts's job): one index build for
    // 1,000 pages, each page then a binary search
    expect((rs.instances as CountingMap<string, InstanceRec>).fullReads).toBe(1);
    expect(pages).toBe(1000);
    expect(total).toBe(100_000);
    expect(seen.length).toBe(100_000);
    expect(seen.every((r, i) => i === 0 || (seen[i - 1]?.seq ?? 0) < r.seq)).toBe(true);
  });

  test('a filtered walk is cached per filter and dropped on change', () => {
    // Prepare
    const { rs } = regionWith(1000);
    const even = { key: 'vpc.id=vpc-even', test: (r: InstanceRec) => r.vpc_id === 'vpc-even' };
    // Act
    const before = walk(rs, 100, even);
    const target = rs.instances.get('0717_00000000');
    if (target) target.vpc_id = 'vpc-odd';
    const stale = walk(rs, 100, even);
    noteInstanceChanged(rs);
    const fresh = walk(rs, 100, even);
    // Assess
    expect(before.total).toBe(500);
    expect(stale.total).toBe(500);
    expect(fresh.total).toBe(499);
  });

  test('adds and removals through the note functions keep pages exact; outside changes force a rebuild', () => {
    // Prepare
    const { state, rs } = regionWith(10);
    walk(rs, 3);
    // Act
    const added = rec(state, 100);
    rs.instances.set(added.id, added);
    noteInstanceAdded(rs, added);
    const removed = rs.instances.get('0717_00000004');
    if (removed) {
      rs.instances.delete(removed.id);
      noteInstanceRemoved(rs, removed);
    }
    const afterNotes = walk(rs, 3);
    const outside = rec(state, 200);
    rs.instances.set(outside.id, outside); // no note: the size mismatch must be noticed
    const afterOutside = walk(rs, 3);
    // Assess
    expect(afterNotes.seen.map((r) => r.name)).toEqual([
      'vm-0',
      'vm-1',
      'vm-2',
      'vm-3',
      'vm-5',
      'vm-6',
      'vm-7',
      'vm-8',
      'vm-9',
      'vm-100',
    ]);
    expect(afterOutside.total).toBe(11);
    expect(afterOutside.seen.at(-1)?.name).toBe('vm-200');
  });

  test('instances not yet visible are skipped and not counted until their time comes', () => {
    // Prepare
    const { state, rs } = regionWith(5);
    const late = rec(state, 9, { visible_after: Date.now() + 60_000 });
    rs.instances.set(late.id, late);
    // Act
    const now = pageInstances(rs, undefined, undefined, 50, Date.now());
    const later = pageInstances(rs, undefined, undefined, 50, Date.now() + 120_000);
    // Assess
    expect([now.items.length, now.total]).toEqual([5, 5]);
    expect([later.items.length, later.total]).toEqual([6, 6]);
  });
});
