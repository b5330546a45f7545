// `--check-local`: are the named users and groups known on this machine? Asks getent, which follows
// nsswitch.conf (files, LDAP, SSSD…) the way iptables and nft resolve names when rules load.
import { execFile } from 'node:child_process';
import { type FirewallSpec, type Principal, principalText } from './spec.ts';

type Database = 'passwd' | 'group';

/** getent exits 0 when found, 2 when not; anything else (no getent, bad database) is a real failure. */
const isKnown = (database: Database, p: Principal): Promise<boolean> =>
  new Promise((resolve, reject) => {
    execFile('getent', [database, principalText(p)], (err) => {
      if (!err) return resolve(true);
      if (err.code === 2) return resolve(false);
      reject(new Error(`getent ${database} ${principalText(p)} failed: ${err.message}`, { cause: err }));
    });
  });

/** The users and groups of the spec this machine does not know, as `user NAME` / `group NAME`. */
const findUnknownAccounts = async (spec: FirewallSpec): Promise<string[]> => {
  const wanted: [Database, Principal][] = [
    ...spec.users.map((p): [Database, Principal] => ['passwd', p]),
    ...(spec.mode === 'allow' ? spec.groups.map((p): [Database, Principal] => ['group', p]) : []),
  ];
  const known = await Promise.all(wanted.map(([db, p]) => isKnown(db, p)));
  return wanted
    .filter((_, i) => !known[i])
    .map(([db, p]) => `${db === 'passwd' ? 'user' : 'group'} ${principalText(p)}`);
};

export { findUnknownAccounts };
