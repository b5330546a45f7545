// The Activity Tracker event at the edge (events-and-code-engine.md §1): parse leniently, decide strictly.
// IBM's own samples drift (string booleans, JSON-string requestData, legacy payload/meta wrappers,
// five eventTime spellings), so only `action` is required and drifting informational fields are coerced.
import * as v from 'valibot';

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

// `2026-09-01T10:15:42.18+0000`, `…16.7+0000`, `…40.325+0000`, `…Z`, `…-06:00`, `…+00:00`, no fraction.
const EVENT_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,12}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** IBM's AT `eventTime` (any fraction length, `Z`, `±hhmm` or `±hh:mm`) → Date; undefined when not a time. */
const parseEventTime = (text: string): Date | undefined => {
  const m = EVENT_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2026-02-31 over to March: refuse instead of guessing.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  // No zone at all: IBM documents eventTime as UTC.
  const sign = m[9] === '-' ? -1 : 1;
  const offH = Number(m[10] ?? 0);
  const offM = Number(m[11] ?? 0);
  if (offH > 23 || offM > 59) return undefined;
  return new Date(utc - sign * (offH * 60 + offM) * 60_000);
};

/** `requestData`/`responseData`: null, an object, or (legacy/internal samples) a JSON string of one. */
const toDataObject = (x: unknown): Record<string, unknown> | null | undefined => {
  if (x === undefined) return undefined;
  if (isRecord(x)) return x;
  if (typeof x === 'string') {
    try {
      const parsed: unknown = JSON.parse(x);
      return isRecord(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
};

/** `dataEvent: "true"` and `saveServiceCopy` drift to strings in internal samples. */
const toBoolean = (x: unknown): boolean | undefined => {
  if (typeof x === 'boolean') return x;
  if (typeof x === 'string' && /^(true|false)$/i.test(x.trim())) return x.trim().toLowerCase() === 'true';
  return undefined;
};

/** `reason.reasonCode: "200"` in internal samples. */
const toNumber = (x: unknown): number | undefined => {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  if (typeof x === 'string' && /^\s*\d{1,4}\s*$/.test(x)) return Number(x);
  return undefined;
};

const OptString = v.optional(v.string());
const DataField = v.optional(v.pipe(v.unknown(), v.transform(toDataObject)));
const LenientBoolean = v.optional(v.pipe(v.unknown(), v.transform(toBoolean)));
const LenientNumber = v.optional(v.pipe(v.unknown(), v.transform(toNumber)));

/** `service.object.verb`; VPC services have two parts (`is.instance.instance.create`). */
const ACTION = /^[a-z0-9][\w-]*(?:\.[a-z0-9][\w-]*){2,}$/i;

const Initiator = v.looseObject({
  id: OptString,
  name: OptString,
  typeURI: OptString,
  authnId: OptString,
  authnName: OptString,
  credential: v.optional(v.looseObject({ type: OptString })),
  host: v.optional(v.looseObject({ address: OptString, addressType: OptString, agent: OptString })),
});

const Target = v.looseObject({
  id: OptString,
  name: OptString,
  alias: OptString,
  typeURI: OptString,
  resourceGroupId: OptString,
  host: v.optional(v.looseObject({ address: OptString })),
});

const Reason = v.looseObject({
  reasonCode: LenientNumber,
  reasonType: OptString,
  reasonForFailure: OptString,
});

/** Pre-2021 `{payload: {...}, meta: {...}}`: the event is `payload`; `logSourceCRN`/`saveServiceCopy`/`meta` sit outside. */
const unwrapLegacy = (input: unknown): unknown => {
  if (!isRecord(input) || typeof input.action === 'string' || !isRecord(input.payload)) return input;
  const { payload, ...outer } = input;
  return { ...outer, ...payload };
};

const AtEventSchema = v.pipe(
  v.unknown(),
  v.transform(unwrapLegacy),
  v.looseObject({
    action: v.pipe(v.string(), v.trim(), v.regex(ACTION, 'action must look like service.object.verb')),
    eventTime: OptString,
    outcome: OptString,
    message: OptString,
    severity: OptString,
    id: OptString,
    correlationId: OptString,
    dataEvent: LenientBoolean,
    logSourceCRN: OptString,
    saveServiceCopy: LenientBoolean,
    observer: v.optional(v.looseObject({ name: OptString })),
    initiator: v.optional(Initiator),
    target: v.optional(Target),
    reason: v.optional(Reason),
    requestData: DataField,
    responseData: DataField,
  }),
);

type AtEvent = v.InferOutput<typeof AtEventSchema>;

type AtEventResult = { ok: true; event: AtEvent; legacy: boolean } | { ok: false; reason: string };

const describeIssues = (issues: readonly v.BaseIssue<unknown>[]): string =>
  issues
    .slice(0, 3)
    .map((issue) => `${v.getDotPath(issue) ?? 'event'}: ${issue.message}`)
    .join('; ');

// ---- The same parse, hand-written for the hot path ---------------------------------------------------
// AtEventSchema's output, built without valibot's datasets, for input it accepts without an issue;
// anything else (a wrong type anywhere, an array where an object goes) returns NOT_FAST and valibot
// parses it, so its output and its issues stay the only ones. test/unit/events/schema-fast.test.ts
// holds the two equal on every fixture and on random input.

const NOT_FAST = Symbol('not fast');
type Field = (x: unknown) => unknown;
type Fields = Readonly<Record<string, Field>>;

const optString: Field = (x) => (x === undefined || typeof x === 'string' ? x : NOT_FAST);
const lenient =
  (f: (x: unknown) => unknown): Field =>
  (x) =>
    x === undefined ? x : f(x);

/** valibot's looseObject: the schema's keys present (`in`), in its order, then the other own keys. */
const looseObject = (
  fields: Fields,
  input: Record<string, unknown>,
): Record<string, unknown> | typeof NOT_FAST => {
  const out: Record<string, unknown> = {};
  for (const key in fields) {
    if (!(key in input)) continue;
    const value = (fields[key] as Field)(input[key]);
    if (value === NOT_FAST) return NOT_FAST;
    out[key] = value;
  }
  for (const key in input)
    if (
      Object.hasOwn(input, key) &&
      !Object.hasOwn(fields, key) &&
      key !== '__proto__' &&
      key !== 'prototype' &&
      key !== 'constructor'
    )
      out[key] = input[key];
  return out;
};

/** An optional nested looseObject: only a plain object is taken here (valibot also takes arrays). */
const optObject =
  (fields: Fields): Field =>
  (x) =>
    x === undefined ? x : isRecord(x) ? looseObject(fields, x) : NOT_FAST;

const FAST_FIELDS: Fields = {
  action: (x) => {
    if (typeof x !== 'string') return NOT_FAST;
    const action = x.trim();
    return ACTION.test(action) ? action : NOT_FAST;
  },
  eventTime: optString,
  outcome: optString,
  message: optString,
  severity: optString,
  id: optString,
  correlationId: optString,
  dataEvent: lenient(toBoolean),
  logSourceCRN: optString,
  saveServiceCopy: lenient(toBoolean),
  observer: optObject({ name: optString }),
  initiator: optObject({
    id: optString,
    name: optString,
    typeURI: optString,
    authnId: optString,
    authnName: optString,
    credential: optObject({ type: optString }),
    host: optObject({ address: optString, addressType: optString, agent: optString }),
  }),
  target: optObject({
    id: optString,
    name: optString,
    alias: optString,
    typeURI: optString,
    resourceGroupId: optString,
    host: optObject({ address: optString }),
  }),
  reason: optObject({ reasonCode: lenient(toNumber), reasonType: optString, reasonForFailure: optString }),
  requestData: lenient(toDataObject),
  responseData: lenient(toDataObject),
};

/** AtEventSchema's output for an event it takes as it is; undefined: let valibot parse it. */
const parseFast = (input: Record<string, unknown>): AtEvent | undefined => {
  const out = looseObject(FAST_FIELDS, input);
  return out === NOT_FAST ? undefined : (out as AtEvent);
};

/** Validates one candidate event; the reason names the first offending fields. */
const parseAtEvent = (input: unknown): AtEventResult => {
  const unwrapped = unwrapLegacy(input);
  if (!isRecord(unwrapped)) return { ok: false, reason: 'not an Activity Tracker event: not a JSON object' };
  if (typeof unwrapped.action !== 'string')
    return { ok: false, reason: 'not an Activity Tracker event: no "action" field' };
  const fast = parseFast(unwrapped);
  if (fast) return { ok: true, event: fast, legacy: unwrapped !== input };
  const result = v.safeParse(AtEventSchema, unwrapped);
  if (!result.success)
    return { ok: false, reason: `invalid Activity Tracker event: ${describeIssues(result.issues)}` };
  return { ok: true, event: result.output, legacy: unwrapped !== input };
};

export type { AtEvent, AtEventResult };
export { AtEventSchema, isRecord, parseAtEvent, parseEventTime, parseFast };
