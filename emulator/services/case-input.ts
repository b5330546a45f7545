// Case Management request bodies (valibot, at the edge) and the parse helper that turns issues into IBM's 400.
import * as v from 'valibot';
import { ApiError } from '../core/errors.ts';

const NonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1));

/** IBM's user realms (API reference, `User.realm`). */
const UserSchema = v.strictObject({
  name: v.optional(v.string()),
  realm: v.picklist(['IBMid', 'SL', 'BSS']),
  user_id: NonEmpty,
});

const ResourceSchema = v.strictObject({
  crn: v.optional(v.pipe(v.string(), v.startsWith('crn:v1:', 'must be a CRN (crn:v1:…)'))),
  type: v.optional(v.string()),
  id: v.optional(v.pipe(v.number(), v.integer())),
  note: v.optional(v.pipe(v.string(), v.maxLength(1000))),
});

const CASE_TYPES = ['technical', 'account_and_access', 'billing_and_invoice', 'sales'] as const;

const CreateCaseSchema = v.strictObject({
  type: v.picklist(CASE_TYPES),
  // IBM's support center runs on ServiceNow, whose short_description holds 160 and description 4000 characters.
  subject: v.pipe(NonEmpty, v.maxLength(160)),
  description: v.pipe(NonEmpty, v.maxLength(4000)),
  severity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4))),
  eu: v.optional(
    v.strictObject({
      supported: v.optional(v.boolean()),
      data_center: v.optional(v.pipe(v.number(), v.integer())),
    }),
  ),
  offering: v.optional(
    v.strictObject({
      name: NonEmpty,
      type: v.strictObject({
        group: v.picklist(['crn_service_name', 'category']),
        key: NonEmpty,
        kind: v.optional(v.string()),
        id: v.optional(v.string()),
      }),
    }),
  ),
  resources: v.optional(v.pipe(v.array(ResourceSchema), v.maxLength(100))),
  watchlist: v.optional(v.pipe(v.array(UserSchema), v.maxLength(100))),
  invoice_number: v.optional(NonEmpty),
  sla_credit_request: v.optional(v.boolean()),
});

const StatusSchema = v.variant('action', [
  v.strictObject({
    action: v.literal('resolve'),
    comment: v.optional(v.string()),
    // ResolvePayload in the SDK documents codes 1–8.
    resolution_code: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(8)),
  }),
  v.strictObject({ action: v.literal('unresolve'), comment: NonEmpty }),
  v.strictObject({ action: v.literal('accept'), comment: v.optional(v.string()) }),
]);

const CommentSchema = v.strictObject({ comment: v.pipe(NonEmpty, v.maxLength(4000)) });
const WatchlistSchema = v.strictObject({
  watchlist: v.pipe(v.array(UserSchema), v.minLength(1), v.maxLength(100)),
});

type CreateCaseBody = v.InferOutput<typeof CreateCaseSchema>;
type StatusBody = v.InferOutput<typeof StatusSchema>;
type UserDoc = v.InferOutput<typeof UserSchema>;
type ResourceDoc = v.InferOutput<typeof ResourceSchema>;

/** A readable sentence for valibot's first issue: missing, unknown or invalid field. */
const describeIssue = (issue: v.BaseIssue<unknown> | undefined): { path: string; message: string } => {
  const path = issue ? (v.getDotPath(issue) ?? 'body') : 'body';
  if (issue?.input === undefined && issue?.expected?.startsWith('"'))
    return { path, message: `${path} is required.` };
  if (issue?.expected === 'never') return { path, message: `Unknown field ${path}.` };
  return { path, message: `Invalid value for ${path}: ${issue?.message ?? 'invalid value'}.` };
};

/** Parses a JSON body or throws IBM's 400 naming the first offending field. */
const parseCaseBody = <S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> => {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'bad_request', 'The request body must be a JSON object.');
  const parsed = v.safeParse(schema, body);
  if (parsed.success) return parsed.output;
  const { path, message } = describeIssue(parsed.issues[0]);
  throw new ApiError(400, 'bad_request', message, { target: { name: path, type: 'field' } });
};

export type { CreateCaseBody, ResourceDoc, StatusBody, UserDoc };
export { CommentSchema, CreateCaseSchema, parseCaseBody, ResourceSchema, StatusSchema, WatchlistSchema };
