// Builders for profile snapshots in IBM's wire shapes: each test states only what it is about.
import * as v from 'valibot';
import type {
  InstanceView,
  ProfileClaimRule,
  ProfileLink,
  ProfileSnapshot,
  ProfileThresholds,
  V2Policy,
} from '#functions/profile-guard/rules/types.ts';
import { ProfilesPolicy, type ProfilesPolicyInput } from '#shared/policy/profiles.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const OTHER_ACCOUNT = 'fedcba9876543210fedcba9876543210';
const PROFILE_ID = 'Profile-9fd84246-7df4-4667-94e4-8ecde51d5ac5';
const PROFILE_CRN = `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::profile:${PROFILE_ID}`;

const role = (name: string): string =>
  ['Reader', 'Writer', 'Manager'].includes(name)
    ? `crn:v1:bluemix:public:iam::::serviceRole:${name}`
    : `crn:v1:bluemix:public:iam::::role:${name}`;

const instanceCrn = (n: number, account = ACCOUNT): string =>
  `crn:v1:bluemix:public:is:us-south-1:a/${account}::instance:0717_${String(n).padStart(8, '0')}-2ca2-4ab5-84a8-b92157a633b0`;

interface PolicySpec {
  id: string;
  roles: string[];
  /** Resource attributes besides accountId, all stringEquals unless given as [operator, value]. */
  resource: Record<string, string | [string, unknown]>;
  state?: string;
  type?: string;
  pattern?: string;
  rule?: V2Policy['rule'];
  tags?: Record<string, string>;
}

const policy = (spec: PolicySpec): V2Policy => ({
  id: spec.id,
  type: spec.type ?? 'access',
  state: spec.state ?? 'active',
  subject: { attributes: [{ key: 'iam_id', operator: 'stringEquals', value: `iam-${PROFILE_ID}` }] },
  resource: {
    attributes: [
      { key: 'accountId', operator: 'stringEquals', value: ACCOUNT },
      ...Object.entries(spec.resource).map(([key, raw]) =>
        Array.isArray(raw)
          ? { key, operator: raw[0], value: raw[1] }
          : { key, operator: 'stringEquals', value: raw },
      ),
    ],
    ...(spec.tags
      ? { tags: Object.entries(spec.tags).map(([key, value]) => ({ key, value, operator: 'stringEquals' })) }
      : {}),
  },
  control: { grant: { roles: spec.roles.map((r) => ({ role_id: role(r) })) } },
  ...(spec.pattern ? { pattern: spec.pattern } : {}),
  ...(spec.rule ? { rule: spec.rule } : {}),
});

const ALL_SERVICES = { serviceType: 'service' } as const;

/** Operators and values as IBM stores them: values are stringified JSON. */
const claimRule = (
  id: string,
  conditions: [claim: string, operator: string, value: unknown][],
  extra: Partial<ProfileClaimRule> = {},
): ProfileClaimRule => ({
  id,
  type: 'Profile-CR',
  cr_type: 'VSI',
  expiration: 3600,
  conditions: conditions.map(([claim, operator, value]) => ({
    claim,
    operator,
    value: JSON.stringify(value),
  })),
  ...extra,
});

const vsiLink = (id: string, crn: string, extra: Partial<ProfileLink> = {}): ProfileLink => ({
  id,
  cr_type: 'VSI',
  link: { crn },
  ...extra,
});

const instance = (crn: string, extra: Partial<InstanceView> = {}): InstanceView => ({
  crn,
  found: true,
  metadata_service: { enabled: true, protocol: 'http', response_hop_limit: 1 },
  ...extra,
});

const snapshot = (extra: Partial<ProfileSnapshot> = {}): ProfileSnapshot => ({
  account_id: ACCOUNT,
  profile: {
    id: PROFILE_ID,
    iam_id: `iam-${PROFILE_ID}`,
    crn: PROFILE_CRN,
    name: 'web-tier',
    account_id: ACCOUNT,
  },
  rules: [],
  links: [],
  identities: [],
  policies: [],
  groups: [],
  instances: [],
  ...extra,
});

const thresholds = (input: ProfilesPolicyInput = {}): ProfileThresholds => v.parse(ProfilesPolicy, input);

export {
  ACCOUNT,
  ALL_SERVICES,
  claimRule,
  instance,
  instanceCrn,
  OTHER_ACCOUNT,
  PROFILE_CRN,
  PROFILE_ID,
  policy,
  role,
  snapshot,
  thresholds,
  vsiLink,
};
