// The lean path of our VPC client: sdk-core's authenticator still signs every request (its token
// manager fetches and caches the token as before), but the request itself goes out through node:http(s)
// instead of sdk-core's axios + retry-axios pipeline, which cost more client CPU than the request
// (issue 12; `npm run bench remediation`). What the pipeline did and this keeps (ibm-cloud-sdk-core
// 5.9 request-wrapper.js, retry-axios 2.6):
// - headers as sent (User-Agent, X-Request-Id, Accept, Content-Type, If-Match), `Accept-Encoding: gzip`
//   and a gzip/deflate answer decoded; query values that are undefined dropped, arrays joined by ",";
// - the answer as {status, statusText, headers, result}: JSON parsed, an empty body as "";
// - retries (when enabled) of GET/HEAD/OPTIONS/DELETE/PUT/POST — never PATCH — on 429, 500, 502–599,
//   at most `maxRetries`, waiting Retry-After when it is given (1 ms..300 s, else no retry) or
//   (2^n − 1)/2 s capped at `maxRetryInterval`; no answer at all: at most 2 retries;
// - errors shaped as sdk-core's formatError (status, statusText, message from errors[0].message…,
//   result, body, headers; 401/403 "Access is denied due to invalid credentials.").
// Not kept: redirects are not followed (IBM's VPC API answers none). Proxies (HTTP(S)_PROXY) and
// axios-only client options (agents, timeout, cookie jar, gzip requests) keep a client on sdk-core's
// pipeline (`leanTransportFits`).
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { https, zlib } from '../runtime/builtins.ts';

interface LeanRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
  /** false when the client was built with `disableSslVerification: true`. */
  rejectUnauthorized?: boolean;
  /** A 2xx body's bytes go here instead of JSON.parse (a lister keeping a few fields of each item). */
  decode?: ((body: Buffer) => unknown) | undefined;
}

interface LeanResponse<T> {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  result: T;
}

interface RetryConfig {
  maxRetries: number;
  /** Longest computed backoff, ms (sdk-core's maxRetryInterval, in seconds, × 1000). */
  maxRetryDelayMs: number;
}

/** sdk-core's error: an Error with the fields generated SDK callers read. */
type SdkError = Error & {
  status?: number;
  code?: number | string;
  statusText?: string;
  result?: unknown;
  body?: string;
  headers?: Record<string, string>;
};

const RETRY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'POST']);
const NO_RESPONSE_RETRIES = 2;
const MAX_RETRY_AFTER_MS = 300_000;
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];
/** Client options only axios understands: a client given any of them keeps sdk-core's pipeline. */
const AXIOS_ONLY = ['httpAgent', 'httpsAgent', 'proxy', 'timeout', 'jar', 'enableGzipCompression'];

const retryableStatus = (s: number): boolean => s === 429 || s === 500 || (s >= 502 && s <= 599);

/** Whether the lean path does what sdk-core would: no proxy in the environment, no axios-only option. */
const leanTransportFits = (env: NodeJS.ProcessEnv, options: Record<string, unknown>): boolean =>
  PROXY_VARS.every((k) => !env[k]) && AXIOS_ONLY.every((k) => options[k] === undefined);

/** What URLSearchParams writes as it is (form encoding); any other text goes through URLSearchParams. */
const FORM_SAFE = /^[\w.*-]*$/;

/** One `key=value` of the query, encoded exactly as URLSearchParams encodes it. */
const queryPair = (k: string, v: string): string =>
  FORM_SAFE.test(k) && FORM_SAFE.test(v) ? `${k}=${v}` : new URLSearchParams([[k, v]]).toString();

/** `{id}` path parameters and the query string, as sdk-core builds the URL. */
const buildUrl = (
  serviceUrl: string,
  path: string,
  params: Record<string, string> | undefined,
  qs: Record<string, unknown>,
): string => {
  let url = path;
  if (params) for (const k in params) url = url.replace(`{${k}}`, encodeURIComponent(params[k] as string));
  let q = '';
  for (const k in qs) {
    const v = qs[k];
    if (v === undefined) continue;
    q += `${q ? '&' : '?'}${queryPair(k, Array.isArray(v) ? v.join(',') : String(v))}`;
  }
  return `${serviceUrl.replace(/\/+$/, '')}${url}${q}`;
};

