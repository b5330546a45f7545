// Compact records → IBM's VPC JSON shapes (vpc-node-sdk `Instance`, `InstanceTemplate`, `InstanceGroup`,
// `Region`, `Zone`, `InstanceInitialization`). Built directly per request: no clones of state.
import { createHash } from 'node:crypto';
import type { Ctx } from '../core/context.ts';
import { stableUuid, vpcCrn, zonePrefix } from '../core/ids.ts';
import type {
  EmulatorState,
  InstanceGroupRec,
  InstanceRec,
  RegionRec,
  RegionState,
  TemplateRec,
  Zone,
} from '../core/state.ts';

/** Where hrefs point: the emulator origin the client used, and this region's API base. */
interface View {
  state: EmulatorState;
  rs: RegionState;
  region: string;
  origin: string;
  /** `<origin>/vpc/<region>/v1` */
  base: string;
}

const viewOf = (ctx: Ctx, state: EmulatorState, rs: RegionState): View => {
  const origin = `http://${ctx.headers.host ?? '127.0.0.1'}`;
  const region = rs.region.name;
  return { state, rs, region, origin, base: `${origin}/vpc/${region}/v1` };
};

const RESOURCE_CONTROLLER = 'https://resource-controller.cloud.ibm.com/v2/resource_groups';
const DELETED_INFO = 'https://cloud.ibm.com/apidocs/vpc#deleted-resources';

/** Weak ETag that changes with every change of the record: derived from id and rev. */
const etagOf = (rec: { id: string; rev: number }): string =>
  `W/"${createHash('sha1').update(`${rec.id}\0${rec.rev}`).digest('hex')}"`;

const resourceGroupRef = (v: View, id: string) => ({
  href: `${RESOURCE_CONTROLLER}/${id}`,
  id,
  name: v.state.resourceGroups.get(id)?.name ?? id,
});

const vpcRef = (v: View, id: string) => {
  const vpc = v.rs.vpcs.get(id);
  return {
    crn: vpc?.crn ?? vpcCrn(v.region, v.state.account.id, 'vpc', id),
    ...(vpc ? {} : { deleted: { more_info: DELETED_INFO } }),
    href: `${v.base}/vpcs/${id}`,
    id,
    name: vpc?.name ?? id,
    resource_type: 'vpc',
  };
};

const zoneRef = (v: View, zone: string) => ({
  href: `${v.base}/regions/${v.region}/zones/${zone}`,
  name: zone,
});

const imageRef = (v: View, id: string) => {
  const image = v.rs.images.get(id);
  return {
    crn: image?.crn ?? vpcCrn(v.region, v.state.account.id, 'image', id),
    ...(image ? {} : { deleted: { more_info: DELETED_INFO } }),
    href: `${v.base}/images/${id}`,
    id,
    name: image?.name ?? id,
    resource_type: 'image',
  };
};

const profileRef = (v: View, name: string) => ({
  href: `${v.base}/instance/profiles/${name}`,
  name,
  resource_type: 'instance_profile',
});

const templateRef = (v: View, id: string) => {
  const t = v.rs.templates.get(id);
  return {
    crn: t?.crn ?? vpcCrn(v.region, v.state.account.id, 'instance-template', id),
    ...(t ? {} : { deleted: { more_info: DELETED_INFO } }),
    href: `${v.base}/instance/templates/${id}`,
    id,
    name: t?.name ?? id,
  };
};

const groupRef = (v: View, id: string) => {
  const g = v.rs.instanceGroups.get(id);
  return {
    crn: g?.crn ?? vpcCrn(v.region, v.state.account.id, 'instance-group', id),
    ...(g ? {} : { deleted: { more_info: DELETED_INFO } }),
    href: `${v.base}/instance_groups/${id}`,
    id,
    name: g?.name ?? id,
  };
};

/** `bx2-2x8` → 2 vCPU, 8 GiB; bandwidth 2 Gbps per vCPU (capped at 80 Gbps), a quarter for volumes. */
const profileFacts = (profile: string) => {
  const m = /-(\d+)x(\d+)$/.exec(profile);
  const vcpu = m ? Number(m[1]) : 2;
  const memory = m ? Number(m[2]) : 8;
  const bandwidth = Math.min(80_000, vcpu * 2000);
  const volume = Math.round(bandwidth / 4);
  return { vcpu, memory, bandwidth, volume, network: bandwidth - volume };
};

/** Sub-resource ids that IBM would assign at creation; derived once per record from its id. */
interface Derived {
  id: string;
  zp: string;
  nic: string;
  subnet: string;
  reservedIp: string;
  address: string;
  volume: string;
  attachment: string;
  device: string;
  membership: string;
}

