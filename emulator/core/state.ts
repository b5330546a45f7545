// The emulator's whole world: one account, its keys, VPC resources per region, IAM, tags, tickets.
// Records are compact; service modules render IBM's full JSON shapes on the way out.

import type { AtRouteRec, AtTargetRec, CeProjectRec } from './deploy-state.ts';
import { emptyNetwork, type NetworkState } from './network-state.ts';

/** IAM service names used for role checks (the `serviceName` IBM policies would carry). */
type IamService =
  | 'is'
  | 'iam-identity'
  | 'iam-access-management'
  | 'iam-groups'
  | 'global-tagging'
  | 'support'
  | 'servicenow'
  | 'event-notifications'
  | 'atracker'
  | 'codeengine';

type PlatformRole = 'Viewer' | 'Operator' | 'Editor' | 'Administrator';
type ServiceRole = 'Reader' | 'Writer' | 'Manager';
/** Event Notifications' own service roles (beyond Reader/Writer/Manager): neither implies the others. */
type CustomRole = 'Event Source Manager' | 'Event Notifications Publisher' | 'Channel Editor';
type Role = PlatformRole | ServiceRole | CustomRole;

type CallerKind = 'user' | 'serviceid' | 'profile';

interface ApiKeyRecord {
  /** The secret presented to `POST /identity/token`. Never logged or journaled. */
  key: string;
  name: string;
  kind: CallerKind;
  iam_id: string;
  /** For `kind: profile`: the trusted profile this compute-resource token logs in as. */
  profile_id?: string;
  /** For `kind: profile`: the compute-resource token (`cr_token`) accepted with the cr-token grant. */
  cr_token?: string;
  /** For a trusted profile's token: who applied it (a compute resource's `crn-…` or an assuming identity's iam_id). */
  authn_id?: string;
  /** Role grants by IAM service; `'*'` grants on every service. */
  roles: Partial<Record<IamService | '*', Role[]>>;
}

interface Account {
  id: string;
  name: string;
}

interface ResourceGroup {
  id: string;
  name: string;
}

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

interface ClaimCondition {
  claim: string;
  operator: 'EQUALS' | 'NOT_EQUALS' | 'EQUALS_IGNORE_CASE' | 'NOT_EQUALS_IGNORE_CASE' | 'CONTAINS' | 'IN';
  value: string;
}

interface ClaimRuleRec {
  id: string;
  name?: string;
  type: 'Profile-SAML' | 'Profile-CR';
  realm_name?: string;
  cr_type?: string;
  expiration: number;
  conditions: ClaimCondition[];
  created_at: string;
  modified_at: string;
  rev: number;
}

interface ProfileLinkRec {
  id: string;
  name?: string;
  cr_type: 'VSI' | 'BMS' | 'IKS_SA' | 'ROKS_SA' | 'CE' | string;
  is_cross_account?: boolean;
  link: { crn?: string; namespace?: string; name?: string; component_type?: string; component_name?: string };
  created_at: string;
  modified_at: string;
  rev: number;
}

interface ProfileIdentityRec {
  iam_id: string;
  identifier: string;
  type: 'user' | 'serviceid' | 'crn';
  accounts?: string[];
  description?: string;
}

interface ProfileRec {
  id: string;
  iam_id: string;
  crn: string;
  name: string;
  description?: string;
  email?: string;
  created_at: string;
  modified_at: string;
  rev: number;
  seq: number;
  rules: ClaimRuleRec[];
  links: ProfileLinkRec[];
  identities: ProfileIdentityRec[];
}

interface PolicyAttribute {
  key: string;
  operator: string;
  value: unknown;
}

/** Stored in v2 form; the v1 view is rendered from it. */
interface PolicyRec {
  id: string;
  type: 'access' | 'authorization';
  description?: string;
  subject: { attributes: PolicyAttribute[] };
  resource: { attributes: PolicyAttribute[]; tags?: PolicyAttribute[] };
  role_ids: string[];
  rule?: unknown;
  pattern?: string;
  state: 'active' | 'deleted';
  created_at: string;
  created_by_id: string;
  last_modified_at: string;
  last_modified_by_id: string;
  rev: number;
  seq: number;
}

