// A minimal Jira Cloud platform REST v3: enhanced JQL search (`POST /rest/api/3/search/jql`), create
// issue, add comment, list and do transitions — what a ticket sink needs. HTTP Basic with an Atlassian
// account email and API token; descriptions and comments must be ADF; the old `/rest/api/3/search` is
// gone (410), as it is on Jira Cloud since 2025. One simplified workflow: To Do → In Progress → Done.
import type { Ctx, Reply, RouteDef, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { EmulatorState, JiraIssueRec } from '../core/state.ts';
import { requireAdf } from './jira-adf.ts';
import { isBounded, parseJql, runJql } from './jira-jql.ts';

const API = '/rest/api/3';
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const SEARCH_KEYS = new Set([
  'jql',
  'nextPageToken',
  'maxResults',
  'fields',
  'expand',
  'properties',
  'fieldsByKeys',
  'failFast',
  'reconcileIssues',
]);
const CREATE_FIELDS = new Set(['project', 'issuetype', 'summary', 'description', 'labels', 'priority']);

/** The simplified workflow: status → its category, and the transitions every issue offers (ids as Jira's defaults). */
const STATUSES = {
  'To Do': { id: '10000', category: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' } },
  'In Progress': {
    id: '10001',
    category: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  },
  Done: { id: '10002', category: { id: 3, key: 'done', colorName: 'green', name: 'Done' } },
} as const;
type StatusName = keyof typeof STATUSES;
const TRANSITIONS: { id: string; name: string; to: StatusName }[] = [
  { id: '11', name: 'To Do', to: 'To Do' },
  { id: '21', name: 'In Progress', to: 'In Progress' },
  { id: '31', name: 'Done', to: 'Done' },
];

type Handler = (ctx: Ctx, user: string) => Reply;

const UNAUTHENTICATED: Reply = {
  status: 401,
  headers: { 'WWW-Authenticate': 'Basic realm="protected-area"' },
  body: { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} },
};

const basicUser = (ctx: Ctx): string | undefined => {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(ctx.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const email = decoded.slice(0, colon);
  const token = ctx.state.jiraUsers.get(email);
  return token !== undefined && token === decoded.slice(colon + 1) ? email : undefined;
};

const authed =
  (handler: Handler) =>
  (ctx: Ctx): Reply => {
    const user = basicUser(ctx);
    return user === undefined ? UNAUTHENTICATED : handler(ctx, user);
  };

const origin = (ctx: Ctx): string => `http://${ctx.headers.host ?? '127.0.0.1'}`;

/** Jira's timestamp shape: `2026-05-01T10:00:00.000+0000`. */
const jiraTime = (d: Date): string => d.toISOString().replace('Z', '+0000');

const fieldError = (field: string, message: string): ApiError =>
  new ApiError(400, 'bad_request', message, { target: { name: field, type: 'field' } });

const payloadError = (): ApiError =>
  new ApiError(
    400,
    'bad_request',
    'Invalid request payload. Refer to the REST API documentation and try again.',
  );

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const findIssue = (state: EmulatorState, idOrKey: string): JiraIssueRec => {
  const hit = state.jiraIssues.get(idOrKey) ?? [...state.jiraIssues.values()].find((i) => i.id === idOrKey);
  if (!hit)
    throw new ApiError(404, 'not_found', 'Issue does not exist or you do not have permission to see it.');
  return hit;
};

const renderStatus = (ctx: Ctx, name: string) => {
  const s = STATUSES[name as StatusName] ?? STATUSES['To Do'];
  return {
    self: `${origin(ctx)}${API}/status/${s.id}`,
    id: s.id,
    name,
    statusCategory: { self: `${origin(ctx)}${API}/statuscategory/${s.category.id}`, ...s.category },
  };
};

const renderComment = (ctx: Ctx, issue: JiraIssueRec, c: JiraIssueRec['comments'][number]) => ({
  self: `${origin(ctx)}${API}/issue/${issue.id}/comment/${c.id}`,
  id: c.id,
  author: { emailAddress: c.author, displayName: c.author, active: true },
  body: c.body,
  created: c.created,
  updated: c.created,
});

const ALL_FIELDS = [
  'summary',
  'status',
  'created',
  'updated',
  'labels',
  'description',
  'comment',
  'issuetype',
  'priority',
  'project',
];

const renderFields = (ctx: Ctx, issue: JiraIssueRec, wanted: string[]): Record<string, unknown> => {
  const all: Record<string, () => unknown> = {
    summary: () => issue.summary,
    status: () => renderStatus(ctx, issue.status),
    created: () => issue.created,
    updated: () => issue.updated,
    labels: () => issue.labels,
    description: () => issue.description ?? null,
    comment: () => ({
      comments: issue.comments.map((c) => renderComment(ctx, issue, c)),
      self: `${origin(ctx)}${API}/issue/${issue.id}/comment`,
      maxResults: issue.comments.length,
      total: issue.comments.length,
      startAt: 0,
    }),
    issuetype: () => ({ name: issue.issuetype }),
    priority: () => ({ name: issue.priority }),
    project: () => ({ key: issue.project, name: ctx.state.jiraProjects.get(issue.project)?.name }),
  };
  const names = wanted.includes('*all') ? ALL_FIELDS : wanted;
  return Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]?.()]));
};