const derivedCache = new WeakMap<InstanceRec, Derived>();

const subnetIdOf = (vpcId: string, zone: string): string =>
  `${zonePrefix(zone)}-${stableUuid(vpcId, `subnet:${zone}`)}`;

const derivedOf = (rec: InstanceRec): Derived => {
  const hit = derivedCache.get(rec);
  if (hit && hit.id === rec.id) return hit;
  const zp = zonePrefix(rec.zone);
  const h = createHash('sha256').update(rec.id).digest();
  const zoneIndex = Number(/-(\d+)$/.exec(rec.zone)?.[1] ?? '1');
  const d: Derived = {
    id: rec.id,
    zp,
    nic: `${zp}-${stableUuid(rec.id, 'nic')}`,
    subnet: subnetIdOf(rec.vpc_id, rec.zone),
    reservedIp: `${zp}-${stableUuid(rec.id, 'reserved-ip')}`,
    address: `10.${240 + (zoneIndex % 10)}.${h[0] ?? 0}.${((h[1] ?? 0) % 250) + 4}`,
    volume: `${zp}-${stableUuid(rec.id, 'boot-volume')}`,
    attachment: `${zp}-${stableUuid(rec.id, 'boot-attachment')}`,
    device: `${zp}-${stableUuid(rec.id, 'boot-device')}-${(h[2] ?? 0).toString(36)}`,
    membership: `${zp}-${stableUuid(rec.id, 'membership')}`,
  };
  derivedCache.set(rec, d);
  return d;
};

const subnetRef = (v: View, vpcId: string, zone: string, id: string) => {
  const vpcName = v.rs.vpcs.get(vpcId)?.name ?? 'vpc';
  return {
    crn: vpcCrn(zone, v.state.account.id, 'subnet', id),
    href: `${v.base}/subnets/${id}`,
    id,
    name: `${vpcName}-${zone}`,
    resource_type: 'subnet',
  };
};

const LIFECYCLE: Record<InstanceRec['status'], string> = {
  pending: 'pending',
  running: 'stable',
  starting: 'updating',
  stopping: 'updating',
  stopped: 'stable',
  restarting: 'updating',
  deleting: 'deleting',
  failed: 'failed',
};

const renderInstance = (v: View, rec: InstanceRec) => {
  const d = derivedOf(rec);
  const p = profileFacts(rec.profile);
  const instanceHref = `${v.base}/instances/${rec.id}`;
  const nic = {
    href: `${instanceHref}/network_interfaces/${d.nic}`,
    id: d.nic,
    name: 'eth0',
    primary_ip: {
      address: d.address,
      href: `${v.base}/subnets/${d.subnet}/reserved_ips/${d.reservedIp}`,
      id: d.reservedIp,
      name: `${rec.name}-eth0-ip`.slice(0, 63),
      resource_type: 'subnet_reserved_ip',
    },
    resource_type: 'network_interface',
    subnet: subnetRef(v, rec.vpc_id, rec.zone, d.subnet),
  };
  const bootName = `${rec.name}-boot`.slice(0, 63);
  const boot = {
    device: { id: d.device },
    href: `${instanceHref}/volume_attachments/${d.attachment}`,
    id: d.attachment,
    name: `${rec.name}-boot-attachment`.slice(0, 63),
    volume: {
      crn: vpcCrn(rec.zone, v.state.account.id, 'volume', d.volume),
      href: `${v.base}/volumes/${d.volume}`,
      id: d.volume,
      name: bootName,
      resource_type: 'volume',
    },
  };
  const healthy = rec.status !== 'failed' && rec.status !== 'deleting' && rec.status !== 'pending';
  return {
    availability: { class: 'standard' },
    availability_policy: { host_failure: 'restart', preemption: 'stop' },
    bandwidth: p.bandwidth,
    boot_volume_attachment: boot,
    cluster_network_attachments: [],
    confidential_compute_mode: 'disabled',
    created_at: rec.created_at,
    crn: rec.crn,
    disks: [],
    enable_secure_boot: false,
    health_reasons: [],
    health_state: healthy ? 'ok' : 'inapplicable',
    href: instanceHref,
    id: rec.id,
    ...(rec.image_id ? { image: imageRef(v, rec.image_id) } : {}),
    ...(rec.instance_group_id
      ? {
          instance_group_membership: {
            instance_group: groupRef(v, rec.instance_group_id),
            instance_group_membership: {
              href: `${v.base}/instance_groups/${rec.instance_group_id}/memberships/${d.membership}`,
              id: d.membership,
              name: `${rec.name}-membership`.slice(0, 63),
            },
          },
        }
      : {}),
    lifecycle_reasons: [],
    lifecycle_state: LIFECYCLE[rec.status],
    memory: p.memory,
    metadata_service: {
      enabled: rec.metadata_service.enabled,
      protocol: rec.metadata_service.protocol,
      response_hop_limit: rec.metadata_service.response_hop_limit,
    },
    name: rec.name,
    network_attachments: [],
    network_interfaces: [nic],
    numa_count: 1,
    primary_network_interface: nic,
    profile: profileRef(v, rec.profile),
    reservation_affinity: { policy: 'disabled', pool: [] },
    resource_group: resourceGroupRef(v, rec.resource_group_id),
    resource_type: 'instance',
    startable: rec.status !== 'deleting' && rec.status !== 'failed',
    status: rec.status,
    status_reasons: [],
    total_network_bandwidth: p.network,
    total_volume_bandwidth: p.volume,
    vcpu: { architecture: 'amd64', count: p.vcpu, manufacturer: 'intel' },
    volume_attachments: [boot],
    volume_bandwidth_qos_mode: 'pooled',
    vpc: vpcRef(v, rec.vpc_id),
    zone: zoneRef(v, rec.zone),
  };
};

