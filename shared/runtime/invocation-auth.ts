// Who may invoke a public function or app URL. Code Engine leaves that to the code ("authorization to
// invoke your function must be implemented by the function code itself", CE-FMIG): a shared bearer
// token (in `Authorization`, in `X-Imds-Guard-Token` for Event Notifications' custom headers, or in
// the `ce-imdsguardtoken` CloudEvents extension a Code Engine subscription can add), or an HMAC-SHA256
// signature of the raw body, optionally bound to a timestamp. Nothing is decoded before this passes.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type DeliveryRequest, requestFromParams } from '#events/request.ts';
import { logDecision } from '../audit/decision.ts';
import type { InvocationAuthConfig } from '../config.ts';
import type { CeParams, CeResponse } from './ce-params.ts';
import { type GuardRuntime, recordFor } from './records.ts';

/** Lower-case header names (Code Engine canonicalises them; the request adapter lower-cases them). */
const AUTH_HEADERS = {
  authorization: 'authorization',
  token: 'x-imds-guard-token',
  /** A CloudEvents extension `imdsguardtoken` set with `--extension` on a Code Engine subscription. */
  ceExtension: 'ce-imdsguardtoken',
  signature: 'x-imds-guard-signature',
  timestamp: 'x-imds-guard-timestamp',
} as const;

type Presented = 'bearer' | 'token-header' | 'ce-extension' | 'signature';

type AuthResult =
  | { ok: true; via: Presented | 'not-configured' }
  | { ok: false; reason: string; presented: Presented[] };

interface VerifyInput {
  headers: Record<string, string>;
  /** The raw body, read only when a signature is presented. */
  body: () => Buffer;
  now: Date;
}

const sha256 = (data: string | Buffer): Buffer => createHash('sha256').update(data).digest();

/**
 * Constant-time membership: every accepted value is compared (no early exit), each through a SHA-256
 * digest so `timingSafeEqual` always sees equal lengths and the secret's length does not leak.
 */
const matchesAny = (presented: string, accepted: readonly string[]): boolean => {
  const got = sha256(presented);
  let match = false;
  for (const want of accepted) match = timingSafeEqual(got, sha256(want)) || match;
  return match;
};

const bearerOf = (header: string | undefined): string | undefined => {
  const m = header?.match(/^\s*Bearer\s+(\S+)\s*$/i);
  return m?.[1];
};

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
const TIMESTAMP = /^\d{1,12}$/;

/** `sha256=<hex>` of the body, or of `<timestamp>.<body>` when a timestamp is sent. */
const signatureFor = (secret: string, body: Buffer, timestamp?: string): string => {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) mac.update(`${timestamp}.`, 'utf8');
  return `sha256=${mac.update(body).digest('hex')}`;
};

const checkSignature = (
  cfg: InvocationAuthConfig,
  input: VerifyInput,
  header: string,
): string | undefined => {
  const m = SIGNATURE.exec(header.trim());
  if (!m) return 'signature header is not sha256=<64 hex digits>';
  const ts = input.headers[AUTH_HEADERS.timestamp]?.trim();
  if (ts === undefined && cfg.requireTimestamp) return 'signature without the required timestamp';
  if (ts !== undefined) {
    if (!TIMESTAMP.test(ts)) return 'timestamp is not Unix seconds';
    const skew = Math.abs(input.now.getTime() / 1000 - Number(ts));
    if (skew > cfg.maxSkewS) return `timestamp is ${Math.round(skew)} s from now (limit ${cfg.maxSkewS} s)`;
  }
  const body = input.body();
  const presented = `sha256=${(m[1] ?? '').toLowerCase()}`;
  const expected = cfg.hmacSecrets.map((secret) => signatureFor(secret, body, ts));
  return matchesAny(presented, expected) ? undefined : 'signature does not match the body';
};

/** Pure check of one request's credentials against the configuration. Never includes values in reasons. */
const verifyInvocation = (cfg: InvocationAuthConfig, input: VerifyInput): AuthResult => {
  if (cfg.tokens.length === 0 && cfg.hmacSecrets.length === 0) return { ok: true, via: 'not-configured' };
  const h = input.headers;
  const tokens: [Presented, string | undefined][] = [
    ['bearer', bearerOf(h[AUTH_HEADERS.authorization])],
    ['token-header', h[AUTH_HEADERS.token]?.trim()],
    ['ce-extension', h[AUTH_HEADERS.ceExtension]?.trim()],
  ];
  const presented: Presented[] = [];
  const failures: string[] = [];
  for (const [via, value] of tokens) {
    if (!value) continue;
    presented.push(via);
    if (cfg.tokens.length > 0 && matchesAny(value, cfg.tokens)) return { ok: true, via };
    failures.push(
      cfg.tokens.length > 0 ? `${via} token does not match` : `${via} token sent but none is configured`,
    );
  }
  const signature = h[AUTH_HEADERS.signature];
  if (signature) {
    presented.push('signature');
    if (cfg.hmacSecrets.length === 0) failures.push('signature sent but no signing secret is configured');
    else {
      const why = checkSignature(cfg, input, signature);
      if (why === undefined) return { ok: true, via: 'signature' };
      failures.push(why);
    }
  }
  return { ok: false, reason: failures.join('; ') || 'no credentials', presented };
};

/**
 * Every entry's first step, before anything is decoded: `const denied = checkRequest(rt, request); if (denied) return denied;`.
 * Refused requests get 401 and one `refused` decision line (no header values); nothing else happens.
 */
const checkRequest = (
  rt: GuardRuntime,
  request: DeliveryRequest,
  started: number = performance.now(),
): CeResponse | undefined => {
  const cfg = rt.config.invocation;
  if (cfg.tokens.length === 0 && cfg.hmacSecrets.length === 0) return undefined;
  const result = verifyInvocation(cfg, { headers: request.headers, body: () => request.body, now: rt.now() });
  if (result.ok) return undefined;
  const record = recordFor(
    rt,
    undefined,
    {
      outcome: 'refused',
      reason: `unauthenticated invocation: ${result.reason}`,
      detail: { auth: { presented: result.presented } },
    },
    started,
  );
  logDecision(rt.logger, record);
  return {
    statusCode: 401,
    headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="imds-guard"' },
    // The caller learns only that it was refused; which check failed is in the decision line.
    body: { outcome: 'refused', reason: 'missing or invalid credentials', decisions: [] },
  };
};

/** `checkRequest` on a Code Engine function's `params`. */
const checkInvocation = (
  rt: GuardRuntime,
  params: CeParams,
  started: number = performance.now(),
): CeResponse | undefined => checkRequest(rt, requestFromParams(params), started);

export type { AuthResult, Presented, VerifyInput };
export { AUTH_HEADERS, checkInvocation, checkRequest, signatureFor, verifyInvocation };