/**
 * The request headers as sdk-core's pipeline sent them, in its order: Content-Type (with a body),
 * Accept, Accept-Encoding, X-Request-Id, User-Agent, then each of `from` (the client's, the
 * operation's, the caller's: an undefined value dropped, a later one replacing an earlier one in place).
 */
const leanHeaders = (
  withBody: boolean,
  agent: string,
  from: readonly (Record<string, string | undefined> | undefined)[],
): Record<string, string> => {
  const out: Record<string, string> = withBody ? { 'Content-Type': 'application/json' } : {};
  out.Accept = 'application/json, text/plain, */*';
  out['Accept-Encoding'] = 'gzip';
  out['X-Request-Id'] = randomUUID();
  out['User-Agent'] = agent;
  for (const headers of from)
    if (headers)
      for (const k of Object.keys(headers)) {
        const v = headers[k];
        if (v !== undefined) out[k] = v;
      }
  return out;
};

/** Node joins repeated headers itself; only `set-cookie` stays an array, so only then is a copy made. */
const flatHeaders = (h: IncomingHttpHeaders): Record<string, string> => {
  if (h['set-cookie'] === undefined) return h as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
};

const decodeBody = (raw: Buffer, encoding: string | undefined): Buffer =>
  encoding === 'gzip'
    ? zlib().gunzipSync(raw)
    : encoding === 'deflate' && raw.length
      ? zlib().inflateSync(raw)
      : raw;

/** axios's `responseType: 'json'` then sdk-core's check: JSON parsed; malformed JSON an error only if declared JSON. */
const parseBody = (text: string, contentType: string | undefined): unknown => {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch (err) {
    if (contentType && /^application\/json(\s*;.*)?$/i.test(contentType))
      throw new Error('Error processing HTTP response:', { cause: err });
    return text;
  }
};

interface Raw {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  bytes: Buffer;
  /** A 2xx body already given to `decode` (then `bytes` is empty): its value, or what it threw. */
  decoded?: { value: unknown } | { error: unknown };
}

/**
 * One buffer, reused, that a decoded 2xx body is gathered in (a listing page is 0.5 MB): no fresh
 * 0.5 MB allocation, page faults and copy per page (Buffer.concat). `decode` runs synchronously on it
 * and returns strings and objects of its own, so nothing keeps the buffer.
 */
let scratch = Buffer.allocUnsafeSlow(0);
const SCRATCH_MAX = 8 * 1024 * 1024;

/** The chunks as one Buffer: in `scratch` when it fits (valid until the next call), else concatenated. */
const gathered = (chunks: Buffer[]): Buffer => {
  if (chunks.length === 1) return chunks[0] as Buffer;
  let size = 0;
  for (const c of chunks) size += c.length;
  if (size > SCRATCH_MAX) return Buffer.concat(chunks, size);
  if (scratch.length < size)
    scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(size, 2 * scratch.length)));
  let at = 0;
  for (const c of chunks) at += c.copy(scratch, at);
  return scratch.subarray(0, size);
};

const EMPTY = Buffer.alloc(0);

const once = (req: LeanRequest): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const send = req.url.startsWith('https:') ? https().request : httpRequest;
    const options = { method: req.method, headers: req.headers, signal: req.signal };
    const tls = req.rejectUnauthorized === false ? { rejectUnauthorized: false } : {};
    const r = send(req.url, { ...options, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const headers = flatHeaders(res.headers);
          const status = res.statusCode ?? 0;
          const statusText = res.statusMessage ?? '';
          const encoding = headers['content-encoding'];
          if (req.decode && status >= 200 && status < 300 && encoding === undefined) {
            let decoded: Raw['decoded'];
            try {
              decoded = { value: req.decode(gathered(chunks)) };
            } catch (error) {
              decoded = { error };
            }
            return resolve({ status, statusText, headers, bytes: EMPTY, decoded });
          }
          resolve({ status, statusText, headers, bytes: decodeBody(Buffer.concat(chunks), encoding) });
        } catch (err) {
          reject(err);
        }
      });
    });
    r.on('error', reject);
    r.end(req.body);
  });

