// One HTTP request to a ticket sink over fetch: a hard timeout, the call counted toward the decision's
// `api_calls`, and failures sorted into "try again later" (network, timeout, 429, 5xx) and "refused" (4xx).
import { errorMessage } from '../errors.ts';
import type { TicketSinkKind } from '../policy/profiles.ts';
import { countCall } from './common.ts';
import { TicketSinkError } from './types.ts';

interface SinkRequest {
  sink: TicketSinkKind;
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

interface SinkResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** The first line of an error body, short: ServiceNow's `{error:{message,detail}}` or the raw text. */
const errorText = (text: string): string => {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; detail?: string | null } };
    const e = body.error;
    if (e?.message) return e.detail ? `${e.message}: ${e.detail.trim()}` : e.message;
  } catch {
    // not JSON
  }
  return text.trim().split('\n')[0]?.slice(0, 200) ?? '';
};

/** Resolves with any 2xx; throws TicketSinkError otherwise (never leaks headers or credentials). */
const sinkFetch = async (req: SinkRequest): Promise<SinkResponse> => {
  countCall(req.sink);
  const where = `${req.method} ${new URL(req.url).pathname}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, {
      method: req.method,
      ...(req.headers ? { headers: req.headers } : {}),
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const cause = err instanceof Error && err.cause !== undefined ? ` (${errorMessage(err.cause)})` : '';
    const why = timedOut ? `no answer within ${req.timeoutMs} ms` : `${errorMessage(err)}${cause}`;
    throw new TicketSinkError(req.sink, `${req.sink} ${where}: ${why}`, { status: 0, cause: err });
  }
  if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, text };
  const detail = errorText(text);
  throw new TicketSinkError(
    req.sink,
    `${req.sink} ${where} answered ${res.status}${detail ? `: ${detail}` : ''}`,
    {
      status: res.status,
    },
  );
};

export type { SinkRequest, SinkResponse };
export { sinkFetch };
