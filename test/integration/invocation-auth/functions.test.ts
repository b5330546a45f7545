// Invocation auth in the guard functions, against the emulator: a request without valid credentials
// gets 401 and nothing happens (no decode, no token, no read — the journal is empty); each accepted way
// of authenticating (bearer, Event Notifications' custom header, a signed body with a timestamp, a cron
// ping carrying the subscription's CloudEvents extension) reaches the guard; no line ever holds a secret.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { signatureFor } from '#shared/runtime/invocation-auth.ts';
import { asParams, bodyOf, type GuardUnderTest, startWorld, type World } from '../instance-guard/support.ts';

const TOKEN = 'it-invoke-token-3b8f1d0c9e27';
const HMAC = 'it-invoke-hmac-6d2a4f8e1b35';
const SECURE = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };
const AUTH_ENV = { IMDS_GUARD_INVOKE_TOKEN: TOKEN, IMDS_GUARD_INVOKE_HMAC_SECRET: HMAC };

let world: World;
const guards: GuardUnderTest[] = [];

const guardWithAuth = (): GuardUnderTest => {
  const g = world.guard(SECURE, AUTH_ENV);
  guards.push(g);
  return g;
};

/** What Code Engine hands a function for a POST with these headers and raw body. */
const rawParams = (body: Buffer, headers: Record<string, string>) =>
  paramsFromHttp({ method: 'POST', path: '/', query: '', headers, body });

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  // Every line any guard in this file wrote: no token, no signing secret.
  const all = JSON.stringify(guards.flatMap((g) => g.logger.lines));
  expect(all).not.toContain(TOKEN);
  expect(all).not.toContain(HMAC);
  await world.close();
});

describe('refused', () => {
  test('no credentials: 401, one refused line, and not a single request to IBM', async () => {
    // Prepare
    const guard = guardWithAuth();
    const event = await world.userSets('web-01', { enabled: true, protocol: 'http' });
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(401);
    expect(await world.calls(since)).toEqual([]);
    expect(guard.logger.lines).toHaveLength(1);
    expect(guard.decisions()[0]).toMatchObject({ outcome: 'refused', event_id: null, target_crn: null });
    expect((await world.instance('web-01')).metadata_service.protocol).toBe('http');
  });

  test('a body that is not even JSON is refused 401, not 400: nothing is decoded before auth', async () => {
    // Prepare
    const guard = guardWithAuth();

    // Act
    const res = await guard.main(
      rawParams(Buffer.from('{not json'), {
        'Content-Type': 'application/json',
        Authorization: 'Bearer wrong',
      }),
    );

    // Assess
    expect(res.statusCode).toBe(401);
  });

  test('a signed request replayed after the allowed skew is refused', async () => {
    // Prepare
    const guard = guardWithAuth();
    const event = await world.userSets('web-01', { enabled: true, protocol: 'http' });
    const body = Buffer.from(JSON.stringify(event));
    const old = String(Math.floor(Date.now() / 1000) - 600);

    // Act
    const res = await guard.main(
      rawParams(body, {
        'Content-Type': 'application/json',
        'X-Imds-Guard-Timestamp': old,
        'X-Imds-Guard-Signature': signatureFor(HMAC, body, old),
      }),
    );

    // Assess
    expect(res.statusCode).toBe(401);
    expect(guard.decisions()[0]?.reason).toMatch(
      /^unauthenticated invocation: timestamp is 6\d\d s from now/,
    );
  });
});

describe('accepted', () => {
  test('Authorization: Bearer <token>', async () => {
    // Prepare
    const guard = guardWithAuth();
    const event = await world.userSets('web-01', { enabled: true, protocol: 'http' });

    // Act
    const res = await guard.main(asParams(event, { Authorization: `Bearer ${TOKEN}` }));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).outcome).toBe('remediated');
  });

  test('Event Notifications with the token in a custom header (X-Imds-Guard-Token)', async () => {
    // Prepare: the Cloud Logs alert envelope EN delivers, around the world's own event.
    const guard = guardWithAuth();
    const event = await world.userSets('web-02', { enabled: true, protocol: 'http' });
    const fixture = JSON.parse(
      readFileSync('events/fixtures/event-notifications/is.instance.instance.update.json', 'utf8'),
    ) as { body: { data: Record<string, unknown> } };
    const en = { ...fixture.body, data: { ...fixture.body.data, log_example: event } };

    // Act
    const res = await guard.main(asParams(en, { 'X-Imds-Guard-Token': TOKEN }));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).outcome).toBe('remediated');
  });

  test('a body signed with a fresh timestamp', async () => {
    // Prepare
    const guard = guardWithAuth();
    const event = await world.userSets('batch-01', { enabled: true, protocol: 'http' });
    const body = Buffer.from(JSON.stringify(event));
    const now = String(Math.floor(Date.now() / 1000));

    // Act
    const res = await guard.main(
      rawParams(body, {
        'Content-Type': 'application/json',
        'X-Imds-Guard-Timestamp': now,
        'X-Imds-Guard-Signature': signatureFor(HMAC, body, now),
      }),
    );

    // Assess
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).outcome).toBe('remediated');
  });

  test('a cron ping with the subscription extension imdsguardtoken passes; the same ping without it does not', async () => {
    // Prepare: `ibmcloud ce sub cron create … --extension imdsguardtoken=<token>` → header ce-imdsguardtoken.
    const guard = guardWithAuth();
    const ping = {
      'Ce-Id': '2603908e-24df-4cbb-a8f1-0a7857734755',
      'Ce-Source': '/apis/v1/namespaces/k3x9qv2m7ta/pingsources/imds-guard-sweep',
      'Ce-Specversion': '1.0',
      'Ce-Type': 'dev.knative.sources.ping',
      'Content-Type': 'text/plain',
    };

    // Act
    const withToken = await guard.main(
      rawParams(Buffer.from('imds-guard sweep'), { ...ping, 'Ce-Imdsguardtoken': TOKEN }),
    );
    const without = await guard.main(rawParams(Buffer.from('imds-guard sweep'), ping));

    // Assess: instance-guard ignores pings (the sweep handles them), but only after auth.
    expect(withToken.statusCode).toBe(202);
    expect(without.statusCode).toBe(401);
  });
});
