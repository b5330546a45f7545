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

/** Validates one candidate event; the reason names the first offending fields. */
const parseAtEvent = (input: unknown): AtEventResult => {
  const unwrapped = unwrapLegacy(input);
  if (!isRecord(unwrapped)) return { ok: false, reason: 'not an Activity Tracker event: not a JSON object' };
  if (typeof unwrapped.action !== 'string')
    return { ok: false, reason: 'not an Activity Tracker event: no "action" field' };
  const result = v.safeParse(AtEventSchema, unwrapped);
  if (!result.success)
    return { ok: false, reason: `invalid Activity Tracker event: ${describeIssues(result.issues)}` };
  return { ok: true, event: result.output, legacy: unwrapped !== input };
};

export type { AtEvent, AtEventResult };
export { AtEventSchema, isRecord, parseAtEvent, parseEventTime };
