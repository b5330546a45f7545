// A minimal ServiceNow Table API (`/api/now/table/incident`, read-only `sys_journal_field`): what a ticket
// sink needs. HTTP Basic against the scenario's ServiceNow users; bodies wrapped in `{result}`.
import type { Ctx, Reply, RouteDef, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { IncidentRec } from '../core/state.ts';
import { parseQuery, runQuery } from './servicenow-query.ts';
import {
  allJournal,
  applyWrite,
  createIncident,
  INCIDENT_FIELDS,
  incidentValue,
  JOURNAL_FIELDS,
  journalValue,
  renderIncident,
  renderJournal,
} from './servicenow-record.ts';

const TABLE = '/api/now/table';
const DEFAULT_LIMIT = 10_000;

type Handler = (ctx: Ctx, user: string) => Reply;

const UNAUTHENTICATED: Reply = {
  status: 401,
  headers: { 'WWW-Authenticate': 'BASIC realm="Service-now"' },
  body: {
    error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
    status: 'failure',
  },
};

/** Basic auth only: OAuth bearer tokens are not accepted by this emulated instance. */
const basicUser = (ctx: Ctx): string | undefined => {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(ctx.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const password = ctx.state.servicenowUsers.get(user);
  return password !== undefined && password === decoded.slice(colon + 1) ? user : undefined;
};

const authed =
  (handler: Handler) =>
  (ctx: Ctx): Reply => {
    const user = basicUser(ctx);
    return user === undefined ? UNAUTHENTICATED : handler(ctx, user);
  };

const origin = (ctx: Ctx): string => `http://${ctx.headers.host ?? '127.0.0.1'}`;

const intParam = (ctx: Ctx, name: string, min: number, max: number): number | undefined => {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ApiError(
      400,
      `${name} must be an integer between ${min} and ${max}.`,
      'Invalid request parameter',
    );
  return n;
};

const fieldsParam = (ctx: Ctx): string[] | undefined => {
  const raw = ctx.query.get('sysparm_fields');
  return raw ? raw.split(',').map((f) => f.trim()) : undefined;
};

const referenceLinks = (ctx: Ctx): boolean => ctx.query.get('sysparm_exclude_reference_link') !== 'true';

const checkDisplayValue = (ctx: Ctx): void => {
  const dv = ctx.query.get('sysparm_display_value');
  if (dv !== null && dv !== 'false')
    throw new ApiError(
      400,
      'sysparm_display_value=true|all is not supported by the emulator.',
      'Invalid request parameter',
    );
};

/** Pages a list and answers with X-Total-Count and the Link header the Table API sends. */
const listReply = <R>(ctx: Ctx, rows: R[], render: (r: R) => unknown): Reply => {
  const limit = intParam(ctx, 'sysparm_limit', 1, DEFAULT_LIMIT) ?? DEFAULT_LIMIT;
  const offset = intParam(ctx, 'sysparm_offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const total = rows.length;
  const link = (rel: string, o: number): string => {
    const q = new URLSearchParams(ctx.query);
    q.set('sysparm_limit', String(limit));
    q.set('sysparm_offset', String(o));
    return `<${origin(ctx)}${ctx.path}?${q.toString()}>;rel="${rel}"`;
  };
  const links = [
    link('first', 0),
    ...(offset > 0 ? [link('prev', Math.max(0, offset - limit))] : []),
    ...(offset + limit < total ? [link('next', offset + limit)] : []),
    link('last', total === 0 ? 0 : Math.floor((total - 1) / limit) * limit),
  ];
  const headers: Record<string, string> = { 'X-Total-Count': String(total) };
  if (ctx.query.get('sysparm_suppress_pagination_header') !== 'true') headers.Link = links.join(',');
  return { status: 200, headers, body: { result: rows.slice(offset, offset + limit).map(render) } };
};

const renderOpts = (ctx: Ctx) => ({
  origin: origin(ctx),
  fields: fieldsParam(ctx),
  referenceLinks: referenceLinks(ctx),
});

const findIncident = (ctx: Ctx): IncidentRec => {
  const rec = ctx.state.incidents.get(ctx.params.sys_id ?? '');
  if (!rec)
    throw new ApiError(404, "Record doesn't exist or ACL restricts the record retrieval", 'No Record found');
  return rec;
};

const listIncidents: Handler = (ctx) => {
  checkDisplayValue(ctx);
  const query = parseQuery(ctx.query.get('sysparm_query'), INCIDENT_FIELDS);
  const rows = runQuery(
    [...ctx.state.incidents.values()].sort((a, b) => a.seq - b.seq),
    query,
    incidentValue,
  );
  const opts = renderOpts(ctx);
  return listReply(ctx, rows, (r) => renderIncident(r, opts));
};

const getIncident: Handler = (ctx) => {
  checkDisplayValue(ctx);
  return { status: 200, body: { result: renderIncident(findIncident(ctx), renderOpts(ctx)) } };
};

const postIncident: Handler = (ctx, user) => {
  checkDisplayValue(ctx);
  const rec = createIncident(ctx.state, ctx.body, user, ctx.now);
  return {
    status: 201,
    headers: { Location: `${origin(ctx)}${TABLE}/incident/${rec.sys_id}` },
    body: { result: renderIncident(rec, renderOpts(ctx)) },
  };
};

// PUT and PATCH both update only the fields sent.
const updateIncident: Handler = (ctx, user) => {
  checkDisplayValue(ctx);
  const rec = findIncident(ctx);
  applyWrite(ctx.state, rec, ctx.body, user, ctx.now, false);
  return { status: 200, body: { result: renderIncident(rec, renderOpts(ctx)) } };
};

const listJournal: Handler = (ctx) => {
  checkDisplayValue(ctx);
  const query = parseQuery(ctx.query.get('sysparm_query'), JOURNAL_FIELDS);
  const fields = fieldsParam(ctx);
  return listReply(ctx, runQuery(allJournal(ctx.state), query, journalValue), (r) =>
    renderJournal(r, fields),
  );
};

const getJournal: Handler = (ctx) => {
  checkDisplayValue(ctx);
  const row = allJournal(ctx.state).find((r) => r.sys_id === ctx.params.sys_id);
  if (!row)
    throw new ApiError(404, "Record doesn't exist or ACL restricts the record retrieval", 'No Record found');
  return { status: 200, body: { result: renderJournal(row, fieldsParam(ctx)) } };
};

const invalidTable: Handler = (ctx) => ({
  status: 400,
  body: { error: { message: `Invalid table ${ctx.params.table ?? ''}`, detail: null }, status: 'failure' },
});

const servicenowRoutes: RouteModule = (add) => {
  const base = { service: 'servicenow', auth: false } as const;
  const routes: RouteDef[] = [
    { ...base, method: 'GET', path: `${TABLE}/incident`, handler: authed(listIncidents) },
    { ...base, method: 'POST', path: `${TABLE}/incident`, handler: authed(postIncident) },
    { ...base, method: 'GET', path: `${TABLE}/incident/:sys_id`, handler: authed(getIncident) },
    { ...base, method: 'PATCH', path: `${TABLE}/incident/:sys_id`, handler: authed(updateIncident) },
    { ...base, method: 'PUT', path: `${TABLE}/incident/:sys_id`, handler: authed(updateIncident) },
    { ...base, method: 'GET', path: `${TABLE}/sys_journal_field`, handler: authed(listJournal) },
    { ...base, method: 'GET', path: `${TABLE}/sys_journal_field/:sys_id`, handler: authed(getJournal) },
    { ...base, method: 'GET', path: `${TABLE}/:table`, handler: authed(invalidTable) },
    { ...base, method: 'POST', path: `${TABLE}/:table`, handler: authed(invalidTable) },
    { ...base, method: 'GET', path: `${TABLE}/:table/:sys_id`, handler: authed(invalidTable) },
    { ...base, method: 'PATCH', path: `${TABLE}/:table/:sys_id`, handler: authed(invalidTable) },
    { ...base, method: 'PUT', path: `${TABLE}/:table/:sys_id`, handler: authed(invalidTable) },
  ];
  for (const r of routes) add(r);
};

export { servicenowRoutes };
