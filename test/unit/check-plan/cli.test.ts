// `imds-guard check-plan` as CI runs it: the CLI bundle (rebuilt by the vitest global setup) in a child
// process, judged by exit code, stdout, stderr and the files it writes (or does not write).
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, fixtureText } from './plans.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/imds-guard.mjs');
const POLICY = join(FIXTURES, 'policy.yaml');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;

const cli = (args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    // A directory without manifest.yaml, and only what the policy lookup reads from the environment.
    const child = spawn(process.execPath, [bin, 'check-plan', ...args], {
      cwd: dir,
      env: { PATH: dirname(process.execPath), HOME: dir, ...options.env },
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

const exists = async (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imds-guard-check-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// One child process at a time: each loads the whole CLI bundle, and the tests share a 2-core machine.
describe('imds-guard check-plan', { timeout: 90_000 }, () => {
  test('a compliant and a non-compliant instance: the table, one change, exit 3', async () => {
    const run = await cli([join(FIXTURES, 'mixed-instances.json'), '--manifest', POLICY]);
    expect(run.code).toBe(3);
    const rows = run.stdout.split('\n');
    expect(rows[0]).toMatch(/^RESOURCE\s+ACTION\s+CHECK\s+RESULT\s+DETAIL$/);
    expect(rows.filter((r) => / CHANGE /.test(r))).toEqual([
      expect.stringMatching(
        /^ibm_is_instance\.web\s+create\s+instance-metadata\s+CHANGE\s+after apply the instance guard would change it: enabled true→false$/,
      ),
    ]);
    expect(run.stdout).toContain(
      '  # ibm_is_instance.web (rule default)\n  metadata_service {\n    enabled = false\n  }',
    );
    expect(run.stderr).toBe(
      'imds-guard check-plan: 2 result(s) — 1 CHANGE · 1 pass\nexit 3: after apply the guards would change or ticket something this plan creates or changes\n',
    );
  });

  test('--sarif FILE writes SARIF 2.1.0 and still prints the table', async () => {
    const out = join(dir, 'mixed.sarif');
    const run = await cli([join(FIXTURES, 'mixed-instances.json'), '--manifest', POLICY, '--sarif', out]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^RESOURCE/);
    const log = JSON.parse(await readFile(out, 'utf8')) as {
      version: string;
      runs: { results: { ruleId: string }[] }[];
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]?.results.map((r) => r.ruleId)).toEqual(['instance-metadata']);
  });

  test('--sarif alone: SARIF on stdout; --json: one JSON document', async () => {
    const sarif = await cli([join(FIXTURES, 'profiles.json'), '--manifest', POLICY, '--sarif']);
    const json = await cli([join(FIXTURES, 'profiles.json'), '--manifest', POLICY, '--json']);
    expect(sarif.code).toBe(3);
    expect((JSON.parse(sarif.stdout) as { version: string }).version).toBe('2.1.0');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      tool: 'imds-guard check-plan',
      exit_code: 3,
      summary: { change: 1, ticket: 4 },
      policy: { source: POLICY },
    });
  });

  test('the plan from stdin, the policy from IMDS_GUARD_POLICY', async () => {
    const run = await cli(['-', '--json'], {
      stdin: fixtureText('mixed-instances.json'),
      env: { IMDS_GUARD_POLICY: '{"instances":{"default":{"mode":"secure"}}}' },
    });
    const report = JSON.parse(run.stdout) as {
      plan: { file: string };
      results: { address: string; verdict: string }[];
    };
    expect(report.plan.file).toBe('stdin');
    // Under secure, both instances would be changed: api is disabled by IBM's default, web uses http.
    expect(report.results.map((r) => `${r.address} ${r.verdict}`)).toEqual([
      'ibm_is_instance.api change',
      'ibm_is_instance.web change',
    ]);
    expect(run.code).toBe(3);
  });

  test('values known only after apply: exit 4; a delete-only plan: exit 0', async () => {
    const unknown = await cli([join(FIXTURES, 'unknown-values.json'), '--manifest', POLICY]);
    const deletes = await cli([join(FIXTURES, 'delete-only.json'), '--manifest', POLICY]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(
      /exit 4: nothing to change found, but some resources cannot be judged before apply\n$/,
    );
    expect(deletes.code).toBe(0);
    expect(deletes.stdout).toBe(
      'No instances, instance templates or trusted profiles are created or changed by this plan.\n',
    );
  });

  test('not a plan: one line on stderr, exit 2, no SARIF file written', async () => {
    const out = join(dir, 'state.sarif');
    const run = await cli([join(FIXTURES, 'not-a-plan.state.json'), '--manifest', POLICY, '--sarif', out]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      `imds-guard check-plan: ${join(FIXTURES, 'not-a-plan.state.json')}: this is Terraform state JSON, not a plan: run \`terraform plan -out tfplan && terraform show -json tfplan > plan.json\``,
      '',
    ]);
    expect(await exists(out)).toBe(false);
  });

  test('an unreadable file, a bad policy, a bad flag combination: exit 2, one line each', async () => {
    const runs = [
      await cli([join(dir, 'missing.json'), '--manifest', POLICY]),
      await cli([join(FIXTURES, 'mixed-instances.json')], {
        env: { IMDS_GUARD_POLICY: '{"instances":{"default":{"mode":"off"}}}' },
      }),
      await cli([join(FIXTURES, 'mixed-instances.json'), '--manifest', POLICY, '--json', '--sarif']),
    ];
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(runs[0]?.stderr).toMatch(/cannot read the plan: ENOENT/);
    expect(runs[1]?.stderr).toMatch(
      /^imds-guard check-plan: invalid policy: IMDS_GUARD_POLICY:1:\d+: mode must be one of disable, secure, audit/,
    );
    expect(runs[2]?.stderr).toBe(
      'imds-guard check-plan: --json and --sarif both want stdout; give --sarif a file name\n',
    );
  });
});
