// The emulator's VPC records, per region: VPCs, images, instances, templates, instance groups, and tags.
import type { NetworkState } from './network-state.ts';

interface MetadataService {
  enabled: boolean;
  protocol: 'http' | 'https';
  response_hop_limit: number;
}

interface Zone {
  name: string;
  status: 'available' | 'unavailable';
}

interface RegionRec {
  name: string;
  status: 'available' | 'unavailable';
  zones: Zone[];
}

interface VpcRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  resource_group_id: string;
  created_at: string;
}

interface ImageRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  os: string;
  /** IBM allowed-use expression for instances, e.g. `metadata_service.enabled == true`. */
  allowed_use_instance?: string;
}

interface InstanceRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  zone: string;
  vpc_id: string;
  resource_group_id: string;
  image_id: string | undefined;
  profile: string;
  status: 'pending' | 'running' | 'starting' | 'stopping' | 'stopped' | 'restarting' | 'deleting' | 'failed';
  created_at: string;
  metadata_service: MetadataService;
  default_trusted_profile?: { auto_link: boolean; profile_id: string };
  instance_group_id?: string;
  /** Bumped on every change; the ETag derives from it. */
  rev: number;
  /** Insertion order, stable across deletes: the paging cursor. */
  seq: number;
  /** Hidden from reads until this time (ms epoch): models "created but not yet visible". */
  visible_after?: number;
}

interface TemplateRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  zone: string;
  vpc_id: string;
  resource_group_id: string;
  image_id: string | undefined;
  profile: string;
  created_at: string;
  metadata_service?: MetadataService;
  default_trusted_profile?: { auto_link: boolean; profile_id: string };
  seq: number;
}

interface InstanceGroupRec {
  id: string;
  crn: string;
  name: string;
  region: string;
  vpc_id: string;
  resource_group_id: string;
  template_id: string;
  membership_count: number;
  status: 'deleting' | 'healthy' | 'scaling' | 'unhealthy';
  created_at: string;
  updated_at: string;
  rev: number;
  seq: number;
}

interface TagSet {
  user: string[];
  access: string[];
  service: string[];
}

interface RegionState {
  region: RegionRec;
  vpcs: Map<string, VpcRec>;
  images: Map<string, ImageRec>;
  instances: Map<string, InstanceRec>;
  templates: Map<string, TemplateRec>;
  instanceGroups: Map<string, InstanceGroupRec>;
  /** Security groups, network ACLs, flow log collectors, VPEs and VPN gateways (network-state.ts). */
  network: NetworkState;
}

export type {
  ImageRec,
  InstanceGroupRec,
  InstanceRec,
  MetadataService,
  RegionRec,
  RegionState,
  TagSet,
  TemplateRec,
  VpcRec,
  Zone,
};
