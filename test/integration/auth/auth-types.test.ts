// Each sdk-core auth type, end to end: instance-guard gets its token the way that type gets it from
// the emulator (API key, Code Engine compute-resource token, VSI metadata token exchange, assume,
// bearer token), then reads and remediates an instance as that identity; the journal names the caller.
// And where IBM would refuse (an unlinked or unknown token, an untrusted assumer, a switched-off
// metadata service, a profile without the role), the guard fails once, changes nothing, and is not
// redelivered.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { authFor } from '../../helpers/emulator.ts';
import { ACCOUNT, asParams, bodyOf, KEYS, startWorld, type World } from './support.ts';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});
beforeEach(async () => {
  await world.admin.reset();
});

/** Runs the guard on alice's insecure change of web-01; the response, the caller's VPC calls, web-01 after. */
const remediateWith = async (env: Record<string, string>) => {
  const event = await world.insecureWeb();
  const mark = await world.admin.lastSeq();
  const guard = world.guard(env);
  const res = await guard.main(asParams(event));
  const calls = (await world.since(mark)).filter((e) => e.service === 'vpc');
  return { res, body: bodyOf(res), calls, web: await world.web(), guard };
};

const expectRemediatedAs = async (env: Record<string, string>, iamId: string) => {
  const { res, body, calls, web } = await remediateWith(env);
  expect(res.statusCode).toBe(200);
  expect(body.decisions.map((d) => d.outcome)).toEqual(['remediated']);
  expect(web.enabled).toBe(false);
  expect(calls.map((c) => [c.method, c.caller])).toContainEqual(['PATCH', iamId]);
  expect(calls.every((c) => c.caller === iamId)).toBe(true);
  return calls;
};

/** A refusal: one failed decision, answered 200 (no redelivery), no VPC call, web-01 still insecure. */
const expectRefused = async (env: Record<string, string>, reason: RegExp) => {
  const { res, body, calls, web } = await remediateWith(env);
  expect(res.statusCode).toBe(200);
  expect(body.decisions).toHaveLength(1);
  expect(body.decisions[0]).toMatchObject({ outcome: 'failed' });
  expect(body.decisions[0]?.reason).toMatch(reason);
  expect(calls).toEqual([]);
  expect(web.enabled).toBe(true);
};

describe('iam (an API key)', () => {
  test('remediates as the key’s service ID', async () => {
    const { api_keys } = await world.admin.state<{ api_keys: { name: string; iam_id: string }[] }>();
    const iamId = api_keys.find((k) => k.name === 'imds-guard')?.iam_id ?? '';

    await expectRemediatedAs({ IMDS_GUARD_APIKEY: KEYS.guard }, iamId);
  });

  test('a key IAM does not know: failed once, not retried (IAM 400)', async () => {
    await expectRefused(
      { IMDS_GUARD_APIKEY: 'auth-unknown-demo-key' },
      /\(HTTP 400\), not retried.*API key could not be found/,
    );
  });
});

