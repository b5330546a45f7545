// The scenario's names, roles, API keys and VPC resources: regions, VPCs, images, instances,
// templates and instance groups (network posture: network-schema.ts).
import * as v from 'valibot';
import { VPC_NETWORK_ENTRIES } from './network-schema.ts';

const Name = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

const Role = v.picklist([
  'Viewer',
  'Operator',
  'Editor',
  'Administrator',
  'Reader',
  'Writer',
  'Manager',
  'Event Source Manager',
  'Event Notifications Publisher',
  'Channel Editor',
]);

const IamServiceKey = v.picklist([
  '*',
  'is',
  'iam-identity',
  'iam-access-management',
  'iam-groups',
  'global-tagging',
  'support',
  'servicenow',
  'event-notifications',
  'atracker',
  'codeengine',
]);

const MetadataServiceDoc = v.strictObject({
  enabled: v.boolean(),
  protocol: v.optional(v.picklist(['http', 'https']), 'http'),
  response_hop_limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)), 1),
});

const TagsDoc = v.strictObject({
  user: v.optional(v.array(v.string()), []),
  access: v.optional(v.array(v.string()), []),
  service: v.optional(v.array(v.string()), []),
});

const DefaultTrustedProfileDoc = v.strictObject({
  profile: Name,
  auto_link: v.optional(v.boolean(), false),
});

const ApiKeyDoc = v.strictObject({
  name: Name,
  key: v.pipe(v.string(), v.minLength(8)),
  kind: v.optional(v.picklist(['user', 'serviceid', 'profile']), 'serviceid'),
  iam_id: v.optional(v.string()),
  /** kind: profile — the trusted profile a compute resource logs in as. */
  profile: v.optional(Name),
  cr_token: v.optional(v.string()),
  roles: v.optional(v.record(IamServiceKey, v.array(Role)), {}),
});

const VpcDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  resource_group: v.optional(Name),
  ...VPC_NETWORK_ENTRIES,
});

const ImageDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  os: v.optional(v.string(), 'ubuntu-24-04-amd64'),
  allowed_use: v.optional(v.strictObject({ instance: v.string() })),
});

const InstanceDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  zone: v.optional(v.string()),
  vpc: v.optional(Name),
  resource_group: v.optional(Name),
  image: v.optional(Name),
  profile: v.optional(v.string(), 'bx2-2x8'),
  status: v.optional(
    v.picklist(['pending', 'running', 'starting', 'stopping', 'stopped', 'restarting', 'deleting', 'failed']),
    'running',
  ),
  metadata_service: v.optional(MetadataServiceDoc, {
    enabled: false,
    protocol: 'http',
    response_hop_limit: 1,
  }),
  default_trusted_profile: v.optional(DefaultTrustedProfileDoc),
  tags: v.optional(TagsDoc),
  instance_group: v.optional(Name),
  created_at: v.optional(v.string()),
});

const TemplateDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  zone: v.optional(v.string()),
  vpc: v.optional(Name),
  resource_group: v.optional(Name),
  image: v.optional(Name),
  profile: v.optional(v.string(), 'bx2-2x8'),
  /** Absent = the template does not set it (instances get IBM's default: disabled). */
  metadata_service: v.optional(MetadataServiceDoc),
  default_trusted_profile: v.optional(DefaultTrustedProfileDoc),
  tags: v.optional(TagsDoc),
});

const InstanceGroupDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  template: Name,
  /** Absent = the number of this region's instances that name this group. */
  membership_count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  resource_group: v.optional(Name),
});

const RegionDoc = v.strictObject({
  name: Name,
  status: v.optional(v.picklist(['available', 'unavailable']), 'available'),
  zones: v.optional(v.array(v.string())),
  vpcs: v.optional(v.array(VpcDoc), []),
  images: v.optional(v.array(ImageDoc), []),
  instances: v.optional(v.array(InstanceDoc), []),
  templates: v.optional(v.array(TemplateDoc), []),
  instance_groups: v.optional(v.array(InstanceGroupDoc), []),
});

type InstanceDoc = v.InferOutput<typeof InstanceDoc>;

export {
  ApiKeyDoc,
  DefaultTrustedProfileDoc,
  IamServiceKey,
  ImageDoc,
  InstanceDoc,
  InstanceGroupDoc,
  MetadataServiceDoc,
  Name,
  RegionDoc,
  Role,
  TagsDoc,
  TemplateDoc,
  VpcDoc,
};
