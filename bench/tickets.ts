// A burst of 50 identical events for the demo's broad profile (ops-automation), each to its own warm
// container (a separate `createMain` runtime), all at once, through every searchable sink on an
// in-process emulator whose sink answers after 300 ms. Each sink runs twice: without a trail bucket
// (search, open, search again, close own duplicate) and with one (a write-once claim before opening,
// on a local S3 server). Rows: tickets open afterwards (goal 1), ever created (goal ≤ 3 with claims).
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import { IamAuthenticator } from 'ibm-cloud-sdk-core';
import type { EmulatorService } from '#emulator/core/errors.ts';
import { type RunningEmulator, startEmulator } from '#emulator/index.ts';
import { createMain } from '#functions/profile-guard/index.ts';
import { silentLogger } from '#shared/audit/logger.ts';
import { buildDelivery, paramsFromDelivery } from '../test/helpers/deliveries.ts';
import { startS3 } from '../test/integration/trail/s3-server.ts';
import type { Row } from './lib.ts';

const CONTAINERS = 50;
const SINK_LATENCY_MS = 300;
const BUCKET = 'bench-tickets';

type Sink = 'case-management' | 'servicenow' | 'jira' | 'event-notifications';

/** The emulator service each sink talks to (where the latency is injected). */
const SERVICE = {
  'case-management': 'case-management',
  servicenow: 'servicenow',
  jira: 'jira',
  'event-notifications': 'event-notifications',
} as const satisfies Record<Sink, EmulatorService>;

/** Event Notifications needs the trail bucket (its ledger), so it only runs with claims. */
const RUNS: [Sink, boolean][] = [
  ['case-management', false],
  ['servicenow', false],
  ['jira', false],
  ['case-management', true],
  ['servicenow', true],
  ['jira', true],
  ['event-notifications', true],
];

interface DemoState {
  account: { id: string };
  cases: { short_description: string; status: string }[];
  incidents: { correlation_id?: string; state: string }[];
  jira: { issues: { labels: string[]; status: string; description: unknown }[] };
  event_notifications: {
    notifications: { body: { data: { ticket: string; marker: string; action: string } } }[];
  }[];
}

/** Every ticket ever created for the marker, as open (true) or not. */
const ticketsOf = (st: DemoState, sink: Sink, marker: string): boolean[] => {
  switch (sink) {
    case 'case-management':
      return st.cases
        .filter((c) => c.short_description.includes(marker))
        .map((c) => !['resolved', 'closed'].includes(c.status));
    case 'servicenow':
      return st.incidents
        .filter((i) => i.correlation_id === marker)
        .map((i) => !['6', '7', '8'].includes(i.state));
    case 'jira':
      return st.jira.issues.filter((i) => i.labels.includes(marker)).map((i) => i.status !== 'Done');
    case 'event-notifications': {
      const open = new Map<string, boolean>();
      for (const n of st.event_notifications.flatMap((i) => i.notifications)) {
        const d = n.body.data;
        if (d.marker !== marker) continue;
        open.set(d.ticket, (open.get(d.ticket) ?? true) && !['resolve', 'duplicate'].includes(d.action));
      }
      return [...open.values()];
    }
  }
};

const demoEvent = async (emu: RunningEmulator) => {
  const state = async (): Promise<DemoState> =>
    (await (await fetch(`${emu.url}/_emulator/state?full=1`)).json()) as DemoState;
  const alice = new IamIdentityV1({
    authenticator: new IamAuthenticator({ apikey: 'alice-demo-key', url: emu.url }),
    serviceUrl: emu.url,
  });
  const accountId = (await state()).account.id;
  const [ops] = (await alice.listProfiles({ accountId, name: 'ops-automation' })).result.profiles;
  if (!ops) throw new Error('the demo world has no ops-automation profile');
  await alice.updateProfile({ profileId: ops.id, ifMatch: ops.entity_tag ?? '*', description: 'bench' });
  const { events } = (await (
    await fetch(`${emu.url}/_emulator/events?action=iam-identity.account-profile.update`)
  ).json()) as { events: Record<string, unknown>[] };
  const meta = {
    time: new Date(),
    partition: 0,
    offset: 1,
    project: 'bench',
    subscription: 'imds-guard-at',
    topic: 'activity-tracker-events',
  };
  return { params: paramsFromDelivery(buildDelivery('at', events.at(-1) ?? {}, meta)), state };
};