const renderIssue = (ctx: Ctx, issue: JiraIssueRec, fields: string[]) => ({
  expand: '',
  id: issue.id,
  self: `${origin(ctx)}${API}/issue/${issue.id}`,
  key: issue.key,
  ...(fields.length > 0 ? { fields: renderFields(ctx, issue, fields) } : {}),
});

const searchBody = (body: unknown) => {
  if (!isObject(body) || Object.keys(body).some((k) => !SEARCH_KEYS.has(k))) throw payloadError();
  const { jql, maxResults, nextPageToken, fields } = body;
  if (typeof jql !== 'string') throw payloadError();
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || (maxResults as number) < 0))
    throw payloadError();
  if (fields !== undefined && (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string')))
    throw payloadError();
  if (nextPageToken !== undefined && typeof nextPageToken !== 'string') throw payloadError();
  return {
    jql,
    maxResults: (maxResults as number | undefined) ?? 50,
    nextPageToken,
    fields: (fields as string[] | undefined) ?? [],
  };
};

const search: Handler = (ctx) => {
  const req = searchBody(ctx.body);
  const query = parseJql(req.jql);
  if (!isBounded(query))
    throw new ApiError(
      400,
      'bad_request',
      'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
    );
  const rows = runJql(ctx.state.jiraIssues.values(), query);
  // With fields beyond the id a page holds at most 100 issues, whatever maxResults asked for.
  const limit = Math.min(req.maxResults || 50, req.fields.length > 0 ? 100 : 5000);
  const offset = req.nextPageToken ? Number(Buffer.from(req.nextPageToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw payloadError();
  const page = rows.slice(offset, offset + limit);
  const more = offset + limit < rows.length;
  return {
    status: 200,
    body: {
      issues: page.map((i) => renderIssue(ctx, i, req.fields)),
      ...(more ? { nextPageToken: Buffer.from(String(offset + limit)).toString('base64url') } : {}),
      isLast: !more,
    },
  };
};

const checkLabels = (labels: unknown): string[] => {
  if (labels === undefined) return [];
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))
    throw fieldError('labels', 'Labels must be a list of text values.');
  for (const l of labels as string[]) {
    if (/\s/.test(l)) throw fieldError('labels', `The label '${l}' contains spaces which is invalid.`);
    if (l.length === 0 || l.length > 255)
      throw fieldError('labels', 'The label must be between 1 and 255 characters.');
  }
  return labels as string[];
};

const refName = (x: unknown): string | undefined =>
  isObject(x) ? ((x.key ?? x.name ?? x.id) as string | undefined) : undefined;

const createIssue: Handler = (ctx) => {
  const fields = isObject(ctx.body) && isObject(ctx.body.fields) ? ctx.body.fields : undefined;
  if (!fields) throw payloadError();
  for (const k of Object.keys(fields))
    if (!CREATE_FIELDS.has(k))
      throw fieldError(k, `Field '${k}' cannot be set. It is not on the appropriate screen, or unknown.`);
  const pref = refName(fields.project);
  const project = [...ctx.state.jiraProjects.values()].find((p) => p.key === pref || p.id === pref);
  if (!project) throw fieldError('project', 'valid project is required');
  const type = refName(fields.issuetype);
  if (!type || !project.issue_types.includes(type)) throw fieldError('issuetype', 'Specify an issue type');
  const summary = fields.summary;
  if (typeof summary !== 'string' || summary.trim() === '')
    throw fieldError('summary', 'You must specify a summary of the issue.');
  if (summary.length > 255) throw fieldError('summary', 'Summary must be less than 255 characters.');
  if (/[\r\n]/.test(summary))
    throw fieldError('summary', 'The summary is invalid because it contains newline characters.');
  if (fields.description !== undefined) requireAdf(fields.description, 'description');
  const labels = checkLabels(fields.labels);
  const priority = fields.priority === undefined ? 'Medium' : refName(fields.priority);
  if (!priority || !PRIORITIES.includes(priority))
    throw fieldError('priority', "Specify a valid 'id' or 'name' for Priority");
  const seq = ctx.state.nextSeq();
  const key = `${project.key}-${project.next}`;
  project.next += 1;
  const now = jiraTime(ctx.now);
  const issue: JiraIssueRec = {
    id: String(10_000 + seq),
    key,
    project: project.key,
    issuetype: type,
    summary,
    description: fields.description ?? null,
    labels,
    priority,
    status: 'To Do',
    created: now,
    updated: now,
    comments: [],
    seq,
  };
  ctx.state.jiraIssues.set(key, issue);
  return {
    status: 201,
    body: { id: issue.id, key, self: `${origin(ctx)}${API}/issue/${issue.id}` },
  };
};

const addComment: Handler = (ctx, user) => {
  const issue = findIssue(ctx.state, ctx.params.key ?? '');
  const body = isObject(ctx.body) ? ctx.body.body : undefined;
  if (body === undefined) throw fieldError('comment', 'Comment body can not be empty!');
  requireAdf(body, 'comment');
  const c = { id: String(20_000 + ctx.state.nextSeq()), body, created: jiraTime(ctx.now), author: user };
  issue.comments.push(c);
  issue.updated = c.created;
  return { status: 201, body: renderComment(ctx, issue, c) };
};

const listTransitions: Handler = (ctx) => {
  findIssue(ctx.state, ctx.params.key ?? '');
  return {
    status: 200,
    body: {
      expand: 'transitions',
      transitions: TRANSITIONS.map((t) => ({
        id: t.id,
        name: t.name,
        to: renderStatus(ctx, t.to),
        hasScreen: false,
        isGlobal: true,
        isInitial: false,
        isAvailable: true,
        isConditional: false,
        isLooped: false,
      })),
    },
  };
};

const doTransition: Handler = (ctx) => {
  const issue = findIssue(ctx.state, ctx.params.key ?? '');
  const t = isObject(ctx.body) && isObject(ctx.body.transition) ? ctx.body.transition : undefined;
  const id = t ? String(t.id ?? '') : '';
  const transition = TRANSITIONS.find((x) => x.id === id);
  if (!transition)
    throw new ApiError(400, 'bad_request', `Transition id '${id}' is not valid for this issue.`);
  issue.status = transition.to;
  issue.updated = jiraTime(ctx.now);
  return { status: 204 };
};

const removedSearch = (): Reply => ({
  status: 410,
  body: {
    errorMessages: [
      'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
    ],
    errors: {},
  },
});

/** `GET /rest/api/3/project/{key}`: a read any sink user can make (imds-guard doctor's reachability check). */
const getProject: Handler = (ctx) => {
  const key = ctx.params.key ?? '';
  const p = ctx.state.jiraProjects.get(key);
  if (!p)
    return {
      status: 404,
      body: { errorMessages: [`No project could be found with key '${key}'.`], errors: {} },
    };
  return {
    status: 200,
    body: {
      self: `${origin(ctx)}${API}/project/${p.id}`,
      id: p.id,
      key: p.key,
      name: p.name,
      projectTypeKey: 'software',
      simplified: false,
      style: 'classic',
      issueTypes: p.issue_types.map((name, i) => ({ id: String(10_001 + i), name, subtask: false })),
    },
  };
};

const jiraRoutes: RouteModule = (add) => {
  const base = { service: 'jira', auth: false } as const;
  const routes: RouteDef[] = [
    { ...base, method: 'POST', path: `${API}/search/jql`, handler: authed(search) },
    { ...base, method: 'GET', path: `${API}/search`, handler: authed(removedSearch) },
    { ...base, method: 'POST', path: `${API}/search`, handler: authed(removedSearch) },
    { ...base, method: 'POST', path: `${API}/issue`, handler: authed(createIssue) },
    { ...base, method: 'POST', path: `${API}/issue/:key/comment`, handler: authed(addComment) },
    { ...base, method: 'GET', path: `${API}/issue/:key/transitions`, handler: authed(listTransitions) },
    { ...base, method: 'POST', path: `${API}/issue/:key/transitions`, handler: authed(doTransition) },
    { ...base, method: 'GET', path: `${API}/project/:key`, handler: authed(getProject) },
  ];
  for (const r of routes) add(r);
};

export { jiraRoutes, jiraTime };
