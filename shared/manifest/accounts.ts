// Many accounts in the manifest: `accounts[0]` is the account deployed to (the guard's identity acts
// there); every other entry says how it is reached — a trusted profile there it assumes, and/or an API
// key by reference (a declared secret and the variable it arrives as). From these come the one
// IMDS_GUARD_ACCOUNTS value (shared/cloud/accounts.ts reads it) and the secrets each component mounts,
// for `deploy` and the Terraform module alike. Never a secret value: names only.
import type { DocPath } from '../policy/schema.ts';
import type { Manifest } from './schema.ts';

type Account = NonNullable<Manifest['accounts']>[number];

interface Problem {
  severity: 'error' | 'warning';
  path: DocPath;
  message: string;
}

type CheckSecret = (
  m: Manifest,
  name: string,
  path: DocPath,
  problems: Problem[],
  keys: readonly string[],
  purpose: string,
) => void;

const assumeCount = (a: Account): number =>
  a.assume
    ? [a.assume.profile_id, a.assume.profile_crn, a.assume.profile_name].filter((x) => x !== undefined).length
    : 0;

/** One entry's credential reference: complete, unambiguous, resolvable. */
const checkEntry = (m: Manifest, a: Account, i: number, problems: Problem[], checkSecret: CheckSecret) => {
  const at = (...rest: (string | number)[]): DocPath => ['accounts', i, ...rest];
  const err = (path: DocPath, message: string) => problems.push({ severity: 'error', path, message });
  if (i === 0) {
    if (a.apikey_secret || a.apikey_env || a.assume)
      err(
        at('id'),
        'the first account is the one deployed to: the guard identity acts there; it takes no credentials',
      );
    return;
  }
  if ((a.apikey_secret === undefined) !== (a.apikey_env === undefined))
    err(
      at(a.apikey_secret ? 'apikey_secret' : 'apikey_env'),
      'apikey_secret and apikey_env go together: the secret, and the key (variable) in it that holds the API key',
    );
  if (a.assume && assumeCount(a) !== 1)
    err(at('assume'), 'assume names exactly one of profile_id, profile_crn, profile_name');
  if (!a.assume && !a.apikey_secret && !a.apikey_env)
    err(
      at('id'),
      `account ${a.id} needs credentials: assume (a trusted profile there, preferred) or apikey_secret + apikey_env`,
    );
  if (a.assume && !a.apikey_secret && !m.identity?.service_id)
    err(
      at('assume'),
      'assuming a trusted profile needs an API key (sdk-core iamAssume): this deployment runs as a trusted profile, so give this account apikey_secret + apikey_env, or run as a service_id',
    );
  if (a.apikey_secret && a.apikey_env)
    checkSecret(
      m,
      a.apikey_secret,
      at('apikey_secret'),
      problems,
      [a.apikey_env],
      `the API key for account ${a.id}`,
    );
};

/** Every account entry, and policy.accounts against them (a listed account not in accounts: is refused). */
const checkManyAccounts = (
  m: Manifest,
  policyAccounts: readonly string[] | undefined,
  problems: Problem[],
  checkSecret: CheckSecret,
): void => {
  const accounts = m.accounts ?? [];
  const seen = new Set<string>();
  accounts.forEach((a, i) => {
    if (seen.has(a.id))
      problems.push({
        severity: 'error',
        path: ['accounts', i, 'id'],
        message: `account ${a.id} is listed twice`,
      });
    seen.add(a.id);
    checkEntry(m, a, i, problems, checkSecret);
  });
  const home = accounts[0];
  if (!home || !policyAccounts || policyAccounts.length === 0) return;
  if (!policyAccounts.includes(home.id)) {
    problems.push({
      severity: 'error',
      path: ['policy', 'accounts'],
      message: `the guard is deployed to account ${home.id} (accounts:), but policy.accounts does not list it, so every event would be refused`,
    });
    return;
  }
  const others = policyAccounts.filter((a) => !seen.has(a));
  if (others.length > 0)
    problems.push({
      severity: 'warning',
      path: ['policy', 'accounts'],
      message: `policy.accounts also lists ${others.join(', ')}, but accounts: gives no credentials for ${others.length > 1 ? 'them' : 'it'}: add ${others.length > 1 ? 'them' : 'it'} to accounts: (assume or apikey_secret), or events there are refused`,
    });
};

/** IMDS_GUARD_ACCOUNTS for a manifest listing more than one account; undefined for one (nothing to route). */
const accountsSetting = (accounts: readonly Account[]): string | undefined =>
  accounts.length > 1
    ? JSON.stringify(
        accounts.map((a) => ({
          id: a.id,
          ...(a.name ? { name: a.name } : {}),
          ...(a.apikey_env ? { apikey_env: a.apikey_env } : {}),
          ...(a.assume ? { assume: a.assume } : {}),
        })),
      )
    : undefined;

/** The secrets holding other accounts' API keys: every component mounts them. */
const accountSecrets = (accounts: readonly Account[]): string[] => [
  ...new Set(accounts.flatMap((a) => (a.apikey_secret ? [a.apikey_secret] : []))),
];

export { accountSecrets, accountsSetting, checkManyAccounts };
