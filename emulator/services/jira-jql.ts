// The JQL subset the Jira emulator understands: clauses joined by AND, each `field op value`, then an
// optional `ORDER BY created|key [ASC|DESC]`. Anything else is refused with a 400 naming the clause, so a
// sink that starts sending richer JQL learns it here rather than against a real site.
import { ApiError } from '../core/errors.ts';
import type { JiraIssueRec } from '../core/state.ts';

type Op = '=' | '!=' | 'in' | 'not in';

interface Clause {
  field: 'project' | 'labels' | 'status' | 'statuscategory' | 'key' | 'issuetype';
  op: Op;
  values: string[];
}

interface JqlQuery {
  clauses: Clause[];
  order: { field: 'created' | 'key'; dir: 'asc' | 'desc' } | undefined;
}

const FIELDS = new Set<string>(['project', 'labels', 'status', 'statuscategory', 'key', 'issuetype']);

const STATUS_CATEGORY: Record<string, string> = {
  'To Do': 'To Do',
  'In Progress': 'In Progress',
  Done: 'Done',
};

const jqlError = (message: string): ApiError =>
  new ApiError(400, 'bad_request', `Error in the JQL Query: ${message}`);

const unquote = (raw: string): string => {
  const t = raw.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))
    return t.slice(1, -1).replace(/\\(["'\\])/g, '$1');
  return t;
};

/** Splits on AND outside quotes and parentheses. */
const splitAnd = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (depth === 0 && /^\sAND\s/i.test(text.slice(i, i + 5))) {
      parts.push(text.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
};

const CLAUSE = /^([A-Za-z]+)\s*(=|!=|\bnot\s+in\b|\bin\b)\s*(.+)$/i;

const parseClause = (text: string): Clause => {
  if (/\sOR\s/i.test(text)) throw jqlError(`OR is not supported by the emulator ('${text}').`);
  const m = CLAUSE.exec(text);
  if (!m?.[1] || !m[2] || !m[3]) throw jqlError(`cannot parse the clause '${text}'.`);
  const field = m[1].toLowerCase();
  if (!FIELDS.has(field)) throw jqlError(`Field '${m[1]}' is not supported by the emulator.`);
  const op = m[2].toLowerCase().replace(/\s+/g, ' ') as Op;
  const rhs = m[3].trim();
  const values =
    op === 'in' || op === 'not in'
      ? rhs
          .replace(/^\(|\)$/g, '')
          .split(',')
          .map(unquote)
      : [unquote(rhs)];
  return { field: field as Clause['field'], op, values };
};

const parseJql = (jql: string): JqlQuery => {
  const text = jql.trim();
  const orderAt = text.search(/\sORDER\s+BY\s/i);
  const where = orderAt >= 0 ? text.slice(0, orderAt) : text;
  let order: JqlQuery['order'];
  if (orderAt >= 0) {
    const m = /ORDER\s+BY\s+(created|key)(?:\s+(ASC|DESC))?\s*$/i.exec(text.slice(orderAt));
    if (!m?.[1]) throw jqlError('only ORDER BY created|key [ASC|DESC] is supported by the emulator.');
    order = {
      field: m[1].toLowerCase() as 'created' | 'key',
      dir: (m[2] ?? 'ASC').toLowerCase() as 'asc' | 'desc',
    };
  }
  const clauses = where.trim() === '' ? [] : splitAnd(where).map(parseClause);
  return { clauses, order };
};

/** A bounded query restricts the search (Jira's enhanced search refuses unbounded JQL). */
const isBounded = (q: JqlQuery): boolean =>
  q.clauses.some((c) => (c.op === '=' || c.op === 'in') && ['project', 'key', 'labels'].includes(c.field));

const fieldValues = (issue: JiraIssueRec, field: Clause['field']): string[] => {
  switch (field) {
    case 'project':
      return [issue.project];
    case 'labels':
      return issue.labels;
    case 'status':
      return [issue.status];
    case 'statuscategory':
      return [STATUS_CATEGORY[issue.status] ?? 'To Do'];
    case 'key':
      return [issue.key];
    case 'issuetype':
      return [issue.issuetype];
  }
};

const matches = (issue: JiraIssueRec, c: Clause): boolean => {
  const have = fieldValues(issue, c.field).map((v) => v.toLowerCase());
  const hit = c.values.some((v) => have.includes(v.toLowerCase()));
  return c.op === '=' || c.op === 'in' ? hit : !hit;
};

const runJql = (issues: Iterable<JiraIssueRec>, q: JqlQuery): JiraIssueRec[] => {
  const rows = [...issues].filter((i) => q.clauses.every((c) => matches(i, c)));
  const dir = q.order?.dir === 'desc' ? -1 : 1;
  // Without ORDER BY Jira's order is unspecified; creation order is as good as any.
  return rows.sort((a, b) => dir * (a.seq - b.seq));
};

export type { JqlQuery };
export { isBounded, parseJql, runJql, STATUS_CATEGORY };
