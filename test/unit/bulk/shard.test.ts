// The shard split: i/n parsing, Code Engine's JOB_INDEX/JOB_ARRAY_SIZE, and the property the whole
// design rests on — the n shards together own every resource exactly once, evenly.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fnv1a, ownsResource, parseShard, shardFromJobEnv } from '#functions/sweep/shard.ts';
import { InvalidInputError } from '#shared/errors.ts';

describe('parseShard', () => {
  test.each([
    ['0/1', { index: 0, count: 1 }],
    ['3/4', { index: 3, count: 4 }],
    [' 999/1000 ', { index: 999, count: 1000 }],
  ])('%s → %o', (spec, want) => {
    expect(parseShard(spec)).toEqual(want);
  });

  test.each(['4/4', '1/0', '-1/4', 'a/b', '1', '0/1001', '1/2/3', ''])('%s is refused', (spec) => {
    expect(() => parseShard(spec)).toThrow(InvalidInputError);
  });
});

describe('shardFromJobEnv', () => {
  test('outside a job there is no shard', () => {
    expect(shardFromJobEnv({})).toBeUndefined();
  });

  test('JOB_INDEX of JOB_ARRAY_SIZE', () => {
    expect(shardFromJobEnv({ JOB_INDEX: '2', JOB_ARRAY_SIZE: '10' })).toEqual({ index: 2, count: 10 });
  });

  test('a single job run (array size 1) is shard 0/1', () => {
    expect(shardFromJobEnv({ JOB_INDEX: '0', JOB_ARRAY_SIZE: '1' })).toEqual({ index: 0, count: 1 });
  });

  test('an index outside the array is refused', () => {
    expect(() => shardFromJobEnv({ JOB_INDEX: '5', JOB_ARRAY_SIZE: '5' })).toThrow(InvalidInputError);
    expect(() => shardFromJobEnv({ JOB_INDEX: 'x', JOB_ARRAY_SIZE: '5' })).toThrow(InvalidInputError);
  });
});

describe('ownsResource', () => {
  test('n shards own every id exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        (ids, n) => {
          for (const id of ids) {
            const owners = Array.from({ length: n }, (_, index) => index).filter((index) =>
              ownsResource({ index, count: n }, id),
            );
            expect(owners).toHaveLength(1);
          }
        },
      ),
    );
  });

  test('without a shard every resource is owned', () => {
    expect(ownsResource(undefined, 'anything')).toBe(true);
  });

  test('the split is even: 40,000 VPC-like ids over 4 shards within ±3 %', () => {
    // Prepare: ids shaped like IBM's (zone prefix + uuid-ish), as the hash sees them in practice.
    const ids = Array.from(
      { length: 40_000 },
      (_, i) => `0717_${(i * 2654435761).toString(16).padStart(8, '0')}-${i.toString(36)}-4c1e-9d2b-${i}`,
    );
    // Act
    const counts = [0, 1, 2, 3].map(
      (index) => ids.filter((id) => ownsResource({ index, count: 4 }, id)).length,
    );
    // Assess
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(300);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40_000);
  });

  test('the hash is stable across processes (fixed values)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('0717_1a2b3c4d')).toBe(fnv1a('0717_1a2b3c4d'));
  });
});