const serviceMessage = (body: unknown): string | undefined => {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as {
    errors?: { message?: unknown }[];
    error?: unknown;
    message?: unknown;
    errorMessage?: unknown;
  };
  const first = Array.isArray(b.errors) ? b.errors[0]?.message : undefined;
  for (const m of [first, b.error, b.message, b.errorMessage]) if (typeof m === 'string' && m) return m;
  return undefined;
};

/** sdk-core's formatError for an answer outside 2xx. */
const statusError = (raw: Raw, result: unknown): SdkError => {
  const err: SdkError = new Error();
  err.statusText = raw.statusText;
  err.name = raw.statusText;
  err.status = raw.status;
  err.code = raw.status;
  err.message = serviceMessage(result) ?? raw.statusText;
  err.result = result;
  err.body = JSON.stringify(result);
  err.headers = raw.headers;
  const ctx = (result as { context?: { url?: unknown } } | undefined)?.context;
  if (raw.status === 401 || raw.status === 403 || (typeof ctx?.url === 'string' && ctx.url.includes('iam')))
    err.message = 'Access is denied due to invalid credentials.';
  return err;
};

/** sdk-core's formatError for a request that got no answer. */
const noAnswerError = (cause: unknown): SdkError => {
  const c = cause as { message?: string; code?: string; name?: string };
  const err: SdkError = new Error(c.name === 'AbortError' ? 'canceled' : (c.message ?? String(cause)));
  err.statusText = c.name === 'AbortError' ? 'ERR_CANCELED' : c.code;
  err.body = 'Response not received - no connection was made to the service.';
  return err;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** retry-axios's wait before retry `n` (1-based): Retry-After if sane, else exponential; undefined: give up. */
const retryDelay = (n: number, raw: Raw | undefined, cfg: RetryConfig): number | undefined => {
  const header = raw?.headers['retry-after'];
  if (header !== undefined) {
    const secs = Number(header);
    const ms = Number.isNaN(secs) ? Date.parse(header) - Date.now() : secs * 1000;
    return ms > 0 && ms <= MAX_RETRY_AFTER_MS ? ms : undefined;
  }
  return Math.min(((2 ** n - 1) / 2) * 1000, cfg.maxRetryDelayMs);
};

/** What a caller sees of each attempt: before it (the call counter, a bulk lane's gate), and its answer. */
interface AttemptHooks {
  /** A promise only when some listener must be waited for (a lane's gate); the call counter is sync. */
  before(): Promise<void> | undefined;
  /** Every answer, retried ones included (a bulk lane paces itself on 429s). */
  answered(status: number, headers: Record<string, string>): void;
}

/**
 * One operation, retried as sdk-core would; `hooks` around every attempt, as axios interceptors were.
 * Resolves with the answer, or rejects with sdk-core's error shape.
 */
const leanSend = async <T>(
  req: LeanRequest,
  retry: RetryConfig | undefined,
  hooks: AttemptHooks,
): Promise<LeanResponse<T>> => {
  const mayRetry = retry !== undefined && retry.maxRetries > 0 && RETRY_METHODS.has(req.method);
  for (let done = 0; ; done += 1) {
    const gate = hooks.before();
    if (gate) await gate;
    let raw: Raw;
    try {
      raw = await once(req);
    } catch (err) {
      const aborted = req.signal?.aborted === true;
      if (aborted || !mayRetry || done >= Math.min(NO_RESPONSE_RETRIES, retry.maxRetries))
        throw noAnswerError(err);
      await sleep(retryDelay(done + 1, undefined, retry) ?? 0);
      continue;
    }
    hooks.answered(raw.status, raw.headers);
    const ok = raw.status >= 200 && raw.status < 300;
    if (raw.decoded && 'error' in raw.decoded) throw raw.decoded.error;
    const result = (
      raw.decoded
        ? raw.decoded.value
        : ok && req.decode
          ? req.decode(raw.bytes)
          : parseBody(raw.bytes.toString('utf8'), raw.headers['content-type'])
    ) as T;
    if (ok) return { status: raw.status, statusText: raw.statusText, headers: raw.headers, result };
    const delay =
      mayRetry && retryableStatus(raw.status) && done < retry.maxRetries
        ? retryDelay(done + 1, raw, retry)
        : undefined;
    if (delay === undefined) throw statusError(raw, result);
    await sleep(delay);
  }
};

/**
 * Calls the listeners in order, each one's promise awaited before the next starts; undefined (no
 * microtask, no promise) when none returned one.
 */
const inOrder = (listeners: readonly (() => Promise<void> | void)[], from = 0): Promise<void> | undefined => {
  for (let i = from; i < listeners.length; i += 1) {
    const pending = listeners[i]?.();
    if (pending) return pending.then(() => inOrder(listeners, i + 1));
  }
  return undefined;
};

/** sdk-core's Authenticator, as far as signing a request goes. */
interface Signer {
  authenticate(options: { headers?: Record<string, string> }): Promise<void>;
}

/** The Authorization header sdk-core last set, and until when (epoch seconds) it would set it again. */
const signatures = new WeakMap<Signer, { authorization: string; until: number }>();

/**
 * Until when sdk-core's JWT token manager hands back this same token without any other work: before
 * its refresh time (80 % of exp − iat, jwt-token-manager.js saveTokenInfo) and its expiry window (IAM:
 * 10 s before exp). 0 (never reuse) for anything but a `Bearer <JWT>` with both claims.
 */
const reusableUntil = (authorization: string): number => {
  const payload = /^Bearer [\w-]+\.([\w-]+)\.[\w-]*$/.exec(authorization)?.[1];
  if (!payload) return 0;
  try {
    const { exp, iat } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: unknown;
      iat?: unknown;
    };
    if (typeof exp !== 'number' || typeof iat !== 'number' || !exp || !iat) return 0;
    return Math.min(exp - (exp - iat) * 0.2, exp - 10);
  } catch {
    return 0;
  }
};

