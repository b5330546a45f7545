// No record is lost when a bulk apply is stopped: `imds-guard scan --apply` (as users run it) is signalled
// while PATCHes are in flight (slowed by a latency fault on PATCH). SIGTERM: in-flight changes finish,
// every instance whose state changed has its record, a summary is printed. SIGKILL: every changed
// instance has a journaled intent; the next run reconciles the unanswered ones and converges. Counts come
// from emulator state and its journal, never from the clock.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DecisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { envFor } from '../../helpers/emulator.ts';
import { asParams, startWorld } from '../instance-guard/support.ts';
import { type Account, GUARD_KEY, startAccount } from './support.ts';

const POLICY = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };

let account: Account;
let dir: string;

beforeAll(async () => {
  account = await startAccount({
    instances: 300,
    regions: 2,
    seed: 'bulk-termination',
    profiles: 0,
    templatesPerRegion: 0,
    groupsPerRegion: 0,
  });
  dir = mkdtempSync(join(tmpdir(), 'imds-guard-termination-'));
});

afterAll(async () => {
  await account.close();
  rmSync(dir, { recursive: true, force: true });
});

const stateDir = (): string => join(dir, 'state');

const scan = (
  args: string[],
): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } => {
  const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'scan', '--include', 'instances', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ...envFor(account.url, GUARD_KEY, { IMDS_GUARD_POLICY: JSON.stringify(POLICY) }),
      IMDS_GUARD_STATE_DIR: stateDir(),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  return { child, done };
};

/** Every instance's metadata settings, from emulator state. */
const metadata = (): Map<string, string> => {
  const out = new Map<string, string>();
  for (const region of account.emu.emulator.state.regions.values())
    for (const i of region.instances.values()) out.set(i.crn, JSON.stringify(i.metadata_service));
  return out;
};

const changedSince = (before: Map<string, string>): Set<string> =>
  new Set([...metadata()].filter(([crn, m]) => before.get(crn) !== m).map(([crn]) => crn));

const patches = async (since: number): Promise<number> =>
  (await account.journal(since, 'vpc')).filter((e) => e.method === 'PATCH' && e.status === 200).length;

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until at least `n` PATCHes were answered since `since`. */
const untilPatched = async (since: number, n: number): Promise<void> => {
  while ((await patches(since)) < n) await pause(25);
};

/** Waits until the emulator has answered every PATCH it received (the count holds over a latency). */
const untilSettled = async (since: number): Promise<void> => {
  let last = -1;
  for (let same = 0; same < 10; ) {
    const now = await patches(since);
    same = now === last ? same + 1 : 0;
    last = now;
    await pause(100);
  }
};

const records = (file: string): DecisionRecord[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as DecisionRecord)
    : [];

const journalFiles = (): string[] => (existsSync(stateDir()) ? readdirSync(stateDir()) : []);

const remediated = (rs: DecisionRecord[]): Set<string> =>
  new Set(rs.filter((r) => r.outcome === 'remediated').map((r) => r.target_crn ?? ''));

