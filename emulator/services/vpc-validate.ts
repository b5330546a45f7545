// Request validation for the VPC API: query parameters, media types and body shapes, refused with
// the codes of IBM's VPC error catalogue (docs/fidelity/vpc.md says where each one comes from).
import type { Ctx } from '../core/context.ts';
import { ApiError, type ErrorTarget } from '../core/errors.ts';
import type { MetadataService } from '../core/state.ts';

/** Codes of IBM's "VPC API error messages" catalogue (rias-error-messages) and our documented guesses. */
const CODES = {
  missingVersion: 'missing_version',
  missingGeneration: 'missing_generation_parameter',
  notFound: 'not_found',
  validationFailure: 'validation_failure',
  enum: 'validation_enum',
  minValue: 'validation_min_value',
  maxValue: 'validation_max_value',
  fieldType: 'validation_invalid_field_type',
  required: 'validation_required_field',
  notNull: 'validation_not_null',
  invalidName: 'validation_invalid_name',
  unique: 'validation_unique_failed',
  badField: 'bad_field',
  badStart: 'bad_request',
  mediaType: 'unsupported_media_type',
  precondition: 'precondition_failed',
  allowedUse: 'instance_allowed_use_violation',
  templateInUse: 'instance_template_in_use',
  deleteConflict: 'instance_delete_conflict',
} as const;

const MIN_VERSION = '2019-01-01';

const todayUtc = (now: Date): string => now.toISOString().slice(0, 10);

const versionError = (message: string, value: string | null): ApiError =>
  new ApiError(400, CODES.missingVersion, message, {
    target: { name: 'version', type: 'query', ...(value !== null ? { value } : {}) },
  });

/** `version=YYYY-MM-DD` between 2019-01-01 and today (UTC), and `generation=2`, on every call. */
const checkVersionAndGeneration = (ctx: Ctx): void => {
  const version = ctx.query.get('version');
  const form = 'The `version` parameter is required, and it must be of the form `YYYY-MM-DD`.';
  if (version === null || version === '') throw versionError(form, version);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(version);
  const date = m ? new Date(`${version}T00:00:00Z`) : undefined;
  if (!m || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== version)
    throw versionError(form, version);
  if (version < MIN_VERSION)
    throw versionError(`The \`version\` parameter must not be earlier than \`${MIN_VERSION}\`.`, version);
  const today = todayUtc(ctx.now);
  if (version > today)
    throw versionError(
      `The \`version\` parameter must not be later than the current date (${today}).`,
      version,
    );
  const generation = ctx.query.get('generation');
  if (generation === null || generation === '')
    throw new ApiError(400, CODES.missingGeneration, 'The `generation` query parameter is required.', {
      target: { name: 'generation', type: 'query' },
    });
  if (generation !== '2')
    throw new ApiError(400, CODES.missingGeneration, 'The `generation` query parameter must be `2`.', {
      target: { name: 'generation', type: 'query', value: generation },
    });
};

/** Query parameters every VPC call may carry besides the operation's own. */
const COMMON_QUERY = new Set(['version', 'generation', 'maturity', 'future_version']);

/** Refuses query parameters the operation does not define (strict: typos must not pass as filters). */
const checkQueryKeys = (ctx: Ctx, allowed: ReadonlySet<string>): void => {
  for (const key of ctx.query.keys()) {
    if (COMMON_QUERY.has(key) || allowed.has(key)) continue;
    throw new ApiError(400, CODES.validationFailure, `The query parameter \`${key}\` is not supported.`, {
      target: { name: key, type: 'query', value: ctx.query.get(key) ?? '' },
    });
  }
};

/** `limit` for collections: integer 1..100, default 50. */
const parseLimit = (ctx: Ctx): number => {
  const raw = ctx.query.get('limit');
  if (raw === null) return 50;
  const target: ErrorTarget = { name: 'limit', type: 'query', value: raw };
  if (!/^-?\d+$/.test(raw))
    throw new ApiError(400, CODES.fieldType, 'The value of `limit` must be an integer.', { target });
  const n = Number(raw);
  if (n < 1) throw new ApiError(400, CODES.minValue, 'The value of `limit` must be at least 1.', { target });
  if (n > 100)
    throw new ApiError(400, CODES.maxValue, 'The value of `limit` must be at most 100.', { target });
  return n;
};

const requireMediaType = (ctx: Ctx, mediaType: string): void => {
  if (ctx.contentType !== mediaType) {
    throw new ApiError(415, CODES.mediaType, `The request content type must be \`${mediaType}\`.`, {
      target: { name: 'Content-Type', type: 'header', value: ctx.contentType },
    });
  }
};

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const fieldTarget = (name: string, value?: unknown): ErrorTarget => ({
  name,
  type: 'field',
  ...(value !== undefined ? { value } : {}),
});

/** The request body as an object (merge-patch documents and prototypes are JSON objects). */
const bodyObject = (ctx: Ctx): Json => {
  if (!isObject(ctx.body))
    throw new ApiError(
      400,
      CODES.validationFailure,
      'The JSON provided did not match the expected structure.',
      {
        target: { name: 'body', type: 'field' },
      },
    );
  return ctx.body;
};

