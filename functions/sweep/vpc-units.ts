// The work units of a run (units.ts), read from IBM: a sharded run lists every region's VPCs (100 per
// page, all regions at once) so each shard can take its (account, region, VPC) units; an unsharded run
// needs no VPC listing (one region-wide listing per region).

import type { VpcClient } from '#shared/cloud/vpc.ts';
import { allPages, type VpcSummary, vpcNetwork } from '#shared/cloud/vpc-network.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import type { Include, Resume } from './summary.ts';
import {
  type Assignment,
  hashedAssignment,
  resumedAssignment,
  sharded,
  type Unit,
  vpcAssignment,
} from './units.ts';

const VPC_PAGE = 100;

/** The kinds whose listing is split by VPC. */
const SPLIT: readonly Include[] = ['instances'];

type Listed = ReadonlyMap<string, readonly VpcSummary[] | { error: unknown }>;

/** Each region's VPCs (or why they could not be listed), all regions at once. */
const listVpcs = async (regions: readonly string[], vpcOf: (region: string) => Promise<VpcClient>) => {
  const entries = await Promise.all(
    regions.map(async (region): Promise<[string, VpcSummary[] | { error: unknown }]> => {
      try {
        const net = vpcNetwork(await vpcOf(region));
        const vpcs = await withRetry(
          () =>
            cloudCall(
              allPages((start) => net.listVpcs({ limit: VPC_PAGE, ...(start ? { start } : {}) }), 'vpcs'),
            ),
          { attempts: 3 },
        );
        return [region, vpcs.map((v) => ({ id: v.id, crn: v.crn, name: v.name }))];
      } catch (error) {
        return [region, { error }];
      }
    }),
  );
  return new Map(entries) as Listed;
};

interface UnitOptions {
  shard?: Parameters<typeof hashedAssignment>[0];
  include: readonly Include[];
  resume?: Resume;
  discoveryRegion?: string;
}

/** A resumed sharded run: its left units, plus this shard's units of regions it never split. */
const resumed = async (
  o: UnitOptions & { resume: Resume },
  account: string,
  regions: string[],
  vpcOf: (region: string) => Promise<VpcClient>,
): Promise<Assignment> => {
  const keys = Object.keys(o.resume.instances ?? {});
  const a = resumedAssignment(o.shard, account, regions, keys, o.resume.templates ?? []);
  if (a.relist.length === 0 || !o.shard) return a;
  // Units are dealt by the region's position among every available region: read them again.
  let all: string[];
  try {
    const vpc = await vpcOf(o.discoveryRegion ?? 'us-south');
    const res = await withRetry(() => cloudCall(vpc.listRegions()), { attempts: 3 });
    all = res.result.regions.filter((r) => r.status === 'available').map((r) => r.name);
  } catch (error) {
    return { ...a, unlisted: a.relist.map((region) => ({ region, error })) };
  }
  const fresh = vpcAssignment(o.shard, account, all.sort(), await listVpcs(a.relist, vpcOf));
  const units: Unit[] = [...a.units, ...fresh.units];
  return { ...a, units, unlisted: fresh.unlisted };
};

/** Which listings this shard makes and what it decides (see units.ts). */
const assignUnits = async (
  o: UnitOptions,
  account: string,
  regions: string[] | { error: string },
  vpcOf: (region: string) => Promise<VpcClient>,
): Promise<Assignment> => {
  const list = Array.isArray(regions) ? regions : [];
  if (o.resume) return resumed({ ...o, resume: o.resume }, account, list, vpcOf);
  if (!sharded(o.shard)) return hashedAssignment(o.shard, list, account);
  const split = o.include.some((i) => SPLIT.includes(i));
  const vpcs: Listed = split ? await listVpcs(list, vpcOf) : new Map();
  return vpcAssignment(o.shard, account, list, vpcs);
};

export { assignUnits };
