// Network posture: per region, the VPCs that hold instances (one instance listing, grouped by VPC), each
// VPC this shard owns (hashed by VPC id) read fresh and assessed through guardNetwork: findings and one
// ticket per VPC, never a change to the network. ACLs and VPN gateways are listed once per region.
import { InstancesPager } from '#shared/cloud/vpc.ts';
import { vpcNetwork } from '#shared/cloud/vpc-network.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { guardNetwork } from '../../network/act.ts';
import {
  groupByVpc,
  type RegionNetwork,
  readRegionNetwork,
  readVpcPosture,
  type VpcGroup,
} from '../../network/read.ts';
import { runListing } from '../listing.ts';
import { type Decided, giveBack, heldBack, type Pass, takeSlot, type Work } from '../pass.ts';
import { failedResult } from '../run-context.ts';
import { ownsResource } from '../shard.ts';

const PAGE = 100;

const vpcWork =
  (pass: Pass, region: string, group: VpcGroup, shared: () => Promise<RegionNetwork>): Work =>
  async (mode) => {
    const { run } = pass;
    const slot = mode === 'apply' && takeSlot(pass);
    const use = slot ? run.apply : run.plan;
    let result: Decided['result'];
    try {
      const net = vpcNetwork(await use.clients.vpc(region));
      const posture = await withRetry(
        () => cloudCall(shared().then((common) => readVpcPosture(net, region, group, common))),
        { attempts: 3, deadline: use.deadline },
      );
      result = await guardNetwork(use, posture);
    } catch (err) {
      result = { ...failedResult(err), detail: { vpc: { id: group.vpc.id, name: group.vpc.name }, region } };
    }
    if (slot) giveBack(pass, result);
    const held = mode === 'apply' && !slot;
    return {
      kind: 'vpc-network',
      crn: group.vpc.crn,
      result: held ? heldBack(pass, result) : result,
      ctxRt: use.rt,
    };
  };

const startNetworkIn = (pass: Pass, region: string): Promise<void> => {
  const { run } = pass;
  let shared: Promise<RegionNetwork> | undefined;
  const sharedOnce = (): Promise<RegionNetwork> => {
    shared ??= run.apply.clients.vpc(region).then((vpc) => readRegionNetwork(vpcNetwork(vpc)));
    // A failed read is not kept: the next VPC (or a retry) reads again.
    return shared.catch((err: unknown) => {
      shared = undefined;
      throw err;
    });
  };
  return runListing<VpcGroup>(pass, {
    state: pass.stats.listing(region, 'network'),
    lane: run.lanes.region(region),
    from: null,
    what: 'VPCs with instances (network posture)',
    region,
    // The VPCs that hold instances come from the region's instance listing: one "page" per region.
    fetch: async () => {
      const vpc = await run.apply.clients.vpc(region);
      const instances = await withRetry(() => cloudCall(new InstancesPager(vpc, { limit: PAGE }).getAll()), {
        attempts: 3,
        deadline: run.apply.deadline,
      });
      const groups = groupByVpc(instances);
      return { items: groups, next: undefined, total: groups.length };
    },
    owns: (g) => ownsResource(run.o.shard, g.vpc.id),
    share: run.o.shard ? 1 / run.o.shard.count : 1,
    handle: (g) => vpcWork(pass, region, g, sharedOnce),
    onIncomplete: () => {
      pass.resume.network = [...(pass.resume.network ?? []), region];
    },
  });
};

/** This shard's network listings, one per region (resumed ones only when their region is named). */
const startNetwork = (pass: Pass): Promise<void>[] => {
  const { resume } = pass.run.o;
  return pass.run.assignment.regions
    .filter((region) => !resume || resume.network?.includes(region))
    .map((region) => startNetworkIn(pass, region));
};

export { startNetwork };
