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
    profile_id: v.optional(v.pipe(v.string(), v.minLength(1, 'profile_id is empty'))),
    profile_crn: v.optional(v.pipe(v.string(), v.startsWith('crn:v1:', 'profile_crn is a CRN (crn:v1:…)'))),
    profile_name: v.optional(v.pipe(v.string(), v.minLength(1, 'profile_name is empty'))),
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

const ownCredentials = (e: { apikey_env?: string | undefined; assume?: unknown }): boolean =>
  e.apikey_env === undefined && e.assume === undefined;

const AccountsDoc = v.pipe(
  v.array(AccountEntry),
  v.check((a) => new Set(a.map((e) => e.id)).size === a.length, 'an account is listed twice'),
  // The guard's own credentials are of one account: two entries cannot both be reached with them.
  v.check(
    (a) => a.filter(ownCredentials).length <= 1,
    'two accounts name no credentials (neither apikey_env nor assume); only the guard own account can use its own credentials',
  ),
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

/** One schema issue as one line naming the entry and field; never the value (it may be a key). */
const issueText = (issue: v.BaseIssue<unknown>): string => {
  const where = (v.getDotPath(issue) ?? '').replace(/(^|\.)(\d+)(?=\.|$)/g, '[$2]').replace(/^\./, '');
  const key =
    issue.kind === 'schema' && issue.type === 'strict_object' && issue.expected === 'never'
      ? String(issue.input)
      : undefined;
  const hint =
    key === 'apikey'
      ? 'an entry names the environment variable its API key is mounted as (apikey_env), never the key'
      : key !== undefined
        ? `unknown field (known: id, name, apikey_env, assume${where.includes('assume') ? '.profile_id|profile_crn|profile_name' : ''})`
        : // Our checks say what is wrong; a type error names what was expected, not what was received.
          issue.kind === 'schema'
          ? issue.input === undefined
            ? 'missing'
            : `expected ${issue.expected ?? 'another type'}`
          : issue.message;
  return `${SETTING}${where && !where.startsWith('[') ? ' ' : ''}${where}: ${hint}`;
};

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
  } catch {
    // Not the parser's message: recent Node quotes the text, which a mistaken entry may hold a key in.
    throw new ConfigError(`${SETTING} is not JSON (a list of {id, name?, apikey_env?, assume?})`);
  }
  const parsed = v.safeParse(AccountsDoc, json);
  if (!parsed.success) throw new ConfigError(issueText(parsed.issues[0]));
  return parsed.output.map((e) => accessOf(e, env, own));
};

/** The access of one account, or undefined when the list is set and does not name it. */
const accessFor = (accounts: readonly AccountAccess[], id: string | undefined): AccountAccess | undefined =>
  id === undefined ? undefined : accounts.find((a) => a.id === id);

export type { AccountAccess };
export { accessFor, parseAccounts };
