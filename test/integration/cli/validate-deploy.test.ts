// `imds-guard validate` and `imds-guard deploy` as a user runs them: the CLI bundle (rebuilt by the vitest
// global setup) in a child process, checked by exit code and output. PATH is controlled, so whether
// `ibmcloud` is installed on this machine does not matter; one test puts a stand-in `ibmcloud` on it.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/imds-guard.mjs');
const expected = (name: string) => readFile(join(root, 'test/fixtures', name), 'utf8');
/** Node only: no `ibmcloud`, whatever this machine has installed. */
const NODE_ONLY = dirname(process.execPath);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cli = (args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? root,
      env: { PATH: NODE_ONLY, HOME: process.env.HOME ?? tmpdir(), ...options.env },
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
  });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imds-guard-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Independent child processes: these two groups run side by side.
describe.concurrent('imds-guard validate', () => {
  test('the repository manifest: OK and a one-line summary, exit 0', async () => {
    const run = await cli(['validate']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^OK manifest\.yaml: project imds-guard \(us-south, account [0-9a-f]{32}\), 3 functions, /,
    );
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toBe('');
  });

  test('the manifest as a positional argument, like terraform validate; --manifest still works', async () => {
    // Act
    const [positional, option, missing] = await Promise.all([
      cli(['validate', 'manifest.yaml']),
      cli(['validate', '--manifest', 'manifest.yaml']),
      cli(['validate', join(dir, 'absent.yaml')]),
    ]);
    // Assess
    expect(positional.code).toBe(0);
    expect(positional.stdout).toMatch(/^OK manifest\.yaml: /);
    expect(option.stdout).toBe(positional.stdout);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('absent.yaml');
  });

  test('a broken manifest: every problem as file:line:col on stderr, exit 2', async () => {
    // Prepare
    const file = join(dir, 'broken.yaml');
    const text = (await readFile(join(root, 'test/fixtures/manifest.sample.yaml'), 'utf8'))
      .replace('    destination: sweep\n', '    destination: swept\n')
      .replace('    max_execution_time: 90', '    max_execution_time: 900');
    await writeFile(file, text);
    // Act
    const run = await cli(['validate', '--manifest', file]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines.slice(0, -1)).toEqual([
      expect.stringMatching(
        new RegExp(`^${file}:\\d+:\\d+: max_execution_time must be a whole number from 1 to 120`),
      ),
    ]);
    expect(lines.at(-1)).toBe(`${file}: 1 problem`);
  });

  test('cross-reference problems are reported once the shape is right', async () => {
    const file = join(dir, 'refs.yaml');
    const text = (await readFile(join(root, 'test/fixtures/manifest.sample.yaml'), 'utf8')).replace(
      '    destination: sweep\n',
      '    destination: swept\n',
    );
    await writeFile(file, text);
    const run = await cli(['validate', '--manifest', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `^${file}:\\d+:18: cron destination "swept" is not a function, job or app of this manifest; did you mean "sweep"\\?`,
        'm',
      ),
    );
  });

  test('a missing file: exit 2', async () => {
    const run = await cli(['validate', '--manifest', join(dir, 'nope.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read the manifest/);
  });
});

describe.concurrent('imds-guard deploy --dry-run', () => {
  test('the repository manifest: the reviewed command list, exit 0', async () => {
    const run = await cli(['deploy', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await expected('deploy.manifest.expected.txt'));
  });

  test('the sample manifest: the reviewed command list, exit 0', async () => {
    const run = await cli(['deploy', '--dry-run', '--manifest', 'test/fixtures/manifest.sample.yaml']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await expected('deploy.expected.txt'));
  });
});

describe('imds-guard deploy', () => {
  test('without ibmcloud on PATH: stops with how to install it, exit 2', async () => {
    const run = await cli(['deploy']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('ibmcloud is not on PATH');
    expect(run.stderr).toContain('ibmcloud plugin install code-engine');
    expect(run.stderr).toContain('ibmcloud plugin install atracker');
    expect(run.stderr).toContain('imds-guard deploy --dry-run');
  });

  test('a manifest without deployment sections: nothing to deploy, exit 2', async () => {
    const file = join(dir, 'policy-only.yaml');
    await writeFile(file, 'policy:\n  dry_run: true\n');
    const run = await cli(['deploy', '--dry-run', '--manifest', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('has no deployment sections');
  });

  describe('with an ibmcloud on PATH', () => {
    // A stand-in that logs its arguments, keeps what was created in marker files, and fails on request.
    const FAKE = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_LOG"
state="$FAKE_STATE"
case "$*" in
  "ce project create"*) touch "$state/project"; exit 0 ;;
  "ce project get"*) [ -f "$state/project" ] || exit 1; echo '{"crn":"crn:v1:bluemix:public:codeengine:us-south:a/0123:p-guid::"}'; exit 0 ;;
  "iam trusted-profile-create"*) touch "$state/profile"; exit 0 ;;
  "iam trusted-profile "*) [ -f "$state/profile" ] || exit 1; echo '{"iam_id":"iam-Profile-42"}'; exit 0 ;;
  "ce secret create"*) for a in "$@"; do [ -f "$a" ] && cat "$a" >> "$FAKE_LOG.files"; done; exit 0 ;;
  *"$FAKE_FAIL"*) [ -n "$FAKE_FAIL" ] && { echo "failing on purpose" >&2; exit 9; } ;;
esac
case "$*" in
  "atracker target create"*) echo '{"id":"t-1"}' ;;
  *" list --output json"|*" ls --output JSON"|"iam authorization-policies"*|"iam trusted-profile-"*"s "*) echo '[]' ;;
  *) echo OK ;;
esac
exit 0
`;
    let fakeBin: string;
    let work: string;
    const env = (extra: Record<string, string> = {}) => ({
      PATH: `${fakeBin}:${NODE_ONLY}`,
      FAKE_LOG: join(work, 'calls.log'),
      FAKE_STATE: join(work, 'state'),
      FAKE_FAIL: '',
      IMDS_GUARD_ES_USERNAME: 'token',
      IMDS_GUARD_ES_APIKEY: 'es-secret-value-77',
      ...extra,
    });

    beforeAll(async () => {
      fakeBin = join(dir, 'bin');
      work = join(dir, 'work');
      await mkdir(fakeBin, { recursive: true });
      await mkdir(join(work, 'state'), { recursive: true });
      await writeFile(join(fakeBin, 'ibmcloud'), FAKE);
      await chmod(join(fakeBin, 'ibmcloud'), 0o755);
      // The repository manifest, with the function code where the check before deploying looks for it.
      const manifest = (await readFile(join(root, 'manifest.yaml'), 'utf8')).replaceAll(
        'dist/functions/',
        'build/',
      );
      await writeFile(join(work, 'manifest.yaml'), manifest);
      for (const f of ['instance-guard', 'profile-guard', 'sweep'])
        await mkdir(join(work, 'build', f), { recursive: true });
      // build_source of the functions that do not name it falls back to dist/functions/<name>.
      for (const f of ['profile-guard', 'sweep'])
        await mkdir(join(work, 'dist/functions', f), { recursive: true });
      await mkdir(join(work, 'dist/apps/events'), { recursive: true });
      await mkdir(join(work, 'dist/jobs/sweep'), { recursive: true });
    });

    test('runs every command in order, streams the redacted lines, keeps secrets out of output', async () => {
      // Act
      const run = await cli(['deploy'], { cwd: work, env: env() });
      // Assess
      expect(run.code).toBe(0);
      const calls = (await readFile(join(work, 'calls.log'), 'utf8')).trim().split('\n');
      expect(calls[0]).toBe('target -c 0123456789abcdef0123456789abcdef -r us-south -g default');
      expect(calls).toContain('ce project create --name imds-guard');
      expect(calls).toContain(
        'iam trusted-profile-link-create imds-guard --name ce-fn-sweep --cr-type CE --link-crn crn:v1:bluemix:public:codeengine:us-south:a/0123:p-guid:: --link-component-type function --link-component-name sweep',
      );
      expect(calls.at(-1)).toBe(
        'atracker route create --name imds-guard --rules [{"locations":["global","us-south","eu-de"],"target_ids":["t-1"]}]',
      );
      expect(await readFile(join(work, 'calls.log.files'), 'utf8')).toBe(
        'username=token\npassword=es-secret-value-77\n',
      );
      expect(run.stderr).toContain(
        '+ ibmcloud ce secret create --name es-credentials --from-env-file "$DEPLOY_DIR/es-credentials.env"',
      );
      expect(run.stderr).toMatch(/deployed imds-guard: \d+ commands ran/);
      expect(run.stdout + run.stderr).not.toContain('es-secret-value-77');
    });

    test('stops at the first failing command with its exit code', async () => {
      const run = await cli(['deploy'], {
        cwd: work,
        env: env({ FAKE_FAIL: '--name profile-guard --runtime' }),
      });
      expect(run.code).toBe(9);
      expect(run.stderr).toContain('failing on purpose');
      expect(run.stderr).toMatch(/deploy stopped at: ibmcloud ce fn \w+ --name profile-guard /);
      expect(run.stderr).toContain('ibmcloud exited with 9');
      expect(run.stderr).not.toContain('ibmcloud ce fn create --name sweep');
      expect(run.stderr).not.toContain('ibmcloud ce fn update --name sweep');
    });

    test('a secret value missing from the environment: nothing runs, exit 2', async () => {
      await rm(join(work, 'calls.log'), { force: true });
      const run = await cli(['deploy'], { cwd: work, env: env({ IMDS_GUARD_ES_APIKEY: '' }) });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('IMDS_GUARD_ES_APIKEY is not set');
      expect(run.stderr).toContain('nothing was deployed');
      await expect(readFile(join(work, 'calls.log'), 'utf8')).rejects.toThrow();
    });

    test('--dry-run with ibmcloud reads the state: what the last run created is now updated', async () => {
      const run = await cli(['deploy', '--dry-run'], { cwd: work, env: env() });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('# State: read from IBM Cloud with ibmcloud;');
      expect(run.stdout).not.toContain('ibmcloud ce project create');
      expect(run.stdout).toContain('ibmcloud iam trusted-profile-update imds-guard');
    });
  });
});