interface AccessGroupMemberRec {
  iam_id: string;
  type: 'user' | 'service' | 'profile';
  name?: string;
  created_at: string;
  created_by_id: string;
}

interface AccessGroupRec {
  id: string;
  name: string;
  description?: string;
  created_at: string;
  created_by_id: string;
  last_modified_at: string;
  last_modified_by_id: string;
  members: AccessGroupMemberRec[];
  rev: number;
  seq: number;
}

interface CaseComment {
  value: string;
  added_at: string;
  added_by: { name: string; realm: string; user_id: string };
}

interface CaseRec {
  number: string;
  short_description: string;
  description: string;
  type: string;
  severity: number;
  status: 'new' | 'in_progress' | 'waiting_on_client' | 'resolution_provided' | 'resolved' | 'closed';
  created_at: string;
  created_by: { name: string; realm: string; user_id: string };
  updated_at: string;
  updated_by: { name: string; realm: string; user_id: string };
  offering?: unknown;
  resources: { crn?: string; type?: string; note?: string; name?: string }[];
  watchlist: unknown[];
  comments: CaseComment[];
  resolution?: string;
  close_notes?: string;
  seq: number;
}

interface IncidentRec {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  state: string;
  urgency: string;
  impact: string;
  correlation_id?: string;
  correlation_display?: string;
  work_notes: string[];
  close_code?: string;
  close_notes?: string;
  sys_created_on: string;
  sys_updated_on: string;
  seq: number;
  [field: string]: unknown;
}

/** A notification an Event Notifications instance accepted (the CloudEvent as sent, plus when). */
interface EnNotificationRec {
  notification_id: string;
  source_id: string;
  received_at: string;
  content_type: string;
  body: Record<string, unknown>;
}

interface EnSourceRec {
  id: string;
  name: string;
  enabled: boolean;
}

interface EnInstanceRec {
  /** The instance GUID (36 characters), the `{instance_id}` of the API paths. */
  id: string;
  name: string;
  region: string;
  sources: Map<string, EnSourceRec>;
  notifications: EnNotificationRec[];
}

interface JiraCommentRec {
  id: string;
  body: unknown;
  created: string;
  author: string;
}

interface JiraIssueRec {
  id: string;
  key: string;
  project: string;
  issuetype: string;
  summary: string;
  description: unknown;
  labels: string[];
  priority: string;
  status: string;
  created: string;
  updated: string;
  comments: JiraCommentRec[];
  seq: number;
}

interface JiraProjectRec {
  id: string;
  key: string;
  name: string;
  issue_types: string[];
  /** Next issue number (`KEY-<n>`). */
  next: number;
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

class EmulatorState {
  account: Account = { id: '0123456789abcdef0123456789abcdef', name: 'emulated-account' };
  /** Seed for deterministic ids of anything created at run time. */
  seed = 'imds-guard-emulator';
  tokenTtlSeconds = 3600;
  apiKeys = new Map<string, ApiKeyRecord>();
  resourceGroups = new Map<string, ResourceGroup>();
  regions = new Map<string, RegionState>();
  profiles = new Map<string, ProfileRec>();
  policies = new Map<string, PolicyRec>();
  accessGroups = new Map<string, AccessGroupRec>();
  /** Tags by resource CRN. */
  tags = new Map<string, TagSet>();
  cases = new Map<string, CaseRec>();
  incidents = new Map<string, IncidentRec>();
  /** ServiceNow Basic-auth users (user → password). */
  servicenowUsers = new Map<string, string>();
  /** Event Notifications instances by GUID (any region: the path carries only the GUID). */
  enInstances = new Map<string, EnInstanceRec>();
  /** Jira Cloud: Basic-auth users (email → API token), projects by key, issues by key. */
  jiraUsers = new Map<string, string>();
  jiraProjects = new Map<string, JiraProjectRec>();
  jiraIssues = new Map<string, JiraIssueRec>();
  /** The VSI the instance metadata endpoints answer as (`metadata_host`): the machine a `vpc`-auth caller runs on. */
  metadataHost: { region: string; instanceId: string } | undefined;
  /** Activity Tracker Event Routing targets (by id, every region) and routes (account-wide, by id). */
  atTargets = new Map<string, AtTargetRec>();
  atRoutes = new Map<string, AtRouteRec>();
  /** Code Engine projects by id (any region). */
  ceProjects = new Map<string, CeProjectRec>();
  /** Other accounts this emulator serves, each with its own separate state (by account id). */
  peers = new Map<string, EmulatorState>();
  /** Monotonic counter for `seq` fields and generated names. */
  private counter = 0;

