// The three-account world of emulator/scenarios/accounts.yaml: platform (the guard's own API key),
// workloads (reached by assuming its `imds-guard` trusted profile) and sandbox (not listed: refused).
import { readFileSync } from 'node:fs';
import type { JournalEntry } from '#emulator/core/journal.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { builtinScenarioPath } from '#emulator/scenarios/index.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const ACCOUNTS = {
  platform: '1a000000000000000000000000000001',
  workloads: '2b000000000000000000000000000002',
  sandbox: '3c000000000000000000000000000003',
} as const;

const KEYS = {
  guard: 'accounts-platform-key',
  workloadsAdmin: 'accounts-workloads-admin-key',
  sandboxAdmin: 'accounts-sandbox-key',
} as const;

/** The guard's accounts: its own (API key) and workloads (assumed trusted profile); sandbox is not listed. */
const ACCOUNTS_ENV = JSON.stringify([
  { id: ACCOUNTS.platform, name: 'platform' },
  { id: ACCOUNTS.workloads, name: 'workloads', assume: { profile_name: 'imds-guard' } },
]);

const POLICY = JSON.stringify({ instances: { default: { mode: 'secure' } } });

const scenarioText = (): string => readFileSync(builtinScenarioPath('accounts'), 'utf8');

interface AtEventLike {
  id?: string;
  action: string;
  target: { id: string };
  [key: string]: unknown;
}

const startAccounts = async () => {
  const emu: RunningEmulator = await withEmulator(scenarioText());
  const { url } = emu;
  const admin = adminClient(url);
  const vpcAs = (apikey: string, region = 'us-south'): VpcClient =>
    new VpcClient({ authenticator: authFor(url, apikey), serviceUrl: `${url}/vpc/${region}/v1` });

  /** An instance by name, as the given key sees it. */
  const instanceAs = async (apikey: string, name: string, region = 'us-south') => {
    const list = (await vpcAs(apikey, region).listInstances({})).result.instances ?? [];
    const hit = list.find((i) => i.name === name);
    if (!hit) throw new Error(`no instance ${name} visible to ${apikey}`);
    return hit;
  };

  /** The last Activity Tracker event the emulator emitted for `action` on `crn`. */
  const lastEvent = async (action: string, crn: string): Promise<AtEventLike> => {
    const res = await fetch(`${url}/_emulator/events?action=${encodeURIComponent(action)}`);
    const { events } = (await res.json()) as { events: AtEventLike[] };
    const hit = events.filter((e) => e.target.id === crn).at(-1);
    if (!hit) throw new Error(`no ${action} event for ${crn}`);
    return structuredClone(hit);
  };

  /** An account's administrator switches an instance's metadata service on over http: the event it caused. */
  const userOpens = async (apikey: string, name: string): Promise<AtEventLike> => {
    const inst = await instanceAs(apikey, name);
    await vpcAs(apikey).updateInstance({
      id: inst.id as string,
      metadataService: { enabled: true, protocol: 'http', response_hop_limit: 1 },
    });
    return lastEvent('is.instance.instance.update', inst.crn as string);
  };

  const since = async (mark: number): Promise<JournalEntry[]> => admin.journal({ since: mark });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    IMDS_GUARD_ENDPOINT: url,
    IMDS_GUARD_APIKEY: KEYS.guard,
    IMDS_GUARD_ACCOUNTS: ACCOUNTS_ENV,
    IMDS_GUARD_POLICY: POLICY,
    ...extra,
  });

  return { emu, url, admin, vpcAs, instanceAs, userOpens, since, env, close: () => emu.close() };
};

type World = Awaited<ReturnType<typeof startAccounts>>;

export type { AtEventLike, World };
export { ACCOUNTS, ACCOUNTS_ENV, KEYS, POLICY, scenarioText, startAccounts };
