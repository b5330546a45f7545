// Which listings a shard makes and which listed resources it decides: the work units of a run. Without
// sharding, one unit per region. With `--shard i/n`, each resource belongs to shard `fnv1a(id) mod n`.
import type { InstanceTemplate } from '#shared/cloud/vpc.ts';
import { ownsResource, type Shard } from './shard.ts';

/** One instance listing: a whole region, or one VPC of it (`vpc.id` filter). */
interface Unit {
  /** `region`, or `region/vpc-id`: the key of `resume.instances`. */
  key: string;
  region: string;
  vpc?: { id: string; name?: string };
}

interface Assignment {
  /** The instance listings this shard makes. */
  units: Unit[];
  /** The share of a listing's total_count this shard decides (1/n when resources are hashed). */
  instanceShare: number;
  ownsInstance(id: string): boolean;
  /** Regions whose templates this shard lists, and which of them it decides. */
  templateRegions: string[];
  ownsTemplate(template: Pick<InstanceTemplate, 'id' | 'vpc'>, region: string): boolean;
  /** Profiles are hashed by id in every scheme (IAM is global; each costs several IAM calls). */
  profileShare: number;
  ownsProfile(id: string): boolean;
}

const unitKey = (region: string, vpcId?: string): string => (vpcId ? `${region}/${vpcId}` : region);

/** Every shard lists every region; each decides the resources whose id hashes to it. */
const hashedAssignment = (shard: Shard | undefined, regions: readonly string[]): Assignment => {
  const share = shard ? 1 / shard.count : 1;
  const owns = (id: string): boolean => ownsResource(shard, id);
  return {
    units: regions.map((region) => ({ key: unitKey(region), region })),
    instanceShare: share,
    ownsInstance: owns,
    templateRegions: [...regions],
    ownsTemplate: (t) => owns(t.id),
    profileShare: share,
    ownsProfile: owns,
  };
};

export type { Assignment, Unit };
export { hashedAssignment, unitKey };