/** Refuses keys outside `allowed`; keys in `readOnly` are reported as unchangeable rather than unknown. */
const checkKeys = (
  obj: Json,
  path: string,
  allowed: ReadonlySet<string>,
  readOnly?: ReadonlySet<string>,
): void => {
  for (const key of Object.keys(obj)) {
    if (allowed.has(key)) continue;
    const name = path ? `${path}.${key}` : key;
    const why = readOnly?.has(key) ? 'cannot be changed' : 'is not a valid property here';
    throw new ApiError(400, CODES.validationFailure, `The property \`${name}\` ${why}.`, {
      target: fieldTarget(name),
    });
  }
};

const notNull = (value: unknown, name: string): void => {
  if (value === null)
    throw new ApiError(400, CODES.notNull, `The property \`${name}\` must not be null.`, {
      target: fieldTarget(name, null),
    });
};

// IBM's resource name pattern (VPC API `name` properties), at most 63 characters.
const NAME = /^-?([a-z]|[a-z][-a-z0-9]*[a-z0-9]|[0-9][-a-z0-9]*([a-z]|[-a-z][-a-z0-9]*[a-z0-9]))$/;

const checkName = (value: unknown, name = 'name'): string => {
  notNull(value, name);
  if (typeof value !== 'string')
    throw new ApiError(400, CODES.fieldType, `The property \`${name}\` must be a string.`, {
      target: fieldTarget(name, value),
    });
  if (value.length > 63 || !NAME.test(value))
    throw new ApiError(400, CODES.invalidName, 'The value is not a valid name.', {
      target: fieldTarget(name, value),
    });
  return value;
};

const METADATA_KEYS = new Set(['enabled', 'protocol', 'response_hop_limit']);
const PROTOCOLS = new Set(['http', 'https']);

/** Validates a metadata_service patch/prototype (all keys optional) and returns it typed. */
const checkMetadataService = (value: unknown, path = 'metadata_service'): Partial<MetadataService> => {
  notNull(value, path);
  if (!isObject(value))
    throw new ApiError(400, CODES.fieldType, `The property \`${path}\` must be an object.`, {
      target: fieldTarget(path, value),
    });
  checkKeys(value, path, METADATA_KEYS);
  const out: Partial<MetadataService> = {};
  if ('enabled' in value) {
    const v = value.enabled;
    notNull(v, `${path}.enabled`);
    if (typeof v !== 'boolean')
      throw new ApiError(400, CODES.fieldType, `The property \`${path}.enabled\` must be a boolean.`, {
        target: fieldTarget(`${path}.enabled`, v),
      });
    out.enabled = v;
  }
  if ('protocol' in value) {
    const v = value.protocol;
    notNull(v, `${path}.protocol`);
    if (typeof v !== 'string' || !PROTOCOLS.has(v))
      throw new ApiError(
        400,
        CODES.enum,
        `The value supplied for \`${path}.protocol\` was not a valid option: it must be one of \`http\`, \`https\`.`,
        { target: fieldTarget(`${path}.protocol`, v) },
      );
    out.protocol = v as MetadataService['protocol'];
  }
  if ('response_hop_limit' in value) {
    const v = value.response_hop_limit;
    const name = `${path}.response_hop_limit`;
    notNull(v, name);
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new ApiError(400, CODES.fieldType, `The property \`${name}\` must be an integer.`, {
        target: fieldTarget(name, v),
      });
    if (v < 1)
      throw new ApiError(
        400,
        CODES.minValue,
        `The value supplied for \`${name}\` was too small: the minimum is 1.`,
        {
          target: fieldTarget(name, v),
        },
      );
    if (v > 64)
      throw new ApiError(
        400,
        CODES.maxValue,
        `The value supplied for \`${name}\` was too large: the maximum is 64.`,
        {
          target: fieldTarget(name, v),
        },
      );
    out.response_hop_limit = v;
  }
  return out;
};

/** `{id}` / `{name}` / `{crn}` / `{href}` identity objects: exactly one of the given keys, a string. */
const identity = <K extends string>(
  value: unknown,
  path: string,
  keys: readonly K[],
): { key: K; value: string } => {
  notNull(value, path);
  if (!isObject(value))
    throw new ApiError(400, CODES.fieldType, `The property \`${path}\` must be an object.`, {
      target: fieldTarget(path, value),
    });
  checkKeys(value, path, new Set(keys));
  const present = keys.filter((k) => k in value);
  if (present.length !== 1) {
    throw new ApiError(
      400,
      present.length === 0 ? CODES.required : CODES.validationFailure,
      `The property \`${path}\` must have exactly one of ${keys.map((k) => `\`${k}\``).join(', ')}.`,
      { target: fieldTarget(path) },
    );
  }
  const key = present[0] as K;
  const v = value[key];
  if (typeof v !== 'string' || v === '')
    throw new ApiError(400, CODES.fieldType, `The property \`${path}.${key}\` must be a non-empty string.`, {
      target: fieldTarget(`${path}.${key}`, v),
    });
  return { key, value: v };
};

const checkBoolean = (value: unknown, name: string): boolean => {
  notNull(value, name);
  if (typeof value !== 'boolean')
    throw new ApiError(400, CODES.fieldType, `The property \`${name}\` must be a boolean.`, {
      target: fieldTarget(name, value),
    });
  return value;
};

export type { Json };
export {
  bodyObject,
  CODES,
  checkBoolean,
  checkKeys,
  checkMetadataService,
  checkName,
  checkQueryKeys,
  checkVersionAndGeneration,
  fieldTarget,
  identity,
  isObject,
  notNull,
  parseLimit,
  requireMediaType,
};
