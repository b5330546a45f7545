// Every format, checked by the tool that will load it: iptables-restore --test, nft -c -f, cloud-init
// schema, sh -n and systemd-analyze verify. Check modes only: nothing is applied here.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACCOUNTS } from './accounts.ts';
import { cloudConfigFiles, generate, run, runOk } from './helpers.ts';

const FORMS = [
  { name: 'deny, by name', args: ['--deny-user', ACCOUNTS.denied] },
  {
    name: 'deny, by name and numeric id',
    args: ['--deny-user', `${ACCOUNTS.denied},${ACCOUNTS.unnamedUid}`],
  },
  {
    name: 'allow, users and a group',
    args: ['--allow-user', `${ACCOUNTS.allowed},root`, '--allow-group', ACCOUNTS.group],
  },
  { name: 'allow, a group only', args: ['--allow-group', ACCOUNTS.group] },
  { name: 'allow, numeric ids only', args: ['--allow-user', '0,4242', '--allow-group', '4242'] },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firewall-system-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(FORMS)('$name', ({ args }) => {
  test('iptables: iptables-restore --test --noflush accepts it', async () => {
    const text = await generate([...args, '--format', 'iptables']);
    await runOk('iptables-restore', ['--test', '--noflush'], text);
  });

  test('nftables: nft -c -f accepts it', async () => {
    const file = join(dir, `${args.join('_').replaceAll(/[^\w.-]/g, '_')}.nft`);
    await writeFile(file, await generate([...args, '--format', 'nftables']));
    await runOk('nft', ['-c', '-f', file]);
  });

  test('cloud-init: a valid cloud-config; its script parses with sh -n; its unit passes systemd-analyze verify', async () => {
    // Prepare: the files laid out under a throwaway root, as cloud-init would write them.
    const text = await generate([...args, '--format', 'cloud-init']);
    const { script, unit } = cloudConfigFiles(text);
    const base = await mkdtemp(join(dir, 'root-'));
    const config = join(base, 'user-data');
    await writeFile(config, text);
    await mkdir(join(base, 'usr/local/sbin'), { recursive: true });
    await mkdir(join(base, 'etc/systemd/system'), { recursive: true });
    await writeFile(join(base, 'usr/local/sbin/imds-guard-firewall'), script);
    await chmod(join(base, 'usr/local/sbin/imds-guard-firewall'), 0o755);
    await writeFile(join(base, 'etc/systemd/system/imds-guard-firewall.service'), unit);
    // Act
    const schema = await run('cloud-init', ['schema', '--config-file', config]);
    const syntax = await run('sh', ['-n', join(base, 'usr/local/sbin/imds-guard-firewall')]);
    const verify = await run('systemd-analyze', ['verify', `--root=${base}`, 'imds-guard-firewall.service']);
    // Assess
    expect(schema).toMatchObject({ code: 0, stdout: expect.stringContaining('Valid cloud-config') });
    expect(syntax).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(verify).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('a name this machine does not know (format-valid, so the generator writes it)', () => {
  // Both tools resolve names when loading and refuse the whole file: nothing is half applied.
  test('iptables-restore refuses the file', async () => {
    const text = await generate(['--deny-user', 'imdsg-missing', '--format', 'iptables']);
    const r = await run('iptables-restore', ['--test', '--noflush'], text);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('imdsg-missing');
  });

  test('nft refuses the file', async () => {
    const file = join(dir, 'missing.nft');
    await writeFile(file, await generate(['--allow-group', 'imdsg-missing', '--format', 'nftables']));
    const r = await run('nft', ['-c', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Group does not exist|imdsg-missing/);
  });
});
