// IMDS_GUARD_ACCOUNTS: each account's credential reference resolved at start, and every configuration
// that cannot work refused with one ConfigError naming the setting and the entry — never a secret.
import { describe, expect, test } from 'vitest';
import { createMain as instanceGuard } from '#functions/instance-guard/index.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { parseAccounts } from '#shared/cloud/accounts.ts';
import type { AuthConfig } from '#shared/cloud/auth-config.ts';
import { loadConfig } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';

const A = '1a000000000000000000000000000001';
const B = '2b000000000000000000000000000002';
const C = '3c000000000000000000000000000003';
const SECRET = 'canary-secret-key-0123456789';

const own: AuthConfig = {
  type: 'iam',
  properties: { apikey: SECRET },
  source: 'environment',
  prefix: 'IMDS_GUARD',
};

const parse = (list: unknown, env: Record<string, string> = {}, guard: AuthConfig | undefined = own) =>
  parseAccounts(
    { IMDS_GUARD_ACCOUNTS: typeof list === 'string' ? list : JSON.stringify(list), ...env },
    guard,
  );

const errorOf = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('IMDS_GUARD_ACCOUNTS: what each account is reached with', () => {
  test('unset or blank: no list (the guard acts in its own account only)', () => {
    expect(parseAccounts({}, own)).toEqual([]);
    expect(parseAccounts({ IMDS_GUARD_ACCOUNTS: '  ' }, own)).toEqual([]);
  });

  test('no credentials: the guard own; apikey_env: that variable; assume: iamAssume with a profile', () => {
    const got = parse(
      [
        { id: A, name: 'platform' },
        { id: B, name: 'workloads', assume: { profile_name: 'imds-guard' } },
        { id: C, apikey_env: 'SANDBOX_APIKEY' },
      ],
      { SANDBOX_APIKEY: 'sandbox-key' },
    );
    expect(got.map((a) => [a.id, a.name, a.via])).toEqual([
      [A, 'platform', 'own'],
      [B, 'workloads', 'assume'],
      [C, undefined, 'apikey'],
    ]);
    expect(got[0]?.auth).toBeUndefined();
    // A name is unique only within its account: the account is sent along.
    expect(got[1]?.auth).toMatchObject({
      type: 'iamAssume',
      properties: { apikey: SECRET, iamProfileName: 'imds-guard', iamAccountId: B },
    });
    expect(got[2]?.auth).toMatchObject({ type: 'iam', properties: { apikey: 'sandbox-key' } });
  });

  test('assume by id or CRN sends only that; apikey_env with assume: that key assumes the profile', () => {
    const crn = `crn:v1:bluemix:public:iam-identity::a/${C}::profile:Profile-1`;
    const got = parse(
      [
        { id: B, assume: { profile_id: 'Profile-0' } },
        { id: C, apikey_env: 'C_KEY', assume: { profile_crn: crn } },
      ],
      { C_KEY: 'c-key' },
    );
    expect(got[0]?.auth?.properties).toEqual({ apikey: SECRET, iamProfileId: 'Profile-0' });
    expect(got[1]?.auth?.properties).toEqual({ apikey: 'c-key', iamProfileCrn: crn });
    expect(got[1]?.via).toBe('assume');
  });

  test('loadConfig reads it with the guard credentials', () => {
    const cfg = loadConfig({
      HOME: '/nonexistent',
      IMDS_GUARD_APIKEY: SECRET,
      IMDS_GUARD_ACCOUNTS: JSON.stringify([{ id: A }, { id: B, assume: { profile_id: 'P' } }]),
    });
    expect(cfg.accounts.map((a) => a.via)).toEqual(['own', 'assume']);
  });
});

