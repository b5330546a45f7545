// The CLI as a new user meets it (issue 14, "CLI rough edges"): serve says where it listens, like the
// emulator; report's help names cos://; validate and deploy --dry-run speak JSON; --quiet and --verbose.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/imds-guard.mjs');
/** Node only: no `ibmcloud`, whatever this machine has installed. */
const ENV = { PATH: dirname(process.execPath), HOME: process.env.HOME ?? tmpdir() };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cli = (args: string[], stdin = ''): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: ENV });
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
    child.stdin.end(stdin);
  });

// Child processes on a shared, loaded machine: a generous timeout, no wall-clock assertion.
describe('CLI rough edges', { timeout: 120_000 }, () => {
  test('serve prints a listening line like the emulator, and a stopped line on SIGTERM', async () => {
    // Prepare
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { cwd: root, env: ENV });
    const lines = createInterface({ input: child.stdout });
    const read: string[] = [];
    lines.on('line', (l) => read.push(l));
    // Act
    while (read.length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('close', r));
    // Assess
    expect(JSON.parse(read[0] ?? '')).toMatchObject({
      event: 'listening',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(read.map((l) => JSON.parse(l).event)).toEqual(['listening', 'stopped']);
    expect(code).toBe(0);
  });

  test('report --help names the COS audit trail as an input', async () => {
    const run = await cli(['report', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cos://BUCKET/PREFIX');
  });

  test('validate --json: one object, ok or not, with the same exit codes', async () => {
    // Act
    const [good, bad] = await Promise.all([
      cli(['validate', '--json']),
      cli(['validate', 'test/fixtures/absent.yaml', '--json']),
    ]);
    // Assess
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({
      ok: true,
      file: 'manifest.yaml',
      errors: [],
      warnings: [],
    });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      errors: [{ severity: 'error', message: expect.stringContaining('cannot read the manifest') }],
    });
  });

  test('deploy --dry-run --json: the same commands as data; --json alone is a usage error', async () => {
    // Act
    const [json, text, alone] = await Promise.all([
      cli(['deploy', '--dry-run', '--json']),
      cli(['deploy', '--dry-run']),
      cli(['deploy', '--json']),
    ]);
    // Assess
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { sections: { steps: { command: string }[] }[] };
    const commands = plan.sections.flatMap((s) => s.steps.map((step) => step.command));
    for (const c of commands) expect(text.stdout).toContain(c);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--json goes with --dry-run/);
  });

  test('--quiet leaves only results; --verbose says what each record came to', async () => {
    // Act
    const [quiet, verbose] = await Promise.all([
      cli(['validate', '--quiet']),
      cli(
        ['--verbose', 'revert', '--record', '-'],
        '{"message":"decision","outcome":"remediated","fn":"profile-guard"}\n',
      ),
    ]);
    // Assess
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^refused \(no target\): a profile-guard record is not an instance/m);
  });
});
