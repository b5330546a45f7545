// IAM Policy Management — semantic checks of a policy, conflicts, visibility, lookups and change events.
import type { ChangeEvent, Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { IamService, PolicyAttribute, PolicyRec } from '../core/state.ts';
import {
  CODES,
  MAX_ATTRIBUTE_LENGTH,
  MODELED_SERVICES,
  type PolicyInput,
  policyCrn,
  policyTag,
  ROLE_CRN,
  renderV1,
  renderV2,
  str,
} from './iam-policy-shapes.ts';
import { callerHas, ifMatchOf, matchesTag, originOf, requireRole } from './iam-shared.ts';

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

export {
  answeringConflicts,
  attr,
  canonical,
  canRead,
  checkAttributes,
  checkConflict,
  checkIfMatch,
  checkPolicy,
  emitPolicy,
  invalid,
  PolicyConflict,
  policyOr404,
  requireWriter,
  STATUS_TEXT,
  sameTarget,
  subjectGroupId,
  subjectIamId,
};
