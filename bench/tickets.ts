// A burst of 50 identical events for the demo's broad profile (ops-automation), each to its own warm
// container (a separate `createMain` runtime), all at once, through Case Management and ServiceNow on an
// in-process emulator. Rows: tickets open afterwards (goal 1), tickets ever created, wall time.
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import { IamAuthenticator } from 'ibm-cloud-sdk-core';
import { startEmulator } from '#emulator/index.ts';
import { createMain } from '#functions/profile-guard/index.ts';
import { silentLogger } from '#shared/audit/logger.ts';
import { buildDelivery, paramsFromDelivery } from '../test/helpers/deliveries.ts';
import type { Row } from './lib.ts';

const CONTAINERS = 50;
const SINKS = ['case-management', 'servicenow'] as const;

interface DemoState {
  account: { id: string };
  cases: { short_description: string; status: string }[];
  incidents: { correlation_id?: string; state: string }[];
}

const burst = async (sink: (typeof SINKS)[number]): Promise<Row[]> => {
  const emu = await startEmulator({});
  try {
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
    const event = events.at(-1) as Record<string, unknown>;
    const meta = {
      time: new Date(),
      partition: 0,
      offset: 1,
      project: 'bench',
      subscription: 'imds-guard-at',
      topic: 'activity-tracker-events',
    };
    const params = paramsFromDelivery(buildDelivery('at', event, meta));
    const env = {
      IMDS_GUARD_ENDPOINT: emu.url,
      IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
      IMDS_GUARD_POLICY: JSON.stringify({ profiles: { ticket: { sink } } }),
      IMDS_GUARD_SERVICENOW_USER: 'imds-guard',
      IMDS_GUARD_SERVICENOW_PASSWORD: 'demo-servicenow-password',
    };
    const mains = Array.from({ length: CONTAINERS }, () => createMain({ env, logger: silentLogger }));

    const t0 = performance.now();
    const responses = await Promise.all(mains.map((main) => main(structuredClone(params))));
    const ms = performance.now() - t0;

    const body = responses[0]?.body as { decisions?: { detail?: { marker?: string } }[] } | undefined;
    const marker = body?.decisions?.[0]?.detail?.marker ?? '(none)';
    const after = await state();
    const tickets =
      sink === 'case-management'
        ? after.cases
            .filter((c) => c.short_description.includes(marker))
            .map((c) => !['resolved', 'closed'].includes(c.status))
        : after.incidents
            .filter((i) => i.correlation_id === marker)
            .map((i) => !['6', '7', '8'].includes(i.state));
    const open = tickets.filter(Boolean).length;
    const failed = responses.filter((r) => r.statusCode >= 500).length;
    const bench = `tickets/${sink}`;
    return [
      {
        bench,
        metric: `open tickets after ${CONTAINERS} concurrent identical events`,
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
        note: `${tickets.length - open} closed as duplicates of the survivor`,
      },
      { bench, metric: 'burst wall time', value: Math.round(ms), unit: 'ms' },
    ];
  } finally {
    await emu.close();
  }
};

const ticketBurst = async (): Promise<Row[]> => {
  const rows: Row[] = [];
  for (const sink of SINKS) rows.push(...(await burst(sink)));
  return rows;
};

export { ticketBurst };
