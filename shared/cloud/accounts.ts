// The accounts the guard acts in, each with its own credential reference (IMDS_GUARD_ACCOUNTS, JSON,
// written by `deploy` and the Terraform module from the manifest's `accounts:`). No secret is in the
// list itself: an API key is named by the environment variable its secret is mounted as, and a trusted
// profile in another account is assumed with sdk-core's `iamAssume` (profile id, CRN, or name).
import * as v from 'valibot';
import { ConfigError } from '../errors.ts';
import type { AuthConfig } from './auth-config.ts';

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

const Assume = v.pipe(
  v.strictObject({
    profile_id: v.optional(v.pipe(v.string(), v.minLength(1))),
    profile_crn: v.optional(v.pipe(v.string(), v.startsWith('crn:v1:'))),
    profile_name: v.optional(v.pipe(v.string(), v.minLength(1))),
  }),
  v.check(
    (a) => [a.profile_id, a.profile_crn, a.profile_name].filter((x) => x !== undefined).length === 1,
    'assume names exactly one of profile_id, profile_crn, profile_name',
  ),
);

const AccountEntry = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, 'an account id is 32 lower-case hex digits')),
  name: v.optional(v.string()),
  /** The environment variable holding this account's API key (a secret mounted as env). */
  apikey_env: v.optional(v.pipe(v.string(), v.regex(ENV_NAME, 'apikey_env is an environment variable name'))),
  /** A trusted profile in this account, assumed with the API key (this entry's, else the guard's own). */
  assume: v.optional(Assume),
});

const AccountsDoc = v.pipe(
  v.array(AccountEntry),
  v.check((a) => new Set(a.map((e) => e.id)).size === a.length, 'an account is listed twice'),
);

type AccountEntry = v.InferOutput<typeof AccountEntry>;
type AssumeRef = v.InferOutput<typeof Assume>;

/** How the guard reaches one account; `auth` undefined: with its own credentials. */
interface AccountAccess {
  id: string;
  name: string | undefined;
  via: 'own' | 'apikey' | 'assume';
  auth: AuthConfig | undefined;
}

const SETTING = 'IMDS_GUARD_ACCOUNTS';

/** The API key an entry uses: its own variable's value, or the guard's own key; a ConfigError if none. */
const apikeyOf = (e: AccountEntry, env: Record<string, string | undefined>, own: AuthConfig | undefined) => {
  if (e.apikey_env !== undefined) {
    const key = env[e.apikey_env]?.trim();
    if (!key)
      throw new ConfigError(
        `${SETTING}: account ${e.id} takes its API key from ${e.apikey_env}, which is not set (mount the account's secret as that variable)`,
      );
    return key;
  }
  const key = own?.type === 'iam' || own?.type === 'iamAssume' ? own.properties.apikey : undefined;
  if (typeof key !== 'string' || key === '')
    throw new ConfigError(
      `${SETTING}: account ${e.id} assumes a trusted profile, which needs an API key: set its apikey_env, or give the guard an API key (IMDS_GUARD_APIKEY)`,
    );
  return key;
};

const assumeProperties = (a: AssumeRef, account: string): Record<string, string> =>
  a.profile_id !== undefined
    ? { iamProfileId: a.profile_id }
    : a.profile_crn !== undefined
      ? { iamProfileCrn: a.profile_crn }
      : // A name is unique only within its account: IAM asks which one.
        { iamProfileName: a.profile_name ?? '', iamAccountId: account };

const accessOf = (
  e: AccountEntry,
  env: Record<string, string | undefined>,
  own: AuthConfig | undefined,
): AccountAccess => {
  const base = { id: e.id, name: e.name };
  if (e.assume === undefined && e.apikey_env === undefined) return { ...base, via: 'own', auth: undefined };
  const apikey = apikeyOf(e, env, own);
  const source = `${SETTING} (account ${e.id})`;
  const auth: AuthConfig = e.assume
    ? {
        type: 'iamAssume',
        properties: { apikey, ...assumeProperties(e.assume, e.id) },
        source,
        prefix: 'IMDS_GUARD',
      }
    : { type: 'iam', properties: { apikey }, source, prefix: 'IMDS_GUARD' };
  return { ...base, via: e.assume ? 'assume' : 'apikey', auth };
};

/**
 * IMDS_GUARD_ACCOUNTS → each account's access, every credential reference resolved now (a missing
 * variable is a ConfigError at start, not a failure on the first event). Unset: [] (one account).
 */
const parseAccounts = (
  env: Record<string, string | undefined>,
  own: AuthConfig | undefined,
): AccountAccess[] => {
  const raw = env[SETTING]?.trim();
  if (!raw) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(`${SETTING} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = v.safeParse(AccountsDoc, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = v.getDotPath(issue) ?? '';
    throw new ConfigError(`${SETTING}${where ? ` ${where}` : ''}: ${issue.message}`);
  }
  return parsed.output.map((e) => accessOf(e, env, own));
};

/** The access of one account, or undefined when the list is set and does not name it. */
const accessFor = (accounts: readonly AccountAccess[], id: string | undefined): AccountAccess | undefined =>
  id === undefined ? undefined : accounts.find((a) => a.id === id);

export type { AccountAccess };
export { accessFor, parseAccounts };
