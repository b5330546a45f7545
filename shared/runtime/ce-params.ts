// HTTP request → the `params` object a Code Engine function receives (events-and-code-engine.md §4.2).
// Used by the local host (`imds-guard serve`, `invoke`) so functions run exactly as on Code Engine.

type CeParams = Record<string, unknown>;

interface HttpRequestLike {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** `content-type` → `Content-Type`, `ce-id` → `Ce-Id` (Code Engine canonicalises header keys). */
const canonicalHeader = (name: string): string =>
  name
    .toLowerCase()
    .split('-')
    .map((p) => (p ? p[0]?.toUpperCase() + p.slice(1) : p))
    .join('-');

const TEXT_TYPES = /^text\//;

// defineProperty: a query or body key named `__proto__` must stay a plain key, not a prototype.
const put = (obj: CeParams, key: string, value: unknown): void => {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
};

const paramsFromHttp = (req: HttpRequestLike): CeParams => {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers[canonicalHeader(k)] = Array.isArray(v) ? v.join(', ') : v;
  }
  const contentType = (headers['Content-Type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const params: CeParams = {};
  // Query parameters are unfolded first: body keys win over them.
  for (const [k, v] of new URLSearchParams(req.query)) if (!k.startsWith('__ce_')) put(params, k, v);
  const isJson = contentType === '' || contentType === 'application/json' || contentType.endsWith('+json');
  if (req.body.length > 0) {
    if (isJson) {
      params.__ce_body = req.body.toString('base64');
      try {
        const parsed: unknown = JSON.parse(req.body.toString('utf8'));
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          for (const [k, v] of Object.entries(parsed)) if (!k.startsWith('__ce_')) put(params, k, v);
        }
      } catch {
        // Not JSON after all: the function still gets the raw body in __ce_body.
      }
    } else if (TEXT_TYPES.test(contentType) || contentType === 'application/x-www-form-urlencoded') {
      params.__ce_body = req.body.toString('utf8');
    } else {
      params.__ce_body = req.body.toString('base64');
    }
  }
  params.__ce_method = req.method.toUpperCase();
  params.__ce_path = req.path;
  params.__ce_query = req.query;
  params.__ce_headers = headers;
  return params;
};

interface CeResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: unknown;
}

export type { CeParams, CeResponse, HttpRequestLike };
export { canonicalHeader, paramsFromHttp };
