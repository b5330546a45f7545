// Case records → IBM's `Case` JSON: status labels, field projection, and the data CaseRec does not carry.
import type { Ctx } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { CaseRec } from '../core/state.ts';

type CaseStatus = CaseRec['status'];
type CaseUser = CaseRec['created_by'];

const STATUSES: readonly CaseStatus[] = [
  'new',
  'in_progress',
  'waiting_on_client',
  'resolution_provided',
  'resolved',
  'closed',
];

/** Responses carry display labels (IBM's SDK integration test expects `Resolved`, `In Progress`). */
const STATUS_LABEL = {
  new: 'New',
  in_progress: 'In Progress',
  waiting_on_client: 'Waiting on Client',
  resolution_provided: 'Resolution Provided',
  resolved: 'Resolved',
  closed: 'Closed',
} satisfies Record<CaseStatus, string>;

/** ResolvePayload.resolution_code in the SDK. */
const RESOLUTION_LABEL: Record<number, string> = {
  1: 'Client error',
  2: 'Defect found with Component/Service',
  3: 'Documentation Error',
  4: 'Solution found in forums',
  5: 'Solution found in public Documentation',
  6: 'Solution no longer required',
  7: 'Solution provided by IBM outside of support case',
  8: 'Solution provided by IBM support engineer',
};

const CASE_FIELDS = [
  'number',
  'short_description',
  'description',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
  'contact',
  'contact_type',
  'status',
  'severity',
  'support_tier',
  'resolution',
  'close_notes',
  'invoice_number',
  'agent_close_only',
  'eu',
  'watchlist',
  'attachments',
  'resources',
  'comments',
  'offering',
] as const;
type CaseField = (typeof CASE_FIELDS)[number];

/** Creation-time data that CaseRec has no slot for; keyed by record so a reset drops it. */
interface CaseExtras {
  eu?: { supported?: boolean; data_center?: number };
  invoice_number?: string;
}
const extras = new WeakMap<CaseRec, CaseExtras>();

const setExtras = (rec: CaseRec, x: CaseExtras): void => {
  extras.set(rec, x);
};

const renderCase = (rec: CaseRec): Record<string, unknown> => {
  const x = extras.get(rec) ?? {};
  const full: Record<CaseField, unknown> = {
    number: rec.number,
    short_description: rec.short_description,
    description: rec.description,
    created_at: rec.created_at,
    created_by: rec.created_by,
    updated_at: rec.updated_at,
    updated_by: rec.updated_by,
    contact: rec.created_by,
    contact_type: 'Cloud Support Center',
    status: STATUS_LABEL[rec.status],
    severity: rec.severity,
    support_tier: 'Basic',
    resolution: rec.resolution,
    close_notes: rec.close_notes,
    invoice_number: x.invoice_number,
    agent_close_only: false,
    eu: {
      support: x.eu?.supported ?? false,
      ...(x.eu?.data_center !== undefined ? { data_center: String(x.eu.data_center) } : {}),
    },
    watchlist: rec.watchlist,
    attachments: [],
    resources: rec.resources,
    comments: rec.comments,
    offering: rec.offering,
  };
  return Object.fromEntries(Object.entries(full).filter(([, value]) => value !== undefined));
};

/** The `fields` query parameter (comma-joined by the SDK): unknown names are a 400. */
const fieldsParam = (ctx: Ctx): CaseField[] | undefined => {
  const raw = ctx.query.get('fields');
  if (raw === null) return undefined;
  return raw.split(',').map((f) => {
    const found = CASE_FIELDS.find((x) => x === f.trim());
    if (!found)
      throw new ApiError(400, 'bad_request', `Invalid field "${f}" in fields.`, {
        target: { name: 'fields', type: 'query' },
      });
    return found;
  });
};

const project = (
  rendered: Record<string, unknown>,
  fields: CaseField[] | undefined,
): Record<string, unknown> =>
  fields ? Object.fromEntries(fields.filter((f) => f in rendered).map((f) => [f, rendered[f]])) : rendered;

/** Who a key is in a case: users by IBMid, service ids and profiles by IAM id. */
const callerUser = (ctx: Ctx): CaseUser => {
  const c = ctx.caller;
  if (!c) return { name: 'anonymous', realm: 'IBMid', user_id: 'anonymous' };
  return c.kind === 'user'
    ? { name: c.name, realm: 'IBMid', user_id: c.name }
    : { name: c.name, realm: 'IAM', user_id: c.iam_id };
};

export type { CaseField, CaseStatus, CaseUser };
export {
  CASE_FIELDS,
  callerUser,
  fieldsParam,
  project,
  RESOLUTION_LABEL,
  renderCase,
  STATUS_LABEL,
  STATUSES,
  setExtras,
};
