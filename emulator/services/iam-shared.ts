// Pieces the three IAM modules share: role checks with each service's 403 code, query parsing that
// refuses like IBM (400), opaque paging tokens, entity tags and request-body validation.
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import type { Ctx } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { hasRole } from '../core/roles.ts';
import type { IamService, Role } from '../core/state.ts';

/** The error codes a module answers with; IBM's services spell them differently. */
interface IamCodes {
  badRequest: string;
  missingQuery: string;
  forbidden: string;
}

/** 403 unless the caller holds `role` on `service` (the pipeline's own check has one fixed code). */
const requireRole = (ctx: Ctx, service: IamService, role: Role, codes: IamCodes): void => {
  if (!ctx.caller || !hasRole(ctx.caller, service, role)) {
    throw new ApiError(
      403,
      codes.forbidden,
      `The caller does not have the required ${role} role on service '${service}' to perform this action.`,
    );
  }
};

const callerHas = (ctx: Ctx, service: IamService, role: Role): boolean =>
  ctx.caller !== undefined && hasRole(ctx.caller, service, role);

/** `account_id` is required and must be the emulated account (another account: no access there). */
const requireAccount = (ctx: Ctx, value: string | null, codes: IamCodes): string => {
  if (value === null || value === '') {
    throw new ApiError(400, codes.missingQuery, 'account_id is a required query parameter.', {
      target: { name: 'account_id', type: 'query' },
    });
  }
  if (value !== ctx.state.account.id) {
    throw new ApiError(403, codes.forbidden, `The caller is not authorized to access account '${value}'.`, {
      target: { name: 'account_id', type: 'query', value },
    });
  }
  return value;
};

const intQuery = (
  ctx: Ctx,
  name: string,
  bounds: { min: number; max: number; default: number },
  codes: IamCodes,
): number => {
  const raw = ctx.query.get(name);
  if (raw === null) return bounds.default;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw new ApiError(
      400,
      codes.badRequest,
      `Query parameter '${name}' must be an integer between ${bounds.min} and ${bounds.max}.`,
      { target: { name, type: 'query', value: raw } },
    );
  }
  return n;
};

const enumQuery = <T extends string>(
  ctx: Ctx,
  name: string,
  allowed: readonly T[],
  codes: IamCodes,
): T | undefined => {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ApiError(
      400,
      codes.badRequest,
      `Query parameter '${name}' must be one of: ${allowed.join(', ')}.`,
      { target: { name, type: 'query', value: raw } },
    );
  }
  return raw as T;
};

const boolQuery = (ctx: Ctx, name: string, codes: IamCodes): boolean =>
  enumQuery(ctx, name, ['true', 'false'] as const, codes) === 'true';

/** Paging cursors are opaque to clients; inside they are offsets. */
const encodePageToken = (offset: number): string => Buffer.from(`page:${offset}`).toString('base64url');

const decodePageToken = (ctx: Ctx, name: string, codes: IamCodes): number => {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return 0;
  const m = /^page:(\d{1,9})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!m?.[1]) {
    throw new ApiError(400, codes.badRequest, `Query parameter '${name}' is not a valid page token.`, {
      target: { name, type: 'query', value: raw },
    });
  }
  return Number(m[1]);
};

/** The origin the client used, so hrefs and paging links point back at this emulator. */
const originOf = (ctx: Ctx): string => `http://${ctx.headers.host ?? '127.0.0.1'}`;

/** The request's own URL with some query parameters replaced (undefined removes one). */
const linkTo = (ctx: Ctx, set: Record<string, string | undefined>): string => {
  const q = new URLSearchParams(ctx.query);
  for (const [k, value] of Object.entries(set)) {
    if (value === undefined) q.delete(k);
    else q.set(k, value);
  }
  const qs = q.toString();
  return `${originOf(ctx)}${ctx.path}${qs ? `?${qs}` : ''}`;
};

/** `<rev>-<md5>`: the shape IAM Policy Management's ETags have (`1-4f32f6c5…`). */
const entityTag = (kind: string, id: string, rev: number): string =>
  `${rev}-${createHash('md5').update(`${kind}\0${id}\0${rev}`).digest('hex')}`;

/** For objects without a revision counter: the tag follows the content. */
const contentTag = (value: unknown): string =>
  `1-${createHash('md5').update(JSON.stringify(value)).digest('hex')}`;

/** `If-Match` as sent, or undefined; `*` matches any version. */
const ifMatchOf = (ctx: Ctx): string | undefined => {
  const h = ctx.headers['if-match'];
  const value = Array.isArray(h) ? h[0] : h;
  return value === undefined || value === ''
    ? undefined
    : value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
};

const matchesTag = (sent: string, current: string): boolean => sent === '*' || sent === current;

/** Parses a JSON body against a schema; the first problem becomes IBM's 400 with the field named. */
const parseBody = <S extends v.GenericSchema>(ctx: Ctx, schema: S, code: string): v.InferOutput<S> => {
  if (ctx.body === undefined) {
    throw new ApiError(400, code, 'A JSON request body is required.');
  }
  const result = v.safeParse(schema, ctx.body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = issue ? (v.getDotPath(issue) ?? '') : '';
  const message = issue?.message ?? 'Invalid value.';
  throw new ApiError(400, code, field ? `Invalid body: '${field}': ${message}` : `Invalid body: ${message}`, {
    ...(field ? { target: { name: field, type: 'field' as const } } : {}),
  });
};

/** Sorted copy by a field of the rendered object; `-field` sorts descending. */
const sortBy = <T>(items: T[], key: (item: T) => string | number | boolean | undefined, desc: boolean): T[] =>
  [...items].sort((a, b) => {
    const x = key(a) ?? '';
    const y = key(b) ?? '';
    const c = x < y ? -1 : x > y ? 1 : 0;
    return desc ? -c : c;
  });

export type { IamCodes };
export {
  boolQuery,
  callerHas,
  contentTag,
  decodePageToken,
  encodePageToken,
  entityTag,
  enumQuery,
  ifMatchOf,
  intQuery,
  linkTo,
  matchesTag,
  originOf,
  parseBody,
  requireAccount,
  requireRole,
  sortBy,
};