  /** This account and every peer: the IAM token endpoint looks keys and profiles up across them. */
  allAccounts(): EmulatorState[] {
    return [this, ...this.peers.values()];
  }

  /** The state of one account: this one or a peer; undefined for an account not served here. */
  forAccount(id: string): EmulatorState | undefined {
    return id === this.account.id ? this : this.peers.get(id);
  }

  nextSeq(): number {
    this.counter += 1;
    return this.counter;
  }

  /** A fresh id that stays deterministic for a given seed and call order. */
  nextName(kind: string): string {
    return `${kind}#${this.nextSeq()}`;
  }

  regionState(name: string): RegionState | undefined {
    return this.regions.get(name);
  }

  addRegion(region: RegionRec): RegionState {
    const rs: RegionState = {
      region,
      vpcs: new Map(),
      images: new Map(),
      instances: new Map(),
      templates: new Map(),
      instanceGroups: new Map(),
      network: emptyNetwork(),
    };
    this.regions.set(region.name, rs);
    return rs;
  }

  /** Finds an instance by id in any region (ids are unique account-wide). */
  findInstance(id: string): InstanceRec | undefined {
    for (const rs of this.regions.values()) {
      const found = rs.instances.get(id);
      if (found) return found;
    }
    return undefined;
  }

  findInstanceByCrn(crn: string): InstanceRec | undefined {
    const id = crn.split(':').pop() ?? '';
    return this.findInstance(id);
  }

  tagsOf(crn: string): TagSet {
    let t = this.tags.get(crn);
    if (!t) {
      t = { user: [], access: [], service: [] };
      this.tags.set(crn, t);
    }
    return t;
  }

  counts(): Record<string, number> {
    let instances = 0;
    let templates = 0;
    let instanceGroups = 0;
    for (const rs of this.regions.values()) {
      instances += rs.instances.size;
      templates += rs.templates.size;
      instanceGroups += rs.instanceGroups.size;
    }
    return {
      regions: this.regions.size,
      instances,
      templates,
      instance_groups: instanceGroups,
      profiles: this.profiles.size,
      policies: this.policies.size,
      access_groups: this.accessGroups.size,
      api_keys: this.apiKeys.size,
      cases: this.cases.size,
      incidents: this.incidents.size,
      en_notifications: [...this.enInstances.values()].reduce((n, i) => n + i.notifications.length, 0),
      jira_issues: this.jiraIssues.size,
    };
  }
}

export type {
  AccessGroupMemberRec,
  AccessGroupRec,
  Account,
  ApiKeyRecord,
  CallerKind,
  CaseComment,
  CaseRec,
  ClaimCondition,
  ClaimRuleRec,
  CustomRole,
  EnInstanceRec,
  EnNotificationRec,
  EnSourceRec,
  IamService,
  ImageRec,
  IncidentRec,
  InstanceGroupRec,
  InstanceRec,
  JiraCommentRec,
  JiraIssueRec,
  JiraProjectRec,
  MetadataService,
  PlatformRole,
  PolicyAttribute,
  PolicyRec,
  ProfileIdentityRec,
  ProfileLinkRec,
  ProfileRec,
  RegionRec,
  RegionState,
  ResourceGroup,
  Role,
  ServiceRole,
  TagSet,
  TemplateRec,
  VpcRec,
  Zone,
};
export { EmulatorState };