describe('scan --apply stopped mid-run', () => {
  test('SIGTERM: in-flight changes finish; every changed instance has its record; a summary', async () => {
    // Prepare: PATCHes take 300 ms, so several are in flight at any moment.
    mkdirSync(stateDir(), { recursive: true });
    const fault = await account.admin.fault({ service: 'vpc', method: 'PATCH', latency_ms: 300 });
    const before = metadata();
    const since = await account.mark();
    const file = join(dir, 'term.jsonl');

    // Act
    const run = scan(['--apply', '--output', file, '--no-progress', '--concurrency', '8']);
    await untilPatched(since, 10);
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.done;
    await account.admin.call('DELETE', `/faults/${fault.faults[0]?.id}`);

    // Assess: stopped early, and the records match the changes exactly
    const changed = changedSince(before);
    expect(code).toBe(143);
    expect(changed.size).toBeGreaterThanOrEqual(10);
    expect(changed.size).toBeLessThan(before.size / 2);
    expect(remediated(records(file))).toEqual(changed);
    expect(changed.size).toBe(await patches(since));
    expect(stderr).toMatch(/SIGTERM: no new work/);
    expect(stderr).toMatch(/imds-guard scan \(apply\): .* decided/);
    expect(stderr).toMatch(/exit 143: interrupted by SIGTERM/);
    // Every intent was answered, so the run left no journal behind.
    expect(journalFiles()).toEqual([]);
  }, 120_000);

  test('SIGKILL: every changed instance has an intent; the next run reconciles them and converges', async () => {
    // Prepare
    const fault = await account.admin.fault({ service: 'vpc', method: 'PATCH', latency_ms: 300 });
    const before = metadata();
    const since = await account.mark();
    const file = join(dir, 'kill.jsonl');

    // Act: killed with PATCHes in flight, no chance to write anything more
    const run = scan(['--apply', '--output', file, '--no-progress', '--concurrency', '8']);
    await untilPatched(since, 10);
    run.child.kill('SIGKILL');
    await run.done;
    await untilSettled(since);
    await account.admin.call('DELETE', `/faults/${fault.faults[0]?.id}`);
    const changed = changedSince(before);

    // Assess: what the records file lacks, the journal holds as intents without an outcome
    const [journal] = journalFiles();
    expect(journal).toMatch(/^scan-.+\.jsonl$/);
    const lines = readFileSync(join(stateDir(), journal ?? ''), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type?: string; intent_id?: string; target_crn?: string });
    const answered = new Set(lines.filter((l) => l.type === 'outcome').map((l) => l.intent_id));
    const open = lines.filter((l) => l.type === 'intent' && !answered.has(l.intent_id));
    const recorded = remediated(records(file));
    const unrecorded = [...changed].filter((crn) => !recorded.has(crn));
    expect(changed.size).toBeGreaterThanOrEqual(10);
    expect(unrecorded.every((crn) => open.some((l) => l.target_crn === crn))).toBe(true);
    expect(open.length).toBeGreaterThan(0);

    // Act again: the next run (no fault) reconciles first, then applies the rest
    const next = join(dir, 'next.jsonl');
    const second = await scan(['--apply', '--output', next, '--no-progress']).done;
    const third = await scan(['--no-progress']).done;

    // Assess: one reconcile record per open intent; every change now has a record; nothing left to do
    const again = records(next);
    const reconciled = again.filter((r) => r.detail?.reconciled !== undefined);
    expect(second.code).toBe(0);
    const reconciledIds = reconciled.map(
      (r) => (r.detail?.reconciled as { intent_id?: string } | undefined)?.intent_id,
    );
    expect(reconciledIds.sort()).toEqual(open.map((l) => l.intent_id).sort());
    const landed = reconciled.filter((r) => r.outcome === 'remediated').map((r) => r.target_crn);
    expect(new Set([...recorded, ...landed])).toEqual(changed);
    expect(second.stderr).toMatch(/reconciled \d+ change\(s\) left by interrupted runs/);
    expect(journalFiles()).toEqual([]);
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/exit 0: nothing to do/);
  }, 120_000);
});

describe('instance-guard on an event', () => {
  test('the intent is logged before the PATCH and its outcome as soon as IBM answers, before the decision', async () => {
    // Prepare
    const world = await startWorld();
    try {
      const event = await world.userSets('web-01', { enabled: true, protocol: 'http' });
      const guard = world.guard({ instances: POLICY.instances });

      // Act
      const res = await guard.main(asParams(event));

      // Assess: intent → outcome → decision, joined by intent_id and target
      const lines = guard.logger.lines;
      const at = (message: string): number =>
        lines.findIndex((l) =>
          message === 'decision'
            ? !String(l.message).startsWith('change ') && isDecisionLine(l)
            : l.message === message,
        );
      const intent = lines[at('change intent')];
      const outcome = lines[at('change outcome')];
      expect(res.statusCode).toBe(200);
      expect(at('change intent')).toBeLessThan(at('change outcome'));
      expect(at('change outcome')).toBeLessThan(at('decision'));
      expect(intent).toMatchObject({
        fn: 'instance-guard',
        target_crn: event.target.id,
        kind: 'instance',
        before: { enabled: true, protocol: 'http' },
        change: { protocol: 'https' },
      });
      expect(outcome).toMatchObject({
        intent_id: intent?.intent_id,
        result: 'applied',
        after: { protocol: 'https' },
      });
    } finally {
      await world.close();
    }
  });
});