const renderInitialization = (v: View, rec: InstanceRec) => {
  const profile = rec.default_trusted_profile
    ? v.state.profiles.get(rec.default_trusted_profile.profile_id)
    : undefined;
  return {
    ...(rec.image_id ? { boot: { image: imageRef(v, rec.image_id) } } : {}),
    ...(rec.default_trusted_profile
      ? {
          default_trusted_profile: {
            auto_link: rec.default_trusted_profile.auto_link,
            target: {
              crn:
                profile?.crn ??
                `crn:v1:bluemix:public:iam-identity::a/${v.state.account.id}::profile:${rec.default_trusted_profile.profile_id}`,
              id: rec.default_trusted_profile.profile_id,
              resource_type: 'trusted_profile',
            },
          },
        }
      : {}),
    keys: [],
    user_accounts: [],
  };
};

const renderTemplate = (v: View, t: TemplateRec) => ({
  created_at: t.created_at,
  crn: t.crn,
  ...(t.default_trusted_profile
    ? {
        default_trusted_profile: {
          auto_link: t.default_trusted_profile.auto_link,
          target: { id: t.default_trusted_profile.profile_id },
        },
      }
    : {}),
  href: `${v.base}/instance/templates/${t.id}`,
  id: t.id,
  ...(t.image_id ? { image: { id: t.image_id } } : {}),
  keys: [],
  ...(t.metadata_service
    ? {
        metadata_service: {
          enabled: t.metadata_service.enabled,
          protocol: t.metadata_service.protocol,
          response_hop_limit: t.metadata_service.response_hop_limit,
        },
      }
    : {}),
  name: t.name,
  primary_network_interface: { subnet: { id: subnetIdOf(t.vpc_id, t.zone) } },
  profile: { name: t.profile },
  resource_group: resourceGroupRef(v, t.resource_group_id),
  vpc: { id: t.vpc_id },
  zone: { name: t.zone },
});

const renderGroup = (v: View, g: InstanceGroupRec) => ({
  created_at: g.created_at,
  crn: g.crn,
  href: `${v.base}/instance_groups/${g.id}`,
  id: g.id,
  instance_template: templateRef(v, g.template_id),
  managers: [],
  membership_count: g.membership_count,
  name: g.name,
  resource_group: resourceGroupRef(v, g.resource_group_id),
  status: g.status,
  subnets: [],
  updated_at: g.updated_at,
  vpc: vpcRef(v, g.vpc_id),
});

/** Region.endpoint carries no `/v1`, like IBM's `https://us-south.iaas.cloud.ibm.com`. */
const renderRegion = (v: View, r: RegionRec) => ({
  endpoint: `${v.origin}/vpc/${r.name}`,
  href: `${v.base}/regions/${r.name}`,
  name: r.name,
  status: r.status,
});

const renderZone = (v: View, r: RegionRec, z: Zone) => ({
  href: `${v.base}/regions/${r.name}/zones/${z.name}`,
  name: z.name,
  region: { href: `${v.base}/regions/${r.name}`, name: r.name },
  status: z.status,
});

export type { View };
export {
  DELETED_INFO,
  derivedOf,
  etagOf,
  renderGroup,
  renderInitialization,
  renderInstance,
  renderRegion,
  renderTemplate,
  renderZone,
  resourceGroupRef,
  subnetIdOf,
  subnetRef,
  viewOf,
  vpcRef,
};
