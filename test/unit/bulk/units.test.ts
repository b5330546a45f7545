// Work units of a sharded run: every (account, region, VPC) unit belongs to exactly one of n shards,
// units are dealt evenly, a region's deal depends only on its own VPCs, and templates have one owner.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { dealRegion, resumedAssignment, vpcAssignment } from '#functions/sweep/units.ts';

const vpcsOf = (region: string, k: number) =>
  Array.from({ length: k }, (_, i) => ({ id: `${region}-vpc-${i}`, name: `v${i}` }));

describe('vpcAssignment', () => {
  test('n shards take every unit exactly once, and every region’s templates once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 2, max: 9 }),
        (perRegion, n) => {
          const regions = perRegion.map((_, i) => `r${String(i).padStart(2, '0')}`);
          const vpcs = new Map(regions.map((r, i) => [r, vpcsOf(r, perRegion[i] ?? 0)]));
          const shards = Array.from({ length: n }, (_, index) =>
            vpcAssignment({ index, count: n }, 'acct', regions, vpcs),
          );
          const keys = shards.flatMap((a) => a.units.map((u) => u.key));
          expect(keys.sort()).toEqual(
            [...vpcs.values()]
              .flat()
              .map((v) => `${v.id.split('-vpc')[0]}/${v.id}`)
              .sort(),
          );
          expect(shards.flatMap((a) => a.templateRegions).sort()).toEqual(regions);
          expect(shards.every((a) => a.units.every((u) => u.account === 'acct'))).toBe(true);
        },
      ),
    );
  });

  test('equal regions deal the account’s units in one sequence: shards differ by at most one', () => {
    const regions = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const vpcs = new Map(regions.map((r) => [r, vpcsOf(r, 3)]));
    const sizes = [0, 1, 2, 3].map(
      (index) => vpcAssignment({ index, count: 4 }, 'a', regions, vpcs).units.length,
    );
    expect(sizes.sort()).toEqual([7, 7, 8, 8]);
  });

  test('a region whose VPCs could not be listed moves no other region’s units', () => {
    const regions = ['r0', 'r1', 'r2'];
    const ok = new Map(regions.map((r) => [r, vpcsOf(r, 5)]));
    const failed = new Map<string, ReturnType<typeof vpcsOf> | { error: unknown }>(ok);
    failed.set('r1', { error: new Error('boom') });
    const a = vpcAssignment({ index: 1, count: 3 }, 'a', regions, ok);
    const b = vpcAssignment({ index: 1, count: 3 }, 'a', regions, failed);
    expect(b.units.map((u) => u.key)).toEqual(a.units.filter((u) => u.region !== 'r1').map((u) => u.key));
    expect(b.unlisted).toEqual([{ region: 'r1', error: expect.any(Error) }]);
  });

  test('known instance counts go heaviest first, so the heavy units land on different shards', () => {
    const vpcs = vpcsOf('r0', 4);
    const weights = new Map([
      ['r0/r0-vpc-2', 900],
      ['r0/r0-vpc-3', 800],
    ]);
    const dealt = dealRegion('a', 'r0', 0, vpcs, 2, weights);
    expect(dealt.slice(0, 2).map((d) => [d.unit.key, d.shard])).toEqual([
      ['r0/r0-vpc-2', 0],
      ['r0/r0-vpc-3', 1],
    ]);
  });
});

describe('resumedAssignment', () => {
  test('continues exactly the units left; a bare region key is split again', () => {
    const a = resumedAssignment({ index: 2, count: 4 }, 'a', ['r0', 'r1'], ['r0/vpc-9', 'r1'], ['r1']);
    expect(a.units).toEqual([{ key: 'r0/vpc-9', account: 'a', region: 'r0', vpc: { id: 'vpc-9' } }]);
    expect(a.relist).toEqual(['r1']);
    expect(a.templateRegions).toEqual(['r1']);
    expect(a.ownsInstance('anything')).toBe(true);
  });

  test('without shards it is the region-wide listing it always was', () => {
    const a = resumedAssignment(undefined, 'a', ['r0'], ['r0'], []);
    expect(a.units.map((u) => u.key)).toEqual(['r0']);
    expect(a.relist).toEqual([]);
  });
});
