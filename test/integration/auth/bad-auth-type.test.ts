// An auth type sdk-core does not know (or settings a known type cannot work with): one clear error
// naming the known types; exit 2 from the CLI; from a function one failed decision answered 200 (a
// 5xx would be redelivered forever, a 4xx would blame a caller who sent nothing wrong); and nothing
// read or changed — the emulator's journal shows no request at all.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMain as profileGuard } from '#functions/profile-guard/index.ts';
import { createMain as sweep } from '#functions/sweep/index.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { asParams, bodyOf, KEYS, POLICY, startWorld, type World } from './support.ts';

const run = promisify(execFile);
const BIN = resolve('bin/imds-guard.mjs');
const KNOWN = 'use one of iam, container, vpc, iamAssume, bearerToken';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

const kerberos = (): Record<string, string> => ({
  HOME: world.dir,
  IMDS_GUARD_ENDPOINT: world.url,
  IMDS_GUARD_POLICY: POLICY,
  IMDS_GUARD_AUTH_TYPE: 'kerberos',
  IMDS_GUARD_APIKEY: KEYS.guard,
});

const cli = async (args: string[], env: Record<string, string>) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: world.dir,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('IMDS_GUARD_AUTH_TYPE=kerberos', () => {
  test('scan: exit 2, one line naming the known types, no request made', async () => {
    const mark = await world.admin.lastSeq();

    const out = await cli(['scan', '--json', '--no-progress'], kerberos());

    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr.trim().split('\n')).toEqual([
      `imds-guard scan: IMDS_GUARD_AUTH_TYPE=kerberos is not an auth type ibm-cloud-sdk-core knows; ${KNOWN}`,
    ]);
    expect(await world.since(mark)).toEqual([]);
  });

  test('instance-guard: 200 with one failed decision, every time; nothing read, nothing changed', async () => {
    const event = await world.insecureWeb();
    const mark = await world.admin.lastSeq();
    const guard = world.guard(kerberos());

    const first = await guard.main(asParams(event));
    const again = await guard.main(asParams(event));

    for (const res of [first, again]) {
      expect(res.statusCode).toBe(200);
      expect(bodyOf(res)).toMatchObject({ outcome: 'failed' });
      expect(bodyOf(res).decisions).toHaveLength(1);
      expect(bodyOf(res).reason).toBe(
        `configuration: IMDS_GUARD_AUTH_TYPE=kerberos is not an auth type ibm-cloud-sdk-core knows; ${KNOWN}`,
      );
    }
    expect(guard.decisions().map((d) => [d.level, d.outcome])).toEqual([
      ['error', 'failed'],
      ['error', 'failed'],
    ]);
    expect(await world.since(mark)).toEqual([]);
    expect((await world.web()).enabled).toBe(true);
  });

  test('profile-guard and the sweep answer the same way', async () => {
    const logger = memoryLogger();
    const ping = asParams({ mode: 'sweep' });

    const fromProfiles = await profileGuard({ env: kerberos(), logger })(asParams(await world.insecureWeb()));
    const fromSweep = await sweep({ env: kerberos(), logger })(ping);

    expect([fromProfiles.statusCode, fromSweep.statusCode]).toEqual([200, 200]);
    expect(bodyOf(fromProfiles).decisions[0]).toMatchObject({ fn: 'profile-guard', outcome: 'failed' });
    expect(bodyOf(fromSweep).decisions[0]).toMatchObject({ fn: 'sweep', outcome: 'failed' });
  });
});

describe('a known type with settings it cannot work with', () => {
  test('container without a profile: the function names the missing settings, makes no request', async () => {
    const event = await world.insecureWeb();
    const mark = await world.admin.lastSeq();
    const guard = world.guard({ IMDS_GUARD_AUTH_TYPE: 'container' });

    const res = await guard.main(asParams(event));

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).decisions[0]?.reason).toBe(
      'configuration: IMDS_GUARD_AUTH_TYPE=container: At least one of IMDS_GUARD_IAM_PROFILE_NAME or IMDS_GUARD_IAM_PROFILE_ID must be specified.',
    );
    expect(await world.since(mark)).toEqual([]);
  });

  test('scan: the same message, exit 2', async () => {
    const out = await cli(['scan', '--json', '--no-progress'], {
      HOME: world.dir,
      IMDS_GUARD_ENDPOINT: world.url,
      IMDS_GUARD_POLICY: POLICY,
      IMDS_GUARD_AUTH_TYPE: 'iamAssume',
      IMDS_GUARD_APIKEY: KEYS.assumer,
    });

    expect(out.code).toBe(2);
    expect(out.stderr.trim()).toBe(
      'imds-guard scan: IMDS_GUARD_AUTH_TYPE=iamAssume: Exactly one of IMDS_GUARD_IAM_PROFILE_NAME, IMDS_GUARD_IAM_PROFILE_CRN, or IMDS_GUARD_IAM_PROFILE_ID must be specified.',
    );
  });
});

describe('the sweep, when IAM refuses its credentials', () => {
  const withKey = (key: string): Record<string, string> => ({
    HOME: world.dir,
    IMDS_GUARD_ENDPOINT: world.url,
    IMDS_GUARD_POLICY: POLICY,
    IMDS_GUARD_APIKEY: key,
  });

  test('a key IAM does not know: 200 with one failed record, not retried; nothing changed', async () => {
    const logger = memoryLogger();
    const mark = await world.admin.lastSeq();

    const res = await sweep({ env: withKey('auth-unknown-demo-key'), logger })(asParams({ mode: 'sweep' }));

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).decisions).toHaveLength(1);
    expect(bodyOf(res).decisions[0]).toMatchObject({ fn: 'sweep', outcome: 'failed' });
    expect(bodyOf(res).decisions[0]?.reason).toMatch(/\(HTTP 400\), not retried/);
    expect((await world.since(mark)).map((e) => [e.service, e.status])).toEqual([['iam-token', 400]]);
  });

  test('IAM unavailable (503): 503, so the platform tries again', async () => {
    await world.admin.fault({ service: 'iam-token', status: 503, count: 10 });
    try {
      const res = await sweep({ env: withKey(KEYS.guard), logger: memoryLogger() })(
        asParams({ mode: 'sweep' }),
      );

      expect(res.statusCode).toBe(503);
    } finally {
      await world.admin.clearFaults();
    }
  });
});
