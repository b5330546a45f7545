// IAM Policy Management — limits, modelled services, roles, the v1/v2 renderings and the request bodies.
import * as v from 'valibot';
import { roleName } from '../core/roles.ts';
import type { IamService, PolicyAttribute, PolicyRec } from '../core/state.ts';
import { entityTag, type IamCodes } from './iam-shared.ts';

// IBM's own spelling of the 403 code (ErrorObject.Constants.Code in the SDK).
const CODES: IamCodes = {
  badRequest: 'unable_to_process',
  missingQuery: 'missing_required_query_parameter',
  forbidden: 'insufficent_permissions',
};

const LIMIT = { min: 1, max: 100, default: 50 };
const MAX_ATTRIBUTE_LENGTH = 1000;

/** Services the emulator models; creating a policy on one of them needs Administrator there too. */
const MODELED_SERVICES: readonly IamService[] = [
  'is',
  'iam-identity',
  'iam-access-management',
  'iam-groups',
  'global-tagging',
  'support',
  'servicenow',
];

const PATTERNS = [
  'time-based-conditions:once',
  'time-based-conditions:weekly:all-day',
  'time-based-conditions:weekly:custom-hours',
  'attribute-based-condition:resource:literal-and-wildcard',
] as const;

const ROLE_DESCRIPTIONS: Record<string, string> = {
  Viewer: "As a viewer, you can view service instances, but you can't modify them.",
  Operator:
    "As an operator, you can perform platform actions that are required to configure and operate service instances, such as viewing a service's dashboard.",
  Editor:
    'As an editor, you can perform all platform actions except for managing the account and assigning access policies.',
  Administrator:
    'As an administrator, you can perform all platform actions based on the resource this role is being assigned, including assigning access policies to other users.',
  Reader:
    'As a reader, you can perform read-only actions within a service such as viewing service-specific resources.',
  Writer:
    'As a writer, you have permissions beyond the reader role, including creating and editing service-specific resources.',
  Manager:
    'As a manager, you have permissions beyond the writer role to complete privileged actions as defined by the service. In addition, you can create and edit service-specific resources.',
};

const ROLE_CRN = [
  /^crn:v1:bluemix:public:iam::::role:(Viewer|Operator|Editor|Administrator)$/,
  /^crn:v1:bluemix:public:iam::::serviceRole:(Reader|Writer|Manager)$/,
  // Roles a service defines for itself, and custom roles.
  /^crn:v1:bluemix:public:(?!iam:)[a-z0-9-]+::::(serviceRole|customRole):[A-Za-z][A-Za-z0-9]*$/,
];

// ---------- rendering ----------

/** IAM Policy Management times: RFC 3339 with milliseconds (`2020-03-17T22:18:40.190Z`). */
const amTime = (iso: string): string => new Date(iso).toISOString();

const policyTag = (p: PolicyRec): string => entityTag('policy', p.id, p.rev);
const policyCrn = (acct: string, id: string): string =>
  `crn:v1:bluemix:public:iam-am::a/${acct}::policy:${id}`;

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

const renderV1 = (origin: string, p: PolicyRec): Record<string, unknown> => ({
  id: p.id,
  type: p.type,
  ...(p.description !== undefined ? { description: p.description } : {}),
  subjects: [{ attributes: p.subject.attributes.map((a) => ({ name: a.key, value: str(a.value) })) }],
  roles: p.role_ids.map((role_id) => {
    const name = roleName(role_id);
    const description = ROLE_DESCRIPTIONS[name];
    return { role_id, display_name: name, ...(description ? { description } : {}) };
  }),
  resources: [
    {
      attributes: p.resource.attributes.map((a) => ({
        name: a.key,
        value: str(a.value),
        operator: a.operator,
      })),
      ...(p.resource.tags
        ? { tags: p.resource.tags.map((t) => ({ name: t.key, value: str(t.value), operator: t.operator })) }
        : {}),
    },
  ],
  href: `${origin}/v1/policies/${p.id}`,
  created_at: amTime(p.created_at),
  created_by_id: p.created_by_id,
  last_modified_at: amTime(p.last_modified_at),
  last_modified_by_id: p.last_modified_by_id,
  state: p.state,
});

const renderV2 = (origin: string, p: PolicyRec, format: string | undefined): Record<string, unknown> => ({
  id: p.id,
  type: p.type,
  ...(p.description !== undefined ? { description: p.description } : {}),
  subject: { attributes: p.subject.attributes.map((a) => ({ ...a })) },
  resource: {
    attributes: p.resource.attributes.map((a) => ({ ...a })),
    ...(p.resource.tags ? { tags: p.resource.tags.map((t) => ({ ...t })) } : {}),
  },
  ...(p.pattern !== undefined ? { pattern: p.pattern } : {}),
  ...(p.rule !== undefined ? { rule: p.rule } : {}),
  href: `${origin}/v2/policies/${p.id}`,
  control: {
    grant: {
      roles: p.role_ids.map((role_id) => {
        if (format !== 'display') return { role_id };
        const name = roleName(role_id);
        const description = ROLE_DESCRIPTIONS[name];
        return { role_id, display_name: name, ...(description ? { description } : {}), actions: [] };
      }),
    },
  },
  created_at: amTime(p.created_at),
  created_by_id: p.created_by_id,
  last_modified_at: amTime(p.last_modified_at),
  last_modified_by_id: p.last_modified_by_id,
  state: p.state,
});

// ---------- request bodies ----------

const NonEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'));
const RoleList = v.pipe(
  v.array(v.object({ role_id: NonEmpty })),
  v.minLength(1, 'at least one role is required'),
);
const PolicyType = v.picklist(['access', 'authorization'], "must be 'access' or 'authorization'");
const AttrValue = v.union(
  [v.string(), v.boolean(), v.array(v.string())],
  'must be a string, boolean or list',
);

const V1Body = v.object({
  type: PolicyType,
  description: v.optional(v.pipe(v.string(), v.maxLength(300, 'must be at most 300 characters'))),
  subjects: v.pipe(
    v.array(
      v.object({
        attributes: v.pipe(v.array(v.object({ name: NonEmpty, value: NonEmpty })), v.minLength(1)),
      }),
    ),
    v.length(1, 'exactly one subject is supported'),
  ),
  roles: RoleList,
  resources: v.pipe(
    v.array(
      v.object({
        attributes: v.pipe(
          v.array(
            v.object({
              name: NonEmpty,
              value: NonEmpty,
              operator: v.optional(v.picklist(['stringEquals', 'stringMatch', 'stringExists'])),
            }),
          ),
          v.minLength(1),
        ),
        tags: v.optional(
          v.array(
            v.object({
              name: NonEmpty,
              value: NonEmpty,
              operator: v.optional(v.picklist(['stringEquals', 'stringMatch'])),
            }),
          ),
        ),
      }),
    ),
    v.length(1, 'exactly one resource is supported'),
  ),
});

const V2Body = v.object({
  type: PolicyType,
  description: v.optional(v.pipe(v.string(), v.maxLength(300, 'must be at most 300 characters'))),
  control: v.object({ grant: v.object({ roles: RoleList }) }),
  subject: v.optional(
    v.object({
      attributes: v.pipe(
        v.array(
          v.object({
            key: NonEmpty,
            operator: v.picklist(['stringEquals', 'stringExists']),
            value: AttrValue,
          }),
        ),
        v.minLength(1),
      ),
    }),
  ),
  resource: v.optional(
    v.object({
      attributes: v.pipe(
        v.array(
          v.object({
            key: NonEmpty,
            operator: v.picklist([
              'stringEquals',
              'stringExists',
              'stringMatch',
              'stringEqualsAnyOf',
              'stringMatchAnyOf',
            ]),
            value: AttrValue,
          }),
        ),
        v.minLength(1),
      ),
      tags: v.optional(
        v.array(
          v.object({ key: NonEmpty, value: NonEmpty, operator: v.picklist(['stringEquals', 'stringMatch']) }),
        ),
      ),
    }),
  ),
  pattern: v.optional(v.picklist(PATTERNS, `must be one of ${PATTERNS.join(', ')}`)),
  rule: v.optional(
    v.union([
      v.object({ key: NonEmpty, operator: NonEmpty, value: v.unknown() }),
      v.object({
        operator: v.picklist(['and', 'or']),
        conditions: v.pipe(v.array(v.unknown()), v.minLength(1)),
      }),
    ]),
  ),
});

const StateBody = v.object({ state: v.picklist(['active', 'deleted'], "must be 'active' or 'deleted'") });

/** What both API versions write, in the stored (v2) vocabulary. */
interface PolicyInput {
  type: PolicyRec['type'];
  description?: string;
  subject: PolicyAttribute[];
  resource: PolicyAttribute[];
  tags?: PolicyAttribute[];
  role_ids: string[];
  pattern?: string;
  rule?: unknown;
}

const fromV1 = (b: v.InferOutput<typeof V1Body>): PolicyInput => ({
  type: b.type,
  ...(b.description !== undefined ? { description: b.description } : {}),
  subject: (b.subjects[0]?.attributes ?? []).map((a) => ({
    key: a.name,
    operator: 'stringEquals',
    value: a.value,
  })),
  resource: (b.resources[0]?.attributes ?? []).map((a) => ({
    key: a.name,
    operator: a.operator ?? 'stringEquals',
    value: a.value,
  })),
  ...(b.resources[0]?.tags
    ? {
        tags: b.resources[0].tags.map((t) => ({
          key: t.name,
          operator: t.operator ?? 'stringEquals',
          value: t.value,
        })),
      }
    : {}),
  role_ids: b.roles.map((r) => r.role_id),
});

const fromV2 = (b: v.InferOutput<typeof V2Body>): PolicyInput => ({
  type: b.type,
  ...(b.description !== undefined ? { description: b.description } : {}),
  subject: (b.subject?.attributes ?? []).map((a) => ({ ...a })),
  resource: (b.resource?.attributes ?? []).map((a) => ({ ...a })),
  ...(b.resource?.tags ? { tags: b.resource.tags.map((t) => ({ ...t })) } : {}),
  role_ids: b.control.grant.roles.map((r) => r.role_id),
  ...(b.pattern !== undefined ? { pattern: b.pattern } : {}),
  ...(b.rule !== undefined ? { rule: b.rule } : {}),
});

export {
  AttrValue,
  amTime,
  CODES,
  fromV1,
  fromV2,
  LIMIT,
  MAX_ATTRIBUTE_LENGTH,
  MODELED_SERVICES,
  NonEmpty,
  PATTERNS,
  type PolicyInput,
  PolicyType,
  policyCrn,
  policyTag,
  ROLE_CRN,
  ROLE_DESCRIPTIONS,
  RoleList,
  renderV1,
  renderV2,
  StateBody,
  str,
  V1Body,
  V2Body,
};
