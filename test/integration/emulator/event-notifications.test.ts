// The emulated Event Notifications publish API, called with the thin client that mirrors IBM's admin
// SDK (`sendNotifications`): IAM bearer auth, the publish roles, the instance and its sources, the
// CloudEvents attributes EN requires, 202 with `notification_id`, and IBM's error shape for the rest.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { EventNotificationsClient, type NotificationCreate } from '#shared/tickets/en-client.ts';
import { adminClient, authFor, withEmulator } from '../../helpers/emulator.ts';

const INSTANCE = '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';
const SOURCE = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

const SCENARIO = `
seed: en-test
api_keys:
  - { name: publisher, key: en-publisher-key-1, roles: { event-notifications: [Event Notifications Publisher] } }
  - { name: writer, key: en-writer-key-1, roles: { event-notifications: [Writer] } }
  - { name: reader, key: en-reader-key-1, roles: { event-notifications: [Reader] } }
event_notifications:
  instances:
    - name: en-1
      id: ${INSTANCE}
      sources:
        - { name: imds-guard, id: ${SOURCE} }
        - { name: paused, id: paused-source, enabled: false }
`;

let emu: RunningEmulator;

const client = (key: string): EventNotificationsClient =>
  new EventNotificationsClient({
    authenticator: authFor(emu.url, key),
    serviceUrl: `${emu.url}/event-notifications`,
  });

const notification = (over: Partial<NotificationCreate> = {}): NotificationCreate => ({
  specversion: '1.0',
  id: 'imdsg-n-000000000000000000000001',
  source: 'imds-guard/profile-guard/0123',
  type: 'io.github.imds-guard.trusted-profile:open',
  time: '2026-05-01T10:00:00.000Z',
  ibmensourceid: SOURCE,
  ibmenseverity: 'HIGH',
  ibmendefaultshort: 'Trusted profile ops is too broad',
  ibmendefaultlong: 'Long text',
  datacontenttype: 'application/json',
  data: { marker: 'imdsg-p-0000000000000001' },
  ...over,
});

/** Status and IBM error body of a rejected call (sdk-core puts them on the error). */
const failure = async (p: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> => {
  const err = (await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  )) as { status: number; body: string };
  return { status: err.status, body: JSON.parse(err.body) as Record<string, unknown> };
};

beforeAll(async () => {
  emu = await withEmulator(SCENARIO);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await emu.reset();
});

describe('publishing a notification', () => {
  test('202 with the notification id; the instance keeps what was published', async () => {
    // Act
    const res = await client('en-publisher-key-1').sendNotifications({
      instanceId: INSTANCE,
      body: notification(),
    });

    // Assess
    expect(res.status).toBe(202);
    expect(res.result).toEqual({ notification_id: 'imdsg-n-000000000000000000000001' });
    const state = await adminClient(emu.url).state<{
      event_notifications: {
        id: string;
        notifications: { notification_id: string; body: NotificationCreate }[];
      }[];
    }>(true);
    const [inst] = state.event_notifications;
    expect(inst?.notifications.map((n) => n.notification_id)).toEqual(['imdsg-n-000000000000000000000001']);
    expect(inst?.notifications[0]?.body.ibmenseverity).toBe('HIGH');
  });

  test('Writer may publish too; Reader may not (403)', async () => {
    // Act
    const ok = await client('en-writer-key-1').sendNotifications({
      instanceId: INSTANCE,
      body: notification(),
    });
    const denied = await failure(
      client('en-reader-key-1').sendNotifications({ instanceId: INSTANCE, body: notification() }),
    );

    // Assess
    expect(ok.status).toBe(202);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ status_code: 403, errors: [{ code: 'forbidden' }] });
  });

  test('no token is a 401; an unknown instance a 404', async () => {
    // Act
    const anonymous = await fetch(`${emu.url}/event-notifications/v1/instances/${INSTANCE}/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notification()),
    });
    const unknown = await failure(
      client('en-publisher-key-1').sendNotifications({
        instanceId: '11111111-2222-4333-8444-555555555555',
        body: notification(),
      }),
    );

    // Assess
    expect(anonymous.status).toBe(401);
    expect(unknown.status).toBe(404);
  });

  test.each([
    ['a missing ibmensourceid', { ibmensourceid: '' }, 'ibmensourceid'],
    ['an unregistered source', { ibmensourceid: 'nope' }, 'not found'],
    ['a disabled source', { ibmensourceid: 'paused-source' }, 'disabled'],
    ['specversion 0.3', { specversion: '0.3' as '1.0' }, 'specversion'],
    ['a time that is not RFC 3339', { time: 'yesterday' }, 'RFC 3339'],
    ['no ibmendefaultlong', { ibmendefaultlong: '' }, 'ibmendefaultlong'],
  ])('%s is a 400 and nothing is kept', async (_what, over, message) => {
    // Act
    const res = await failure(
      client('en-publisher-key-1').sendNotifications({ instanceId: INSTANCE, body: notification(over) }),
    );

    // Assess
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain(message);
    const state = await adminClient(emu.url).state<{ counts: { en_notifications: number } }>();
    expect(state.counts.en_notifications).toBe(0);
  });
});
