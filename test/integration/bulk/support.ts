// Shared set-up for the bulk tests: a generated multi-region account on its own emulator, the guard
// runtime for a policy, the engine run collecting its records, and the emulator's journal per service.

import type { RateLimitSpec } from '#emulator/core/faults.ts';
import type { JournalEntry } from '#emulator/core/journal.ts';
import { type RunningEmulator, startEmulator } from '#emulator/index.ts';
import type { GenerateOptions } from '#emulator/scenario/generate.ts';
import { runScan, type ScanOptions } from '#functions/sweep/engine.ts';
import type { ScanSummary } from '#functions/sweep/summary.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import type { PolicyInput } from '#shared/policy/schema.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { adminClient, envFor } from '../../helpers/emulator.ts';

const GUARD_KEY = 'imds-guard-demo-key';

/** Secure everywhere, no tag exemptions: every instance of a generated account can be brought in line. */
const SECURE: PolicyInput = { instances: { default: { mode: 'secure' } } };

interface Account {
  emu: RunningEmulator;
  url: string;
  admin: ReturnType<typeof adminClient>;
  runtime(policy: PolicyInput, extra?: Record<string, string>): Promise<GuardRuntime>;
  scan(
    policy: PolicyInput,
    options?: Partial<ScanOptions>,
  ): Promise<{ summary: ScanSummary; records: DecisionRecord[] }>;
  /** Journal entries since a mark (requests the guard made). */
  journal(since: number, service?: string): Promise<JournalEntry[]>;
  mark(): Promise<number>;
  limit(spec: RateLimitSpec): Promise<void>;
  /** Every instance, template and profile CRN of the account, read straight from emulator state. */
  inventory(): { instances: string[]; templates: string[]; profiles: string[] };
  close(): Promise<void>;
}

const startAccount = async (generate: GenerateOptions): Promise<Account> => {
  const emu = await startEmulator({ generate });
  const admin = adminClient(emu.url);
  const runtime = async (policy: PolicyInput, extra: Record<string, string> = {}): Promise<GuardRuntime> =>
    runtimeLoader('instance-guard', {
      env: envFor(emu.url, GUARD_KEY, { IMDS_GUARD_POLICY: JSON.stringify(policy), ...extra }),
      logger: memoryLogger('warn'),
    })();
  return {
    emu,
    url: emu.url,
    admin,
    runtime,
    scan: async (policy, options = {}) => {
      const rt = await runtime(policy);
      const records: DecisionRecord[] = [];
      const summary = await runScan(rt, {
        fn: 'scan',
        apply: false,
        include: ['instances', 'templates'],
        concurrency: 16,
        regionConcurrency: 4,
        ...options,
        onRecord: (r) => records.push(r),
      });
      return { summary, records };
    },
    // In-process: the journal is read directly (a 2,000-resource run makes thousands of entries).
    mark: async () => emu.emulator.journal.last,
    journal: async (since, service) => emu.emulator.journal.list({ since, ...(service ? { service } : {}) }),
    limit: async (spec) => {
      await admin.call('POST', '/limits', spec);
    },
    inventory: () => {
      const s = emu.emulator.state;
      const instances: string[] = [];
      const templates: string[] = [];
      for (const region of s.regions.values()) {
        for (const i of region.instances.values()) instances.push(i.crn);
        for (const t of region.templates.values()) templates.push(t.crn);
      }
      return { instances, templates, profiles: [...s.profiles.values()].map((p) => p.crn) };
    },
    close: () => emu.close(),
  };
};

/** target_crn of each record, checking none is repeated. */
const crnsOnce = (records: DecisionRecord[]): string[] => {
  const crns = records.map((r) => r.target_crn ?? '(none)');
  const seen = new Set<string>();
  const repeated = crns.filter((c) => {
    if (seen.has(c)) return true;
    seen.add(c);
    return false;
  });
  if (repeated.length > 0) throw new Error(`decided more than once: ${repeated.slice(0, 3).join(', ')}`);
  return crns;
};

const count = (records: DecisionRecord[], outcome: string): number =>
  records.filter((r) => r.outcome === outcome).length;

export type { Account };
export { count, crnsOnce, GUARD_KEY, SECURE, startAccount };
