// Fresh reads of network posture for the VPCs that hold guarded instances: per VPC its flow log
// collectors, security groups and endpoint gateways (IBM filters by `vpc.id`), and per region the
// network ACLs and VPN gateways (IBM's API has no VPC filter for them: read once, filter here).
import { parseCrn } from '#shared/cloud/crn.ts';
import type { Instance, VpcClient } from '#shared/cloud/vpc.ts';
import { InstancesPager } from '#shared/cloud/vpc.ts';
import {
  allPages,
  type NetworkAcl,
  type VpcNetwork,
  type VpnGateway,
  vpcNetwork,
} from '#shared/cloud/vpc-network.ts';
import type { PostureInstance, VpcPosture, VpcRef } from './types.ts';

const PAGE = 100;

/** What a region's VPCs share: read once per region, not once per VPC. */
interface RegionNetwork {
  acls: NetworkAcl[];
  vpns: VpnGateway[];
}

/** The guarded instances of one VPC. */
interface VpcGroup {
  vpc: VpcRef;
  instances: PostureInstance[];
}

type InstanceLike = Pick<Instance, 'id' | 'crn' | 'name' | 'vpc' | 'zone'> &
  Partial<Pick<Instance, 'primary_network_interface' | 'network_interfaces'>>;

const postureInstance = (i: InstanceLike): PostureInstance => {
  const nics = [
    ...(i.primary_network_interface ? [i.primary_network_interface] : []),
    ...(i.network_interfaces ?? []),
  ];
  return {
    id: i.id,
    crn: i.crn,
    name: i.name,
    zone: i.zone.name,
    nic_ids: [...new Set(nics.map((n) => n.id))],
    subnet_ids: [...new Set(nics.map((n) => n.subnet.id))],
  };
};

/** Instances by VPC, in the order VPCs first appear (the listing's order). */
const groupByVpc = (instances: readonly InstanceLike[]): VpcGroup[] => {
  const groups = new Map<string, VpcGroup>();
  for (const i of instances) {
    let g = groups.get(i.vpc.id);
    if (!g) {
      g = { vpc: { id: i.vpc.id, crn: i.vpc.crn, name: i.vpc.name ?? i.vpc.id }, instances: [] };
      groups.set(i.vpc.id, g);
    }
    g.instances.push(postureInstance(i));
  }
  return [...groups.values()];
};

const readRegionNetwork = async (net: VpcNetwork): Promise<RegionNetwork> => {
  const [acls, vpns] = await Promise.all([
    allPages((start) => net.listNetworkAcls({ limit: PAGE, ...(start ? { start } : {}) }), 'network_acls'),
    allPages((start) => net.listVpnGateways({ limit: PAGE, ...(start ? { start } : {}) }), 'vpn_gateways'),
  ]);
  return { acls, vpns };
};

/** One VPC: three filtered reads, plus its share of the region's ACLs and VPN gateways. */
const readVpcPosture = async (
  net: VpcNetwork,
  region: string,
  group: VpcGroup,
  shared: RegionNetwork,
): Promise<VpcPosture> => {
  const vpcId = group.vpc.id;
  const [collectors, groups, gateways] = await Promise.all([
    allPages(
      (start) => net.listFlowLogCollectors({ vpcId, limit: PAGE, ...(start ? { start } : {}) }),
      'flow_log_collectors',
    ),
    allPages(
      (start) => net.listSecurityGroups({ vpcId, limit: PAGE, ...(start ? { start } : {}) }),
      'security_groups',
    ),
    allPages(
      (start) => net.listEndpointGateways({ vpcId, limit: PAGE, ...(start ? { start } : {}) }),
      'endpoint_gateways',
    ),
  ]);
  return {
    account_id: parseCrn(group.vpc.crn)?.account ?? '',
    region,
    vpc: group.vpc,
    instances: group.instances,
    flow_log_collectors: collectors,
    security_groups: groups,
    network_acls: shared.acls.filter((a) => a.vpc.id === vpcId),
    endpoint_gateways: gateways,
    vpn_gateways: shared.vpns.filter((g) => g.vpc.id === vpcId),
  };
};

/** Every VPC of the region that holds an instance, with its posture. Reads only. */
const readRegionPostures = async (vpc: VpcClient, region: string): Promise<VpcPosture[]> => {
  const net = vpcNetwork(vpc);
  const instances = await new InstancesPager(vpc, { limit: PAGE }).getAll();
  const groups = groupByVpc(instances);
  if (groups.length === 0) return [];
  const shared = await readRegionNetwork(net);
  const out: VpcPosture[] = [];
  // One VPC at a time: each read already runs three listings at once.
  for (const g of groups) out.push(await readVpcPosture(net, region, g, shared));
  return out;
};

export type { InstanceLike, RegionNetwork, VpcGroup };
export { groupByVpc, readRegionNetwork, readRegionPostures, readVpcPosture };
