// The shapes a decision record arrives in, one JSON value per line, unwrapped to candidate records.
//
// - `decision`: the line a function writes to stdout (shared/audit/logger.ts), as Code Engine
//   forwards it to IBM Cloud Logs.
// - `cloud-logs-query`: the IBM Cloud Logs query API (`POST /v1/query`, text/event-stream) — each
//   `data:` event is `{"result":{"results":[{"metadata":[{key,value}],"labels":[{key,value}],
//   "user_data":"<the log line as JSON text>"}]}}` (IBM/logs-go-sdk logsv0/logs_v0_dataprime.go);
//   the Coralogix HTTP API that IBM Cloud Logs is built on spells it `userData` in NDJSON. One result
//   per line (`jq -c '.result.results[]'`) works too.
// - `cloud-logs-archive`: rows of the archive's Apache Parquet files in the data bucket, converted
//   to JSON lines: `src_obj__event_metadata`, `src_obj__event_labels`, `src_obj__user_data`, each a
//   JSON string (cloud.ibm.com/docs/cloud-logs?topic=cloud-logs-query-archive-data-bucket).
// - `cloud-logs-ingest`: the ingestion API's `/logs/v1/singles` entries — `{applicationName,
//   subsystemName, severity, timestamp (ms), text}` where `text` is the line (string or JSON),
//   one per line or as a JSON array (cloud-logs-send-logs-api; Coralogix REST API /singles).
// - `dataprime`: DataPrime's `$d` / `$m` / `$l` (user data, metadata, labels) as exported rows.
// - `wrapped`: anything else that carries the line under `userData`, `user_data`, `_source`,
//   `json`, `text`, `message` (a JSON string), `log`, `data`, `line`, `payload`, `record` or
//   `event`, with optional `metadata` / `labels` beside it (object or [{key,value}] list).
// - `demo`: a step or scan line of `imds-guard demo --json` (`{"event":"step", …, "decisions":[…]}`).
// Arrays are read element by element; JSON text inside a string is parsed once more. Besides decision
// records, the summary lines bulk runs end with are picked up (run-summary.ts).
import { isRecord, type LineMeta, looksLikeDecision, toEpochMs } from './record.ts';
import { looksLikeRunSummary } from './run-summary.ts';

type FormatName =
  | 'decision'
  | 'cloud-logs-query'
  | 'cloud-logs-archive'
  | 'cloud-logs-ingest'
  | 'dataprime'
  | 'demo'
  | 'wrapped';

interface Candidate {
  format: FormatName;
  value: unknown;
  meta: LineMeta;
}

type Found =
  | { kind: 'candidate'; candidate: Candidate }
  | { kind: 'run'; value: unknown; meta: LineMeta }
  | { kind: 'problem'; reason: string };

interface Inner {
  value: unknown;
  meta: LineMeta;
}

/** A wrapper: the inner values it carries, or undefined when the object is not of its shape. */
type Unwrap = (obj: Record<string, unknown>) => Inner[] | undefined;

const MAX_DEPTH = 6;

/** `[{key, value}]` (query API) or a plain object (archive, exports) → a plain object. */
const keyValues = (x: unknown): Record<string, unknown> => {
  if (isRecord(x)) return x;
  if (typeof x === 'string' && x.trim().startsWith('{')) {
    try {
      return keyValues(JSON.parse(x));
    } catch {
      return {};
    }
  }
  if (!Array.isArray(x)) return {};
  const out: Record<string, unknown> = {};
  for (const kv of x) if (isRecord(kv) && typeof kv.key === 'string') out[kv.key] = kv.value;
  return out;
};

const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);

const metaOf = (metadata: unknown, labels: unknown, fallback: LineMeta = {}): LineMeta => {
  const m = keyValues(metadata);
  const l = keyValues(labels);
  const timestamp = toEpochMs(m.timestamp) ?? fallback.timestamp;
  const application = str(l.applicationname) ?? str(l.applicationName) ?? fallback.application;
  const subsystem = str(l.subsystemname) ?? str(l.subsystemName) ?? fallback.subsystem;
  return {
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(application !== undefined ? { application } : {}),
    ...(subsystem !== undefined ? { subsystem } : {}),
  };
};

const queryResult = (r: Record<string, unknown>): Inner | undefined => {
  const value = r.user_data ?? r.userData;
  return value === undefined ? undefined : { value, meta: metaOf(r.metadata, r.labels) };
};

