// Our reading of credentials (shared/cloud/auth-config.ts + auth.ts) against ibm-cloud-sdk-core's own
// getAuthenticatorFromEnvironment('imds_guard'), run in a child process with the same environment,
// working directory and home: the same authenticator class with the same settings, or both refusing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authenticator } from 'ibm-cloud-sdk-core';
import { afterAll, describe, expect, test } from 'vitest';
import { authenticatorForCredentials } from '#shared/cloud/auth.ts';
import { readAuthConfig } from '#shared/cloud/auth-config.ts';

const SDK = createRequire(import.meta.url).resolve('ibm-cloud-sdk-core');
const root = mkdtempSync(join(tmpdir(), 'imds-guard-sdk-conf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What tells two authenticators apart: their type and every setting their token manager keeps. */
const FINGERPRINT = `(a) => {
  const tm = a.tokenManager ?? {};
  const pick = (o) => o && Object.fromEntries(['url','apikey','iamProfileName','iamProfileId','iamProfileCrn',
    'iamAccountId','crTokenFilename','disableSslVerification','serviceVersion','tokenLifetime','clientId','scope']
    .filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  return { type: a.authenticationType(), ...pick(tm), delegate: pick(tm.iamDelegate), bearerToken: a.bearerToken };
}`;
const fingerprint = new Function(`return ${FINGERPRINT}`)() as (a: Authenticator) => unknown;

type Outcome = { ok: unknown } | { refused: true };

/**
 * sdk-core itself, in one child process that takes each case's environment, cwd and home in turn
 * (process.env assignments reach the real environment, so os.homedir() follows HOME).
 */
const sdkCore = (cases: { env: Record<string, string>; cwd: string }[]): Outcome[] => {
  const script = `const c = require(${JSON.stringify(SDK)});
    const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const base = { ...process.env };
    const out = cases.map(({ env, cwd }) => {
      for (const k of Object.keys(process.env)) delete process.env[k];
      Object.assign(process.env, { PATH: base.PATH ?? '' }, env);
      process.chdir(cwd);
      try { return { ok: (${FINGERPRINT})(c.getAuthenticatorFromEnvironment('imds_guard')) } }
      catch { return { refused: true } }
    });
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { input: JSON.stringify(cases), env: {} }).toString(),
  ) as Outcome[];
};

/** Ours, in this process, over the same explicit environment. */
const ours = (env: Record<string, string>, cwd: string): Outcome => {
  try {
    const auth = readAuthConfig(env, 'imds_guard', { cwd });
    if (!auth) return { refused: true };
    return { ok: JSON.parse(JSON.stringify(fingerprint(authenticatorForCredentials(auth)))) };
  } catch {
    return { refused: true };
  }
};

let n = 0;
/** A fresh working directory and home for one case, with the files it needs. */
const place = (files: Record<string, string>): { cwd: string; home: string } => {
  n += 1;
  const cwd = join(root, `case-${n}`, 'work');
  const home = join(root, `case-${n}`, 'home');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(home, { recursive: true });
  for (const [where, text] of Object.entries(files)) {
    const path = where
      .replace(/^~/, home)
      .replace(/^\.\//, `${cwd}/`)
      .replace('$ROOT', join(root, `case-${n}`));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  return { cwd, home };
};

const FILE =
  'IMDS_GUARD_AUTH_TYPE=iam\nIMDS_GUARD_APIKEY="file-key-1234"\n# a comment\nIMDS_GUARD_AUTH_URL=https://iam.test.cloud.ibm.com\n';

const CASES: [string, Record<string, string>, Record<string, string>][] = [
  ['an API key alone is iam', { IMDS_GUARD_APIKEY: 'env-key-1234' }, {}],
  [
    'AUTH_URL and AUTH_DISABLE_SSL',
    {
      IMDS_GUARD_APIKEY: 'k-1234',
      IMDS_GUARD_AUTH_URL: 'https://iam.test.cloud.ibm.com/identity/token',
      IMDS_GUARD_AUTH_DISABLE_SSL: 'true',
    },
    {},
  ],
  [
    'container, type in capitals',
    {
      IMDS_GUARD_AUTH_TYPE: 'CONTAINER',
      IMDS_GUARD_IAM_PROFILE_NAME: 'guard',
      IMDS_GUARD_CR_TOKEN_FILENAME: '/tmp/cr',
    },
    {},
  ],
  ['a profile name alone defaults to container', { IMDS_GUARD_IAM_PROFILE_ID: 'Profile-1' }, {}],
  [
    'vpc through the AUTHTYPE alias',
    {
      IMDS_GUARD_AUTHTYPE: 'vpc',
      IMDS_GUARD_IAM_PROFILE_CRN: 'crn:v1:bluemix:public:iam-identity::a/1::profile:Profile-1',
    },
    {},
  ],
  [
    'vpc with no profile (the instance default)',
    { IMDS_GUARD_AUTH_TYPE: 'vpc', IMDS_GUARD_AUTH_URL: 'http://169.254.169.254' },
    {},
  ],
  [
    'iamAssume by name and account',
    {
      IMDS_GUARD_AUTH_TYPE: 'iamAssume',
      IMDS_GUARD_APIKEY: 'k-1234',
      IMDS_GUARD_IAM_PROFILE_NAME: 'guard',
      IMDS_GUARD_IAM_ACCOUNT_ID: 'acct',
    },
    {},
  ],
  [
    'iamAssume by id',
    {
      IMDS_GUARD_AUTH_TYPE: 'iamassume',
      IMDS_GUARD_APIKEY: 'k-1234',
      IMDS_GUARD_IAM_PROFILE_ID: 'Profile-1',
    },
    {},
  ],
  ['bearerToken', { IMDS_GUARD_AUTH_TYPE: 'bearerToken', IMDS_GUARD_BEARER_TOKEN: 'a.b.c' }, {}],
  [
    'IBM_CREDENTIALS_FILE wins over the environment',
    { IBM_CREDENTIALS_FILE: '$ROOT/creds/my.env', IMDS_GUARD_APIKEY: 'env-key-1234' },
    { '$ROOT/creds/my.env': FILE },
  ],
  [
    'IBM_CREDENTIALS_FILE naming a directory',
    { IBM_CREDENTIALS_FILE: '$ROOT/dir' },
    { '$ROOT/dir/ibm-credentials.env': FILE },
  ],
  ['./ibm-credentials.env', {}, { './ibm-credentials.env': FILE }],
  ['~/ibm-credentials.env', {}, { '~/ibm-credentials.env': FILE }],
  [
    './ before ~/',
    {},
    { './ibm-credentials.env': FILE, '~/ibm-credentials.env': 'IMDS_GUARD_APIKEY=home-key-1234' },
  ],
  [
    'a file without our keys leaves the environment',
    { IMDS_GUARD_APIKEY: 'env-key-1234' },
    { './ibm-credentials.env': 'OTHER_APIKEY=x\n' },
  ],
  [
    'VCAP_SERVICES by name',
    {
      VCAP_SERVICES: JSON.stringify({
        x: [{ name: 'imds_guard', credentials: { apikey: 'vcap-key-1234' } }],
      }),
    },
    {},
  ],
  ['container without a profile is refused', { IMDS_GUARD_AUTH_TYPE: 'container' }, {}],
  [
    'iamAssume with two profiles is refused',
    {
      IMDS_GUARD_AUTH_TYPE: 'iamAssume',
      IMDS_GUARD_APIKEY: 'k-1234',
      IMDS_GUARD_IAM_PROFILE_ID: 'a',
      IMDS_GUARD_IAM_PROFILE_CRN: 'b',
    },
    {},
  ],
  [
    'iamAssume by name without account is refused',
    { IMDS_GUARD_AUTH_TYPE: 'iamAssume', IMDS_GUARD_APIKEY: 'k-1234', IMDS_GUARD_IAM_PROFILE_NAME: 'guard' },
    {},
  ],
  ['an API key in braces is refused', { IMDS_GUARD_APIKEY: '{k-1234}' }, {}],
  ['an unknown type is refused', { IMDS_GUARD_AUTH_TYPE: 'kerberos', IMDS_GUARD_APIKEY: 'k-1234' }, {}],
  [
    'vpc with an unsupported service version is refused',
    { IMDS_GUARD_AUTH_TYPE: 'vpc', IMDS_GUARD_SERVICE_VERSION: '2024-01-01' },
    {},
  ],
  ['nothing at all gives no authenticator', {}, {}],
];

/** Each case's environment (with its own HOME) and working directory, its files in place. */
const prepared = CASES.map(([name, rawEnv, files]) => {
  const { cwd, home } = place(files);
  const env = Object.fromEntries(
    Object.entries({ HOME: home, ...rawEnv }).map(([k, v]) => [k, v.replace('$ROOT', join(cwd, '..'))]),
  );
  return { name, env, cwd };
});
const theirs = sdkCore(prepared);

describe('credentials are read exactly as ibm-cloud-sdk-core reads them', () => {
  test.each(prepared.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    // Prepare
    const c = prepared[i] as (typeof prepared)[number];

    // Act
    const mine = ours(c.env, c.cwd);

    // Assess
    expect(mine).toEqual(theirs[i]);
  });

  test('the cases tell authenticators apart (not all refused, not all alike)', () => {
    const kinds = new Set(theirs.filter((o) => 'ok' in o).map((o) => JSON.stringify(o)));
    expect(kinds.size).toBe(11);
    expect(theirs.filter((o) => 'refused' in o)).toHaveLength(7);
  });
});
