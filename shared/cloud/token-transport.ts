// The token requests of sdk-core's authenticators on the lean path: sdk-core's token managers still
// build each request, fetch, cache and refresh the token, and shape its errors' callers; only the HTTP
// request goes out through node:http (transport.ts) instead of axios, so a process that acts only on
// VPC resources never loads axios (issue 12: a cold remediation's CPU; `npm run bench -- remediation`).
// What sdk-core 5.9's RequestWrapper.sendRequest + axios did with a token manager's request and this
// keeps: `form` sent urlencoded, a `body` object as JSON, `qs` appended; Accept-Encoding gzip and
// axios's default Accept; header names merged regardless of case (the last value wins); one attempt
// (token managers enable no retries); the answer as {status, statusText, headers, result}, errors in
// sdk-core's formatError shape. Anything else (a proxy, an axios option, a multipart form) keeps
// sdk-core's own pipeline.
import { stringify } from 'node:querystring';
import { buildUrl, leanSend, leanTransportFits } from './transport.ts';

/** A token manager's request, as its `requestToken` hands it to sdk-core's RequestWrapper. */
interface TokenRequest {
  options: {
    url: string;
    method: string;
    headers?: Record<string, string>;
    form?: Record<string, unknown>;
    body?: unknown;
    qs?: Record<string, unknown>;
    rejectUnauthorized?: boolean;
  };
  defaultOptions?: unknown;
}

interface RequestWrapper {
  sendRequest(parameters: TokenRequest): Promise<unknown>;
}

/** What an authenticator may hold: its token manager, and (IAM assume) the IAM one it delegates to. */
interface WithTokenManager {
  tokenManager?: {
    requestWrapperInstance?: RequestWrapper;
    iamDelegate?: { requestWrapperInstance?: RequestWrapper };
  };
}

const OPTION_KEYS = new Set(['url', 'method', 'headers', 'form', 'body', 'qs', 'rejectUnauthorized']);
const AXIOS_ACCEPT = 'application/json, text/plain, */*';
const NO_HOOKS = { before: () => undefined, answered: () => undefined };

/** Whether the lean path sends this request as sdk-core would (else it keeps its own pipeline). */
const leanFits = (p: TokenRequest): boolean =>
  p.defaultOptions === undefined &&
  typeof p.options?.url === 'string' &&
  Object.keys(p.options).every((k) => OPTION_KEYS.has(k)) &&
  (p.options.body === undefined || p.options.form === undefined);

/** Headers merged as axios merges them: one entry per name whatever its case, the last value kept. */
const mergedHeaders = (...sets: Record<string, string | undefined>[]): Record<string, string> => {
  const byName = new Map<string, [string, string]>();
  for (const set of sets)
    for (const [k, v] of Object.entries(set))
      if (v !== undefined) byName.set(k.toLowerCase(), [byName.get(k.toLowerCase())?.[0] ?? k, v]);
  return Object.fromEntries(byName.values());
};

const sendToken = ({ options: o }: TokenRequest): Promise<unknown> => {
  const form = o.form !== undefined;
  const json = !form && o.body !== undefined && typeof o.body !== 'string' && !Buffer.isBuffer(o.body);
  const headers = mergedHeaders(
    { Accept: AXIOS_ACCEPT, ...(json ? { 'Content-Type': 'application/json' } : {}) },
    o.headers ?? {},
    form ? { 'Content-type': 'application/x-www-form-urlencoded' } : {},
  );
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'accept-encoding'))
    headers['Accept-Encoding'] = 'gzip';
  const body = form
    ? stringify(o.form as Record<string, string>)
    : json
      ? JSON.stringify(o.body)
      : (o.body as string | undefined);
  return leanSend(
    {
      method: o.method.toUpperCase(),
      url: buildUrl(o.url, '', undefined, o.qs ?? {}),
      headers,
      body,
      rejectUnauthorized: o.rejectUnauthorized !== false,
    },
    undefined,
    NO_HOOKS,
  );
};

/**
 * Sends the token requests of `auth`'s token manager(s) on the lean path when it fits: no proxy in the
 * environment and no axios-only option in `options` (the authenticator's), else nothing changes.
 */
const leanTokenRequests = <A>(auth: A, options: Record<string, unknown>): A => {
  if (!leanTransportFits(process.env, options)) return auth;
  const tm = (auth as WithTokenManager).tokenManager;
  for (const wrapper of [tm?.requestWrapperInstance, tm?.iamDelegate?.requestWrapperInstance]) {
    if (!wrapper) continue;
    const sdk = wrapper.sendRequest.bind(wrapper);
    wrapper.sendRequest = (p) => (leanTransportFits(process.env, {}) && leanFits(p) ? sendToken(p) : sdk(p));
  }
  return auth;
};

export { leanTokenRequests };
