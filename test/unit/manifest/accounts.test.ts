// The manifest's `accounts:` with credential references (names, never keys) feeding both `deploy
// --dry-run` (IMDS_GUARD_ACCOUNTS in the generated configmap, each account's key secret mounted) and
// the Terraform module's inputs (`accounts`); and every reference that cannot work refused at validate.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { EMPTY_STATE, planDeploy, stepsOf } from '#shared/manifest/deploy-plan.ts';
import { type LoadedManifest, loadManifest, ManifestError } from '#shared/manifest/load.ts';
import { terraformInputs } from '#shared/manifest/terraform.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const SAMPLE = readFileSync(
  fileURLToPath(new URL('../../fixtures/manifest.sample.yaml', import.meta.url)),
  'utf8',
);
const HOME = 'fedcba9876543210fedcba9876543210';
const WORKLOADS = '2b000000000000000000000000000002';
const SANDBOX = '3c000000000000000000000000000003';

const ACCOUNTS_BLOCK = `accounts:
  - id: ${HOME}
    name: sample
`;

/** The sample manifest with other accounts (and any extra secrets) added. */
const withAccounts = (entries: string, secrets = ''): string => {
  expect(SAMPLE).toContain(ACCOUNTS_BLOCK);
  return SAMPLE.replace(ACCOUNTS_BLOCK, `${ACCOUNTS_BLOCK}${entries}`).replace(
    'secrets:\n',
    `secrets:\n${secrets}`,
  );
};

const KEY_SECRETS = `  - name: workloads-key
    from: env
    keys:
      WORKLOADS_APIKEY: SAMPLE_WORKLOADS_APIKEY
  - name: sandbox-key
    from: existing
    keys: [SANDBOX_APIKEY]
`;

const MANY = withAccounts(
  `  - id: ${WORKLOADS}
    name: workloads
    apikey_secret: workloads-key
    apikey_env: WORKLOADS_APIKEY
    assume: { profile_name: imds-guard }
  - id: ${SANDBOX}
    name: sandbox
    apikey_secret: sandbox-key
    apikey_env: SANDBOX_APIKEY
`,
  KEY_SECRETS,
);

const load = (text: string): LoadedManifest => loadManifest(text, 'm.yaml', { now: NOW });

const errorsOf = (text: string): string[] => {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ManifestError) return err.errors.map((e) => e.message);
    throw err;
  }
  return [];
};

describe('a manifest with several accounts', () => {
  test('deploy --dry-run: IMDS_GUARD_ACCOUNTS in the generated configmap, each key secret on every component', () => {
    const l = load(MANY);
    if (!l.deployment) throw new Error('expected a deployment');
    const steps = stepsOf(planDeploy(l.deployment, l.policy, EMPTY_STATE, l.file));
    const config = steps.find((s) => s.kind === 'configmap' && s.name === 'guard-config');
    const literal = config?.argv.find((a) => a.startsWith('IMDS_GUARD_ACCOUNTS='));
    expect(JSON.parse(literal?.slice('IMDS_GUARD_ACCOUNTS='.length) ?? 'null')).toEqual([
      { id: HOME, name: 'sample' },
      {
        id: WORKLOADS,
        name: 'workloads',
        apikey_env: 'WORKLOADS_APIKEY',
        assume: { profile_name: 'imds-guard' },
      },
      { id: SANDBOX, name: 'sandbox', apikey_env: 'SANDBOX_APIKEY' },
    ]);
    const components = steps.filter((s) => ['function', 'app', 'job'].includes(s.kind));
    expect(components.length).toBeGreaterThan(0);
    for (const c of components) {
      const mounted = c.argv.flatMap((a, i) => (a === '--env-from-secret' ? [c.argv[i + 1]] : []));
      expect(mounted).toEqual(expect.arrayContaining(['workloads-key', 'sandbox-key']));
    }
    // The key secret from the environment is created like any other, by name; no value in argv.
    expect(steps.some((s) => s.kind === 'secret' && s.name === 'workloads-key')).toBe(true);
    expect(JSON.stringify(steps.map((s) => s.argv))).not.toContain('SAMPLE_WORKLOADS_APIKEY=');
  });

  test('terraform inputs: the other accounts as `accounts`, names only', () => {
    const l = load(MANY);
    if (!l.deployment) throw new Error('expected a deployment');
    const { vars } = terraformInputs(l.deployment, l.policy);
    expect(vars.account_id).toBe(HOME);
    expect(vars.accounts).toEqual([
      {
        id: WORKLOADS,
        name: 'workloads',
        apikey_secret: 'workloads-key',
        apikey_env: 'WORKLOADS_APIKEY',
        assume: { profile_name: 'imds-guard' },
      },
      {
        id: SANDBOX,
        name: 'sandbox',
        apikey_secret: 'sandbox-key',
        apikey_env: 'SANDBOX_APIKEY',
        assume: null,
      },
    ]);
  });

  test('one account: no IMDS_GUARD_ACCOUNTS (nothing to route), no extra secret, `accounts` empty', () => {
    const l = load(SAMPLE);
    if (!l.deployment) throw new Error('expected a deployment');
    const steps = stepsOf(planDeploy(l.deployment, l.policy, EMPTY_STATE, l.file));
    expect(JSON.stringify(steps)).not.toContain('IMDS_GUARD_ACCOUNTS');
    expect(terraformInputs(l.deployment, l.policy).vars.accounts).toEqual([]);
  });
});

