// Shared set-up for instance-guard's integration tests: an emulator world, the guard function with an
// inline policy and an in-memory logger, users who change things, and the journal read per caller.
import GlobalTaggingV1 from '@ibm-cloud/platform-services/global-tagging/v1.js';
import type { JournalEntry } from '#emulator/core/journal.ts';
import type { DeliveryRecord, SubscriptionView } from '#emulator/events/subscriptions.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { createMain } from '#functions/instance-guard/index.ts';
import { type DecisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { type Fields, memoryLogger } from '#shared/audit/logger.ts';
import {
  type InstanceMetadataService,
  type InstanceMetadataServicePatch,
  VpcClient,
} from '#shared/cloud/vpc.ts';
import type { PolicyInput } from '#shared/policy/schema.ts';
import { type CeParams, type CeResponse, paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

/** The guard's own service ID key (as in the demo world). */
const GUARD_KEY = 'imds-guard-demo-key';
/** Alice: an account Administrator, the user whose changes the guard reacts to. */
const ALICE_KEY = 'alice-demo-key';
/** A second key with the guard's rights (see WORLD). */
const SPARE_GUARD_KEY = 'imds-guard-spare-key';

/**
 * The world these tests act on: the demo world's cases (insecure, compliant, exempt, container hosts,
 * an image that needs the metadata service, an insecure template behind a group) pinned here so that
 * edits to the demo story cannot change what the tests prove.
 */
const WORLD = `
seed: instance-guard-it
resource_groups: [{ name: default }, { name: prod }, { name: dev }, { name: containers }]
api_keys:
  - name: imds-guard
    key: ${GUARD_KEY}
    kind: serviceid
    roles: { is: [Editor], global-tagging: [Viewer] }
  # The same rights under another key: a process whose authenticator has fetched no token yet.
  - name: imds-guard-spare
    key: ${SPARE_GUARD_KEY}
    kind: serviceid
    roles: { is: [Editor], global-tagging: [Viewer] }
  - { name: alice, key: ${ALICE_KEY}, kind: user, roles: { '*': [Administrator, Manager] } }
regions:
  - name: us-south
    vpcs:
      - { name: prod-vpc, resource_group: prod }
      - { name: dev-vpc, resource_group: dev }
      - { name: containers-vpc, resource_group: containers }
    images:
      - name: ubuntu
      - name: imds-agent-image
        allowed_use: { instance: 'metadata_service.enabled == true' }
    instances:
      - { name: web-01, vpc: prod-vpc, metadata_service: { enabled: true, protocol: http } }
      - { name: web-02, vpc: prod-vpc, zone: us-south-2, metadata_service: { enabled: true, protocol: http } }
      - name: batch-01
        vpc: dev-vpc
        zone: us-south-3
        metadata_service: { enabled: true, protocol: http, response_hop_limit: 3 }
      - { name: db-01, vpc: prod-vpc, metadata_service: { enabled: false } }
      - name: api-01
        vpc: prod-vpc
        zone: us-south-2
        metadata_service: { enabled: true, protocol: https, response_hop_limit: 1 }
      - name: legacy-01
        vpc: dev-vpc
        metadata_service: { enabled: true, protocol: http }
        tags: { access: ['imds-guard:exempt'] }
      - name: k8s-worker-01
        vpc: containers-vpc
        metadata_service: { enabled: true, protocol: https, response_hop_limit: 2 }
        tags: { access: ['imds-guard:container-host'] }
      - name: k8s-worker-02
        vpc: containers-vpc
        zone: us-south-2
        metadata_service: { enabled: true, protocol: http }
        tags: { access: ['imds-guard:container-host'] }
      - { name: agent-01, vpc: prod-vpc, image: imds-agent-image, metadata_service: { enabled: true, protocol: http } }
      - name: workers-001
        vpc: prod-vpc
        instance_group: workers
        metadata_service: { enabled: true, protocol: http }
      - name: workers-002
        vpc: prod-vpc
        zone: us-south-2
        instance_group: workers
        metadata_service: { enabled: true, protocol: http }
    templates:
      - { name: workers-template-v1, vpc: prod-vpc, metadata_service: { enabled: true, protocol: http } }
      - name: api-template
        vpc: prod-vpc
        metadata_service: { enabled: true, protocol: https, response_hop_limit: 1 }
      - { name: batch-template, vpc: dev-vpc }
    instance_groups:
      - { name: workers, template: workers-template-v1 }
  - name: eu-de
    vpcs: [{ name: eu-prod-vpc, resource_group: prod }]
    images: [{ name: ubuntu }]
    instances:
      - { name: eu-web-01, metadata_service: { enabled: true, protocol: http } }
      - { name: eu-db-01, zone: eu-de-2 }
  - name: jp-tok
    vpcs: [{ name: tok-vpc, resource_group: prod }]
    images: [{ name: ubuntu }]
    instances:
      - name: tok-cache-01
        zone: jp-tok-2
        metadata_service: { enabled: true, protocol: http, response_hop_limit: 2 }
`;

interface AtEventLike {
  id?: string;
  action: string;
  outcome?: string;
  initiator?: { id?: string; name?: string };
  target: { id: string; name?: string };
  [key: string]: unknown;
}

interface InstanceState {
  id: string;
  crn: string;
  name: string;
  region: string;
  zone: string;
  metadata_service: InstanceMetadataService;
  image_id?: string;
}

interface TemplateState {
  id: string;
  crn: string;
  name: string;
  metadata_service?: InstanceMetadataService;
}

interface GroupState {
  id: string;
  name: string;
  template_id: string;
}

interface FullState {
  account: { id: string };
  api_keys: { name: string; iam_id: string }[];
  vpc: {
    region: string;
    vpcs: { id: string; name: string }[];
    images: { id: string; name: string }[];
    instances: InstanceState[];
    templates: TemplateState[];
    instance_groups: GroupState[];
  }[];
}

/** A decision line as the logger wrote it (the contract fields plus `detail`). */
type DecisionLine = DecisionRecord & Fields;

interface GuardUnderTest {
  main: (params: CeParams) => Promise<CeResponse>;
  logger: ReturnType<typeof memoryLogger>;
  /** The JSON decision lines logged so far. */
  decisions: () => DecisionLine[];
}

/** What Code Engine hands a function for a JSON POST of `body` (events-and-code-engine.md §4.2). */
const asParams = (body: unknown, headers: Record<string, string> = {}): CeParams =>
  paramsFromHttp({
    method: 'POST',
    path: '/',
    query: '',
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });

/** The response body of a guard function (its decisions carry the contract's fields). */
const bodyOf = (res: CeResponse): { outcome: string; decisions: DecisionRecord[]; reason?: string } =>
  res.body as { outcome: string; decisions: DecisionRecord[]; reason?: string };

const startWorld = async (scenario: string | object = WORLD) => {
  const emu: RunningEmulator = await withEmulator(scenario);
  const { url } = emu;
  const admin = adminClient(url);
  const full = async (): Promise<FullState> => admin.state<FullState>(true);
  const initial = await full();
  const account = initial.account.id;
  const iamIdOf = (name: string): string => {
    const key = initial.api_keys.find((k) => k.name === name);
    if (!key) throw new Error(`no api key named ${name} in the scenario`);
    return key.iam_id;
  };
  const guardIamId = iamIdOf('imds-guard');
  const clients = new Map<string, VpcClient>();

  /** A VPC client for a region, as the holder of `apikey` (alice by default). */
  const vpcAs = (region: string, apikey = ALICE_KEY): VpcClient => {
    const k = `${apikey}@${region}`;
    let c = clients.get(k);
    if (!c) {
      c = new VpcClient({ authenticator: authFor(url, apikey), serviceUrl: `${url}/vpc/${region}/v1` });
      clients.set(k, c);
    }
    return c;
  };

  const instance = async (name: string): Promise<InstanceState> => {
    for (const r of (await full()).vpc) {
      const hit = r.instances.find((i) => i.name === name);
      if (hit) return { ...hit, region: r.region };
    }
    throw new Error(`no instance ${name}`);
  };

  const templates = async (region = 'us-south'): Promise<TemplateState[]> =>
    (await full()).vpc.find((r) => r.region === region)?.templates ?? [];

  const groups = async (region = 'us-south'): Promise<GroupState[]> =>
    (await full()).vpc.find((r) => r.region === region)?.instance_groups ?? [];

  /** Ids of a region's VPCs and images by name (what a user's POST /instances names). */
  const idsIn = async (region = 'us-south') => {
    const r = (await full()).vpc.find((x) => x.region === region);
    const byName = (xs: { id: string; name: string }[] = []) =>
      Object.fromEntries(xs.map((x) => [x.name, x.id]));
    return { vpcs: byName(r?.vpcs), images: byName(r?.images) };
  };

  /** The last Activity Tracker event the emulator emitted for `action` on `crn`. */
  const lastEvent = async (action: string, crn: string): Promise<AtEventLike> => {
    const res = await fetch(`${url}/_emulator/events?action=${encodeURIComponent(action)}`);
    const { events } = (await res.json()) as { events: AtEventLike[] };
    const hit = events.filter((e) => e.target.id === crn).at(-1);
    if (!hit) throw new Error(`no ${action} event for ${crn}`);
    return structuredClone(hit);
  };

  /** A user changes an instance's metadata service (merge-patch); returns the event it caused. */
  const userSets = async (
    name: string,
    metadataService: InstanceMetadataServicePatch,
    apikey = ALICE_KEY,
  ): Promise<AtEventLike> => {
    const inst = await instance(name);
    await vpcAs(inst.region, apikey).updateInstance({ id: inst.id, metadataService });
    return lastEvent('is.instance.instance.update', inst.crn);
  };

  /** Attaches access (or user) tags as alice, who administers every service. */
  const attachTags = async (name: string, tags: string[], tagType: 'access' | 'user'): Promise<void> => {
    const inst = await instance(name);
    const tagging = new GlobalTaggingV1({ authenticator: authFor(url, ALICE_KEY), serviceUrl: url });
    await tagging.attachTag({ resources: [{ resource_id: inst.crn }], tagNames: tags, tagType });
  };

  /** Journal entries after `since` (API calls only), optionally of one caller and one service. */
  const calls = async (
    since: number,
    filter: { caller?: string; service?: string; method?: string } = {},
  ): Promise<JournalEntry[]> =>
    (await admin.journal({ since })).filter(
      (e) =>
        (filter.caller === undefined || e.caller === filter.caller) &&
        (filter.service === undefined || e.service === filter.service) &&
        (filter.method === undefined || e.method === filter.method),
    );

  /**
   * The guard's own calls after `since`, optionally of one service (`vpc`, `tagging`, …). A request an
   * injected fault answers is journaled before authentication, without a caller: it counts as the
   * guard's, so tests must not fault the requests of other callers.
   */
  const guardCalls = async (since: number, service?: string): Promise<JournalEntry[]> =>
    (await calls(since, service ? { service } : {})).filter(
      (e) => e.caller === guardIamId || (e.caller === undefined && e.fault !== undefined),
    );

  /** IAM token requests after `since` (they carry no caller: the key is in the form body). */
  const tokenCalls = async (since: number): Promise<JournalEntry[]> =>
    (await admin.journal({ since })).filter((e) => e.method === 'POST' && e.path === '/identity/token');

  /** The guard function as a warm container would run it, with an inline policy. */
  const guard = (
    policy: PolicyInput | Record<string, unknown>,
    env: Record<string, string> = {},
    apikey = GUARD_KEY,
  ): GuardUnderTest => {
    const logger = memoryLogger();
    const main = createMain({
      env: {
        IMDS_GUARD_ENDPOINT: url,
        IMDS_GUARD_APIKEY: apikey,
        IMDS_GUARD_POLICY: JSON.stringify(policy),
        ...env,
      },
      logger,
    });
    return {
      main,
      logger,
      decisions: () => logger.lines.filter(isDecisionLine) as DecisionLine[],
    };
  };

  // ---- subscriptions (the emulator's event routing path) ----------------------------------------

  const subscribe = async (
    target: string,
    envelope: string,
    extra: Record<string, unknown> = {},
  ): Promise<SubscriptionView> =>
    admin.call<SubscriptionView>('POST', '/subscriptions', { url: target, envelope, ...extra });

  const unsubscribe = async (id: string): Promise<void> => {
    await admin.call('DELETE', `/subscriptions/${id}`);
  };

  const flush = async (timeoutMs = 20_000): Promise<{ complete: boolean; pending: number }> =>
    admin.call('POST', `/deliveries/flush?timeout_ms=${timeoutMs}`);

  const deliveries = async (subscription: string): Promise<DeliveryRecord[]> =>
    (
      await admin.call<{ deliveries: DeliveryRecord[] }>(
        'GET',
        `/deliveries?subscription=${encodeURIComponent(subscription)}`,
      )
    ).deliveries;

  return {
    emu,
    url,
    admin,
    account,
    guardIamId,
    iamIdOf,
    vpcAs,
    instance,
    templates,
    groups,
    idsIn,
    lastEvent,
    userSets,
    attachTags,
    calls,
    guardCalls,
    tokenCalls,
    guard,
    subscribe,
    unsubscribe,
    flush,
    deliveries,
    mark: () => admin.lastSeq(),
    close: () => emu.close(),
  };
};

type World = Awaited<ReturnType<typeof startWorld>>;

/** Exactly one decision line per target: the one for `crn`. */
const decisionFor = (lines: DecisionLine[], crn: string): DecisionLine => {
  const hits = lines.filter((l) => l.target_crn === crn);
  if (hits.length !== 1) throw new Error(`expected one decision for ${crn}, got ${hits.length}`);
  return hits[0] as DecisionLine;
};

/** Another account's copy of a CRN (same resource id, different `a/<account>` scope). */
const inOtherAccount = (crn: string, other = '0000000000000000000000000000beef'): string =>
  crn.replace(/:a\/[0-9a-f]{32}:/, `:a/${other}:`);

export type { AtEventLike, DecisionLine, GuardUnderTest, InstanceState, World };
export {
  ALICE_KEY,
  asParams,
  bodyOf,
  decisionFor,
  GUARD_KEY,
  inOtherAccount,
  SPARE_GUARD_KEY,
  startWorld,
  WORLD,
};
