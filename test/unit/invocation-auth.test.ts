// Invocation auth, pure: which credentials open the door (bearer, X-Imds-Guard-Token, the
// `imdsguardtoken` CloudEvents extension, an HMAC signature with or without a timestamp), which do not,
// and that a refusal never echoes what was presented.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { memoryLogger } from '#shared/audit/logger.ts';
import type { InvocationAuthConfig } from '#shared/config.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { checkInvocation, signatureFor, verifyInvocation } from '#shared/runtime/invocation-auth.ts';

const TOKEN = 'tok-unit-5c1e0b7a94d2';
const OLD_TOKEN = 'tok-unit-previous-77aa';
const HMAC = 'hmac-unit-secret-31f9c2';
const NOW = new Date('2026-05-04T12:00:00Z');
const NOW_S = String(NOW.getTime() / 1000);
const BODY = Buffer.from('{"action":"is.instance.instance.update"}');

const cfg = (o: Partial<InvocationAuthConfig> = {}): InvocationAuthConfig => ({
  tokens: [TOKEN, OLD_TOKEN],
  hmacSecrets: [HMAC],
  maxSkewS: 300,
  requireTimestamp: false,
  ...o,
});

const verify = (headers: Record<string, string | undefined>, c = cfg(), body = BODY) =>
  verifyInvocation(c, {
    headers: Object.fromEntries(
      Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    body: () => body,
    now: NOW,
  });

describe('verifyInvocation', () => {
  test.each([
    { name: 'Authorization: Bearer', headers: { authorization: `Bearer ${TOKEN}` }, via: 'bearer' },
    {
      name: 'the previous token during a rotation',
      headers: { authorization: `bearer ${OLD_TOKEN}` },
      via: 'bearer',
    },
    {
      name: 'X-Imds-Guard-Token (EN custom header)',
      headers: { 'x-imds-guard-token': TOKEN },
      via: 'token-header',
    },
    {
      name: 'ce-imdsguardtoken (subscription --extension)',
      headers: { 'ce-imdsguardtoken': TOKEN },
      via: 'ce-extension',
    },
    {
      name: 'a body signature',
      headers: { 'x-imds-guard-signature': signatureFor(HMAC, BODY) },
      via: 'signature',
    },
    {
      name: 'a signature bound to a fresh timestamp',
      headers: { 'x-imds-guard-signature': signatureFor(HMAC, BODY, NOW_S), 'x-imds-guard-timestamp': NOW_S },
      via: 'signature',
    },
    {
      name: 'a wrong bearer but a good signature',
      headers: { authorization: 'Bearer nope', 'x-imds-guard-signature': signatureFor(HMAC, BODY) },
      via: 'signature',
    },
  ])('accepts $name', ({ headers, via }) => {
    // Act
    const result = verify(headers);

    // Assess
    expect(result).toEqual({ ok: true, via });
  });

  test.each([
    { name: 'no credentials', headers: {}, reason: 'no credentials' },
    {
      name: 'a wrong bearer',
      headers: { authorization: 'Bearer wrong' },
      reason: 'bearer token does not match',
    },
    { name: 'Basic auth', headers: { authorization: `Basic ${TOKEN}` }, reason: 'no credentials' },
    {
      name: 'a signature of another body',
      headers: { 'x-imds-guard-signature': signatureFor(HMAC, Buffer.from('{}')) },
      reason: 'signature does not match the body',
    },
    {
      name: 'a signature with another secret',
      headers: { 'x-imds-guard-signature': signatureFor('other', BODY) },
      reason: 'signature does not match the body',
    },
    {
      name: 'a body signature sent with a timestamp it does not cover',
      headers: { 'x-imds-guard-signature': signatureFor(HMAC, BODY), 'x-imds-guard-timestamp': NOW_S },
      reason: 'signature does not match the body',
    },
    {
      name: 'a stale timestamp (replay)',
      headers: {
        'x-imds-guard-signature': signatureFor(HMAC, BODY, String(Number(NOW_S) - 301)),
        'x-imds-guard-timestamp': String(Number(NOW_S) - 301),
      },
      reason: 'timestamp is 301 s from now (limit 300 s)',
    },
    {
      name: 'a timestamp in the future',
      headers: {
        'x-imds-guard-signature': signatureFor(HMAC, BODY, String(Number(NOW_S) + 3600)),
        'x-imds-guard-timestamp': String(Number(NOW_S) + 3600),
      },
      reason: 'timestamp is 3600 s from now (limit 300 s)',
    },
    {
      name: 'a malformed signature',
      headers: { 'x-imds-guard-signature': 'md5=abc' },
      reason: 'signature header is not sha256=<64 hex digits>',
    },
  ])('refuses $name', ({ headers, reason }) => {
    // Act
    const result = verify(headers);

    // Assess
    expect(result).toMatchObject({ ok: false, reason });
  });

  test('a timestamp can be required', () => {
    // Act
    const result = verify(
      { 'x-imds-guard-signature': signatureFor(HMAC, BODY) },
      cfg({ requireTimestamp: true }),
    );

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'signature without the required timestamp' });
  });

  test('a signature is refused when only tokens are configured, and a token when only secrets are', () => {
    // Act
    const sig = verify({ 'x-imds-guard-signature': signatureFor(HMAC, BODY) }, cfg({ hmacSecrets: [] }));
    const tok = verify({ authorization: `Bearer ${TOKEN}` }, cfg({ tokens: [] }));

    // Assess
    expect(sig).toMatchObject({ ok: false, reason: 'signature sent but no signing secret is configured' });
    expect(tok).toMatchObject({ ok: false, reason: 'bearer token sent but none is configured' });
  });

  test('nothing configured: every request passes (the function is protected by visibility instead)', () => {
    // Act
    const result = verify({}, cfg({ tokens: [], hmacSecrets: [] }));

    // Assess
    expect(result).toEqual({ ok: true, via: 'not-configured' });
  });

  test('property: a token is accepted exactly when it is one of the configured ones, and never echoed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/), { minLength: 1, maxLength: 3 }),
        fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/),
        fc.boolean(),
        (tokens, other, reuse) => {
          // Half the runs present a configured token; values carry a marker so "never echoed" is testable.
          const marked = tokens.map((t) => `v-${t}`);
          const presented = reuse ? (marked[0] ?? '') : `v-${other}`;
          const result = verify(
            { authorization: `Bearer ${presented}` },
            cfg({ tokens: marked, hmacSecrets: [] }),
          );
          expect(result.ok).toBe(marked.includes(presented));
          if (!result.ok) expect(result.reason).not.toContain(presented);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('checkInvocation', () => {
  const runtimeWith = async (env: Record<string, string>) => {
    const logger = memoryLogger();
    const rt = await runtimeLoader('instance-guard', {
      env: { IMDS_GUARD_POLICY: JSON.stringify({ instances: { default: { mode: 'secure' } } }), ...env },
      logger,
      now: () => NOW,
    })();
    return { rt, logger };
  };

  const params = (headers: Record<string, string>, body = BODY) =>
    paramsFromHttp({
      method: 'POST',
      path: '/',
      query: '',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  test('refused: 401, one refused decision line, and neither secrets nor presented values in any line', async () => {
    // Prepare
    const { rt, logger } = await runtimeWith({
      IMDS_GUARD_INVOKE_TOKEN: TOKEN,
      IMDS_GUARD_INVOKE_HMAC_SECRET: HMAC,
    });
    const presented = 'Bearer guessed-value-123';

    // Act
    const res = checkInvocation(
      rt,
      params({ Authorization: presented, 'X-Imds-Guard-Token': 'another-guess-456' }),
    );

    // Assess
    expect(res).toMatchObject({
      statusCode: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="imds-guard"' },
      body: { outcome: 'refused', reason: 'missing or invalid credentials', decisions: [] },
    });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      app: 'imds-guard',
      outcome: 'refused',
      level: 'warn',
      event_id: null,
      detail: { auth: { presented: ['bearer', 'token-header'] } },
    });
    const all = JSON.stringify(logger.lines) + JSON.stringify(res);
    for (const secret of [TOKEN, HMAC, 'guessed-value-123', 'another-guess-456'])
      expect(all).not.toContain(secret);
  });

  test('accepted: nothing logged, the handler goes on', async () => {
    // Prepare
    const { rt, logger } = await runtimeWith({ IMDS_GUARD_INVOKE_TOKEN: TOKEN });

    // Act
    const res = checkInvocation(rt, params({ 'X-Imds-Guard-Token': TOKEN }));

    // Assess
    expect(res).toBeUndefined();
    expect(logger.lines).toEqual([]);
  });

  test('params without any __ce_ key (a direct main() call) carry no credentials: refused when auth is on', async () => {
    // Prepare
    const { rt } = await runtimeWith({ IMDS_GUARD_INVOKE_TOKEN: TOKEN });

    // Act
    const res = checkInvocation(rt, { action: 'is.instance.instance.update' });

    // Assess
    expect(res?.statusCode).toBe(401);
  });
});
