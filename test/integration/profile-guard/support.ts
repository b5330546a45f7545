// Shared set-up for profile-guard's integration tests: an emulator world with broad, tight and
// borderline trusted profiles, Alice (an account Administrator) who changes them with IBM's SDK, the
// events those changes emit, and the guard function with an inline policy and an in-memory logger.
import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2.js';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1.js';
import type { JournalEntry } from '#emulator/core/journal.ts';
import type { RunningEmulator } from '#emulator/index.ts';
import { createMain } from '#functions/profile-guard/index.ts';
import { type DecisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { type Fields, memoryLogger } from '#shared/audit/logger.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { buildDelivery, type EnvelopeKind, paramsFromDelivery } from '../../helpers/deliveries.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const GUARD_KEY = 'imds-guard-demo-key';
/** The same service ID's sibling with Administrator on IAM Identity: what the opt-in claim-rule fix needs. */
const FIXER_KEY = 'imds-guard-fix-key';
/** The guard's roles under a key no test has a token for yet (an IAM failure hits its first request). */
const SPARE_GUARD_KEY = 'imds-guard-spare-key';
const ALICE_KEY = 'alice-demo-key';
const SN_USER = 'imds-guard';
/** An emulator-only credential (not a secret). */
const SN_PASSWORD = 'pg-servicenow-password';
const JIRA_EMAIL = 'imds-guard@example.com';
/** An emulator-only credential (not a secret). */
const JIRA_TOKEN = 'pg-jira-api-token';
const EN_INSTANCE = '5e0c7a2b-9d41-4f36-8b7e-1a2c3d4e5f60';
const EN_SOURCE = '9b8a7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d';

const pinned = (instance: string, expiration = 900) => ({
  name: `${instance}-only`,
  type: 'Profile-CR',
  cr_type: 'VSI',
  expiration,
  conditions: [{ claim: 'crn', operator: 'EQUALS', value: { instance_crn: instance } }],
});

/**
 * broad-ops: Administrator on every service, claim rules that let many VSIs in, 12-hour sessions, linked
 * to an http instance. tight: nothing to say. sessions: only a long session (one low finding). grouped:
 * tight, and a member of ops-group (no policies yet). loner: tight, in no group.
 */
const WORLD = {
  seed: 'profile-guard-it',
  resource_groups: [{ name: 'default' }, { name: 'prod' }],
  api_keys: [
    {
      name: 'imds-guard',
      key: GUARD_KEY,
      kind: 'serviceid',
      roles: {
        is: ['Editor'],
        'iam-identity': ['Viewer'],
        'iam-access-management': ['Viewer'],
        'iam-groups': ['Viewer'],
        'global-tagging': ['Viewer'],
        support: ['Editor'],
        'event-notifications': ['Event Notifications Publisher'],
      },
    },
    {
      name: 'imds-guard-spare',
      key: SPARE_GUARD_KEY,
      kind: 'serviceid',
      roles: {
        is: ['Editor'],
        'iam-identity': ['Viewer'],
        'iam-access-management': ['Viewer'],
        'iam-groups': ['Viewer'],
        'global-tagging': ['Viewer'],
        support: ['Editor'],
      },
    },
    {
      name: 'imds-guard-fixer',
      key: FIXER_KEY,
      kind: 'serviceid',
      roles: {
        is: ['Editor'],
        'iam-identity': ['Administrator'],
        'iam-access-management': ['Viewer'],
        'iam-groups': ['Viewer'],
        support: ['Editor'],
      },
    },
    { name: 'alice', key: ALICE_KEY, kind: 'user', roles: { '*': ['Administrator', 'Manager'] } },
  ],
  servicenow: { users: [{ user: SN_USER, password: SN_PASSWORD }] },
  event_notifications: {
    instances: [{ name: 'pg-en', id: EN_INSTANCE, sources: [{ name: 'imds-guard', id: EN_SOURCE }] }],
  },
  jira: { users: [{ email: JIRA_EMAIL, api_token: JIRA_TOKEN }], projects: [{ key: 'SEC' }] },
  regions: [
    {
      name: 'us-south',
      vpcs: [{ name: 'prod-vpc', resource_group: 'prod' }],
      images: [{ name: 'ubuntu' }],
      instances: [
        { name: 'web-01', vpc: 'prod-vpc', metadata_service: { enabled: true, protocol: 'http' } },
        {
          name: 'api-01',
          vpc: 'prod-vpc',
          zone: 'us-south-2',
          metadata_service: { enabled: true, protocol: 'https', response_hop_limit: 1 },
        },
      ],
    },
  ],
  profiles: [
    {
      name: 'broad-ops',
      rules: [
        {
          name: 'any-vsi-in-prod',
          type: 'Profile-CR',
          cr_type: 'VSI',
          expiration: 43200,
          conditions: [{ claim: 'vpc_id', operator: 'EQUALS', value: { vpc_id: 'prod-vpc' } }],
        },
      ],
      links: [{ cr_type: 'VSI', instance: 'web-01' }],
      policies: [{ roles: ['Administrator'], resource: { serviceType: 'service' } }],
    },
    {
      name: 'tight',
      rules: [pinned('api-01')],
      policies: [
        { roles: ['Viewer'], resource: { serviceName: 'is', instanceId: { instance_id: 'api-01' } } },
      ],
    },
    { name: 'sessions', rules: [pinned('api-01', 43200)] },
    { name: 'grouped', rules: [pinned('api-01')], access_groups: ['ops-group'] },
    { name: 'loner', rules: [pinned('api-01')] },
  ],
  access_groups: [
    { name: 'ops-group', members: [{ key: 'alice' }] },
    {
      name: 'platform-admins',
      policies: [{ roles: ['Editor'], resource: { serviceType: 'platform_service' } }],
    },
  ],
};

interface AtEventLike {
  id?: string;
  action: string;
  outcome?: string;
  eventTime?: string;
  initiator?: { id?: string; name?: string };
  target: { id: string; name?: string; typeURI?: string };
  requestData?: Record<string, unknown> | null;
  responseData?: Record<string, unknown> | null;
  [key: string]: unknown;
}

interface CaseState {
  number: string;
  short_description: string;
  description: string;
  severity: number;
  status: string;
  created_at: string;
  resources: { crn?: string }[];
  comments: { value: string }[];
  resolution?: string;
}

interface IncidentState {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  state: string;
  impact: string;
  urgency: string;
  correlation_id?: string;
  close_code?: string;
  work_notes: string[];
}

interface EnNotificationState {
  notification_id: string;
  body: {
    type: string;
    ibmenseverity: string;
    ibmendefaultlong: string;
    data: { ticket: string; marker: string; key: string; action: string; duplicate_of?: string };
  };
}

interface JiraIssueState {
  id: string;
  key: string;
  summary: string;
  description: unknown;
  labels: string[];
  priority: string;
  status: string;
  comments: { body: unknown }[];
}

interface FullState {
  account: { id: string };
  api_keys: { name: string; iam_id: string }[];
  profiles: {
    id: string;
    crn: string;
    iam_id: string;
    name: string;
    rules: { id: string; expiration: number }[];
  }[];
  access_groups: { id: string; name: string }[];
  vpc: { region: string; vpcs: { id: string; name: string }[]; images: { id: string; name: string }[] }[];
  cases: CaseState[];
  incidents: IncidentState[];
  event_notifications: { id: string; notifications: EnNotificationState[] }[];
  jira: { issues: JiraIssueState[] };
}

type DecisionLine = DecisionRecord & Fields;

interface GuardUnderTest {
  main: (params: CeParams) => Promise<CeResponse>;
  logger: ReturnType<typeof memoryLogger>;
  decisions: () => DecisionLine[];
}

interface Response {
  statusCode: number;
  outcome: string;
  decisions: DecisionRecord[];
}

let deliveries = 0;

/** What Code Engine hands the function for one delivery of `event` in envelope `kind`. */
const paramsFor = (event: AtEventLike, kind: EnvelopeKind = 'at'): CeParams => {
  deliveries += 1;
  const meta = {
    time: new Date(),
    partition: 0,
    offset: deliveries,
    project: 'pgtest',
    subscription: 'imds-guard-at',
    topic: 'activity-tracker-events',
  };
  return paramsFromDelivery(buildDelivery(kind, event as Record<string, unknown>, meta));
};

const responseOf = (res: CeResponse): Response => {
  const body = res.body as { outcome: string; decisions: DecisionRecord[] };
  return { statusCode: res.statusCode, outcome: body.outcome, decisions: body.decisions };
};

/** The one decision about a profile CRN in a response. */
const decisionOn = (res: Response, crn: string): DecisionRecord => {
  const hits = res.decisions.filter((d) => d.target_crn === crn);
  if (hits.length !== 1)
    throw new Error(`expected one decision on ${crn}, got ${JSON.stringify(res.decisions)}`);
  return hits[0] as DecisionRecord;
};

const detailOf = (d: DecisionRecord) =>
  d.detail as {
    findings: { id: string; rule_id: string; severity: string }[];
    key: string;
    marker: string;
    sink: string;
    ticket: { sink: string; action: string; id?: string; closed?: string[]; duplicate_of?: string };
    fix?: { status: string; caps: { id: string; from: number; to: number }[] };
  };

const startWorld = async (scenario: object = WORLD) => {
  const emu: RunningEmulator = await withEmulator(scenario);
  const { url } = emu;
  const admin = adminClient(url);
  const full = async (): Promise<FullState> => admin.state<FullState>(true);
  const initial = await full();
  const account = initial.account.id;
  const guardIamId = initial.api_keys.find((k) => k.name === 'imds-guard')?.iam_id ?? '';

  const alice = authFor(url, ALICE_KEY);
  const identity = new IamIdentityV1({ authenticator: alice, serviceUrl: url });
  const policies = new IamPolicyManagementV1({ authenticator: alice, serviceUrl: url });
  const groups = new IamAccessGroupsV2({ authenticator: alice, serviceUrl: url });
  const vpc = new VpcClient({ authenticator: alice, serviceUrl: `${url}/vpc/us-south/v1` });

  const profile = async (name: string) => {
    const p = (await full()).profiles.find((x) => x.name === name);
    if (!p) throw new Error(`no profile ${name}`);
    return p;
  };
  const group = async (name: string) => {
    const g = (await full()).access_groups.find((x) => x.name === name);
    if (!g) throw new Error(`no access group ${name}`);
    return g;
  };

  /** The last Activity Tracker event the emulator emitted for `action` (on `target`, when given). */
  const lastEvent = async (action: string, target?: string): Promise<AtEventLike> => {
    const res = await fetch(`${url}/_emulator/events?action=${encodeURIComponent(action)}`);
    const { events } = (await res.json()) as { events: AtEventLike[] };
    const hit = events.filter((e) => target === undefined || e.target.id === target).at(-1);
    if (!hit) throw new Error(`no ${action} event${target ? ` for ${target}` : ''}`);
    return structuredClone(hit);
  };

  /** Alice touches a profile (its description): the emulator emits `account-profile.update`. */
  const touchProfile = async (name: string): Promise<AtEventLike> => {
    const p = await profile(name);
    const got = await identity.getProfile({ profileId: p.id });
    await identity.updateProfile({
      profileId: p.id,
      ifMatch: got.result.entity_tag ?? '*',
      description: `touched ${Date.now()}`,
    });
    return lastEvent('iam-identity.account-profile.update', p.crn);
  };

  /** Alice sets the session expiration of every claim rule of a profile; returns the event. */
  const setExpiration = async (name: string, expiration: number): Promise<AtEventLike> => {
    const p = await profile(name);
    const { rules } = (await identity.listClaimRules({ profileId: p.id })).result;
    for (const r of rules)
      await identity.updateClaimRule({
        profileId: p.id,
        ruleId: r.id,
        ifMatch: r.entity_tag,
        type: r.type,
        conditions: r.conditions,
        expiration,
        ...(r.cr_type ? { crType: r.cr_type } : {}),
        ...(r.name ? { name: r.name } : {}),
      });
    return lastEvent('iam-identity.account-profile.update', p.crn);
  };

  /** Alice grants `roles` on every IAM-enabled service to a subject (profile iam_id or access group). */
  const grantAll = async (
    subject: { iam_id: string } | { access_group_id: string },
    roles = ['Administrator'],
  ): Promise<{ id: string; event: AtEventLike }> => {
    const [key, value] = Object.entries(subject)[0] as [string, string];
    const res = await policies.createV2Policy({
      type: 'access',
      subject: { attributes: [{ key, operator: 'stringEquals', value }] },
      resource: {
        attributes: [
          { key: 'accountId', operator: 'stringEquals', value: account },
          { key: 'serviceType', operator: 'stringEquals', value: 'service' },
        ],
      },
      control: {
        grant: { roles: roles.map((r) => ({ role_id: `crn:v1:bluemix:public:iam::::role:${r}` })) },
      },
    });
    const id = res.result.id as string;
    const event = await lastEvent('iam-am.policy.create');
    return { id, event };
  };

  /** Alice creates an instance, with `profileId` as its default trusted profile (auto-linked) if given. */
  const createInstance = async (name: string, profileId?: string, protocol: 'http' | 'https' = 'http') => {
    const st = await full();
    const r = st.vpc.find((x) => x.region === 'us-south');
    const res = await vpc.createInstance({
      instancePrototype: {
        name,
        zone: { name: 'us-south-1' },
        vpc: { id: r?.vpcs.find((x) => x.name === 'prod-vpc')?.id as string },
        image: { id: r?.images.find((x) => x.name === 'ubuntu')?.id as string },
        profile: { name: 'bx2-2x8' },
        metadata_service: { enabled: true, protocol },
        ...(profileId ? { default_trusted_profile: { auto_link: true, target: { id: profileId } } } : {}),
      },
    });
    return { crn: res.result.crn, event: await lastEvent('is.instance.instance.create', res.result.crn) };
  };

  /** A hand-made event (for actions the emulator does not emit, such as template assignments). */
  const event = (
    action: string,
    target: AtEventLike['target'],
    extra: Partial<AtEventLike> = {},
  ): AtEventLike => ({
    eventTime: new Date().toISOString().replace('Z', '+0000'),
    action,
    outcome: 'success',
    id: crypto.randomUUID(),
    initiator: { id: 'IBMid-alice', name: 'alice@example.com' },
    target,
    ...extra,
  });

  /** The guard as one warm container runs it, with an inline policy. */
  const guard = (
    policy: Record<string, unknown> = {},
    env: Record<string, string> = {},
    apikey = GUARD_KEY,
  ): GuardUnderTest => {
    const logger = memoryLogger();
    const main = createMain({
      env: {
        IMDS_GUARD_ENDPOINT: url,
        IMDS_GUARD_APIKEY: apikey,
        IMDS_GUARD_POLICY: JSON.stringify(policy),
        IMDS_GUARD_SERVICENOW_USER: SN_USER,
        IMDS_GUARD_SERVICENOW_PASSWORD: SN_PASSWORD,
        IMDS_GUARD_JIRA_EMAIL: JIRA_EMAIL,
        IMDS_GUARD_JIRA_API_TOKEN: JIRA_TOKEN,
        IMDS_GUARD_EN_INSTANCE_ID: EN_INSTANCE,
        IMDS_GUARD_EN_SOURCE_ID: EN_SOURCE,
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

  const send = async (g: GuardUnderTest, e: AtEventLike, kind: EnvelopeKind = 'at'): Promise<Response> =>
    responseOf(await g.main(paramsFor(e, kind)));

  /** Cases and incidents carrying a profile's marker (any status). */
  const casesFor = async (marker: string): Promise<CaseState[]> =>
    (await full()).cases.filter((c) => c.short_description.includes(marker));
  const incidentsFor = async (marker: string): Promise<IncidentState[]> =>
    (await full()).incidents.filter((i) => i.correlation_id === marker);
  /** Event Notifications published about a profile's marker, in order. */
  const notificationsFor = async (marker: string): Promise<EnNotificationState[]> =>
    (await full()).event_notifications
      .flatMap((i) => i.notifications)
      .filter((n) => n.body.data.marker === marker);
  const issuesFor = async (marker: string): Promise<JiraIssueState[]> =>
    (await full()).jira.issues.filter((i) => i.labels.includes(marker));

  const calls = async (since: number, service?: string): Promise<JournalEntry[]> =>
    (await admin.journal({ since })).filter((e) => service === undefined || e.service === service);

  return {
    emu,
    url,
    admin,
    account,
    guardIamId,
    identity,
    policies,
    groups,
    profile,
    group,
    lastEvent,
    touchProfile,
    setExpiration,
    grantAll,
    createInstance,
    event,
    guard,
    send,
    casesFor,
    incidentsFor,
    notificationsFor,
    issuesFor,
    calls,
    full,
    mark: () => admin.lastSeq(),
    close: () => emu.close(),
  };
};

type World = Awaited<ReturnType<typeof startWorld>>;

export type {
  AtEventLike,
  CaseState,
  DecisionLine,
  EnNotificationState,
  GuardUnderTest,
  IncidentState,
  JiraIssueState,
  Response,
  World,
};
export {
  ALICE_KEY,
  decisionOn,
  detailOf,
  FIXER_KEY,
  GUARD_KEY,
  paramsFor,
  responseOf,
  SN_PASSWORD,
  SN_USER,
  SPARE_GUARD_KEY,
  startWorld,
  WORLD,
};