const GENERIC_KEYS = [
  'userData',
  'user_data',
  '_source',
  'json',
  'text',
  'message',
  'log',
  'data',
  'line',
  'payload',
  'record',
  'event',
] as const;

const carriesJson = (x: unknown): boolean =>
  isRecord(x) || Array.isArray(x) || (typeof x === 'string' && /^\s*[[{]/.test(x));

/** Checked in order; the first shape that matches unwraps the object. */
const WRAPPERS = {
  'cloud-logs-query': (obj) => {
    const result = isRecord(obj.result) ? obj.result : undefined;
    if (result && Array.isArray(result.results))
      return result.results.flatMap((r) => (isRecord(r) ? (queryResult(r) ?? []) : []));
    if ((obj.user_data !== undefined || obj.userData !== undefined) && (obj.labels || obj.metadata)) {
      const one = queryResult(obj);
      return one ? [one] : [];
    }
    return undefined;
  },
  'cloud-logs-archive': (obj) =>
    obj.src_obj__user_data === undefined
      ? undefined
      : [
          {
            value: obj.src_obj__user_data,
            meta: metaOf(obj.src_obj__event_metadata, obj.src_obj__event_labels),
          },
        ],
  'cloud-logs-ingest': (obj) => {
    if (obj.text === undefined || (obj.applicationName === undefined && obj.subsystemName === undefined))
      return undefined;
    const timestamp = toEpochMs(obj.timestamp) ?? undefined;
    const meta: LineMeta = {
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(str(obj.applicationName) ? { application: str(obj.applicationName) } : {}),
      ...(str(obj.subsystemName) ? { subsystem: str(obj.subsystemName) } : {}),
    };
    return [{ value: obj.text, meta }];
  },
  dataprime: (obj) => (obj.$d === undefined ? undefined : [{ value: obj.$d, meta: metaOf(obj.$m, obj.$l) }]),
  demo: (obj) =>
    (obj.event === 'step' || obj.event === 'scan') && Array.isArray(obj.decisions)
      ? obj.decisions.map((value) => ({ value, meta: {} }))
      : undefined,
  wrapped: (obj) => {
    const key = GENERIC_KEYS.find((k) => carriesJson(obj[k]));
    if (!key) return undefined;
    const timestamp = toEpochMs(obj.timestamp ?? obj['@timestamp']) ?? undefined;
    return [
      {
        value: obj[key],
        meta: metaOf(obj.metadata, obj.labels, timestamp !== undefined ? { timestamp } : {}),
      },
    ];
  },
} satisfies Record<Exclude<FormatName, 'decision'>, Unwrap>;

/** Outer wrappers describe the log line; inner ones only fill what they left open. */
const mergeMeta = (outer: LineMeta, inner: LineMeta): LineMeta => ({ ...inner, ...outer });

const explore = (
  value: unknown,
  meta: LineMeta,
  format: FormatName | undefined,
  depth: number,
  out: Found[],
): void => {
  if (depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    if (!/^\s*[[{]/.test(value)) return; // plain text: some other log line
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      out.push({ kind: 'problem', reason: `embedded JSON does not parse (${shortError(err)})` });
      return;
    }
    explore(parsed, meta, format, depth + 1, out);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) explore(item, meta, format, depth + 1, out);
    return;
  }
  if (!isRecord(value)) return;
  if (looksLikeDecision(value)) {
    out.push({ kind: 'candidate', candidate: { format: format ?? 'decision', value, meta } });
    return;
  }
  if (looksLikeRunSummary(value)) {
    out.push({ kind: 'run', value, meta });
    return;
  }
  for (const [name, unwrap] of Object.entries(WRAPPERS) as [keyof typeof WRAPPERS, Unwrap][]) {
    const inner = unwrap(value);
    if (!inner) continue;
    for (const i of inner) explore(i.value, mergeMeta(meta, i.meta), format ?? name, depth + 1, out);
    return;
  }
};

const shortError = (err: unknown): string => {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 80 ? `${message.slice(0, 77)}...` : message;
};

/** Every decision record candidate, run summary and broken embedded JSON inside one parsed line. */
const findCandidates = (parsed: unknown): Found[] => {
  const out: Found[] = [];
  explore(parsed, {}, undefined, 0, out);
  return out;
};

export type { Candidate, FormatName, Found };
export { findCandidates, shortError };
