// Case Management `/case-management/v1/cases…`: create, list (offset paging), read, comment, status,
// resources and watchlist. Case changes emit no Activity Tracker event: imds-guard never reacts to them.
import type { Ctx, Reply, RouteDef, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { CaseRec } from '../core/state.ts';
import {
  CommentSchema,
  CreateCaseSchema,
  parseCaseBody,
  type ResourceDoc,
  ResourceSchema,
  type StatusBody,
  StatusSchema,
  type UserDoc,
  WatchlistSchema,
} from './case-input.ts';
import {
  type CaseField,
  type CaseStatus,
  type CaseUser,
  callerUser,
  fieldsParam,
  project,
  RESOLUTION_LABEL,
  renderCase,
  STATUS_LABEL,
  STATUSES,
  setExtras,
} from './case-render.ts';

const BASE = '/case-management/v1/cases';
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const SORTABLE: readonly CaseField[] = [
  'number',
  'short_description',
  'created_at',
  'updated_at',
  'status',
  'severity',
];

type Action = StatusBody['action'];
/** Which statuses each action may leave, and where it leads. */
const TRANSITIONS = {
  resolve: {
    from: ['new', 'in_progress', 'waiting_on_client', 'resolution_provided'],
    to: 'resolved',
  },
  unresolve: { from: ['resolved', 'resolution_provided'], to: 'in_progress' },
  accept: { from: ['resolution_provided'], to: 'resolved' },
} satisfies Record<Action, { from: CaseStatus[]; to: CaseStatus }>;

const bad = (message: string, name?: string): ApiError =>
  new ApiError(400, 'bad_request', message, name ? { target: { name, type: 'query' } } : {});

const findCase = (ctx: Ctx): CaseRec => {
  const number = ctx.params.case_number ?? '';
  const rec = ctx.state.cases.get(number);
  if (!rec) throw new ApiError(404, 'not_found', `Case ${number} was not found.`);
  return rec;
};

const touch = (ctx: Ctx, rec: CaseRec): CaseUser => {
  const by = callerUser(ctx);
  rec.updated_at = ctx.now.toISOString();
  rec.updated_by = by;
  return by;
};

const intQuery = (ctx: Ctx, name: string, min: number, max: number): number | undefined => {
  const raw = ctx.query.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw bad(`${name} must be an integer between ${min} and ${max}.`, name);
  return n;
};

/** The account's users, as the watchlist accepts them: user keys, by name or IAM id. */
const inAccount = (ctx: Ctx, u: UserDoc): boolean =>
  [...ctx.state.apiKeys.values()].some(
    (k) => k.kind === 'user' && (k.name.toLowerCase() === u.user_id.toLowerCase() || k.iam_id === u.user_id),
  );

const sameUser = (a: { realm: string; user_id: string }, b: UserDoc): boolean =>
  a.realm === b.realm && a.user_id.toLowerCase() === b.user_id.toLowerCase();

const resourceRecord = (r: ResourceDoc, path: string): CaseRec['resources'][number] => {
  if (!r.crn && (r.type === undefined || r.id === undefined))
    throw new ApiError(400, 'bad_request', `${path} needs a crn, or type and id for a classic device.`);
  return {
    ...(r.crn ? { crn: r.crn } : { crn: `${r.type}:${r.id}` }),
    ...(r.type ? { type: r.type } : {}),
    ...(r.note ? { note: r.note } : {}),
  };
};

const nextCaseNumber = (ctx: Ctx): string => {
  let n = 1_000_001 + ctx.state.cases.size;
  while (ctx.state.cases.has(`CS${n}`)) n += 1;
  return `CS${n}`;
};

const createCase = (ctx: Ctx): Reply => {
  const body = parseCaseBody(CreateCaseSchema, ctx.body);
  if (body.type === 'technical' && !body.offering)
    throw new ApiError(400, 'bad_request', 'offering is required for technical cases.');
  if (body.invoice_number !== undefined && body.type !== 'billing_and_invoice')
    throw new ApiError(400, 'bad_request', 'invoice_number is only accepted for billing_and_invoice cases.');
  const outsiders = (body.watchlist ?? []).filter((u) => !inAccount(ctx, u));
  if (outsiders.length > 0)
    throw new ApiError(
      400,
      'bad_request',
      `Watchlist users must be members of the account: ${outsiders.map((u) => u.user_id).join(', ')}.`,
    );
  const by = callerUser(ctx);
  const at = ctx.now.toISOString();
  const rec: CaseRec = {
    number: nextCaseNumber(ctx),
    short_description: body.subject,
    description: body.description,
    type: body.type,
    severity: body.severity ?? 4,
    status: 'new',
    created_at: at,
    created_by: by,
    updated_at: at,
    updated_by: by,
    ...(body.offering ? { offering: body.offering } : {}),
    resources: (body.resources ?? []).map((r, i) => resourceRecord(r, `resources[${i}]`)),
    watchlist: (body.watchlist ?? []).map((u) => ({ ...u })),
    comments: [],
    seq: ctx.state.nextSeq(),
  };
  ctx.state.cases.set(rec.number, rec);
  setExtras(rec, {
    ...(body.eu ? { eu: body.eu } : {}),
    ...(body.invoice_number ? { invoice_number: body.invoice_number } : {}),
  });
  return { status: 200, body: renderCase(rec) };
};

const sortParam = (ctx: Ctx): { field: CaseField; desc: boolean } => {
  const raw = ctx.query.get('sort') ?? '~updated_at';
  const desc = raw.startsWith('~');
  const field = SORTABLE.find((f) => f === (desc ? raw.slice(1) : raw));
  if (!field) throw bad(`sort must be one of ${SORTABLE.join(', ')}, optionally prefixed with ~.`, 'sort');
  return { field, desc };
};

const statusParam = (ctx: Ctx): CaseStatus[] | undefined => {
  const raw = ctx.query.get('status');
  if (raw === null) return undefined;
  return raw.split(',').map((s) => {
    const found = STATUSES.find((x) => x === s.trim());
    if (!found) throw bad(`Invalid status "${s}"; use one of ${STATUSES.join(', ')}.`, 'status');
    return found;
  });
};

/** Sorts by one rendered field (computed once per case); ties keep insertion order. */
const sortCases = (cases: CaseRec[], field: CaseField, desc: boolean): CaseRec[] =>
  cases
    .map((rec) => ({ rec, key: renderCase(rec)[field] }))
    .sort((a, b) => {
      let c =
        typeof a.key === 'number' && typeof b.key === 'number'
          ? a.key - b.key
          : String(a.key).localeCompare(String(b.key));
      if (c === 0) c = a.rec.seq - b.rec.seq;
      return desc ? -c : c;
    })
    .map(({ rec }) => rec);

const getCases = (ctx: Ctx): Reply => {
  const offset = intQuery(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = intQuery(ctx, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
  const { field, desc } = sortParam(ctx);
  const statuses = statusParam(ctx);
  const fields = fieldsParam(ctx);
  const search = ctx.query.get('search')?.toLowerCase();
  const matches = sortCases(
    [...ctx.state.cases.values()]
      .filter((c) => !statuses || statuses.includes(c.status))
      .filter(
        (c) =>
          !search ||
          c.short_description.toLowerCase().includes(search) ||
          c.description.toLowerCase().includes(search),
      ),
    field,
    desc,
  );
  const total = matches.length;
  const href = (o: number): { href: string } => {
    const q = new URLSearchParams(ctx.query);
    q.set('offset', String(o));
    q.set('limit', String(limit));
    return { href: `http://${ctx.headers.host ?? '127.0.0.1'}${BASE}?${q.toString()}` };
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  return {
    status: 200,
    body: {
      total_count: total,
      first: href(0),
      ...(offset + limit < total ? { next: href(offset + limit) } : {}),
      ...(offset > 0 ? { previous: href(Math.max(0, offset - limit)) } : {}),
      last: href(lastOffset),
      cases: matches.slice(offset, offset + limit).map((c) => project(renderCase(c), fields)),
    },
  };
};

const getCase = (ctx: Ctx): Reply => {
  const fields = fieldsParam(ctx);
  return { status: 200, body: project(renderCase(findCase(ctx)), fields) };
};

const addComment = (ctx: Ctx): Reply => {
  const rec = findCase(ctx);
  const { comment } = parseCaseBody(CommentSchema, ctx.body);
  if (rec.status === 'closed')
    throw new ApiError(400, 'bad_request', `Case ${rec.number} is closed; open a new case instead.`);
  const by = touch(ctx, rec);
  const added = { value: comment, added_at: rec.updated_at, added_by: by };
  rec.comments.push(added);
  return { status: 200, body: added };
};

const updateStatus = (ctx: Ctx): Reply => {
  const rec = findCase(ctx);
  const payload = parseCaseBody(StatusSchema, ctx.body);
  const rule = TRANSITIONS[payload.action];
  if (!(rule.from as readonly CaseStatus[]).includes(rec.status))
    throw new ApiError(
      400,
      'bad_request',
      `Cannot ${payload.action} case ${rec.number} in status ${STATUS_LABEL[rec.status]}.`,
    );
  const by = touch(ctx, rec);
  rec.status = rule.to;
  switch (payload.action) {
    case 'resolve':
      rec.resolution = RESOLUTION_LABEL[payload.resolution_code] ?? String(payload.resolution_code);
      rec.close_notes = payload.comment ?? '';
      break;
    case 'unresolve':
      delete rec.resolution;
      delete rec.close_notes;
      break;
    case 'accept':
      break;
  }
  if (payload.comment) rec.comments.push({ value: payload.comment, added_at: rec.updated_at, added_by: by });
  return { status: 200, body: renderCase(rec) };
};

const addResource = (ctx: Ctx): Reply => {
  const rec = findCase(ctx);
  // The SDK sends the ResourcePayload fields at the top level of the body.
  const body = parseCaseBody(ResourceSchema, ctx.body);
  const resource = resourceRecord(body, 'body');
  touch(ctx, rec);
  rec.resources.push(resource);
  return { status: 200, body: resource };
};

const addWatchlist = (ctx: Ctx): Reply => {
  const rec = findCase(ctx);
  const { watchlist } = parseCaseBody(WatchlistSchema, ctx.body);
  const added: UserDoc[] = [];
  const failed: UserDoc[] = [];
  for (const u of watchlist) {
    if (!inAccount(ctx, u)) {
      failed.push(u);
      continue;
    }
    const list = rec.watchlist as UserDoc[];
    if (!list.some((w) => sameUser(w, u))) list.push({ ...u });
    added.push(u);
  }
  if (added.length > 0) touch(ctx, rec);
  return { status: 200, body: { added, failed } };
};

const removeWatchlist = (ctx: Ctx): Reply => {
  const rec = findCase(ctx);
  const { watchlist } = parseCaseBody(WatchlistSchema, ctx.body);
  const before = rec.watchlist.length;
  rec.watchlist = (rec.watchlist as UserDoc[]).filter((w) => !watchlist.some((u) => sameUser(w, u)));
  if (rec.watchlist.length !== before) touch(ctx, rec);
  return { status: 200, body: { watchlist: rec.watchlist } };
};

const caseManagementRoutes: RouteModule = (add) => {
  const read = { service: 'case-management', permission: { service: 'support', role: 'Viewer' } } as const;
  const write = { service: 'case-management', permission: { service: 'support', role: 'Editor' } } as const;
  const routes: RouteDef[] = [
    { ...read, method: 'GET', path: BASE, handler: getCases },
    { ...write, method: 'POST', path: BASE, handler: createCase },
    { ...read, method: 'GET', path: `${BASE}/:case_number`, handler: getCase },
    { ...write, method: 'PUT', path: `${BASE}/:case_number/status`, handler: updateStatus },
    { ...write, method: 'PUT', path: `${BASE}/:case_number/comments`, handler: addComment },
    { ...write, method: 'PUT', path: `${BASE}/:case_number/watchlist`, handler: addWatchlist },
    { ...write, method: 'DELETE', path: `${BASE}/:case_number/watchlist`, handler: removeWatchlist },
    { ...write, method: 'PUT', path: `${BASE}/:case_number/resources`, handler: addResource },
  ];
  for (const r of routes) add(r);
};

export { caseManagementRoutes };
