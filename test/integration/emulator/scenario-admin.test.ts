import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const SMALL = `
seed: admin-test
api_keys:
  - { name: guard, key: admin-test-key-1, roles: { is: [Viewer] } }
regions:
  - name: us-south
    vpcs: [{ name: v }]
    instances:
      - { name: a, metadata_service: { enabled: true } }
      - { name: b }
`;

interface Loaded {
  loaded: Record<string, number>;
  ms: number;
}
interface Rejected {
  errors: { message: string; path: string; line?: number; col?: number; file: string }[];
  message: string;
}
interface Summary {
  account: { id: string };
  counts: Record<string, number>;
  regions: { name: string; instances: number }[];
}

let emu: RunningEmulator;
let admin: ReturnType<typeof adminClient>;

/** POST /_emulator/scenario with a raw body; returns status and parsed JSON. */
const postScenario = async <T>(body: string, contentType: string): Promise<{ status: number; json: T }> => {
  const res = await fetch(`${emu.url}/_emulator/scenario?file=posted`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, json: (await res.json()) as T };
};

beforeAll(async () => {
  emu = await withEmulator(SMALL);
  admin = adminClient(emu.url);
});
afterAll(async () => {
  await emu.close();
});

describe('POST /_emulator/scenario', () => {
  test('loads YAML text, then JSON, each replacing the world', async () => {
    // Prepare
    const yaml = SMALL.replace('seed: admin-test', 'seed: yaml-one').replace(
      '{ name: b }',
      '{ name: b }\n      - { name: c }',
    );
    const json = JSON.stringify({
      seed: 'json-one',
      regions: [{ name: 'eu-de', vpcs: [{ name: 'v' }], instances: [{ name: 'x' }] }],
    });
    // Act
    const y = await postScenario<Loaded>(yaml, 'application/yaml');
    const afterYaml = await admin.state<Summary>();
    const j = await postScenario<Loaded>(json, 'application/json');
    const afterJson = await admin.state<Summary>();
    // Assess
    expect(y.status).toBe(200);
    expect(y.json.loaded).toMatchObject({ regions: 1, instances: 3, api_keys: 1 });
    expect(afterYaml.counts.instances).toBe(3);
    expect(j.status).toBe(200);
    expect(afterJson.regions.map((r) => r.name)).toEqual(['eu-de']);
    expect(afterJson.account.id).not.toBe(afterYaml.account.id);
  });

  test('{generate} loads a generated account whose guard key works', async () => {
    // Act
    const g = await postScenario<Loaded>(
      JSON.stringify({ generate: { instances: 3000, regions: 3, seed: 'admin-gen', profiles: 5 } }),
      'application/json',
    );
    const summary = await admin.state<Summary>();
    const request: { headers: Record<string, string> } = { headers: {} };
    await authFor(emu.url, 'imds-guard-demo-key').authenticate(request);
    // Assess
    expect(g.status).toBe(200);
    expect(g.json.loaded).toMatchObject({ instances: 3000, regions: 3, profiles: 5 });
    expect(summary.regions.map((r) => [r.name, r.instances])).toEqual([
      ['us-south', 1000],
      ['us-east', 1000],
      ['eu-de', 1000],
    ]);
    expect(request.headers.Authorization).toMatch(/^Bearer /);
  });

  test.each([
    [
      'YAML with a schema error',
      `${SMALL}      - { name: z, metadata_service: { enabled: true, response_hop_limit: 65 } }\n`,
      'application/yaml',
      { line: 11, path: 'regions[0].instances[2].metadata_service.response_hop_limit', file: 'posted' },
    ],
    [
      'YAML with a reference error',
      `${SMALL}      - { name: z, vpc: nope }\n`,
      'application/yaml',
      { line: 11, message: 'unknown VPC "nope" in region us-south' },
    ],
    [
      'JSON with an unknown key',
      JSON.stringify({ seed: 's', regions: [{ name: 'us-south', colour: 'blue' }] }, null, 2),
      'application/json',
      { line: 6, path: 'regions[0].colour' },
    ],
    [
      'bad generator options',
      JSON.stringify({ generate: { instances: -5 } }),
      'application/json',
      { path: 'instances' },
    ],
  ])('%s → 400 with located issues, the world unchanged', async (_label, body, type, issue) => {
    // Prepare
    await postScenario(SMALL, 'application/yaml');
    const before = await admin.state<Summary>(true);
    // Act
    const res = await postScenario<Rejected>(body, type);
    const after = await admin.state<Summary>(true);
    // Assess
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toMatchObject(issue);
    if ('line' in issue) expect(res.json.errors[0]?.col).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });

  test('{generate} must be the only key', async () => {
    // Act
    const res = await postScenario<unknown>(
      JSON.stringify({ generate: { instances: 1 }, seed: 'x' }),
      'application/json',
    );
    // Assess
    expect(res.status).toBe(400);
  });
});

