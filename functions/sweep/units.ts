// Which listings a shard makes and which listed resources it decides: the work units of a run.
// Without sharding, one unit per region (one region-wide instance listing). With `--shard i/n` (n > 1),
// the units are (account, region, VPC): every shard lists each region's VPCs (one call per 100 VPCs),
// and each unit belongs to exactly one shard, which lists its instances with IBM's `vpc.id` filter and
// decides all of them. So the n shards together make about the list calls of one scan (plus the VPC
// listings), instead of n times them. Templates and instance groups have no VPC filter: a region's
// templates (and its groups) belong to one shard, the region's sorted position mod n. Profiles (IAM
// is global) stay hashed by id. docs/scan.md explains the choice of n.
import type { InstanceTemplate } from '#shared/cloud/vpc.ts';
import { fnv1a, ownsResource, type Shard } from './shard.ts';

/** One instance listing: a whole region, or one VPC of it (`vpc.id` filter). */
interface Unit {
  /** `region`, or `region/vpc-id`: the key of `resume.instances`. */
  key: string;
  /** The account the unit is listed in (the acting context's `account.bss`). */
  account: string;
  region: string;
  vpc?: { id: string; name?: string };
}

interface Assignment {
  /** Every region the run scans (all shards'). */
  regions: string[];
  /** The instance listings this shard makes. */
  units: Unit[];
  /** Regions whose VPCs could not be listed: their instances are a failed listing, resumed whole. */
  unlisted: { region: string; error: unknown }[];
  /** The share of a listing's total_count this shard decides (1/n when resources are hashed). */
  instanceShare: number;
  ownsInstance(id: string): boolean;
  /** Regions whose templates (and instance groups) this shard lists, and which of them it decides. */
  templateRegions: string[];
  ownsTemplate(template: Pick<InstanceTemplate, 'id' | 'vpc'>, region: string): boolean;
  /** Profiles are hashed by id in every scheme (IAM is global; each costs several IAM calls). */
  profileShare: number;
  ownsProfile(id: string): boolean;
}

const unitKey = (region: string, vpcId?: string): string => (vpcId ? `${region}/${vpcId}` : region);

const sharded = (shard: Shard | undefined): shard is Shard => shard !== undefined && shard.count > 1;

/** Every shard lists every region; each decides the resources whose id hashes to it. */
const hashedAssignment = (shard: Shard | undefined, regions: readonly string[], account = ''): Assignment => {
  const share = shard ? 1 / shard.count : 1;
  const owns = (id: string): boolean => ownsResource(shard, id);
  return {
    regions: [...regions],
    units: regions.map((region) => ({ key: unitKey(region), account, region })),
    unlisted: [],
    instanceShare: share,
    ownsInstance: owns,
    templateRegions: [...regions],
    ownsTemplate: (t) => owns(t.id),
    profileShare: share,
    ownsProfile: owns,
  };
};

/** The shard that lists a region's templates and instance groups: by the region's sorted position. */
const templateOwner = (position: number, count: number): number => position % count;

/**
 * The shard of each of a region's VPC units: heaviest first (instance count where known, else equal),
 * ties in hash order, dealt round-robin from `position × (the region's unit count)`, where position is
 * the region's place in the sorted list of regions. With equal counts per region that deals every unit
 * of the account in one sequence (shards differ by at most one unit); and it depends only on the
 * region's own VPC list, so a region whose listing failed in one shard moves no other region's units.
 */
const dealRegion = (
  account: string,
  region: string,
  position: number,
  vpcs: readonly { id: string; name?: string }[],
  count: number,
  weights?: ReadonlyMap<string, number>,
): { unit: Unit; shard: number }[] => {
  const units = vpcs.map((v) => ({
    key: unitKey(region, v.id),
    account,
    region,
    vpc: { id: v.id, ...(v.name !== undefined ? { name: v.name } : {}) },
  }));
  const weight = (u: Unit): number => weights?.get(u.key) ?? 1;
  units.sort((a, b) => weight(b) - weight(a) || fnv1a(a.key) - fnv1a(b.key) || (a.key < b.key ? -1 : 1));
  const offset = position * units.length;
  return units.map((unit, i) => ({ unit, shard: (offset + i) % count }));
};

/**
 * Units by VPC: this shard's from every region whose VPCs were listed (`vpcs`), the others unlisted.
 * `regions` is every available region, sorted (positions count in it).
 */
const vpcAssignment = (
  shard: Shard,
  account: string,
  regions: readonly string[],
  vpcs: ReadonlyMap<string, readonly { id: string; name?: string }[] | { error: unknown }>,
  weights?: ReadonlyMap<string, number>,
): Assignment => {
  const units: Unit[] = [];
  const unlisted: Assignment['unlisted'] = [];
  for (const [position, region] of regions.entries()) {
    const listed = vpcs.get(region);
    if (listed === undefined) continue;
    if (!Array.isArray(listed)) {
      unlisted.push({ region, error: (listed as { error: unknown }).error });
      continue;
    }
    for (const d of dealRegion(account, region, position, listed, shard.count, weights))
      if (d.shard === shard.index) units.push(d.unit);
  }
  const templateRegions = regions.filter((_r, i) => templateOwner(i, shard.count) === shard.index);
  const owned = new Set(templateRegions);
  const share = 1 / shard.count;
  return {
    regions: [...regions],
    units,
    unlisted,
    instanceShare: 1,
    ownsInstance: () => true,
    templateRegions,
    ownsTemplate: (_t, region) => owned.has(region),
    profileShare: share,
    ownsProfile: (id) => ownsResource(shard, id),
  };
};

/**
 * A resumed shard continues exactly the units its earlier run left (`region/vpc` keys as they are; a
 * bare `region` key of a sharded run is a region whose VPCs were never listed: `relist` names them),
 * and the template regions it left, all of whose templates it owns.
 */
const resumedAssignment = (
  shard: Shard | undefined,
  account: string,
  regions: readonly string[],
  keys: readonly string[],
  templateRegions: readonly string[],
): Assignment & { relist: string[] } => {
  const base = hashedAssignment(shard, regions, account);
  if (!sharded(shard)) return { ...base, relist: [] };
  const units: Unit[] = [];
  const relist: string[] = [];
  for (const key of keys) {
    const [region = key, vpcId] = key.split('/');
    if (vpcId === undefined) relist.push(region);
    else units.push({ key, account, region, vpc: { id: vpcId } });
  }
  const owned = new Set(templateRegions);
  return {
    ...base,
    units,
    relist,
    instanceShare: 1,
    ownsInstance: () => true,
    templateRegions: [...templateRegions],
    ownsTemplate: (_t, region) => owned.has(region),
  };
};

export type { Assignment, Unit };
export { dealRegion, hashedAssignment, resumedAssignment, sharded, templateOwner, unitKey, vpcAssignment };
