// The scenario's IAM: references by name, trusted profiles (claim rules, links, identities), access
// policies and access groups.
import * as v from 'valibot';

import { Name } from './schema-vpc.ts';

/**
 * A value taken from another object of the scenario, so documents need not spell out derived ids:
 * exactly one key. VPC names are unique per region; qualify as `region/name` when ambiguous.
 */
const RefDoc = v.strictObject({
  instance_id: v.optional(Name),
  instance_crn: v.optional(Name),
  vpc_id: v.optional(Name),
  vpc_crn: v.optional(Name),
  resource_group_id: v.optional(Name),
  profile_id: v.optional(Name),
  profile_iam_id: v.optional(Name),
});

const ClaimConditionDoc = v.strictObject({
  claim: v.string(),
  operator: v.picklist([
    'EQUALS',
    'NOT_EQUALS',
    'EQUALS_IGNORE_CASE',
    'NOT_EQUALS_IGNORE_CASE',
    'CONTAINS',
    'IN',
  ]),
  /**
   * IBM stores a JSON-encoded string (`"\"value\""`); a plain value here is encoded for you.
   * `{instance_crn: web-01}` (a RefDoc) takes the value from the scenario.
   */
  value: v.union([v.string(), v.number(), v.boolean(), v.array(v.string()), RefDoc]),
});

const ClaimRuleDoc = v.strictObject({
  name: v.optional(v.string()),
  id: v.optional(v.string()),
  type: v.optional(v.picklist(['Profile-SAML', 'Profile-CR']), 'Profile-CR'),
  realm_name: v.optional(v.string()),
  cr_type: v.optional(v.picklist(['VSI', 'BMS', 'PVS', 'IKS_SA', 'ROKS_SA', 'CE'])),
  expiration: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 3600),
  conditions: v.array(ClaimConditionDoc),
});

const ProfileLinkDoc = v.strictObject({
  name: v.optional(v.string()),
  id: v.optional(v.string()),
  cr_type: v.optional(v.picklist(['VSI', 'BMS', 'IKS_SA', 'ROKS_SA', 'CE']), 'VSI'),
  /** An instance of this scenario, by name (its CRN is linked). */
  instance: v.optional(Name),
  crn: v.optional(v.string()),
  namespace: v.optional(v.string()),
  component_type: v.optional(v.string()),
  component_name: v.optional(v.string()),
  is_cross_account: v.optional(v.boolean()),
});

/** A policy in compact form: resource attributes as `key: value`; `*` in a value means stringMatch. */
const PolicyDoc = v.strictObject({
  id: v.optional(v.string()),
  type: v.optional(v.picklist(['access', 'authorization']), 'access'),
  description: v.optional(v.string()),
  roles: v.pipe(v.array(v.string()), v.minLength(1)),
  /** A value may be a RefDoc, e.g. `instanceId: {instance_id: web-01}`. */
  resource: v.optional(v.record(v.string(), v.union([v.string(), RefDoc])), {}),
  resource_tags: v.optional(v.record(v.string(), v.string())),
  /** v2 time-based condition, kept as given. */
  rule: v.optional(v.unknown()),
  pattern: v.optional(v.string()),
  state: v.optional(v.picklist(['active', 'deleted']), 'active'),
});

/** Who may assume the profile (IamAssumeAuthenticator): `key` (an API key of this scenario), or type + identifier. */
const IdentityDoc = v.strictObject({
  key: v.optional(Name),
  type: v.optional(v.picklist(['user', 'serviceid', 'crn'])),
  identifier: v.optional(v.string()),
  iam_id: v.optional(v.string()),
  accounts: v.optional(v.array(v.string())),
  description: v.optional(v.string()),
});

const ProfileDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  description: v.optional(v.string()),
  email: v.optional(v.string()),
  rules: v.optional(v.array(ClaimRuleDoc), []),
  links: v.optional(v.array(ProfileLinkDoc), []),
  identities: v.optional(v.array(IdentityDoc), []),
  /** Policies whose subject is this profile's iam_id. */
  policies: v.optional(v.array(PolicyDoc), []),
  /** Access groups (by name) this profile is a member of. */
  access_groups: v.optional(v.array(Name), []),
});

const MemberDoc = v.strictObject({
  /** One of: a profile of this scenario, an api key of this scenario, or a raw iam_id. */
  profile: v.optional(Name),
  key: v.optional(Name),
  iam_id: v.optional(v.string()),
  type: v.optional(v.picklist(['user', 'service', 'profile'])),
});

const AccessGroupDoc = v.strictObject({
  name: Name,
  id: v.optional(v.string()),
  description: v.optional(v.string()),
  members: v.optional(v.array(MemberDoc), []),
  policies: v.optional(v.array(PolicyDoc), []),
});

const SubjectPolicyDoc = v.strictObject({
  ...PolicyDoc.entries,
  /** The subject: an iam_id, or an access group / profile / key of this scenario by name. */
  subject: v.strictObject({
    iam_id: v.optional(v.string()),
    access_group: v.optional(Name),
    profile: v.optional(Name),
    key: v.optional(Name),
  }),
});

type PolicyDoc = v.InferOutput<typeof PolicyDoc>;
type RefDoc = v.InferOutput<typeof RefDoc>;

export {
  AccessGroupDoc,
  ClaimConditionDoc,
  ClaimRuleDoc,
  IdentityDoc,
  MemberDoc,
  PolicyDoc,
  ProfileDoc,
  ProfileLinkDoc,
  RefDoc,
  SubjectPolicyDoc,
};
