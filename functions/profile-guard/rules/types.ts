// What a fresh read of one trusted profile gives (the snapshot), what a breadth rule reports (a
// finding), and the rule contract. Wire shapes are IBM's (snake_case), narrowed to what rules read so
// SDK results fit as they are and tests stay small.
import type IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import type { ProfileRuleId, ProfilesPolicy, Severity } from '#shared/policy/profiles.ts';

type ProfileInfo = Pick<IamIdentityV1.TrustedProfile, 'id' | 'iam_id' | 'crn' | 'name'> &
  Partial<Pick<IamIdentityV1.TrustedProfile, 'description' | 'account_id' | 'entity_tag'>>;

type ClaimCondition = IamIdentityV1.ProfileClaimRuleConditions;

type ProfileClaimRule = Pick<IamIdentityV1.ProfileClaimRule, 'id' | 'type' | 'expiration' | 'conditions'> &
  Partial<Pick<IamIdentityV1.ProfileClaimRule, 'name' | 'cr_type' | 'realm_name'>>;

type ProfileLink = Pick<IamIdentityV1.ProfileLink, 'id' | 'cr_type' | 'link'> &
  Partial<Pick<IamIdentityV1.ProfileLink, 'name' | 'is_cross_account'>>;

type ProfileIdentity = Pick<IamIdentityV1.ProfileIdentityResponse, 'iam_id' | 'identifier' | 'type'>;

interface PolicyAttribute {
  key: string;
  operator: string;
  value: unknown;
}

/** v2 `rule`: one attribute test or an and/or of them (time-based conditions use this). */
interface PolicyCondition {
  key?: string;
  operator: string;
  value?: unknown;
  conditions?: PolicyCondition[];
}

/**
 * `IamPolicyManagementV1.V2PolicyTemplateMetaData` with `control` as IBM sends it (the SDK types it as an
 * empty `ControlResponse` union member, so the reader narrows it to this).
 */
interface V2Policy {
  id?: string;
  type: string;
  state: string;
  description?: string;
  subject?: { attributes: PolicyAttribute[] };
  resource?: { attributes: PolicyAttribute[]; tags?: PolicyAttribute[] };
  control: { grant: { roles: { role_id: string; display_name?: string }[] } };
  rule?: PolicyCondition;
  pattern?: string;
}

interface AccessGroupView {
  id: string;
  name: string;
  /** The group's own policies (subject `access_group_id`). */
  policies: V2Policy[];
}

interface MetadataServiceView {
  enabled: boolean;
  protocol: string;
  response_hop_limit: number;
}

/** An instance that is linked to the profile or names it as its default trusted profile. */
interface InstanceView {
  crn: string;
  name?: string;
  /** false: the read came back 404 (deleted since the link was made). */
  found: boolean;
  metadata_service?: MetadataServiceView;
  /** The instance's initialization names this profile as its default trusted profile. */
  default_trusted_profile?: boolean;
}

interface ProfileSnapshot {
  account_id: string;
  profile: ProfileInfo;
  rules: ProfileClaimRule[];
  links: ProfileLink[];
  /** Who may assume the profile (users, service ids, CRNs); informational for now. */
  identities: ProfileIdentity[];
  /** Direct policies (subject `iam_id` = the profile's). */
  policies: V2Policy[];
  /** Access groups the profile is a member of, each with its policies. */
  groups: AccessGroupView[];
  instances: InstanceView[];
}

/** The policy section the rules read; thresholds are defaulted by the schema. */
type ProfileThresholds = ProfilesPolicy;

/** Everything a responder needs to verify a finding; only the fields that apply are set. */
interface FindingEvidence {
  policy_ids?: string[];
  /** Role names that made the grant broad. */
  roles?: string[];
  /** The policy's resource attributes, as `key=value`. */
  resource?: string[];
  group_ids?: string[];
  group_names?: string[];
  /** v2 policy `pattern` / `rule` when the grant is conditional (time-based or otherwise). */
  condition?: { pattern?: string; rule?: PolicyCondition };
  claim_rule_ids?: string[];
  conditions?: ClaimCondition[];
  /** Why a claim rule does not pin instances. */
  reasons?: string[];
  expiration_seconds?: number;
  limit?: number;
  count?: number;
  link_ids?: string[];
  link_crns?: string[];
  /** How a link was recognised as cross-account. */
  detected_by?: ('is_cross_account' | 'crn_account')[];
  instance_crn?: string;
  metadata_service?: MetadataServiceView;
  /** How the exposed instance reaches the profile. */
  via?: ('link' | 'default_trusted_profile')[];
  /** What makes the instance's metadata service reachable from inside it by more than it should. */
  exposure?: ('http' | 'hop_limit')[];
  privilege_finding_ids?: string[];
}

interface Finding {
  /** `<rule>:<subject>`: stable across reads, so the dedupe key changes only when findings do. */
  id: string;
  rule_id: ProfileRuleId;
  severity: Severity;
  /** One sentence about this case (the rule's title/explanation/fix say the general part). */
  summary: string;
  evidence: FindingEvidence;
  /** The profile's CRN first, then the compute resources involved. */
  affected_crns: string[];
  /** The grant comes from an access group the profile is a member of. */
  inherited?: boolean;
  /** The grant has a time-based condition: still broad while it applies. */
  time_limited?: boolean;
}

interface BreadthRule {
  id: ProfileRuleId;
  severity: Severity;
  title: string;
  /** What an attacker holding the VSI could do, in plain language. */
  explanation: string;
  /** The IBM guidance this rule enforces, quoted. */
  advice: string;
  fix: string;
  evaluate: (snapshot: ProfileSnapshot, thresholds: ProfileThresholds) => Finding[];
}

export type {
  AccessGroupView,
  BreadthRule,
  ClaimCondition,
  Finding,
  FindingEvidence,
  InstanceView,
  MetadataServiceView,
  PolicyAttribute,
  PolicyCondition,
  ProfileClaimRule,
  ProfileIdentity,
  ProfileInfo,
  ProfileLink,
  ProfileSnapshot,
  ProfileThresholds,
  V2Policy,
};