describe('container (a Code Engine component’s trusted profile)', () => {
  test('the component’s compute-resource token, linked to the profile (cr_type CE), acts as the profile', async () => {
    const file = await world.crTokenFile('instance-guard');
    const profile = await world.profile('guard-ce');

    await expectRemediatedAs(
      {
        IMDS_GUARD_AUTH_TYPE: 'container',
        IMDS_GUARD_IAM_PROFILE_NAME: 'guard-ce',
        IMDS_GUARD_CR_TOKEN_FILENAME: file,
      },
      profile.iam_id,
    );
  });

  test('by profile id as well', async () => {
    const file = await world.crTokenFile('instance-guard');
    const profile = await world.profile('guard-ce');

    await expectRemediatedAs(
      {
        IMDS_GUARD_AUTH_TYPE: 'container',
        IMDS_GUARD_IAM_PROFILE_ID: profile.id,
        IMDS_GUARD_CR_TOKEN_FILENAME: file,
      },
      profile.iam_id,
    );
  });

  test('a token of a component the profile does not link is refused', async () => {
    const file = await world.crTokenFile('some-other-app');

    await expectRefused(
      {
        IMDS_GUARD_AUTH_TYPE: 'container',
        IMDS_GUARD_IAM_PROFILE_NAME: 'guard-ce',
        IMDS_GUARD_CR_TOKEN_FILENAME: file,
      },
      /could not be trusted for the requested profile/,
    );
  });

  test('a token the emulator never issued is refused', async () => {
    const file = join(world.dir, 'forged-cr-token');
    writeFileSync(file, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.Zm9yZ2Vk');

    await expectRefused(
      {
        IMDS_GUARD_AUTH_TYPE: 'container',
        IMDS_GUARD_IAM_PROFILE_NAME: 'guard-ce',
        IMDS_GUARD_CR_TOKEN_FILENAME: file,
      },
      /compute resource token is not valid/,
    );
  });

  test('a profile’s roles are its policies: one with only IAM Identity Viewer gets IBM’s 403 from VPC', async () => {
    const file = await world.crTokenFile('reader');
    const event = await world.insecureWeb();
    const guard = world.guard({
      IMDS_GUARD_AUTH_TYPE: 'container',
      IMDS_GUARD_IAM_PROFILE_NAME: 'reader-only',
      IMDS_GUARD_CR_TOKEN_FILENAME: file,
    });

    const res = await guard.main(asParams(event));

    expect(bodyOf(res).decisions[0]).toMatchObject({ outcome: 'failed' });
    expect(bodyOf(res).decisions[0]?.reason).toMatch(/403|not_authorized|required Viewer role/);
    expect((await world.web()).enabled).toBe(true);
  });
});

describe('vpc (the VSI’s metadata service, its trusted profile)', () => {
  test('no profile named: the instance’s default trusted profile, whose roles come from an access group', async () => {
    const profile = await world.profile('guard-vsi');
    const mark = await world.admin.lastSeq();

    await expectRemediatedAs({ IMDS_GUARD_AUTH_TYPE: 'vpc' }, profile.iam_id);

    const metadata = (await world.since(mark)).filter((e) => e.service === 'metadata');
    expect(metadata.map((e) => [e.method, e.path, e.query.version, e.status])).toEqual([
      ['PUT', '/instance_identity/v1/token', '2022-03-01', 200],
      ['POST', '/instance_identity/v1/iam_token', '2022-03-01', 200],
    ]);
  });

  test('the 2025-08-26 API (/identity/v1/…), naming the profile', async () => {
    const profile = await world.profile('guard-vsi');
    const mark = await world.admin.lastSeq();

    await expectRemediatedAs(
      {
        IMDS_GUARD_AUTH_TYPE: 'vpc',
        IMDS_GUARD_SERVICE_VERSION: '2025-08-26',
        IMDS_GUARD_IAM_PROFILE_ID: profile.id,
      },
      profile.iam_id,
    );

    const paths = (await world.since(mark)).filter((e) => e.service === 'metadata').map((e) => e.path);
    expect(paths).toEqual(['/identity/v1/token', '/identity/v1/iam_tokens']);
  });

  test('a profile not linked to this VSI is refused', async () => {
    await expectRefused(
      { IMDS_GUARD_AUTH_TYPE: 'vpc', IMDS_GUARD_IAM_PROFILE_NAME: 'guard-ce' },
      /not linked to this instance/,
    );
  });

  test('a VSI whose metadata service is disabled gets no answer, so no token: nothing changes', async () => {
    const { vpc } = await world.admin.state<{ vpc: { instances: { id: string; name: string }[] }[] }>(true);
    const host = vpc[0]?.instances.find((i) => i.name === 'guard-host');
    const alice = new VpcClient({
      authenticator: authFor(world.url, KEYS.alice),
      serviceUrl: `${world.url}/vpc/us-south/v1`,
    });
    await alice.updateInstance({ id: host?.id ?? '', metadataService: { enabled: false } });

    // Credentials no earlier test used: a process that already holds a token keeps it until it expires.
    await expectRefused(
      { IMDS_GUARD_AUTH_TYPE: 'vpc', IMDS_GUARD_IAM_PROFILE_NAME: 'guard-vsi' },
      /instance metadata service did not answer/,
    );
  });
});

describe('iamAssume (a service ID assumes a trusted profile that trusts it)', () => {
  test('by name and account: acts as the profile, not as the service ID (which holds no role)', async () => {
    const profile = await world.profile('guard-assumed');

    await expectRemediatedAs(
      {
        IMDS_GUARD_AUTH_TYPE: 'iamAssume',
        IMDS_GUARD_APIKEY: KEYS.assumer,
        IMDS_GUARD_IAM_PROFILE_NAME: 'guard-assumed',
        IMDS_GUARD_IAM_ACCOUNT_ID: ACCOUNT,
      },
      profile.iam_id,
    );
  });

  test('by profile CRN', async () => {
    const { profiles } = await world.admin.state<{
      profiles: { name: string; crn: string; iam_id: string }[];
    }>(true);
    const profile = profiles.find((p) => p.name === 'guard-assumed');

    await expectRemediatedAs(
      {
        IMDS_GUARD_AUTH_TYPE: 'iamAssume',
        IMDS_GUARD_APIKEY: KEYS.assumer,
        IMDS_GUARD_IAM_PROFILE_CRN: profile?.crn ?? '',
      },
      profile?.iam_id ?? '',
    );
  });

  test('a service ID the profile does not list among its identities is refused', async () => {
    await expectRefused(
      {
        IMDS_GUARD_AUTH_TYPE: 'iamAssume',
        IMDS_GUARD_APIKEY: KEYS.stranger,
        IMDS_GUARD_IAM_PROFILE_NAME: 'guard-assumed',
        IMDS_GUARD_IAM_ACCOUNT_ID: ACCOUNT,
      },
      /not trusted to assume/,
    );
  });
});

describe('bearerToken (a token obtained elsewhere)', () => {
  test('acts as whoever the token speaks for', async () => {
    const res = await fetch(`${world.url}/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: KEYS.guard }),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    const { api_keys } = await world.admin.state<{ api_keys: { name: string; iam_id: string }[] }>();

    await expectRemediatedAs(
      { IMDS_GUARD_AUTH_TYPE: 'bearerToken', IMDS_GUARD_BEARER_TOKEN: access_token },
      api_keys.find((k) => k.name === 'imds-guard')?.iam_id ?? '',
    );
  });
});

describe('the credentials file', () => {
  test('IBM_CREDENTIALS_FILE: its IMDS_GUARD_* settings win over the environment’s', async () => {
    const file = join(world.dir, 'guard.env');
    const cr = await world.crTokenFile('instance-guard');
    writeFileSync(
      file,
      `# sdk-core reads this file before the environment\nIMDS_GUARD_AUTH_TYPE=container\nIMDS_GUARD_IAM_PROFILE_NAME=guard-ce\nIMDS_GUARD_CR_TOKEN_FILENAME="${cr}"\n`,
    );
    const profile = await world.profile('guard-ce');

    await expectRemediatedAs(
      { IBM_CREDENTIALS_FILE: file, IMDS_GUARD_APIKEY: 'auth-unknown-demo-key' },
      profile.iam_id,
    );
  });
});
