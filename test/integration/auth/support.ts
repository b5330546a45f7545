// The world of the auth tests: the guard's identity in every form sdk-core knows — an API key, a
// trusted profile for a Code Engine component (container), for the VSI it runs on (vpc), assumed from
// a service ID (iamAssume), a bare bearer token — and an instance for it to remediate.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalEntry } from '#emulator/core/journal.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { createMain } from '#functions/instance-guard/index.ts';
import { type DecisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { type CeParams, type CeResponse, paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const ACCOUNT = 'aaaabbbbccccddddeeeeffff00001111';
const PROJECT_CRN = `crn:v1:bluemix:public:codeengine:us-south:a/${ACCOUNT}:4a1b2c3d-0000-4000-8000-00000000c0de::`;
const KEYS = {
  guard: 'auth-guard-demo-key',
  alice: 'auth-alice-demo-key',
  assumer: 'auth-assumer-demo-key',
  stranger: 'auth-stranger-demo-key',
} as const;

/** `is` Editor on every instance, as grantsFor grants it, and tag reads. */
const GUARD_POLICIES = `
      - { roles: [Editor], resource: { serviceName: is, instanceId: '*' } }
      - { roles: [Viewer], resource: { serviceName: global-tagging } }`;

const worldText = (extraKeys = ''): string => `
seed: auth-it
account: { id: ${ACCOUNT}, name: auth-it }
api_keys:
  - { name: imds-guard, key: ${KEYS.guard}, kind: serviceid, roles: { is: [Editor], global-tagging: [Viewer] } }
  - { name: alice, key: ${KEYS.alice}, kind: user, roles: { '*': [Administrator, Manager] } }
  # Hold no role of their own: whatever the assumer does, it does as the profile it assumes.
  - { name: assumer, key: ${KEYS.assumer}, kind: serviceid }
  - { name: stranger, key: ${KEYS.stranger}, kind: serviceid }${extraKeys}
regions:
  - name: us-south
    vpcs: [{ name: prod-vpc }]
    images: [{ name: ubuntu }]
    instances:
      # The VSI the guard runs on when it authenticates as 'vpc' (metadata_host below).
      - name: guard-host
        metadata_service: { enabled: true, protocol: https, response_hop_limit: 1 }
        default_trusted_profile: { profile: guard-vsi, auto_link: true }
      - { name: web-01, metadata_service: { enabled: false } }
profiles:
  - name: guard-ce
    links: [{ cr_type: CE, crn: '${PROJECT_CRN}', component_type: function, component_name: instance-guard }]
    policies:${GUARD_POLICIES}
  # Its roles come through an access group.
  - name: guard-vsi
    access_groups: [guards]
  - name: guard-assumed
    identities: [{ key: assumer }]
    policies:${GUARD_POLICIES}
  - name: reader-only
    links: [{ cr_type: CE, crn: '${PROJECT_CRN}', component_type: function, component_name: reader }]
    policies:
      - { roles: [Viewer], resource: { serviceName: iam-identity } }
access_groups:
  - name: guards
    policies:${GUARD_POLICIES}
metadata_host: guard-host
`;

const POLICY = JSON.stringify({ instances: { default: { mode: 'disable' } } });

interface Profile {
  id: string;
  iam_id: string;
  name: string;
}

interface World {
  url: string;
  emu: RunningEmulator;
  admin: ReturnType<typeof adminClient>;
  dir: string;
  profile: (name: string) => Promise<Profile>;
  /** A compute-resource token "Code Engine" gives a project component, written to a file. */
  crTokenFile: (componentName: string) => Promise<string>;
  /** Alice turns web-01's metadata service on over http; the Activity Tracker event it caused. */
  insecureWeb: () => Promise<Record<string, unknown>>;
  web: () => Promise<{ id: string; crn: string; enabled: boolean }>;
  /** An instance-guard container with this environment (besides the endpoint and policy). */
  guard: (env: Record<string, string>) => {
    main: (p: CeParams) => Promise<CeResponse>;
    decisions: () => DecisionRecord[];
    lines: () => string[];
  };
  /** Back to this world (a reset restores whatever scenario was loaded last). */
  restore: () => void;
  /** Journal entries after a mark. */
  since: (seq: number) => Promise<JournalEntry[]>;
  close: () => Promise<void>;
}

const asParams = (body: unknown): CeParams =>
  paramsFromHttp({
    method: 'POST',
    path: '/',
    query: '',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });

const bodyOf = (res: CeResponse) =>
  res.body as { outcome: string; reason?: string; decisions: DecisionRecord[] };

/** `extraKeys`: more `api_keys` entries (YAML lines, indented two spaces). */
const startWorld = async (extraKeys = ''): Promise<World> => {
  const WORLD = worldText(extraKeys);
  const emu = await withEmulator(WORLD);
  const { url } = emu;
  const admin = adminClient(url);
  const dir = mkdtempSync(join(tmpdir(), 'imds-guard-auth-'));
  const alice = new VpcClient({
    authenticator: authFor(url, KEYS.alice),
    serviceUrl: `${url}/vpc/us-south/v1`,
  });
  const web = async () => {
    const i = (await alice.listInstances({ name: 'web-01' })).result.instances?.[0];
    if (!i) throw new Error('no web-01');
    return { id: i.id, crn: i.crn, enabled: i.metadata_service?.enabled ?? false };
  };
  let files = 0;
  return {
    url,
    emu,
    admin,
    dir,
    profile: async (name) => {
      const { profiles } = await admin.state<{ profiles: Profile[] }>(true);
      const p = profiles.find((x) => x.name === name);
      if (!p) throw new Error(`no profile ${name}`);
      return p;
    },
    crTokenFile: async (componentName) => {
      const { token } = await admin.call<{ token: string }>('POST', '/compute-resource-tokens', {
        crn: PROJECT_CRN,
        component_type: 'function',
        component_name: componentName,
      });
      files += 1;
      const file = join(dir, `cr-token-${files}`);
      writeFileSync(file, token);
      return file;
    },
    insecureWeb: async () => {
      const w = await web();
      await alice.updateInstance({ id: w.id, metadataService: { enabled: true, protocol: 'http' } });
      const res = await fetch(`${url}/_emulator/events?action=is.instance.instance.update`);
      const { events } = (await res.json()) as { events: { target: { id: string } }[] };
      const hit = events.filter((e) => e.target.id === w.crn).at(-1);
      if (!hit) throw new Error('no event');
      return hit as unknown as Record<string, unknown>;
    },
    web,
    guard: (env) => {
      const logger = memoryLogger();
      const main = createMain({
        // HOME of our own: a developer's ~/ibm-credentials.env never takes part.
        env: { HOME: dir, IMDS_GUARD_ENDPOINT: url, IMDS_GUARD_POLICY: POLICY, ...env },
        logger,
      });
      return {
        main,
        decisions: () => logger.lines.filter(isDecisionLine) as unknown as DecisionRecord[],
        lines: () => logger.lines.map((l) => JSON.stringify(l)),
      };
    },
    restore: () => emu.load({ text: WORLD }),
    since: async (seq) => admin.journal({ since: seq }),
    close: async () => {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export type { World };
export { ACCOUNT, asParams, bodyOf, KEYS, POLICY, PROJECT_CRN, startWorld };
