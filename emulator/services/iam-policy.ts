// IAM Policy Management `/v1/policies` and `/v2/policies`, as IamPolicyManagementV1 calls them. Policies
// are stored once in v2 form (PolicyRec); the v1 view (subjects/roles/resources) is rendered from it.
import * as v from 'valibot';
import type { ChangeEvent, Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { stableUuid, vpcTime } from '../core/ids.ts';
import { roleName } from '../core/roles.ts';
import type { IamService, PolicyAttribute, PolicyRec } from '../core/state.ts';
import {
  callerHas,
  decodePageToken,
  encodePageToken,
  entityTag,
  enumQuery,
  type IamCodes,
  ifMatchOf,
  intQuery,
  linkTo,
  matchesTag,
  originOf,
  parseBody,
  requireAccount,
  requireRole,
  sortBy,
} from './iam-shared.ts';

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

// ---------- semantic checks ----------

const invalid = (message: string, field?: string): ApiError =>
  new ApiError(400, 'invalid_body', message, field ? { target: { name: field, type: 'field' } } : {});

const attr = (attrs: PolicyAttribute[], key: string): PolicyAttribute | undefined =>
  attrs.find((a) => a.key === key);

const checkAttributes = (attrs: PolicyAttribute[], where: string): void => {
  const seen = new Set<string>();
  for (const a of attrs) {
    if (seen.has(a.key)) throw invalid(`Duplicate ${where} attribute '${a.key}'.`, where);
    seen.add(a.key);
    const values = Array.isArray(a.value) ? a.value : [a.value];
    for (const value of values) {
      if (typeof value === 'string' && (value.length < 1 || value.length > MAX_ATTRIBUTE_LENGTH))
        throw invalid(
          `Attribute '${a.key}' must be between 1 and ${MAX_ATTRIBUTE_LENGTH} characters.`,
          where,
        );
    }
  }
};

const checkPolicy = (ctx: Ctx, input: PolicyInput, version: 'v1' | 'v2'): void => {
  const acct = ctx.state.account.id;
  const subjectField = version === 'v1' ? 'subjects' : 'subject';
  const resourceField = version === 'v1' ? 'resources' : 'resource';
  if (input.subject.length === 0) throw invalid(`The policy needs a ${subjectField}.`, subjectField);
  if (input.resource.length === 0) throw invalid(`The policy needs a ${resourceField}.`, resourceField);
  checkAttributes(input.subject, subjectField);
  checkAttributes(input.resource, resourceField);

  for (const role of input.role_ids) {
    if (!ROLE_CRN.some((re) => re.test(role)))
      throw invalid(`Role '${role}' is not a valid role CRN.`, 'roles');
  }
  if (new Set(input.role_ids).size !== input.role_ids.length)
    throw invalid('Roles must not repeat.', 'roles');

  const account = attr(input.resource, 'accountId');
  if (!account) throw invalid(`The ${resourceField} must include the accountId attribute.`, resourceField);
  if (account.value !== acct) {
    throw new ApiError(
      403,
      CODES.forbidden,
      `The caller is not authorized to create policies in account ${str(account.value)}.`,
    );
  }
  const serviceType = attr(input.resource, 'serviceType');
  if (serviceType && serviceType.value !== 'service' && serviceType.value !== 'platform_service')
    throw invalid("serviceType must be 'service' or 'platform_service'.", resourceField);

  if (input.type === 'access') {
    const [only, ...more] = input.subject;
    if (!only || more.length > 0 || (only.key !== 'iam_id' && only.key !== 'access_group_id'))
      throw invalid(
        `An access policy ${subjectField} must be exactly one iam_id or access_group_id attribute.`,
        subjectField,
      );
    if (only.operator !== 'stringEquals' || typeof only.value !== 'string')
      throw invalid(`The ${subjectField} attribute must use stringEquals with a string value.`, subjectField);
    if (only.key === 'access_group_id' && !ctx.state.accessGroups.has(only.value))
      throw invalid(`Access group ${only.value} does not exist.`, subjectField);
    if (only.key === 'iam_id' && only.value.startsWith('iam-Profile-')) {
      const known = [...ctx.state.profiles.values()].some((p) => p.iam_id === only.value);
      if (!known) throw invalid(`Trusted profile ${only.value} does not exist.`, subjectField);
    }
    if (
      !['serviceType', 'serviceName', 'resourceGroupId', 'service_group_id'].some((k) =>
        attr(input.resource, k),
      )
    )
      throw invalid(
        `An access policy ${resourceField} must include serviceType, serviceName, resourceGroupId or service_group_id.`,
        resourceField,
      );
  } else {
    if (attr(input.subject, 'accountId')?.value !== acct)
      throw invalid(
        `An authorization policy ${subjectField} must include this account's accountId.`,
        subjectField,
      );
    if (!attr(input.subject, 'serviceName') && !attr(input.subject, 'resourceGroupId'))
      throw invalid(
        `An authorization policy ${subjectField} must include serviceName or resourceGroupId.`,
        subjectField,
      );
  }
  if ((input.rule === undefined) !== (input.pattern === undefined))
    throw invalid(
      'A rule needs a matching pattern, and a pattern needs a rule.',
      input.rule === undefined ? 'rule' : 'pattern',
    );
};

/** Writing a policy needs Administrator on access management and on the service it grants access to. */
const requireWriter = (ctx: Ctx, resource: PolicyAttribute[]): void => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const service = attr(resource, 'serviceName')?.value;
  if (typeof service === 'string' && (MODELED_SERVICES as readonly string[]).includes(service))
    requireRole(ctx, service as IamService, 'Administrator', CODES);
};

