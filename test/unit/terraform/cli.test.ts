// `imds-guard deploy --terraform DIR` as a user runs it: the CLI bundle in a child process, checked by
// exit code, output and the files it leaves. Nothing here talks to IBM Cloud.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadManifestFile } from '#shared/manifest/load.ts';
import { terraformInputs } from '#shared/manifest/terraform.ts';
import { GRANTS, moduleFiles, TFVARS } from '#shared/manifest/terraform-write.ts';
import { MODULE_DIR, root } from './module.ts';

const bin = join(root, 'bin/imds-guard.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cli = (args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? tmpdir() },
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

/** Every file under dir, relative, sorted. */
const listing = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'imds-guard-tf-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('imds-guard deploy --terraform DIR', () => {
  test('writes the module and its inputs into a new directory, and says what is left to do', async () => {
    const dir = join(base, 'new');
    const run = await cli(['deploy', '--terraform', dir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const files = await moduleFiles(MODULE_DIR);
    expect(await listing(dir)).toEqual([...files, GRANTS, TFVARS].sort());
    for (const f of files)
      expect(await readFile(join(dir, f), 'utf8')).toBe(await readFile(join(MODULE_DIR, f), 'utf8'));
    const loaded = await loadManifestFile(join(root, 'manifest.yaml'));
    if (!loaded.deployment) throw new Error('manifest.yaml deploys');
    const inputs = terraformInputs(loaded.deployment, loaded.policy);
    expect(JSON.parse(await readFile(join(dir, TFVARS), 'utf8'))).toEqual(inputs.vars);
    expect(JSON.parse(await readFile(join(dir, GRANTS), 'utf8'))).toEqual(inputs.grants);
    expect(run.stdout).toMatch(
      /^wrote .*: \d+ module files, terraform\.tfvars\.json, grants\.auto\.tfvars\.json \(5 grants\)\n/,
    );
    expect(run.stdout).toContain('functions["instance-guard"].code_bundle');
    expect(run.stdout).toContain('export TF_VAR_secret_values="$(jq -n \'');
    expect(run.stdout).toContain('imds-guard doctor');
  });

  test('runs again over its own output, Terraform’s files and the operator’s own .auto.tfvars', async () => {
    const dir = join(base, 'again');
    expect((await cli(['deploy', '--terraform', dir])).code).toBe(0);
    await mkdir(join(dir, '.terraform', 'providers'), { recursive: true });
    await writeFile(join(dir, '.terraform', 'providers', 'x'), '');
    await writeFile(join(dir, 'terraform.tfstate'), '{}');
    await writeFile(join(dir, 'code.auto.tfvars.json'), '{}');
    const run = await cli(['deploy', '--terraform', dir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await readFile(join(dir, 'code.auto.tfvars.json'), 'utf8')).toBe('{}');
  });

  test('a directory holding foreign files: one error line, exit 2, nothing written', async () => {
    const dir = join(base, 'foreign');
    await mkdir(dir);
    await writeFile(join(dir, 'main.tf'), 'resource "null_resource" "mine" {}\n');
    const before = await listing(dir);
    const run = await cli(['deploy', '--terraform', dir]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`${dir} holds files that are not imds-guard's Terraform module (main.tf)`);
    expect(run.stderr).toContain('nothing was written');
    expect(await listing(dir)).toEqual(before);
  });

  test('a file where the directory should be, or --terraform with --dry-run: exit 2, one line', async () => {
    const file = join(base, 'a-file');
    await writeFile(file, 'x');
    const run = await cli(['deploy', '--terraform', file]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`${file} exists and is not a directory; nothing was written`);
    const both = await cli(['deploy', '--dry-run', '--terraform', join(base, 'never')]);
    expect(both.code).toBe(2);
    expect(both.stderr.trim().split('\n')).toHaveLength(1);
    await expect(readdir(join(base, 'never'))).rejects.toThrow();
  });
});
