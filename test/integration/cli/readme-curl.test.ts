// The README's copy-paste `curl` examples, run as written against `imds-guard emulator --port 0`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';

const run = promisify(execFile);
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  child = spawn(process.execPath, ['bin/imds-guard.mjs', 'emulator', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  // The contract: the first stdout line says where it listens.
  expect(JSON.parse(first)).toEqual({
    event: 'listening',
    url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
  });
  url = (JSON.parse(first) as { url: string }).url;
});
afterAll(() => {
  child.kill('SIGTERM');
});

test('the README curl block runs against the emulator and shows what it says', async () => {
  // Prepare: the fenced block that starts with E=…
  const readme = readFileSync('README.md', 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((b) => b.startsWith('E=http://127.0.0.1:'));
  expect(block, 'README has the curl block').toBeDefined();
  const script = (block ?? '').replace(/^E=http:\/\/127\.0\.0\.1:\d+/m, `E=${url}`);
  // Act
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 20_000 });
  // Assess: each example printed what it promises.
  expect(stdout).toMatch(/"instances":\[/);
  expect(stdout).toMatch(/ETag: W\//i);
  expect(stdout).toContain('"enabled":false');
  expect(stdout).toContain('validation_max_value');
  expect(stdout).toContain('"status_code":401');
  expect(stdout).toContain('"entries":[');
  expect(stdout).toContain('"faults":[');
  expect(stdout).toContain('"reset":true');
});