const canonical = (attrs: PolicyAttribute[] | undefined): string =>
  JSON.stringify(
    (attrs ?? [])
      .map((a) => `${a.key}\0${a.operator}\0${JSON.stringify(a.value)}`)
      .sort((x, y) => (x < y ? -1 : 1)),
  );

const sameTarget = (p: PolicyRec, input: PolicyInput): boolean =>
  p.type === input.type &&
  canonical(p.subject.attributes) === canonical(input.subject) &&
  canonical(p.resource.attributes) === canonical(input.resource) &&
  canonical(p.resource.tags) === canonical(input.tags) &&
  JSON.stringify(p.rule ?? null) === JSON.stringify(input.rule ?? null);

/** A conflicting policy: answered with IBM's 409 body, which names the policy already there. */
class PolicyConflict extends Error {
  override name = 'PolicyConflict';
  constructor(
    readonly existing: PolicyRec,
    readonly version: 'v1' | 'v2',
  ) {
    super('Failed to create policy. Policy with the same attributes already exists.');
  }
}

const checkConflict = (ctx: Ctx, input: PolicyInput, version: 'v1' | 'v2', self?: string): void => {
  for (const p of ctx.state.policies.values()) {
    if (p.id !== self && p.state === 'active' && sameTarget(p, input)) throw new PolicyConflict(p, version);
  }
};

/** Renders a PolicyConflict the way IAM does (`details.conflicts_with` carries the existing policy). */
const answeringConflicts =
  (handler: (ctx: Ctx) => Reply) =>
  (ctx: Ctx): Reply => {
    try {
      return handler(ctx);
    } catch (err) {
      if (!(err instanceof PolicyConflict)) throw err;
      const origin = originOf(ctx);
      const policy =
        err.version === 'v1' ? renderV1(origin, err.existing) : renderV2(origin, err.existing, undefined);
      return {
        status: 409,
        body: {
          trace: ctx.trace,
          errors: [
            {
              code: 'policy_conflict_error',
              message: err.message,
              details: { conflicts_with: { etag: policyTag(err.existing), policy } },
            },
          ],
          status_code: 409,
        },
      };
    }
  };

// ---------- lookups, visibility, events ----------

const subjectIamId = (p: PolicyRec): string | undefined => {
  const v1 = attr(p.subject.attributes, 'iam_id')?.value;
  return typeof v1 === 'string' ? v1 : undefined;
};
const subjectGroupId = (p: PolicyRec): string | undefined => {
  const g = attr(p.subject.attributes, 'access_group_id')?.value;
  return typeof g === 'string' ? g : undefined;
};

/** A Viewer on access management sees every policy; anyone sees the policies granted to themselves. */
const canRead = (ctx: Ctx, p: PolicyRec): boolean =>
  callerHas(ctx, 'iam-access-management', 'Viewer') ||
  (ctx.caller !== undefined && subjectIamId(p) === ctx.caller.iam_id);

