// The emulator's account-level records: IAM services and roles, API keys, the account, resource groups,
// trusted profiles (claim rules, links, identities), access policies and access groups.

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

export type {
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
};
