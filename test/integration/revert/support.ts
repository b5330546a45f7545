// A demo account where the guard has remediated something: real decision records to revert, mutate
// and fuzz, and the emulator's journal to prove what revert did (or did not) send to IBM.
import { expect } from 'vitest';
import type { JournalEntry } from '#emulator/core/journal.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { createMain } from '#functions/instance-guard/index.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const POLICY = JSON.stringify({
  instances: { default: { mode: 'disable' }, exemptions: { access_tags: ['imds-guard:exempt'] } },
});

interface RevertWorld {
  emu: RunningEmulator;
  env: Record<string, string>;
  /** alice's change to an instance, the guard's remediation of it: the guard's decision record. */
  remediate: (name: string) => Promise<DecisionRecord>;
  /** A remediated instance-template record as the guard writes it, for the demo's workers template. */
  templateRecord: () => Promise<DecisionRecord>;
  runtime: () => Promise<GuardRuntime>;
  mark: () => number;
  /** Requests revert sent to IBM since `mark`, except the IAM token exchange. */
  callsSince: (since: number) => JournalEntry[];
  close: () => Promise<void>;
}

const startRevertWorld = async (): Promise<RevertWorld> => {
  const emu = await withEmulator();
  const alice = new VpcClient({
    authenticator: authFor(emu.url, 'alice-demo-key'),
    serviceUrl: `${emu.url}/vpc/us-south/v1`,
  });
  const env = {
    IMDS_GUARD_ENDPOINT: emu.url,
    IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
    IMDS_GUARD_POLICY: POLICY,
  };
  const instanceByName = async (name: string) => (await alice.listInstances({ name })).result.instances[0]!;

  const remediate = async (name: string): Promise<DecisionRecord> => {
    const inst = await instanceByName(name);
    await alice.updateInstance({
      id: inst.id,
      metadataService: { enabled: true, protocol: 'http', response_hop_limit: 2 },
    });
    const res = await fetch(`${emu.url}/_emulator/events?action=is.instance.instance.update`);
    const { events } = (await res.json()) as { events: { target: { id: string } }[] };
    const event = events.filter((e) => e.target.id === inst.crn).at(-1);
    const answer = await createMain({ env, logger: memoryLogger() })(event as never);
    const record = (answer.body as { decisions: DecisionRecord[] }).decisions[0]!;
    expect(record.outcome).toBe('remediated');
    return record;
  };

  const templateRecord = async (): Promise<DecisionRecord> => {
    const template = (await alice.listInstanceTemplates()).result.templates.find(
      (t) => t.name === 'workers-template-v1',
    )!;
    const group = (await alice.listInstanceGroups()).result.instance_groups[0]!;
    const metadata = { enabled: true, protocol: 'https', response_hop_limit: 1 };
    return {
      timestamp: '2026-09-01T10:15:43.000Z',
      level: 'info',
      message: 'remediated workers-template-v1: metadata over https (rule default)',
      app: 'imds-guard',
      subsystem: 'instance-guard',
      fn: 'instance-guard',
      event_id: 'partition:0/offset:42',
      action: 'is.instance-template.instance-template.create',
      target_crn: template.crn,
      account: null,
      outcome: 'remediated',
      reason: 'rule default wants https',
      before: {
        template: { id: template.id, name: template.name, metadata_service: metadata },
        instance_groups: [group.id],
      },
      after: {
        template: { id: template.id, name: 'copy', metadata_service: metadata },
        instance_groups: [group.id],
      },
      initiator: 'IBMid-alice',
      correlation_id: 'c-1',
      dry_run: false,
      api_calls: 6,
      latency_ms: 120,
      detail: { kind: 'instance-template', region: 'us-south' },
    };
  };

  return {
    emu,
    env,
    remediate,
    templateRecord,
    runtime: () => runtimeLoader('instance-guard', { env, logger: memoryLogger() })(),
    mark: () => emu.emulator.journal.last,
    callsSince: (since) =>
      emu.emulator.journal
        .list({ since })
        .filter((e) => !(e.method === 'POST' && e.path === '/identity/token')),
    close: () => emu.close(),
  };
};

export type { RevertWorld };
export { startRevertWorld };
