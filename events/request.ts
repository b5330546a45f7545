// Front doors: every way a delivery reaches us, normalised to one request shape. Pure, never throws.
// Code Engine function params: events-and-code-engine.md §4.2; apps get plain HTTP; jobs get CE_* env vars.
import { isRecord } from './schema.ts';

/** One delivery, whatever door it came through. Header names are lower-case. */
interface DeliveryRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** What an HTTP app hands over: node's IncomingMessage fits (`url`), so does `{path, query}`. */
interface HttpLike {
  method?: string;
  url?: string;
  path?: string;
  query?: string;
  /** Any case; string, number or array values (node's IncomingHttpHeaders fits). */
  headers?: Record<string, unknown>;
  /** Bytes as received; anything else (a fixture's parsed JSON) is JSON-encoded. */
  body?: unknown;
}

const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/** Base64 with padding, checked in linear time (a backtracking regex overflows the stack on megabytes). */
const isBase64 = (text: string): boolean => {
  if (text.length % 4 !== 0 || NOT_BASE64.test(text)) return false;
  const pad = text.indexOf('=');
  return pad === -1 || (pad >= text.length - 2 && /^=+$/.test(text.slice(pad)));
};

const headerValue = (x: unknown): string | undefined => {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (Array.isArray(x)) {
    const parts = x.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
    return parts.length ? parts.join(', ') : undefined;
  }
  return undefined;
};

const lowerHeaders = (raw: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (!isRecord(raw)) return out;
  for (const [name, value] of Object.entries(raw)) {
    const text = headerValue(value);
    // Object.defineProperty: a header literally named `__proto__` must stay a plain key.
    if (text !== undefined)
      Object.defineProperty(out, name.toLowerCase(), { value: text, enumerable: true, writable: true });
  }
  return out;
};

/** `application/json; charset=utf-8` → `application/json`; '' when absent. */
const mediaType = (headers: Record<string, string>): string =>
  (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Code Engine passes text and form bodies as they are, everything else (JSON included) in Base64. */
const isPassedAsText = (type: string): boolean =>
  type.startsWith('text/') || type === 'application/x-www-form-urlencoded';

/** Code Engine's default when no Content-Type is sent is JSON (§4.2). */
const isJsonType = (type: string): boolean =>
  type === '' || type === 'application/json' || type.endsWith('+json');

const jsonBytes = (value: unknown): Buffer => {
  try {
    return Buffer.from(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return Buffer.alloc(0);
  }
};

const toBytes = (body: unknown): Buffer => {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return jsonBytes(body);
};

const decodeCeBody = (ceBody: unknown, type: string): Buffer => {
  if (typeof ceBody !== 'string') return toBytes(ceBody);
  if (isPassedAsText(type)) return Buffer.from(ceBody, 'utf8');
  const compact = ceBody.replace(/[\r\n]/g, '');
  // Lenient: a caller that skipped the Base64 step (a hand-written params file) still gets its bytes.
  return isBase64(compact) ? Buffer.from(compact, 'base64') : Buffer.from(ceBody, 'utf8');
};

/** Without `__ce_body`, the JSON body is rebuilt from the unfolded keys, minus those that came from the query. */
const rebuildBody = (params: Record<string, unknown>, query: string, type: string): Buffer => {
  const fromQuery = new URLSearchParams(query);
  const keys = Object.keys(params).filter(
    (k) => !k.startsWith('__ce_') && !(fromQuery.has(k) && fromQuery.get(k) === params[k]),
  );
  if (isJsonType(type))
    return keys.length ? jsonBytes(Object.fromEntries(keys.map((k) => [k, params[k]]))) : Buffer.alloc(0);
  // A cron subscription with text data hands it over as `params.body` (CE-CRON).
  return typeof params.body === 'string' ? Buffer.from(params.body, 'utf8') : Buffer.alloc(0);
};

const str = (x: unknown, fallback: string): string => (typeof x === 'string' ? x : fallback);

/**
 * Code Engine function `params` → request. Also accepts params without any `__ce_*` key
 * (`imds-guard invoke` handing over an event object): that object is the JSON body.
 */
const requestFromParams = (params: unknown): DeliveryRequest => {
  const p = isRecord(params) ? params : undefined;
  if (!p || !Object.keys(p).some((k) => k.startsWith('__ce_'))) {
    return {
      method: 'POST',
      path: '/',
      query: '',
      headers: { 'content-type': 'application/json' },
      body: params === undefined ? Buffer.alloc(0) : jsonBytes(params),
    };
  }
  const headers = lowerHeaders(p.__ce_headers);
  const query = str(p.__ce_query, '').replace(/^\?/, '');
  const type = mediaType(headers);
  return {
    method: str(p.__ce_method, 'POST').toUpperCase(),
    path: str(p.__ce_path, '/'),
    query,
    headers,
    body: '__ce_body' in p ? decodeCeBody(p.__ce_body, type) : rebuildBody(p, query, type),
  };
};

/** HTTP app (Kafka and COS subscriptions, `imds-guard serve`) → request. `body` overrides `req.body`. */
const requestFromHttp = (req: HttpLike, body?: unknown): DeliveryRequest => {
  const url = typeof req.url === 'string' ? req.url : undefined;
  const q = url?.indexOf('?') ?? -1;
  return {
    method: str(req.method, 'POST').toUpperCase(),
    path: str(req.path, url !== undefined ? (q >= 0 ? url.slice(0, q) : url) || '/' : '/'),
    query: str(req.query, url !== undefined && q >= 0 ? url.slice(q + 1) : '').replace(/^\?/, ''),
    headers: lowerHeaders(req.headers),
    body: toBytes(body === undefined ? req.body : body),
  };
};

const JOB_HEADERS = {
  CE_ID: 'ce-id',
  CE_SOURCE: 'ce-source',
  CE_SPECVERSION: 'ce-specversion',
  CE_SUBJECT: 'ce-subject',
  CE_TIME: 'ce-time',
  CE_TYPE: 'ce-type',
} satisfies Record<string, string>;

/** Job run started by a subscription: `CE_DATA` is the body, `CE_*` the CloudEvent attributes (CE-KAFKA, CE-COS). */
const requestFromJobEnv = (env: Record<string, string | undefined>): DeliveryRequest => {
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(JOB_HEADERS)) {
    const value = env[name];
    if (typeof value === 'string') headers[header] = value.trim();
  }
  // Event Notifications → job puts its payload in `ibmendata` (EN-CE).
  const data = env.CE_DATA ?? env.ibmendata ?? '';
  return { method: 'POST', path: '/', query: '', headers, body: Buffer.from(data, 'utf8') };
};

export type { DeliveryRequest, HttpLike };
export { isJsonType, mediaType, requestFromHttp, requestFromJobEnv, requestFromParams };
