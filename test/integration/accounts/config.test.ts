// A configuration of many accounts that cannot work, as the CLI meets it: exit 2 with one line naming
// IMDS_GUARD_ACCOUNTS, no stack trace, no secret, nothing read (no endpoint answers on port 9).
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/imds-guard.mjs');
const SECRET = 'canary-secret-key-0123456789';

const cli = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('');
  });

const A = '1a000000000000000000000000000001';

describe('imds-guard scan with IMDS_GUARD_ACCOUNTS that cannot work', () => {
  test.each([
    [
      'a duplicate account',
      JSON.stringify([{ id: A }, { id: A }]),
      /IMDS_GUARD_ACCOUNTS: an account is listed twice/,
    ],
    [
      'a missing key variable',
      JSON.stringify([{ id: A, apikey_env: 'PLATFORM_APIKEY' }]),
      /account 1a0+1 takes its API key from PLATFORM_APIKEY, which is not set/,
    ],
    [
      'a key in the list',
      `[{"id":"${A}","apikey":"${SECRET}"}]`,
      /\[0\]\.apikey: an entry names the environment variable/,
    ],
  ])('%s: exit 2, one line', async (_what, accounts, message) => {
    const run = await cli(['scan', '--regions', 'us-south', '--no-progress'], {
      IMDS_GUARD_ENDPOINT: 'http://127.0.0.1:9',
      IMDS_GUARD_APIKEY: SECRET,
      IMDS_GUARD_POLICY: '{}',
      IMDS_GUARD_ACCOUNTS: accounts,
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toContain(SECRET);
  });
});
