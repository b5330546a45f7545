// Global Tagging rules: tag name syntax, query parameter parsing, and which CRNs the emulated account owns.
import type { Ctx } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { crnAccount } from '../core/ids.ts';
import type { EmulatorState, TagSet } from '../core/state.ts';

type TagType = keyof TagSet;

const TAG_TYPES: readonly TagType[] = ['user', 'service', 'access'];
const MAX_TAG_LENGTH = 128;
/** Terraform's IBM provider validates user tags with this expression. */
const USER_TAG = /^[A-Za-z0-9:_ .-]+$/;
/** Access tags are `key:value`; neither side starts or ends with a space (Terraform's `accesstag` rule). */
const ACCESS_TAG =
  /^([A-Za-z0-9_.-]|[A-Za-z0-9_.-][A-Za-z0-9_ .-]*[A-Za-z0-9_.-]):([A-Za-z0-9_.-]|[A-Za-z0-9_.-][A-Za-z0-9_ .-]*[A-Za-z0-9_.-])$/;

const badRequest = (message: string, field: string): ApiError =>
  new ApiError(400, 'bad_request', message, { target: { name: field, type: 'query' } });

const tagTypeParam = (ctx: Ctx): TagType => {
  const raw = ctx.query.get('tag_type');
  if (raw === null) return 'user';
  const found = TAG_TYPES.find((t) => t === raw);
  if (!found) throw badRequest(`tag_type must be one of user, service, access (got "${raw}").`, 'tag_type');
  return found;
};

const booleanParam = (ctx: Ctx, name: string): boolean | undefined => {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw badRequest(`${name} must be true or false (got "${raw}").`, name);
};

const intParam = (ctx: Ctx, name: string, min: number, max: number): number | undefined => {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw badRequest(`${name} must be an integer between ${min} and ${max} (got "${raw}").`, name);
  return n;
};

/** `account_id` is required for service tags and must be the token's account when given. */
const accountParam = (ctx: Ctx, tagType: TagType): void => {
  const accountId = ctx.query.get('account_id');
  if (tagType === 'service' && !accountId)
    throw badRequest('account_id is required when tag_type is service.', 'account_id');
  if (accountId && accountId !== ctx.state.account.id)
    throw new ApiError(403, 'forbidden', `The caller is not authorized for account ${accountId}.`);
};

/** Tag names are case-insensitive; the service stores and returns them lower-cased. */
const normalizeTag = (name: string): string => name.toLowerCase();

const tagNameProblem = (name: string, tagType: TagType): string | undefined => {
  if (name.length === 0 || name.length > MAX_TAG_LENGTH)
    return `The tag "${name}" must be 1 to ${MAX_TAG_LENGTH} characters long.`;
  if (!USER_TAG.test(name))
    return `The tag "${name}" contains characters that are not allowed (A-Z, 0-9, space, _ . - :).`;
  if (tagType === 'access' && !ACCESS_TAG.test(name))
    return `The access management tag "${name}" must be in the form key:value.`;
  return undefined;
};

/** The IAM service a CRN belongs to (`is` for VPC resources). */
const crnService = (crn: string): string => crn.split(':')[4] ?? '';

/** True when the emulated account owns a resource with this CRN (map lookups by the CRN's trailing id). */
const ownsCrn = (state: EmulatorState, crn: string): boolean => {
  if (!crn.startsWith('crn:v1:') || crnAccount(crn) !== state.account.id) return false;
  if (state.tags.has(crn)) return true;
  const id = crn.slice(crn.lastIndexOf(':') + 1);
  for (const rs of state.regions.values()) {
    for (const coll of [rs.instances, rs.templates, rs.instanceGroups, rs.vpcs, rs.images]) {
      if (coll.get(id)?.crn === crn) return true;
    }
  }
  return state.profiles.get(id)?.crn === crn;
};

export type { TagType };
export {
  accountParam,
  booleanParam,
  crnService,
  intParam,
  normalizeTag,
  ownsCrn,
  tagNameProblem,
  tagTypeParam,
};