const policyOr404 = (ctx: Ctx): PolicyRec => {
  const id = ctx.params.policyId ?? '';
  const p = ctx.state.policies.get(id);
  if (!p) {
    // Without read access the caller learns nothing about which ids exist.
    requireRole(ctx, 'iam-access-management', 'Viewer', CODES);
    throw new ApiError(404, 'policy_not_found', `Policy with ID ${id} not found.`);
  }
  if (!canRead(ctx, p)) requireRole(ctx, 'iam-access-management', 'Viewer', CODES);
  return p;
};

/** 412 unless `If-Match` carries the policy's current ETag. */
const checkIfMatch = (ctx: Ctx, p: PolicyRec): void => {
  const sent = ifMatchOf(ctx);
  if (sent === undefined || !matchesTag(sent, policyTag(p))) {
    throw new ApiError(
      412,
      'precondition_failed',
      sent === undefined
        ? 'The If-Match header is required to update a policy.'
        : 'The If-Match header does not match the current ETag of the policy. Get the policy and retry.',
      { target: { name: 'If-Match', type: 'header', ...(sent !== undefined ? { value: sent } : {}) } },
    );
  }
};

const STATUS_TEXT: Record<number, string> = { 200: '200 OK', 201: '201 Created', 204: '204 No Content' };

const emitPolicy = (
  ctx: Ctx,
  verb: 'create' | 'update' | 'delete',
  p: PolicyRec,
  apiName: string,
  status: number,
  responseBody?: unknown,
): void => {
  const acct = ctx.state.account.id;
  const iamId = subjectIamId(p);
  const groupId = subjectGroupId(p);
  const change: ChangeEvent = {
    action: `iam-am.policy.${verb}`,
    outcome: 'success',
    target: { id: policyCrn(acct, p.id), name: p.id, typeURI: 'iam-am/policy' },
    reasonCode: status,
    reasonType: (STATUS_TEXT[status] ?? String(status)).slice(4),
    message: `IAM Access Management: ${verb} policy ${p.id}`,
    location: 'global',
    logSourceCRN: `crn:v1:bluemix:public:iam-am::a/${acct}:::`,
    requestData: {
      url: ctx.path,
      api_name: apiName,
      method: ctx.method,
      ...(ctx.body !== undefined ? { body: ctx.body } : {}),
      policy_id: p.id,
      policy_type: p.type,
      ...(iamId ? { iam_id: iamId } : {}),
      ...(groupId ? { access_group_id: groupId } : {}),
    },
    responseData: {
      status: STATUS_TEXT[status] ?? String(status),
      transaction_id: ctx.trace,
      ...(responseBody !== undefined ? { response_body: JSON.stringify(responseBody) } : {}),
    },
  };
  ctx.emit(change);
};

// ---------- list ----------

const SORT_V1 = [
  'id',
  'type',
  'href',
  'created_at',
  'created_by_id',
  'last_modified_at',
  'last_modified_by_id',
  'state',
];
const SORT_V2 = [...SORT_V1, 'last_permit_at', 'last_permit_frequency'];