/** The Authorization header `signHeaders` would reuse now without calling `authenticate()`, if any. */
const knownAuthorization = (auth: Signer): string | undefined => {
  const known = signatures.get(auth);
  return known && Date.now() / 1000 < known.until ? known.authorization : undefined;
};

/**
 * The headers signed by sdk-core's authenticator, as `authenticate()` sets them (a copy with
 * Authorization last). While the token manager would return the same token, the header it set last
 * is reused without a call; otherwise `authenticate()` runs (token fetch, refresh and errors are
 * sdk-core's), and its header is kept only when Authorization is all it added.
 */
const signHeaders = async (
  auth: Signer,
  headers: Record<string, string>,
): Promise<Record<string, string>> => {
  const known = knownAuthorization(auth);
  if (known !== undefined) return { ...headers, Authorization: known };
  const options = { headers };
  await auth.authenticate(options);
  const out = options.headers;
  const authorization = out.Authorization;
  const onlyAuth =
    typeof authorization === 'string' &&
    Object.keys(out).every((k) => k === 'Authorization' || out[k] === headers[k]) &&
    Object.keys(headers).every((k) => k === 'Authorization' || k in out);
  if (onlyAuth) signatures.set(auth, { authorization, until: reusableUntil(authorization) });
  else signatures.delete(auth);
  return out;
};

export type { AttemptHooks, LeanRequest, LeanResponse, RetryConfig, Signer };
export { buildUrl, inOrder, knownAuthorization, leanHeaders, leanSend, leanTransportFits, signHeaders };
