// The emulator's whole world: one account, its keys, VPC resources per region, IAM, tags, tickets.
// Records are compact (state-iam.ts, state-vpc.ts, state-tickets.ts); service modules render IBM's full
// JSON shapes on the way out.

import type { AtRouteRec, AtTargetRec, CeProjectRec } from './deploy-state.ts';
import { emptyNetwork } from './network-state.ts';
import type {
  AccessGroupMemberRec,
  AccessGroupRec,
  Account,
  ApiKeyRecord,
  CallerKind,
  ClaimCondition,
  ClaimRuleRec,
  CustomRole,
  IamService,
  PlatformRole,
  PolicyAttribute,
  PolicyRec,
  ProfileIdentityRec,
  ProfileLinkRec,
  ProfileRec,
  ResourceGroup,
  Role,
  ServiceRole,
} from './state-iam.ts';
import type {
  CaseComment,
  CaseRec,
  EnInstanceRec,
  EnNotificationRec,
  EnSourceRec,
  IncidentRec,
  JiraCommentRec,
  JiraIssueRec,
  JiraProjectRec,
} from './state-tickets.ts';
import type {
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
} from './state-vpc.ts';

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