const listPolicies = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireAccount(ctx, ctx.query.get('account_id'), CODES);
  const type = enumQuery(ctx, 'type', ['access', 'authorization'] as const, CODES);
  const serviceType = enumQuery(ctx, 'service_type', ['service', 'platform_service'] as const, CODES);
  const state = enumQuery(ctx, 'state', ['active', 'deleted'] as const, CODES) ?? 'active';
  const format = enumQuery(ctx, 'format', ['include_last_permit', 'display'] as const, CODES);
  const limit = intQuery(ctx, 'limit', LIMIT, CODES);
  const offset = decodePageToken(ctx, 'start', CODES);
  const sortRaw = ctx.query.get('sort');
  const sortField = sortRaw?.replace(/^-/, '');
  if (sortRaw !== null && !(version === 'v1' ? SORT_V1 : SORT_V2).includes(sortField ?? '')) {
    throw new ApiError(400, CODES.badRequest, `Query parameter 'sort' cannot sort on '${sortRaw}'.`, {
      target: { name: 'sort', type: 'query', value: sortRaw },
    });
  }
  const want = {
    iam_id: ctx.query.get('iam_id'),
    access_group_id: ctx.query.get('access_group_id'),
    serviceName: version === 'v2' ? ctx.query.get('service_name') : null,
    service_group_id: version === 'v2' ? ctx.query.get('service_group_id') : null,
    tagName: version === 'v1' ? ctx.query.get('tag_name') : null,
    tagValue: version === 'v1' ? ctx.query.get('tag_value') : null,
  };
  const has = (
    attrs: PolicyAttribute[] | undefined,
    key: string,
    value: string | null | undefined,
  ): boolean =>
    value === null || value === undefined || (attrs ?? []).some((a) => a.key === key && a.value === value);

  let matching = [...ctx.state.policies.values()]
    .filter((p) => canRead(ctx, p))
    .filter((p) => p.state === state)
    .filter((p) => type === undefined || p.type === type)
    .filter((p) => has(p.subject.attributes, 'iam_id', want.iam_id))
    .filter((p) => has(p.subject.attributes, 'access_group_id', want.access_group_id))
    .filter((p) => has(p.resource.attributes, 'serviceType', serviceType))
    .filter((p) => has(p.resource.attributes, 'serviceName', want.serviceName))
    .filter((p) => has(p.resource.attributes, 'service_group_id', want.service_group_id))
    .filter((p) => want.tagName === null || (p.resource.tags ?? []).some((t) => t.key === want.tagName))
    .filter((p) => want.tagValue === null || (p.resource.tags ?? []).some((t) => t.value === want.tagValue))
    .sort((a, b) => a.seq - b.seq);
  if (sortRaw !== null && sortField) {
    const key = (p: PolicyRec): string =>
      sortField === 'href' ? p.id : String((p as unknown as Record<string, unknown>)[sortField] ?? '');
    matching = sortBy(matching, key, sortRaw.startsWith('-'));
  }

  const origin = originOf(ctx);
  const page = matching.slice(offset, offset + limit);
  const render = (p: PolicyRec) => (version === 'v1' ? renderV1(origin, p) : renderV2(origin, p, format));
  const nextStart = offset + limit < matching.length ? encodePageToken(offset + limit) : undefined;
  const prevStart = offset > 0 ? encodePageToken(Math.max(0, offset - limit)) : undefined;
  return {
    status: 200,
    body: {
      limit,
      first: { href: linkTo(ctx, { start: undefined }) },
      ...(prevStart ? { previous: { href: linkTo(ctx, { start: prevStart }), start: prevStart } } : {}),
      ...(nextStart ? { next: { href: linkTo(ctx, { start: nextStart }), start: nextStart } } : {}),
      policies: page.map(render),
    },
  };
};

// ---------- writes ----------

const createPolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const input =
    version === 'v1'
      ? fromV1(parseBody(ctx, V1Body, 'invalid_body'))
      : fromV2(parseBody(ctx, V2Body, 'invalid_body'));
  checkPolicy(ctx, input, version);
  requireWriter(ctx, input.resource);
  checkConflict(ctx, input, version);
  const at = vpcTime(ctx.now);
  const actor = ctx.caller?.iam_id ?? 'unknown';
  const p: PolicyRec = {
    id: stableUuid(ctx.state.seed, ctx.state.nextName('policy')),
    type: input.type,
    ...(input.description !== undefined ? { description: input.description } : {}),
    subject: { attributes: input.subject },
    resource: { attributes: input.resource, ...(input.tags ? { tags: input.tags } : {}) },
    role_ids: input.role_ids,
    ...(input.rule !== undefined ? { rule: input.rule } : {}),
    ...(input.pattern !== undefined ? { pattern: input.pattern } : {}),
    state: 'active',
    created_at: at,
    created_by_id: actor,
    last_modified_at: at,
    last_modified_by_id: actor,
    rev: 1,
    seq: ctx.state.nextSeq(),
  };
  ctx.state.policies.set(p.id, p);
  const body = version === 'v1' ? renderV1(originOf(ctx), p) : renderV2(originOf(ctx), p, undefined);
  emitPolicy(ctx, 'create', p, version === 'v1' ? 'postPolicyV1' : 'postPolicyV2', 201, body);
  return { status: 201, body, headers: { ETag: policyTag(p) } };
};

const getPolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  const format =
    version === 'v2'
      ? enumQuery(ctx, 'format', ['include_last_permit', 'display'] as const, CODES)
      : undefined;
  const p = policyOr404(ctx);
  const origin = originOf(ctx);
  return {
    status: 200,
    body: version === 'v1' ? renderV1(origin, p) : renderV2(origin, p, format),
    headers: { ETag: policyTag(p) },
  };
};

const replacePolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const p = policyOr404(ctx);
  checkIfMatch(ctx, p);
  const input =
    version === 'v1'
      ? fromV1(parseBody(ctx, V1Body, 'invalid_body'))
      : fromV2(parseBody(ctx, V2Body, 'invalid_body'));
  if (input.type !== p.type) throw invalid('The policy type cannot be changed.', 'type');
  checkPolicy(ctx, input, version);
  requireWriter(ctx, p.resource.attributes);
  requireWriter(ctx, input.resource);
  checkConflict(ctx, input, version, p.id);
  p.subject = { attributes: input.subject };
  p.resource = { attributes: input.resource, ...(input.tags ? { tags: input.tags } : {}) };
  p.role_ids = input.role_ids;
  if (input.description !== undefined) p.description = input.description;
  else delete p.description;
  // v1 cannot express conditions: replacing through v1 keeps them; v2 replaces them.
  if (version === 'v2') {
    if (input.rule !== undefined) p.rule = input.rule;
    else delete p.rule;
    if (input.pattern !== undefined) p.pattern = input.pattern;
    else delete p.pattern;
  }
  p.rev += 1;
  p.last_modified_at = vpcTime(ctx.now);
  p.last_modified_by_id = ctx.caller?.iam_id ?? 'unknown';
  const body = version === 'v1' ? renderV1(originOf(ctx), p) : renderV2(originOf(ctx), p, undefined);
  emitPolicy(ctx, 'update', p, version === 'v1' ? 'putPolicyV1' : 'putPolicyV2', 200, body);
  return { status: 200, body, headers: { ETag: policyTag(p) } };
};

const toInput = (p: PolicyRec): PolicyInput => ({
  type: p.type,
  subject: p.subject.attributes,
  resource: p.resource.attributes,
  ...(p.resource.tags ? { tags: p.resource.tags } : {}),
  role_ids: p.role_ids,
  ...(p.rule !== undefined ? { rule: p.rule } : {}),
});

const updatePolicyState = (ctx: Ctx): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const p = policyOr404(ctx);
  checkIfMatch(ctx, p);
  const input = parseBody(ctx, StateBody, 'invalid_body');
  requireWriter(ctx, p.resource.attributes);
  if (input.state === 'active' && p.state !== 'active') checkConflict(ctx, toInput(p), 'v1', p.id);
  p.state = input.state;
  p.rev += 1;
  p.last_modified_at = vpcTime(ctx.now);
  p.last_modified_by_id = ctx.caller?.iam_id ?? 'unknown';
  const body = renderV1(originOf(ctx), p);
  emitPolicy(ctx, 'update', p, 'patchPolicyV1', 200, body);
  return { status: 200, body, headers: { ETag: policyTag(p) } };
};

const deletePolicy = (ctx: Ctx, version: 'v1' | 'v2'): Reply => {
  requireRole(ctx, 'iam-access-management', 'Administrator', CODES);
  const p = policyOr404(ctx);
  requireWriter(ctx, p.resource.attributes);
  ctx.state.policies.delete(p.id);
  emitPolicy(ctx, 'delete', p, version === 'v1' ? 'deletePolicyV1' : 'deletePolicyV2', 204);
  return { status: 204 };
};

// ---------- routes ----------

const iamPolicyRoutes: RouteModule = (add) => {
  for (const version of ['v1', 'v2'] as const) {
    const base = `/${version}/policies`;
    add({ service: 'iam-policy', method: 'GET', path: base, handler: (ctx) => listPolicies(ctx, version) });
    add({
      service: 'iam-policy',
      method: 'POST',
      path: base,
      handler: answeringConflicts((ctx) => createPolicy(ctx, version)),
    });
    add({
      service: 'iam-policy',
      method: 'GET',
      path: `${base}/:policyId`,
      handler: (ctx) => getPolicy(ctx, version),
    });
    add({
      service: 'iam-policy',
      method: 'PUT',
      path: `${base}/:policyId`,
      handler: answeringConflicts((ctx) => replacePolicy(ctx, version)),
    });
    add({
      service: 'iam-policy',
      method: 'DELETE',
      path: `${base}/:policyId`,
      handler: (ctx) => deletePolicy(ctx, version),
    });
  }
  add({
    service: 'iam-policy',
    method: 'PATCH',
    path: '/v1/policies/:policyId',
    handler: answeringConflicts(updatePolicyState),
  });
};

export { iamPolicyRoutes };
