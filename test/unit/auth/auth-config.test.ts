// What imds-guard adds to sdk-core's reading of credentials: IBMCLOUD_API_KEY as a fallback, "no
// credentials" instead of sdk-core's container default, and one clear error for a type or a file
// that cannot work — naming the setting, never a secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { authenticatorFor } from '#shared/cloud/auth.ts';
import { loadConfig } from '#shared/config.ts';
import { ConfigError } from '#shared/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'imds-guard-auth-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A HOME of our own, so a developer's ~/ibm-credentials.env never takes part.
const HOME = dir;

const errorOf = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};

describe('the guard identity from the configuration', () => {
  test('IMDS_GUARD_APIKEY falls back to IBMCLOUD_API_KEY, and the guard key wins over it', () => {
    expect(loadConfig({ HOME, IBMCLOUD_API_KEY: 'cli-key-1234' }).auth).toMatchObject({
      type: 'iam',
      properties: { apikey: 'cli-key-1234' },
      source: 'environment',
    });
    expect(
      loadConfig({ HOME, IBMCLOUD_API_KEY: 'cli-key-1234', IMDS_GUARD_APIKEY: 'guard-key-1234' }).auth
        ?.properties.apikey,
    ).toBe('guard-key-1234');
    expect(
      loadConfig({ HOME, IBMCLOUD_API_KEY: 'cli-key-1234', IMDS_GUARD_AUTH_TYPE: 'iamAssume' }).auth
        ?.properties.apikey,
    ).toBe('cli-key-1234');
  });

  test('settings that are not credentials (IMDS_GUARD_DRY_RUN, …) configure no identity', () => {
    // sdk-core would default to `container` here and fail for want of a profile name.
    const cfg = loadConfig({ HOME, IMDS_GUARD_DRY_RUN: '1', IMDS_GUARD_TRAIL_BUCKET: 'b' });

    expect(cfg.auth).toBeUndefined();
    expect(errorOf(() => authenticatorFor(cfg)).message).toMatch(/^no credentials: set IMDS_GUARD_APIKEY/);
  });

  test('an unknown auth type is one ConfigError that names the known ones', () => {
    const err = errorOf(() =>
      loadConfig({ HOME, IMDS_GUARD_AUTH_TYPE: 'kerberos', IMDS_GUARD_APIKEY: 'k-1234' }),
    );

    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      'IMDS_GUARD_AUTH_TYPE=kerberos is not an auth type ibm-cloud-sdk-core knows; use one of iam, container, vpc, iamAssume, bearerToken',
    );
  });

  test('sdk-core types that give no IBM Cloud token are refused by name', () => {
    const err = errorOf(() => loadConfig({ HOME, IMDS_GUARD_AUTHTYPE: 'basic' }));

    expect(err.message).toMatch(
      /^IMDS_GUARD_AUTHTYPE=basic: ibm-cloud-sdk-core knows this type, but it gives no/,
    );
  });

  test('a missing setting is named as the user writes it, with the file it came from', () => {
    const file = join(dir, 'container.env');
    writeFileSync(file, 'IMDS_GUARD_AUTH_TYPE=container\nIMDS_GUARD_CR_TOKEN_FILENAME=/tmp/cr\n');
    const cfg = loadConfig({ HOME, IBM_CREDENTIALS_FILE: file });

    const err = errorOf(() => authenticatorFor(cfg));

    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      `IMDS_GUARD_AUTH_TYPE=container (credentials file ${file}): At least one of IMDS_GUARD_IAM_PROFILE_NAME or IMDS_GUARD_IAM_PROFILE_ID must be specified.`,
    );
  });

  test('IBM_CREDENTIALS_FILE naming nothing is a ConfigError (sdk-core throws a TypeError)', () => {
    const err = errorOf(() => loadConfig({ HOME, IBM_CREDENTIALS_FILE: join(dir, 'nope.env') }));

    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('IBM_CREDENTIALS_FILE is');
  });

  test('the same credentials give the same authenticator; other credentials another one', () => {
    const a = loadConfig({ HOME, IMDS_GUARD_APIKEY: 'k-1234', IMDS_GUARD_ENDPOINT: 'http://127.0.0.1:1' });
    const b = loadConfig({ HOME, IMDS_GUARD_APIKEY: 'k-1234', IMDS_GUARD_ENDPOINT: 'http://127.0.0.1:1' });
    const c = loadConfig({ HOME, IMDS_GUARD_APIKEY: 'k-1234', IMDS_GUARD_ENDPOINT: 'http://127.0.0.1:2' });

    expect(authenticatorFor(a)).toBe(authenticatorFor(b));
    expect(authenticatorFor(a)).not.toBe(authenticatorFor(c));
  });
});