describe('POST /_emulator/reset', () => {
  test('returns to the scenario last loaded (text and generated alike)', async () => {
    // Prepare
    await postScenario(SMALL, 'application/yaml');
    const fresh = await admin.state<{ vpc: { instances: { id: string; metadata_service: unknown }[] }[] }>(
      true,
    );
    const rs = emu.emulator.state.regionState('us-south');
    const first = [...(rs?.instances.values() ?? [])][0];
    if (first) first.metadata_service = { enabled: false, protocol: 'http', response_hop_limit: 1 };
    rs?.instances.delete([...rs.instances.keys()][1] ?? '');
    // Act
    await admin.reset();
    const reset = await admin.state(true);
    await postScenario(
      JSON.stringify({ generate: { instances: 500, regions: 2, seed: 'r' } }),
      'application/json',
    );
    const generated = await admin.state<Summary>(true);
    emu.emulator.state.regionState('eu-de')?.instances.clear();
    await admin.reset();
    const regenerated = await admin.state<Summary>(true);
    // Assess
    expect(reset).toEqual(fresh);
    expect(regenerated).toEqual(generated);
    expect(regenerated.counts.instances).toBe(500);
  });
});

describe('imds-guard emulator (CLI)', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const children = new Set<ChildProcessWithoutNullStreams>();
  const run = (args: string[]): ChildProcessWithoutNullStreams => {
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'emulator', ...args], { cwd: root });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  // A failed assertion must not leave an emulator process behind.
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  const firstLine = async (child: ChildProcessWithoutNullStreams): Promise<string> => {
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    lines.close();
    return line;
  };
  /** Waits for the exit (killing a child that outlives `limitMs`, so a hang fails fast and clearly). */
  const finish = async (
    child: ChildProcessWithoutNullStreams,
    limitMs = 15_000,
  ): Promise<{ code: number | null; stderr: string }> => {
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, stderr };
  };

  test('--port 0 prints {"event":"listening","url"} first and serves the demo world until SIGTERM', async () => {
    // Act
    const child = run(['--port', '0']);
    const exit = finish(child);
    const line = await firstLine(child);
    const { url } = JSON.parse(line) as { event: string; url: string };
    const summary = (await (await fetch(`${url}/_emulator/state`)).json()) as Summary;
    child.kill('SIGTERM');
    const { code } = await exit;
    // Assess
    expect(JSON.parse(line)).toEqual({
      event: 'listening',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(summary.regions.map((r) => r.name)).toContain('us-south');
    expect(code).toBe(0);
  });

  test('--generate serves a generated account', async () => {
    // Act
    const child = run(['--port', '0', '--generate', 'instances=1200,regions=4,seed=cli,profiles=3']);
    const exit = finish(child);
    const { url } = JSON.parse(await firstLine(child)) as { url: string };
    const summary = (await (await fetch(`${url}/_emulator/state`)).json()) as Summary;
    child.kill('SIGTERM');
    await exit;
    // Assess
    expect(summary.counts).toMatchObject({ instances: 1200, regions: 4, profiles: 3 });
  });

  test('--scenario with a bad file exits 2 with file:line:col', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'imds-guard-')), 'bad.yaml');
    writeFileSync(file, `${SMALL}      - { name: z, metadata_service: { enabled: true, protocol: ftp } }\n`);
    // Act
    const { code, stderr } = await finish(run(['--port', '0', '--scenario', file]));
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:11:`);
    expect(stderr).toMatch(/:11:\d+: /);
  });

  test.concurrent.for<[string[], string]>([
    [['--generate', 'instances=lots'], 'instances must be an integer'],
    [['--generate', 'regions=2'], 'instances=N is required'],
    [['--generate', 'instances=10,planets=3'], 'unknown key "planets"'],
    [['--generate', 'instances=10,regions=0'], 'regions'],
    [['--scenario', '/nonexistent/scenario.yaml'], 'cannot read the scenario file'],
    [['--generate', 'instances=1', '--scenario', 'x.yaml'], 'either --scenario or --generate'],
  ])('bad arguments %j exit 2 with a clear message', async ([args, message], { expect }) => {
    // Act
    const { code, stderr } = await finish(run(['--port', '0', ...args]));
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
