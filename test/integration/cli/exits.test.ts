// Usage and input errors, on every command, as a user meets them (issue 9, item 9): the real CLI in a
// child process exits 2 with one clear line on stderr — never a stack trace, never exit 1.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/imds-guard.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cli = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...options.env },
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
    child.stdin.end(options.stdin ?? '');
  });

const CASES: [string, string[], { stdin?: string; env?: Record<string, string> }, RegExp][] = [
  ['an unknown command', ['bogus'], {}, /unknown command 'bogus'/],
  ['an unknown option', ['--bogus'], {}, /unknown option '--bogus'/],
  ['revert without --record', ['revert'], {}, /required option '--record <file>' not specified/],
  [
    'revert with a missing file',
    ['revert', '--record', '/nonexistent/records.jsonl'],
    {},
    /--record \/nonexistent\/records\.jsonl: cannot read it \(no such file\)/,
  ],
  [
    'revert with no records',
    ['revert', '--record', '-'],
    { stdin: '{"hello":1}\n' },
    /no decision records found/,
  ],
  [
    'emulator on port 99999',
    ['emulator', '--port', '99999'],
    {},
    /--port .* must be a port number 0\.\.65535/,
  ],
  [
    'emulator with a missing scenario',
    ['emulator', '--scenario', '/nonexistent/s.yaml'],
    {},
    /\/nonexistent\/s\.yaml: cannot read the scenario file/,
  ],
  ['serve on port -1', ['serve', '--port', '-1'], {}, /must be a port number/],
  ['invoke an unknown function', ['invoke', 'nope'], {}, /unknown function "nope"; known: instance-guard/],
  [
    'invoke with a missing --event file',
    ['invoke', 'instance-guard', '--event', '/nonexistent/e.json'],
    {},
    /--event \/nonexistent\/e\.json: cannot read it \(no such file\)/,
  ],
  [
    'invoke with a bad IMDS_GUARD_POLICY',
    ['invoke', 'instance-guard'],
    { stdin: '{}', env: { IMDS_GUARD_POLICY: '{bad' } },
    /IMDS_GUARD_POLICY:1:2: not valid JSON/,
  ],
  [
    'validate with two different manifests',
    ['validate', 'a.yaml', '--manifest', 'b.yaml'],
    {},
    /two manifests given/,
  ],
  [
    'scan with a bad --concurrency',
    ['scan', '--concurrency', 'x'],
    {},
    /--concurrency must be a whole number/,
  ],
];

// Child processes on a shared, loaded machine: a generous timeout, no wall-clock assertion.
describe.concurrent('usage and input errors exit 2 with one line', { timeout: 120_000 }, () => {
  test.each(CASES)('%s', async (_label, args, options, message) => {
    // Act
    const run = await cli(args, options);
    // Assess
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('--help is not an error (exit 0)', async () => {
    const run = await cli(['revert', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--record <file>');
  });
});
