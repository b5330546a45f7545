// `imds-guard firewall` as users run it (the built CLI; vitest's global setup rebuilds it): text on stdout
// or in --output, and every bad input refused with one line, exit 2, nothing written.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderNftables } from '#shared/firewall/nftables.ts';
import { buildSpec } from '#shared/firewall/spec.ts';

const root = join(import.meta.dirname, '..', '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const run = (args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'firewall', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firewall-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('output', () => {
  test.each([
    { format: 'iptables', first: '# imds-guard firewall: iptables rules' },
    { format: 'nftables', first: '# imds-guard firewall: nftables ruleset' },
    { format: 'cloud-init', first: '#cloud-config' },
  ])('--format $format: the file on stdout, exit 0', async ({ format, first }) => {
    // Act
    const r = await run(['--deny-user', 'apache', '--format', format]);
    // Assess
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain(first);
    expect(r.stdout).toContain('apache');
    expect(r.stderr).toBe('');
  });

  test('--output FILE: the same text in the file, stdout empty', async () => {
    // Prepare
    const file = join(dir, 'imds.nft');
    // Act
    const r = await run([
      '--allow-user',
      'trustworthy-user',
      '--allow-group',
      'imds',
      '--format',
      'nftables',
      '--output',
      file,
    ]);
    // Assess
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wrote ${file} (nftables)\n`);
    expect(await readFile(file, 'utf8')).toBe(
      renderNftables(buildSpec({ allowUser: ['trustworthy-user'], allowGroup: ['imds'] })),
    );
  });

  test('--check-local: users and groups this machine knows pass', async () => {
    const r = await run([
      '--check-local',
      '--allow-user',
      'root,0',
      '--allow-group',
      'root',
      '--format',
      'iptables',
    ]);
    expect(r.code).toBe(0);
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  test.each([
    { args: ['--deny-user', 'apache', '--allow-user', 'root', '--format', 'iptables'], says: /not both/ },
    { args: ['--deny-user', 'apache', '--allow-group', 'imds', '--format', 'iptables'], says: /not both/ },
    { args: ['--format', 'nftables'], says: /name who is limited/ },
    {
      args: ['--deny-user', 'apache', '--format', 'pf'],
      says: /Allowed choices are iptables, nftables, cloud-init/,
    },
    { args: ['--deny-user', 'apache'], says: /required option '--format <format>'/ },
    {
      args: ['--deny-user', 'apache;reboot', '--format', 'iptables'],
      says: /"apache;reboot" is not a valid user name/,
    },
    { args: ['--allow-group', 'a b', '--format', 'nftables'], says: /"a b" is not a valid group name/ },
    { args: ['--deny-user', '4294967295', '--format', 'nftables'], says: /out of range/ },
    {
      args: ['--check-local', '--deny-user', 'imdsguard-no-such-user', '--format', 'cloud-init'],
      says: /unknown on this machine: user imdsguard-no-such-user$/,
    },
    {
      args: [
        '--check-local',
        '--allow-user',
        'root',
        '--allow-group',
        'imdsguard-no-such-group',
        '--format',
        'nftables',
      ],
      says: /unknown on this machine: group imdsguard-no-such-group$/,
    },
    { args: ['--deny-user', 'apache', '--format', 'iptables', '--bogus'], says: /unknown option '--bogus'/ },
  ])('$args', async ({ args, says }) => {
    // Prepare
    const file = join(dir, 'refused.rules');
    // Act
    const r = await run([...args, '--output', file]);
    // Assess
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(says);
    expect(await readdir(dir)).not.toContain('refused.rules');
  });

  test('an --output that cannot be written: exit 2, no file, no temporary left behind', async () => {
    const r = await run([
      '--deny-user',
      'apache',
      '--format',
      'iptables',
      '--output',
      join(dir, 'missing', 'x.rules'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`imds-guard firewall: cannot write ${join(dir, 'missing', 'x.rules')}: ENOENT\n`);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
