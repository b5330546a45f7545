// System tests run the real firewall tools as root: this checks that they can, builds the CLI, and creates
// the users and groups the rules name (removed again afterwards; ones that already existed are kept).
import { execFileSync } from 'node:child_process';
import { buildCli } from '../../scripts/build.mjs';
import { ACCOUNTS } from './accounts.ts';

const has = (database: 'passwd' | 'group', name: string): boolean => {
  try {
    execFileSync('getent', [database, name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const requireTools = (): void => {
  if (process.getuid?.() !== 0)
    throw new Error('npm run test:system needs root (iptables, nft, ip netns, useradd)');
  for (const tool of ['iptables-restore', 'nft', 'ip', 'setpriv', 'cloud-init', 'systemd-analyze', 'useradd'])
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing: apt-get install -y iptables nftables iproute2 cloud-init systemd`);
    }
};

export default async function setup(): Promise<() => void> {
  requireTools();
  await buildCli();
  const created: ['user' | 'group', string][] = [];
  if (!has('group', ACCOUNTS.group)) {
    execFileSync('groupadd', ['--system', ACCOUNTS.group]);
    created.push(['group', ACCOUNTS.group]);
  }
  for (const [name, extra] of [
    [ACCOUNTS.denied, []],
    [ACCOUNTS.allowed, []],
    [ACCOUNTS.member, ['--groups', ACCOUNTS.group]],
    [ACCOUNTS.primary, ['--gid', ACCOUNTS.group]],
  ] as const) {
    if (has('passwd', name)) continue;
    const ownGroup = extra.length > 0 && extra[0] === '--gid' ? [] : ['--user-group'];
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      ...ownGroup,
      ...extra,
      name,
    ]);
    created.push(['user', name]);
  }
  return () => {
    for (const [kind, name] of created.reverse())
      execFileSync(kind === 'user' ? 'userdel' : 'groupdel', [name]);
  };
}
