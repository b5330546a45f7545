// ServiceNow encoded queries (`sysparm_query`): `^`-joined conditions plus ORDERBY/ORDERBYDESC.
// Only AND is supported; anything the emulator cannot evaluate is refused rather than ignored.
import { ApiError } from '../core/errors.ts';

type Operator =
  | 'ISNOTEMPTY'
  | 'ISEMPTY'
  | 'NOT IN'
  | 'IN'
  | 'NOT LIKE'
  | 'LIKE'
  | 'STARTSWITH'
  | 'ENDSWITH'
  | '!='
  | '>='
  | '<='
  | '='
  | '>'
  | '<';

/** Longest first, so `!=` is not read as `=` and `NOT IN` not as `IN`. */
const OPERATORS: readonly Operator[] = [
  'ISNOTEMPTY',
  'ISEMPTY',
  'NOT IN',
  'IN',
  'NOT LIKE',
  'LIKE',
  'STARTSWITH',
  'ENDSWITH',
  '!=',
  '>=',
  '<=',
  '=',
  '>',
  '<',
];

interface Condition {
  field: string;
  op: Operator;
  value: string;
}

interface Query {
  conditions: Condition[];
  order: { field: string; desc: boolean }[];
}

const invalid = (detail: string): ApiError => new ApiError(400, detail, 'Invalid query');

const parseCondition = (token: string, known: ReadonlySet<string>): Condition => {
  const m = /^([a-z_][a-z0-9_]*)(.*)$/s.exec(token);
  const field = m?.[1];
  const rest = m?.[2] ?? '';
  if (!field) throw invalid(`Cannot parse condition "${token}" in sysparm_query.`);
  if (rest.startsWith('.')) throw invalid(`Dot-walked field "${token}" is not supported by the emulator.`);
  if (!known.has(field)) throw invalid(`Unknown field "${field}" in sysparm_query.`);
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (!op) throw invalid(`Unsupported operator in condition "${token}".`);
  const value = rest.slice(op.length);
  if ((op === 'ISEMPTY' || op === 'ISNOTEMPTY') && value !== '')
    throw invalid(`${op} takes no value in "${token}".`);
  return { field, op, value };
};

const parseQuery = (raw: string | null, known: ReadonlySet<string>): Query => {
  const query: Query = { conditions: [], order: [] };
  if (!raw) return query;
  for (const token of raw.split('^')) {
    if (token === '' || token === 'EQ') continue;
    if (token.startsWith('ORDERBYDESC')) {
      const field = token.slice('ORDERBYDESC'.length);
      if (!known.has(field)) throw invalid(`Unknown field "${field}" in ORDERBYDESC.`);
      query.order.push({ field, desc: true });
    } else if (token.startsWith('ORDERBY')) {
      const field = token.slice('ORDERBY'.length);
      if (!known.has(field)) throw invalid(`Unknown field "${field}" in ORDERBY.`);
      query.order.push({ field, desc: false });
    } else if (token.startsWith('OR') || token.startsWith('NQ') || token.startsWith('RL')) {
      throw invalid(`The ^${token.slice(0, 2)} operator is not supported by the emulator; use AND (^) only.`);
    } else {
      query.conditions.push(parseCondition(token, known));
    }
  }
  return query;
};

const numeric = (s: string): number | undefined =>
  s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined;

/** Numbers compare as numbers, everything else case-insensitively (the instance database's collation). */
const compare = (a: string, b: string): number => {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== undefined && y !== undefined) return x - y;
  return a.toLowerCase().localeCompare(b.toLowerCase());
};

const holds = (c: Condition, actual: string): boolean => {
  const a = actual.toLowerCase();
  const v = c.value.toLowerCase();
  const list = (): string[] => v.split(',').map((s) => s.trim());
  switch (c.op) {
    case 'ISEMPTY':
      return actual === '';
    case 'ISNOTEMPTY':
      return actual !== '';
    case '=':
      return compare(actual, c.value) === 0;
    // Like SQL, a negative condition never matches an empty (NULL) field.
    case '!=':
      return actual !== '' && compare(actual, c.value) !== 0;
    case 'IN':
      return list().includes(a);
    case 'NOT IN':
      return actual !== '' && !list().includes(a);
    case 'LIKE':
      return a.includes(v);
    case 'NOT LIKE':
      return actual !== '' && !a.includes(v);
    case 'STARTSWITH':
      return a.startsWith(v);
    case 'ENDSWITH':
      return a.endsWith(v);
    case '>':
      return actual !== '' && compare(actual, c.value) > 0;
    case '>=':
      return actual !== '' && compare(actual, c.value) >= 0;
    case '<':
      return actual !== '' && compare(actual, c.value) < 0;
    case '<=':
      return actual !== '' && compare(actual, c.value) <= 0;
  }
};

/** Filters and orders records; `get` reads a field as the string the Table API would return. */
const runQuery = <R>(records: R[], query: Query, get: (r: R, field: string) => string): R[] => {
  const matched = records.filter((r) => query.conditions.every((c) => holds(c, get(r, c.field))));
  if (query.order.length === 0) return matched;
  return matched
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      for (const o of query.order) {
        const c = compare(get(x.r, o.field), get(y.r, o.field));
        if (c !== 0) return o.desc ? -c : c;
      }
      return x.i - y.i;
    })
    .map(({ r }) => r);
};

export type { Condition, Query };
export { parseQuery, runQuery };