describe('IMDS_GUARD_ACCOUNTS that cannot work: one ConfigError, at start', () => {
  const CASES: [string, unknown, Record<string, string>, AuthConfig | undefined, RegExp][] = [
    ['not JSON', `[{"id": "${A}", apikey: "${SECRET}"`, {}, own, /^IMDS_GUARD_ACCOUNTS is not JSON/],
    ['not a list', { id: A }, {}, own, /^IMDS_GUARD_ACCOUNTS: expected Array$/],
    ['a JSON string', JSON.stringify(SECRET), {}, own, /^IMDS_GUARD_ACCOUNTS: expected Array$/],
    ['an entry without id', [{ name: 'x' }], {}, own, /^IMDS_GUARD_ACCOUNTS\[0\]\.id: missing$/],
    [
      'an id of the wrong shape',
      [{ id: 'ABC' }],
      {},
      own,
      /^IMDS_GUARD_ACCOUNTS\[0\]\.id: an account id is 32 lower-case hex digits$/,
    ],
    [
      'an upper-case id',
      [{ id: A.toUpperCase() }],
      {},
      own,
      /\[0\]\.id: an account id is 32 lower-case hex digits/,
    ],
    ['a duplicate id', [{ id: A }, { id: B, apikey_env: 'K' }, { id: A }], { K: 'k' }, own, /listed twice/],
    [
      'two accounts on the guard own credentials',
      [{ id: A }, { id: B }],
      {},
      own,
      /two accounts name no credentials/,
    ],
    [
      'the key itself in the list',
      [{ id: A, apikey: SECRET }],
      {},
      own,
      /\[0\]\.apikey: an entry names the environment variable its API key is mounted as \(apikey_env\), never the key/,
    ],
    ['an unknown field', [{ id: A, region: 'us-south' }], {}, own, /\[0\]\.region: unknown field/],
    [
      'apikey_env that is not a variable name',
      [{ id: A, apikey_env: SECRET }],
      {},
      own,
      /\[0\]\.apikey_env: apikey_env is an environment variable name$/,
    ],
    [
      'apikey_env naming an unset variable',
      [{ id: B, apikey_env: 'WORKLOADS_APIKEY' }],
      {},
      own,
      /account 2b0+2 takes its API key from WORKLOADS_APIKEY, which is not set/,
    ],
    [
      'apikey_env naming a blank variable',
      [{ id: B, apikey_env: 'WORKLOADS_APIKEY' }],
      { WORKLOADS_APIKEY: '  ' },
      own,
      /WORKLOADS_APIKEY, which is not set/,
    ],
    [
      'assume naming no profile',
      [{ id: B, assume: {} }],
      {},
      own,
      /\[0\]\.assume: assume names exactly one of profile_id, profile_crn, profile_name/,
    ],
    [
      'assume naming two profiles (which one?)',
      [{ id: B, assume: { profile_id: 'P', profile_name: 'n' } }],
      {},
      own,
      /assume names exactly one of/,
    ],
    [
      'assume with a profile_crn that is no CRN',
      [{ id: B, assume: { profile_crn: 'Profile-1' } }],
      {},
      own,
      /\[0\]\.assume\.profile_crn: profile_crn is a CRN/,
    ],
    [
      'assume with no API key to assume with (the guard runs as a trusted profile)',
      [{ id: B, assume: { profile_id: 'P' } }],
      {},
      {
        type: 'container',
        properties: { iamProfileName: 'guard' },
        source: 'environment',
        prefix: 'IMDS_GUARD',
      },
      /account 2b0+2 assumes a trusted profile, which needs an API key: set its apikey_env/,
    ],
  ];

  test.each(CASES)('%s', (_what, list, env, guard, message) => {
    const err = errorOf(() => parse(list, env, guard));
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).not.toContain(SECRET);
  });
});

describe('a function with IMDS_GUARD_ACCOUNTS that cannot work', () => {
  test('answers one failed decision naming the configuration (200: no redelivery loop), nothing called', async () => {
    const logger = memoryLogger();
    const main = instanceGuard({
      // A closed port: any call would fail differently; the configuration is refused before one.
      env: {
        IMDS_GUARD_ENDPOINT: 'http://127.0.0.1:9',
        IMDS_GUARD_APIKEY: SECRET,
        IMDS_GUARD_ACCOUNTS: JSON.stringify([{ id: A }, { id: A, apikey_env: 'X' }]),
        IMDS_GUARD_POLICY: '{}',
      },
      logger,
    });

    const res = await main({ action: 'is.instance.instance.update' });

    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ outcome: 'failed' });
    const reason = (res.body as { reason: string }).reason;
    expect(reason).toMatch(/^configuration: IMDS_GUARD_ACCOUNTS: an account is listed twice/);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(logger.lines.join('\n')).not.toContain(SECRET);
  });
});
