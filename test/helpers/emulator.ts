// Test helpers: start an emulator on a free port with a scenario, talk to its admin API.
import { IamAuthenticator } from 'ibm-cloud-sdk-core';
import type { FaultSpec } from '#emulator/core/faults.ts';
import type { JournalEntry } from '#emulator/core/journal.ts';
import { type RunningEmulator, startEmulator } from '#emulator/index.ts';

/** Starts an emulator with a scenario (YAML text, or an object); the built-in demo when omitted. */
const withEmulator = async (scenario?: string | object): Promise<RunningEmulator> => {
  if (scenario === undefined) return startEmulator({});
  return typeof scenario === 'string'
    ? startEmulator({ scenarioText: scenario })
    : startEmulator({ scenario });
};

/** A fresh authenticator for a key, pointed at the emulator's token endpoint. */
const authFor = (url: string, apikey: string): IamAuthenticator => new IamAuthenticator({ apikey, url });

/** Environment for code that reads configuration (shared/config.ts) against this emulator. */
const envFor = (url: string, apikey: string, extra: Record<string, string> = {}): Record<string, string> => ({
  IMDS_GUARD_ENDPOINT: url,
  IMDS_GUARD_APIKEY: apikey,
  ...extra,
});

const adminClient = (url: string) => {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/_emulator${path}`, {
      method,
      ...(body !== undefined
        ? typeof body === 'string'
          ? { body, headers: { 'content-type': 'application/yaml' } }
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (!res.ok)
      throw Object.assign(new Error(`admin ${method} ${path} → ${res.status}: ${text}`), {
        status: res.status,
        body: parsed,
      });
    return parsed;
  };
  return {
    call,
    fault: (spec: FaultSpec | FaultSpec[]) => call<{ faults: { id: string }[] }>('POST', '/faults', spec),
    clearFaults: () => call('DELETE', '/faults'),
    journal: async (filter: Record<string, string | number> = {}): Promise<JournalEntry[]> => {
      const qs = new URLSearchParams(
        Object.entries(filter).map(([k, v]): [string, string] => [k, String(v)]),
      );
      return (await call<{ entries: JournalEntry[] }>('GET', `/journal?${qs}`)).entries;
    },
    lastSeq: async (): Promise<number> => (await call<{ last: number }>('GET', '/journal?limit=0')).last,
    reset: () => call('POST', '/reset'),
    state: <T = Record<string, unknown>>(full = false) => call<T>('GET', `/state${full ? '?full=1' : ''}`),
  };
};

export { adminClient, authFor, envFor, withEmulator };
