import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const SCENARIO = `
seed: core-test
api_keys:
  - { name: guard, key: guard-key-0001, roles: { is: [Viewer] } }
regions:
  - name: us-south
    vpcs: [{ name: v }]
`;

let emu: RunningEmulator;
let admin: ReturnType<typeof adminClient>;

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
  admin = adminClient(emu.url);
});
afterAll(async () => {
  await emu.close();
});

describe('IAM token endpoint', () => {
  test('issues a JWT that sdk-core decodes and caches (one token request per authenticator)', async () => {
    // Prepare
    const since = await admin.lastSeq();
    const auth = authFor(emu.url, 'guard-key-0001');
    // Act
    const o1: { headers: Record<string, string> } = { headers: {} };
    const o2: { headers: Record<string, string> } = { headers: {} };
    await auth.authenticate(o1);
    await auth.authenticate(o2);
    const h1 = o1.headers;
    const h2 = o2.headers;
    // Assess
    expect(h1.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(h2.Authorization).toBe(h1.Authorization);
    const claims = JSON.parse(
      Buffer.from((h1.Authorization ?? '').split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(claims).toMatchObject({
      iam_id: expect.stringMatching(/^iam-ServiceId-/),
      account: { bss: expect.any(String) },
    });
    expect(claims.exp - claims.iat).toBe(3600);
    const calls = await admin.journal({ since, service: 'iam-token' });
    expect(calls).toHaveLength(1);
  });

  test("an unknown key gets IAM's 400 BXNIM0415E", async () => {
    const res = await fetch(`${emu.url}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=nope-nope-nope',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 'BXNIM0415E' });
  });
});

describe('faults', () => {
  test('status with Retry-After fires count times, then the route answers normally', async () => {
    await admin.fault({ service: 'iam-token', status: 503, retry_after: 2, count: 1 });
    const post = () =>
      fetch(`${emu.url}/identity/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=guard-key-0001',
      });
    const first = await post();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    expect((await post()).status).toBe(200);
    await admin.clearFaults();
  });

  test('connection reset destroys the socket', async () => {
    await admin.fault({ service: 'iam-token', reset: true, count: 1 });
    await expect(fetch(`${emu.url}/identity/token`, { method: 'POST' })).rejects.toThrow();
    await admin.clearFaults();
  });

  test('a bad fault spec is refused with 400', async () => {
    await expect(admin.fault({ status: 42 })).rejects.toMatchObject({ status: 400 });
  });
});