describe('account references that cannot work: one error each at validate', () => {
  test.each([
    [
      'no credentials for another account',
      withAccounts(`  - id: ${WORKLOADS}\n`),
      `account ${WORKLOADS} needs credentials: assume (a trusted profile there, preferred) or apikey_secret + apikey_env`,
    ],
    [
      'a key secret nobody declared',
      withAccounts(`  - id: ${WORKLOADS}\n    apikey_secret: nope\n    apikey_env: NOPE_APIKEY\n`),
      'secret "nope" is not declared under secrets:',
    ],
    [
      'a key secret without that key',
      withAccounts(
        `  - id: ${SANDBOX}\n    apikey_secret: sandbox-key\n    apikey_env: OTHER_APIKEY\n`,
        KEY_SECRETS,
      ),
      `secret "sandbox-key" must hold the key OTHER_APIKEY (the API key for account ${SANDBOX}); its keys: SANDBOX_APIKEY`,
    ],
    [
      'apikey_secret without apikey_env',
      withAccounts(`  - id: ${SANDBOX}\n    apikey_secret: sandbox-key\n`, KEY_SECRETS),
      'apikey_secret and apikey_env go together: the secret, and the key (variable) in it that holds the API key',
    ],
    [
      'assume with no API key (the deployment runs as a trusted profile)',
      withAccounts(`  - id: ${WORKLOADS}\n    assume: { profile_id: Profile-1 }\n`),
      'assuming a trusted profile needs an API key (sdk-core iamAssume): this deployment runs as a trusted profile, so give this account apikey_secret + apikey_env, or run as a service_id',
    ],
    [
      'assume naming two profiles',
      withAccounts(
        `  - id: ${WORKLOADS}\n    apikey_secret: sandbox-key\n    apikey_env: SANDBOX_APIKEY\n    assume: { profile_id: P, profile_name: n }\n`,
        KEY_SECRETS,
      ),
      'assume names exactly one of profile_id, profile_crn, profile_name',
    ],
    [
      'credentials on the account deployed to',
      SAMPLE.replace(ACCOUNTS_BLOCK, `${ACCOUNTS_BLOCK}    assume: { profile_id: P }\n`),
      'the first account is the one deployed to: the guard identity acts there; it takes no credentials',
    ],
    [
      'an account listed twice',
      withAccounts(
        `  - id: ${HOME}\n    assume: { profile_id: P }\n    apikey_secret: sandbox-key\n    apikey_env: SANDBOX_APIKEY\n`,
        KEY_SECRETS,
      ),
      `account ${HOME} is listed twice`,
    ],
  ])('%s', (_what, text, message) => {
    expect(errorsOf(text)).toEqual([message]);
  });

  test('the key itself in an entry: an unknown option', () => {
    const [error] = errorsOf(withAccounts(`  - id: ${WORKLOADS}\n    apikey: abc123secret\n`));
    expect(error).toMatch(/apikey/);
    expect(error).not.toContain('abc123secret');
  });
});