const burst = async (sink: Sink, claims: boolean, trailEnv: () => Record<string, string>): Promise<Row[]> => {
  const emu = await startEmulator({});
  try {
    const { params, state } = await demoEvent(emu);
    await fetch(`${emu.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: SERVICE[sink], latency_ms: SINK_LATENCY_MS }),
    });
    const env = {
      IMDS_GUARD_ENDPOINT: emu.url,
      IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
      IMDS_GUARD_POLICY: JSON.stringify({
        profiles: { ticket: { sink, ...(sink === 'jira' ? { jira: { project: 'SEC' } } : {}) } },
      }),
      IMDS_GUARD_SERVICENOW_USER: 'imds-guard',
      IMDS_GUARD_SERVICENOW_PASSWORD: 'demo-servicenow-password',
      IMDS_GUARD_JIRA_EMAIL: 'imds-guard@example.com',
      IMDS_GUARD_JIRA_API_TOKEN: 'demo-jira-api-token',
      IMDS_GUARD_EN_INSTANCE_ID: '6c3a1f2e-0b7d-4e59-9a51-2d4f0c8e7b13',
      IMDS_GUARD_EN_SOURCE_ID: '7d9e2b4a-1c3f-4a6b-8e0d-5f1a2b3c4d5e',
      ...(claims ? trailEnv() : {}),
    };
    const mains = Array.from({ length: CONTAINERS }, () => createMain({ env, logger: silentLogger }));

    const t0 = performance.now();
    const responses = await Promise.all(mains.map((main) => main(structuredClone(params))));
    const ms = performance.now() - t0;

    const body = responses[0]?.body as { decisions?: { detail?: { marker?: string } }[] } | undefined;
    const marker = body?.decisions?.[0]?.detail?.marker ?? '(none)';
    const tickets = ticketsOf(await state(), sink, marker);
    const open = tickets.filter(Boolean).length;
    const failed = responses.filter((r) => r.statusCode >= 500).length;
    const bench = `tickets/${sink}${claims ? '+claims' : ''}`;
    return [
      {
        bench,
        metric: `open tickets after ${CONTAINERS} concurrent identical events (${SINK_LATENCY_MS} ms sink)`,
        value: open,
        unit: 'tickets',
        goal: '= 1',
        ok: open === 1,
        ...(failed > 0 ? { note: `${failed} container(s) answered 5xx` } : {}),
      },
      {
        bench,
        metric: 'tickets ever created in the burst',
        value: tickets.length,
        unit: 'tickets',
        ...(claims ? { goal: '<= 3', ok: tickets.length <= 3 } : {}),
        note: `${tickets.length - open} closed as duplicates of the survivor`,
      },
      { bench, metric: 'burst wall time', value: Math.round(ms), unit: 'ms' },
    ];
  } finally {
    await emu.close();
  }
};

const ticketBurst = async (): Promise<Row[]> => {
  const s3 = await startS3([BUCKET]);
  let n = 0;
  const trailEnv = (): Record<string, string> => {
    n += 1;
    return s3.trailEnv(BUCKET, {
      IMDS_GUARD_TRAIL_PREFIX: `bench-${n}/decisions`,
      IMDS_GUARD_TICKET_STATE_PREFIX: `bench-${n}`,
    });
  };
  try {
    const rows: Row[] = [];
    for (const [sink, claims] of RUNS) rows.push(...(await burst(sink, claims, trailEnv)));
    return rows;
  } finally {
    await s3.close();
  }
};

export { ticketBurst };
