import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { createMain } from '#functions/instance-guard/index.ts';
import { revertRecords } from '#functions/instance-guard/revert.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

let emu: RunningEmulator;
let alice: VpcClient;
let env: Record<string, string>;

const POLICY = JSON.stringify({
  instances: { default: { mode: 'disable' }, exemptions: { access_tags: ['imds-guard:exempt'] } },
});

const instanceByName = async (name: string) => (await alice.listInstances({ name })).result.instances[0]!;

/** Makes alice's change, delivers the resulting event to the guard, returns the guard's decision. */
const remediate = async (name: string): Promise<DecisionRecord> => {
  const inst = await instanceByName(name);
  await alice.updateInstance({
    id: inst.id,
    metadataService: { enabled: true, protocol: 'http', response_hop_limit: 2 },
  });
  const events = (await (
    await fetch(`${emu.url}/_emulator/events?action=is.instance.instance.update`)
  ).json()) as {
    events: { target: { id: string } }[];
  };
  const event = events.events.filter((e) => e.target.id === inst.crn).at(-1);
  const res = await createMain({ env, logger: memoryLogger() })(event as never);
  const record = (res.body as { decisions: DecisionRecord[] }).decisions[0]!;
  expect(record.outcome).toBe('remediated');
  return record;
};

beforeAll(async () => {
  emu = await withEmulator();
  alice = new VpcClient({
    authenticator: authFor(emu.url, 'alice-demo-key'),
    serviceUrl: `${emu.url}/vpc/us-south/v1`,
  });
  env = { IMDS_GUARD_ENDPOINT: emu.url, IMDS_GUARD_APIKEY: 'imds-guard-demo-key', IMDS_GUARD_POLICY: POLICY };
});
afterAll(async () => {
  await emu.close();
});

describe('revert', () => {
  test('restores the before state with a minimal PATCH; dry run changes nothing', async () => {
    // Prepare
    // batch-01, not web-01: a trusted profile is linked to web-01, so it would get a notice first.
    const record = await remediate('batch-01');
    const rt = await runtimeLoader('instance-guard', { env, logger: memoryLogger() })();
    // Act (dry run)
    const [planned] = await revertRecords(rt, [record], { dryRun: true, force: false });
    // Assess
    expect(planned).toMatchObject({ fn: 'revert', outcome: 'planned', dry_run: true });
    expect((await instanceByName('batch-01')).metadata_service.enabled).toBe(false);
    // Act
    const [done] = await revertRecords(rt, [record], { dryRun: false, force: false });
    // Assess
    expect(done).toMatchObject({
      outcome: 'remediated',
      after: { enabled: true, protocol: 'http', response_hop_limit: 2 },
    });
    expect((await instanceByName('batch-01')).metadata_service).toEqual({
      enabled: true,
      protocol: 'http',
      response_hop_limit: 2,
    });
  });

  test('refuses when the instance changed since the record, unless forced; the exempt tag keeps the guard away', async () => {
    // Prepare
    const record = await remediate('web-02');
    const inst = await instanceByName('web-02');
    await alice.updateInstance({
      id: inst.id,
      metadataService: { enabled: true, protocol: 'https', response_hop_limit: 1 },
    });
    // Reverting (and attaching an access tag) is an operator's job: alice's key, not the guard's.
    const operator = { ...env, IMDS_GUARD_APIKEY: 'alice-demo-key' };
    const rt = await runtimeLoader('instance-guard', { env: operator, logger: memoryLogger() })();
    // Act
    const [refused] = await revertRecords(rt, [record], { dryRun: false, force: false });
    const [forced] = await revertRecords(rt, [record], {
      dryRun: false,
      force: true,
      exemptTag: 'imds-guard:exempt',
    });
    // Assess
    expect(refused?.outcome).toBe('refused');
    expect(forced?.outcome).toBe('remediated');
    const events = (await (
      await fetch(`${emu.url}/_emulator/events?action=is.instance.instance.update`)
    ).json()) as {
      events: { target: { id: string } }[];
    };
    const revertEvent = events.events.filter((e) => e.target.id === inst.crn).at(-1);
    const again = await createMain({ env, logger: memoryLogger() })(revertEvent as never);
    expect((again.body as { decisions: DecisionRecord[] }).decisions[0]?.outcome).toMatch(/ignored|exempt/);
    expect((await instanceByName('web-02')).metadata_service.protocol).toBe('http');
  });

  test('records that changed nothing are ignored', async () => {
    const rt = await runtimeLoader('instance-guard', { env, logger: memoryLogger() })();
    const [r] = await revertRecords(rt, [{ outcome: 'compliant', target_crn: 'crn:x' } as DecisionRecord], {
      dryRun: false,
      force: false,
    });
    expect(r?.outcome).toBe('ignored');
  });

  test('the CLI reads records from stdin and exits 0', async () => {
    // Prepare
    const record = await remediate('batch-01');
    // Act
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'revert', '--record', '-', '--dry-run'], {
      env: { ...process.env, ...env },
    });
    child.stdin.end(`${JSON.stringify(record)}\nnot json\n`);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out.trim())).toMatchObject({ fn: 'revert', outcome: 'planned' });
    expect(err).toContain('line 2: not JSON');
  });

  test('the CLI refuses input without records (exit 2)', async () => {
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'revert', '--record', '-'], {
      env: { ...process.env, ...env },
    });
    child.stdin.end('{"hello":1}\n');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(2);
  });
});
