// `imds-guard scan` as users run it (node bin/imds-guard.mjs; the global setup rebuilt the bundle):
// the documented exit codes, the plan table, JSON lines on stdout or in a file, progress on stderr.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DecisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { envFor } from '../../helpers/emulator.ts';
import { type Account, GUARD_KEY, startAccount } from './support.ts';

const POLICY = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };

let account: Account;
let dir: string;

beforeAll(async () => {
  account = await startAccount({ instances: 200, regions: 2, seed: 'bulk-cli', profiles: 0 });
  dir = mkdtempSync(join(tmpdir(), 'imds-guard-scan-'));
});

afterAll(async () => {
  await account.close();
  rmSync(dir, { recursive: true, force: true });
});

const scan = (
  args: string[],
  env: Record<string, string> = envFor(account.url, GUARD_KEY, { IMDS_GUARD_POLICY: JSON.stringify(POLICY) }),
) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'scan', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

const jsonLines = (text: string): DecisionRecord[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DecisionRecord);

describe('imds-guard scan', () => {
  test('--help documents the exit codes', async () => {
    const { code, stdout } = await scan(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /Exit codes:\n {2}0 {2}nothing to do[\s\S]*4 {2}--apply refused[\s\S]*5 {2}stopped at --time-limit/,
    );
  });

  test.each([
    [['--regions', 'Not A Region']],
    [['--include', 'volumes']],
    [['--shard', '4/4']],
    [['--concurrency', '0']],
    [['--frobnicate']],
  ])('bad arguments %j → exit 2, nothing read', async (args) => {
    const since = await account.mark();
    const { code, stderr } = await scan(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error/);
    expect(await account.journal(since)).toEqual([]);
  });

  test('no credentials → exit 2', async () => {
    const { code, stderr } = await scan([], { IMDS_GUARD_ENDPOINT: account.url, IMDS_GUARD_POLICY: '{}' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/no credentials/);
  });

  test('plan: a table grouped by region, exit 3 (changes pending), progress and a summary on stderr', async () => {
    const { code, stdout, stderr } = await scan([]);
    expect(code).toBe(3);
    expect(stdout).toMatch(/^us-east {2}\(/m);
    expect(stdout).toMatch(/^us-south {2}\(/m);
    expect(stdout).toMatch(/KIND +NAME +OUTCOME +CHANGE +RULE +WHY/);
    expect(stdout).toMatch(/instance +us-south-vsi-\d+ +planned +.*→/);
    expect(stderr).toMatch(/scan plan: .* decided/);
    expect(stderr).toMatch(/exit 3: the plan has changes; run with --apply/);
  });

  test('--json: one decision record per resource on stdout; --output writes the same to a file', async () => {
    const file = join(dir, 'plan.jsonl');
    const { code, stdout } = await scan(['--json', '--output', file, '--no-progress']);
    const printed = jsonLines(stdout);
    const written = jsonLines(readFileSync(file, 'utf8'));
    expect(code).toBe(3);
    expect(printed.length).toBe(account.inventory().instances.length + account.inventory().templates.length);
    expect(written).toEqual(printed);
    expect(printed.every((r) => isDecisionLine(r) && r.fn === 'scan')).toBe(true);
  });

  test('--apply --max-changes below the plan → exit 4, nothing changed', async () => {
    const since = await account.mark();
    const { code, stderr } = await scan(['--apply', '--max-changes', '5', '--json']);
    expect(code).toBe(4);
    expect(stderr).toMatch(
      /refused: the plan has \d+ changes, more than --max-changes 5; nothing was changed/,
    );
    expect((await account.journal(since, 'vpc')).filter((e) => e.method !== 'GET')).toEqual([]);
  });

  test('--time-limit reached → exit 5 and what was not reached', async () => {
    const fault = await account.admin.fault({ service: 'vpc', latency_ms: 60 });
    const { code, stderr } = await scan([
      '--apply',
      '--time-limit',
      '1',
      '--region-concurrency',
      '1',
      '--regions',
      'us-south',
    ]);
    await account.admin.call('DELETE', `/faults/${fault.faults[0]?.id}`);
    expect(code).toBe(5);
    expect(stderr).toMatch(/not reached: \{"instances":\{"us-south":/);
  });

  test('an unknown region → its listing fails: exit 1, the others are still decided', async () => {
    const { code, stdout } = await scan(['--regions', 'us-south,nowhere-9', '--json', '--no-progress']);
    const records = jsonLines(stdout);
    expect(code).toBe(1);
    expect(records.filter((r) => r.outcome === 'failed').map((r) => r.detail?.region)).toEqual([
      'nowhere-9',
      'nowhere-9',
    ]);
    expect(records.some((r) => r.detail?.region === 'us-south' && r.outcome !== 'failed')).toBe(true);
  });

  test('--apply → exit 0; the next plan → exit 0 (nothing to do)', async () => {
    const applied = await scan(['--apply', '--no-progress']);
    const after = await scan(['--no-progress']);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toMatch(/exit 0: every change applied/);
    expect(after.code).toBe(0);
    expect(after.stderr).toMatch(/exit 0: nothing to do/);
  });
});
