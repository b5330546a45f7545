// IBM Cloud resource names: `crn:v1:bluemix:public:<service>:<location>:a/<account>::<type>:<id>`.
// `readCrn` is the strict reading every event target passes at the edge (a valibot schema: version,
// cloud name and type, service, location, account shape, resource type, id shape); `parseCrn` only
// splits a CRN already trusted (one read back from IBM, or a stored record shown in a report).
import * as v from 'valibot';

interface Crn {
  service: string;
  /** A region (`us-south`), a zone (`us-south-1`), `global`, or empty for global services. */
  location: string;
  /** The location's region: VPC zones are their region plus a number. */
  region: string;
  account: string | undefined;
  type: string;
  id: string;
}

type CrnRead = { ok: true; crn: Crn & { account: string } } | { ok: false; reason: string };

/** `us-south-1` → `us-south`; regions and `global` stay as they are. */
const regionOf = (location: string): string => location.replace(/-\d+$/, '');

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const LOCATION = /^(?:|global|[a-z]{2}-[a-z]{2,12}(?:-[1-9])?)$/;
const ACCOUNT_SCOPE = /^a\/[0-9a-f]{32}$/;
const INSTANCE = /^[A-Za-z0-9_-]{0,128}$/;
// Letters, digits, `_` and `-` only: no `/`, `.`, `%` or `:` can make an id a path or a second segment.
const ID = /^(?:[A-Za-z0-9][A-Za-z0-9_-]{0,127})?$/;

const Segments = v.strictTuple(
  [
    v.literal('crn', 'not a CRN'),
    v.literal('v1', 'CRN version must be v1'),
    v.literal('bluemix', 'CRN cloud name must be bluemix'),
    v.literal('public', 'CRN cloud type must be public'),
    v.pipe(v.string(), v.regex(NAME, 'CRN service name is not a service name')),
    v.pipe(v.string(), v.regex(LOCATION, 'CRN location is not a region, zone or global')),
    v.pipe(v.string(), v.regex(ACCOUNT_SCOPE, 'CRN scope must be a/<32 lowercase hex> (an account)')),
    v.pipe(v.string(), v.regex(INSTANCE, 'CRN service instance has characters an id cannot have')),
    v.pipe(v.string(), v.regex(NAME, 'CRN resource type is not a resource type')),
    v.pipe(v.string(), v.regex(ID, 'CRN resource id has characters an id cannot have')),
  ],
  'a CRN has exactly 10 colon-separated segments',
);

const CrnSchema = v.pipe(
  v.string('a CRN is a string'),
  v.maxLength(512, 'CRN longer than 512 characters'),
  v.transform((text) => text.split(':')),
  Segments,
  v.transform(([, , , , service, location, scope, , type, id]) => ({
    service,
    location,
    region: regionOf(location),
    account: scope.slice(2),
    type,
    id,
  })),
);

/**
 * CrnSchema's segments as one expression (no segment pattern admits `:`, so it also means "exactly 10
 * segments"): a CRN it matches is one CrnSchema accepts, read without the schema's per-segment work.
 */
const WHOLE = new RegExp(
  `^crn:v1:bluemix:public:(${[NAME, LOCATION, ACCOUNT_SCOPE, INSTANCE, NAME, ID]
    .map((r) => r.source.slice(1, -1))
    .join('):(')})$`,
);

/** The strict reading: every segment checked; the reason names the first that is wrong. */
const readCrn = (text: unknown): CrnRead => {
  const m = typeof text === 'string' && text.length <= 512 ? WHOLE.exec(text) : null;
  if (m) {
    const [, service = '', location = '', scope = '', , type = '', id = ''] = m;
    return {
      ok: true,
      crn: { service, location, region: regionOf(location), account: scope.slice(2), type, id },
    };
  }
  const out = v.safeParse(CrnSchema, text);
  return out.success ? { ok: true, crn: out.output } : { ok: false, reason: out.issues[0].message };
};

/** Splits a CRN already trusted; undefined when it has too few segments to be one. */
const parseCrn = (crn: string): Crn | undefined => {
  const p = crn.split(':');
  if (p[0] !== 'crn' || p.length < 10) return undefined;
  const scope = p[6] ?? '';
  const location = p[5] ?? '';
  return {
    service: p[4] ?? '',
    location,
    region: regionOf(location),
    account: scope.startsWith('a/') && scope.length > 2 ? scope.slice(2) : undefined,
    type: p[8] ?? '',
    id: p.slice(9).join(':'),
  };
};

/**
 * `parseCrn(crn)?.account` without splitting the CRN (a bulk run asks it of 100,000 records): the
 * seventh segment when the CRN has at least ten and the first is `crn`.
 */
const accountOf = (crn: string): string | undefined => {
  if (!crn.startsWith('crn:')) return undefined;
  // `at` is the position of the n-th colon; the scope lies between the 6th and the 7th, and a 9th must exist.
  let at = 3;
  let scopeStart = 0;
  let scopeEnd = 0;
  for (let n = 2; n <= 9; n += 1) {
    at = crn.indexOf(':', at + 1);
    if (at < 0) return undefined;
    if (n === 6) scopeStart = at + 1;
    else if (n === 7) scopeEnd = at;
  }
  return scopeEnd - scopeStart > 2 && crn.startsWith('a/', scopeStart)
    ? crn.slice(scopeStart + 2, scopeEnd)
    : undefined;
};

export type { Crn, CrnRead };
export { accountOf, CrnSchema, parseCrn, readCrn, regionOf };
