// The VPC client's wire types (shared/cloud/vpc.ts): the subset imds-guard reads of what the generated
// `ibm-vpc` SDK declares (IBM may send more), and the per-call options. Imports nothing.

type MetadataProtocol = 'http' | 'https';

interface InstanceMetadataService {
  enabled: boolean;
  protocol: MetadataProtocol;
  response_hop_limit: number;
}
type InstanceMetadataServicePatch = Partial<InstanceMetadataService>;

interface Reference {
  id: string;
  crn?: string;
  href?: string;
  name?: string;
}

interface Instance {
  id: string;
  crn: string;
  href: string;
  name: string;
  created_at: string;
  status: string;
  lifecycle_state?: string;
  metadata_service: InstanceMetadataService;
  vpc: Reference & { crn: string };
  zone: { name: string; href?: string };
  resource_group: { id: string; name: string; href?: string };
  profile?: { name: string; href?: string };
  image?: Reference;
  instance_group_membership?: { instance_group: Reference };
  /** Read by the network posture rules (flow log coverage by interface or subnet). */
  primary_network_interface?: { id: string; subnet: Reference };
  network_interfaces?: { id: string; subnet: Reference }[];
  [key: string]: unknown;
}

interface InstanceCollection {
  instances: Instance[];
  first: { href: string };
  next?: { href: string };
  limit: number;
  total_count: number;
}

interface InstanceInitialization {
  default_trusted_profile?: {
    auto_link: boolean;
    target: { id: string; crn: string; resource_type?: string };
  };
  [key: string]: unknown;
}

interface InstanceTemplate {
  id: string;
  crn: string;
  href: string;
  name: string;
  created_at: string;
  metadata_service?: InstanceMetadataService;
  resource_group: { id: string; name: string; href?: string };
  vpc?: Reference;
  zone?: { name: string };
  default_trusted_profile?: { auto_link?: boolean; target: { id?: string; crn?: string } };
  [key: string]: unknown;
}

interface InstanceTemplateCollection {
  templates: InstanceTemplate[];
  first?: { href: string };
  next?: { href: string };
  limit?: number;
  total_count?: number;
}

interface InstanceTemplatePrototype {
  name?: string;
  source_template?: { id: string } | { crn: string } | { href: string };
  metadata_service?: InstanceMetadataServicePatch;
  [key: string]: unknown;
}

interface InstanceGroup {
  id: string;
  crn: string;
  href: string;
  name: string;
  instance_template: Reference;
  membership_count: number;
  status: string;
  vpc: Reference;
  resource_group: { id: string; name: string };
  [key: string]: unknown;
}

interface InstanceGroupCollection {
  instance_groups: InstanceGroup[];
  first: { href: string };
  next?: { href: string };
  limit: number;
  total_count: number;
}

interface Region {
  name: string;
  endpoint: string;
  href: string;
  status: 'available' | 'unavailable';
}

interface Zone {
  name: string;
  href: string;
  region: { name: string; href: string };
  status: 'available' | 'impaired' | 'unavailable';
  [key: string]: unknown;
}

/** The subset of IBM's `InstancePrototype` imds-guard and its tests use; IBM accepts more. */
interface InstancePrototype {
  name?: string;
  zone?: { name: string };
  vpc?: { id: string } | { crn: string } | { href: string };
  image?: { id: string } | { crn: string } | { href: string };
  profile?: { name: string } | { href: string };
  resource_group?: { id: string };
  metadata_service?: InstanceMetadataServicePatch;
  default_trusted_profile?: { auto_link?: boolean; target: { id: string } | { crn: string } };
  source_template?: { id: string } | { crn: string } | { href: string };
  [key: string]: unknown;
}

interface VpcResponse<T> {
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  result: T;
}

/** `listInstances` filters, as the generated SDK spells them (query keys `vpc.crn`, `instance_group_membership…`). */
interface ListInstancesParams {
  start?: string;
  limit?: number;
  resourceGroupId?: string;
  name?: string;
  vpcId?: string;
  vpcCrn?: string;
  vpcName?: string;
  instanceGroupMembershipInstanceGroupId?: string;
  instanceGroupMembershipInstanceGroupCrn?: string;
}

interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A 2xx body's bytes go to `decode` instead of JSON.parse (a lister keeping a few fields of each item). */
interface Decoding<T> {
  decode?: (body: Buffer) => T;
}

export type {
  Decoding,
  Instance,
  InstanceCollection,
  InstanceGroup,
  InstanceGroupCollection,
  InstanceInitialization,
  InstanceMetadataService,
  InstanceMetadataServicePatch,
  InstancePrototype,
  InstanceTemplate,
  InstanceTemplateCollection,
  InstanceTemplatePrototype,
  ListInstancesParams,
  MetadataProtocol,
  Reference,
  Region,
  RequestOptions,
  VpcResponse,
  Zone,
};
