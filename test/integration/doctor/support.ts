// Doctor tests: the demo world (emulator/scenarios/demo.yaml, which holds imds-guard deployed from
// manifest.yaml) and a manifest derived from the repository's manifest.yaml, pointed at the demo account.
// The manifest's identity becomes the demo's guard service ID (`imds-guard`, key imds-guard-demo-key), so
// the credentials are the guard identity. Edits to either go through small functions, never copies.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, parse, parseDocument } from 'yaml';
import type { RunningEmulator } from '#emulator/index.ts';
import { loadConfig } from '#shared/config.ts';
import { runDoctor } from '#shared/doctor/run.ts';
import type { Check, DoctorReport } from '#shared/doctor/types.ts';
import { loadManifestFile } from '#shared/manifest/load.ts';
import { adminClient, envFor, withEmulator } from '../../helpers/emulator.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/imds-guard.mjs');
const GUARD_KEY = 'imds-guard-demo-key';

type Scenario = Record<string, unknown> & {
  api_keys: Record<string, unknown>[];
  policies: Record<string, unknown>[];
  activity_tracker: { targets: Record<string, unknown>[]; routes: Record<string, unknown>[] };
  code_engine: {
    projects: (Record<string, unknown> & Record<'functions' | 'apps' | 'jobs', Record<string, unknown>[]>)[];
  };
};

/** The demo scenario as an object, to edit before starting an emulator with it. */
const demoScenario = (): Scenario =>
  parse(readFileSync(join(root, 'emulator/scenarios/demo.yaml'), 'utf8')) as Scenario;

interface World {
  emu: RunningEmulator;
  dir: string;
  account: string;
  close(): Promise<void>;
}

const startWorld = async (scenario: object = demoScenario()): Promise<World> => {
  const emu = await withEmulator(scenario);
  const dir = await mkdtemp(join(tmpdir(), 'imds-guard-doctor-'));
  return {
    emu,
    dir,
    account: emu.emulator.state.account.id,
    close: async () => {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/** manifest.yaml for the demo account with the guard's service ID as identity; `edit` changes more. */
const writeManifest = async (world: World, name: string, edit?: (doc: Document) => void): Promise<string> => {
  const doc = parseDocument(readFileSync(join(root, 'manifest.yaml'), 'utf8'));
  doc.setIn(['accounts', 0, 'id'], world.account);
  doc.set(
    'identity',
    doc.createNode({ service_id: { name: 'imds-guard', apikey_secret: 'imds-guard-apikey' } }),
  );
  doc.addIn(
    ['secrets'],
    doc.createNode({ name: 'imds-guard-apikey', from: 'existing', keys: ['IMDS_GUARD_APIKEY'] }),
  );
  edit?.(doc);
  const file = join(world.dir, `${name}.yaml`);
  await writeFile(file, String(doc));
  return file;
};

/** In-process doctor (the same runDoctor the CLI calls), for the many variations. */
const doctorIn = async (
  world: World,
  manifest: string,
  options: { key?: string; env?: Record<string, string>; now?: Date } = {},
): Promise<DoctorReport> => {
  const loaded = await loadManifestFile(manifest);
  if (!loaded.deployment) throw new Error(`${manifest} deploys nothing`);
  return runDoctor({
    manifestFile: loaded.file,
    deployment: loaded.deployment,
    policy: loaded.policy,
    account: loaded.deployment.accounts[0],
    config: loadConfig(envFor(world.emu.url, options.key ?? GUARD_KEY, options.env)),
    ...(options.now ? { now: options.now } : {}),
  });
};

const byId = (report: DoctorReport, id: string): Check => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI (the bundle vitest's global setup builds) in a child process. */
const cli = (args: string[], env: Record<string, string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: dirname(process.execPath), HOME: tmpdir(), ...env },
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

/** Every request since `since` (the doctor run): anything but GET/HEAD and the IAM token is a write. */
const writesSince = async (world: World, since: number): Promise<string[]> =>
  (await adminClient(world.emu.url).journal({ since }))
    .filter(
      (e) =>
        !(e.method === 'GET' || e.method === 'HEAD' || (e.method === 'POST' && e.path === '/identity/token')),
    )
    .map((e) => `${e.method} ${e.path}`);

export type { Scenario, World };
export { byId, cli, demoScenario, doctorIn, GUARD_KEY, startWorld, writeManifest, writesSince };
