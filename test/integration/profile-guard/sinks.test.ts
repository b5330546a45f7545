// Each ticket sink, for real: IBM Case Management and ServiceNow on the emulator, a webhook on a local
// receiver that verifies the HMAC signature, and the log-only sink. A sink that is not configured, or
// that refuses (4xx), ends in `failed` without asking for a retry.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { parseTicketTags } from '#functions/profile-guard/ticket-plan.ts';
import { adfText } from '#shared/tickets/adf.ts';
import { type Receiver, startReceiver } from './receiver.ts';
import { decisionOn, detailOf, startWorld, type World } from './support.ts';
import { startTicketStore } from './tickets-view.ts';

const SECRET = 'pg-webhook-test-secret';

let world: World;
let receiver: Receiver;
let store: Awaited<ReturnType<typeof startTicketStore>>;

beforeAll(async () => {
  world = await startWorld();
  receiver = await startReceiver(SECRET);
  store = await startTicketStore();
});

beforeEach(async () => {
  await world.emu.reset();
  receiver.received.length = 0;
  receiver.set({ kind: 'ok' });
});

afterAll(async () => {
  await store.close();
  await receiver.close();
  await world.close();
});

describe('Case Management sink', () => {
  test('opens one case: marker in the subject, key and findings in the description, the profile attached', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'case-management' } } });
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('ticket_opened');
    const { marker, key, ticket } = detailOf(d);
    const cases = await world.casesFor(marker);
    expect(cases).toHaveLength(1);
    const c = cases[0];
    expect(ticket).toMatchObject({ sink: 'case-management', action: 'opened', id: c?.number });
    expect(c?.short_description).toBe(`[imds-guard] Trusted profile broad-ops is too broad (${marker})`);
    expect(c?.severity).toBe(2);
    expect(c?.status).toBe('new');
    expect(c?.description.length).toBeLessThanOrEqual(4000);
    const tags = parseTicketTags(c?.description ?? '');
    expect(tags).toMatchObject({ marker, key });
    expect(tags.finding_ids.sort()).toEqual(
      detailOf(d)
        .findings.map((f) => f.id)
        .sort(),
    );
    expect(c?.resources.map((r) => r.crn)).toContain(broad.crn);
  });

  test('severity_map chooses the case severity', async () => {
    // Prepare
    const guard = world.guard({
      profiles: { ticket: { sink: 'case-management', severity_map: { low: 3 } } },
    });
    const event = await world.touchProfile('sessions');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = res.decisions[0];
    expect(d?.outcome).toBe('ticket_opened');
    const [c] = await world.casesFor(detailOf(d as NonNullable<typeof d>).marker);
    expect(c?.severity).toBe(3);
  });
});

describe('ServiceNow sink', () => {
  test('opens one incident: the marker is its correlation_id, urgency and impact from the severity', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'servicenow' } } });
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('ticket_opened');
    const { marker, key, ticket } = detailOf(d);
    const incidents = await world.incidentsFor(marker);
    expect(incidents).toHaveLength(1);
    const i = incidents[0];
    expect(ticket).toMatchObject({ sink: 'servicenow', action: 'opened', id: i?.number });
    expect(i?.number).toMatch(/^INC\d{7}$/);
    expect(i).toMatchObject({ state: '1', impact: '1', urgency: '1' });
    expect(i?.short_description).toContain(marker);
    expect(parseTicketTags(i?.description ?? '')).toMatchObject({ marker, key });
  });

  test('a wrong password is a 401: failed with the reason, no retry asked', async () => {
    // Prepare
    const guard = world.guard(
      { profiles: { ticket: { sink: 'servicenow' } } },
      { IMDS_GUARD_SERVICENOW_PASSWORD: 'wrong-password' },
    );
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(200);
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('failed');
    expect(d.reason).toMatch(
      /refused: servicenow GET \/api\/now\/table\/incident answered 401: User Not Authenticated/,
    );
    expect(d.reason).not.toContain('wrong-password');
  });
});

describe('Event Notifications sink', () => {
  test('publishes one CloudEvent from the API source: open type, severity, texts and the ticket data', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'event-notifications' } } }, store.env());
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);
    const again = await world.send(guard, await world.touchProfile('broad-ops'));

    // Assess
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('ticket_opened');
    expect(decisionOn(again, broad.crn).outcome).toBe('ignored');
    const { marker, key, ticket } = detailOf(d);
    const sent = await world.notificationsFor(marker);
    expect(sent).toHaveLength(1);
    const n = sent[0]?.body as unknown as Record<string, unknown>;
    expect(n).toMatchObject({
      specversion: '1.0',
      id: ticket.id,
      type: 'io.github.imds-guard.trusted-profile:open',
      ibmenseverity: 'CRITICAL',
      datacontenttype: 'application/json',
      data: { ticket: ticket.id, marker, key, action: 'open', profile: { crn: broad.crn } },
    });
    expect(parseTicketTags(String(n.ibmendefaultlong))).toMatchObject({ marker, key });
  });

  test('without IMDS_GUARD_EN_SOURCE_ID the sink is not built: failed, no retry, nothing published', async () => {
    // Prepare
    const guard = world.guard(
      { profiles: { ticket: { sink: 'event-notifications' } } },
      { IMDS_GUARD_EN_SOURCE_ID: '' },
    );
    const event = await world.touchProfile('sessions');

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.decisions[0]?.outcome).toBe('failed');
    expect(res.decisions[0]?.reason).toMatch(/IMDS_GUARD_EN_SOURCE_ID/);
  });

  test('a key without a publishing role is refused (403): failed, no retry', async () => {
    // Prepare: Alice's key has roles everywhere; the fixer key has none on event-notifications.
    const guard = world.guard(
      { profiles: { ticket: { sink: 'event-notifications' } } },
      {},
      'imds-guard-fix-key',
    );
    const event = await world.touchProfile('sessions');

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.decisions[0]?.outcome).toBe('failed');
    expect(res.decisions[0]?.reason).toMatch(/403/);
  });
});

describe('Jira sink', () => {
  test('opens one issue: marker as a label, ADF description with the tags, priority from the severity', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'jira', jira: { project: 'SEC' } } } });
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('ticket_opened');
    const { marker, key, ticket } = detailOf(d);
    const issues = await world.issuesFor(marker);
    expect(issues).toHaveLength(1);
    const i = issues[0];
    expect(ticket).toMatchObject({ sink: 'jira', action: 'opened', id: i?.key });
    expect(i).toMatchObject({
      key: 'SEC-1',
      labels: ['imds-guard', marker],
      priority: 'Highest',
      status: 'To Do',
    });
    expect(parseTicketTags(adfText(i?.description))).toMatchObject({ marker, key });
  });

  test('a wrong API token is a 401: failed with the reason, the token not in it', async () => {
    // Prepare
    const guard = world.guard(
      { profiles: { ticket: { sink: 'jira', jira: { project: 'SEC' } } } },
      { IMDS_GUARD_JIRA_API_TOKEN: 'wrong-jira-token' },
    );
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = res.decisions[0];
    expect(d?.outcome).toBe('failed');
    expect(d?.reason).toMatch(/jira POST \/rest\/api\/3\/search\/jql answered 401/);
    expect(d?.reason).not.toContain('wrong-jira-token');
  });
});

describe('webhook sink', () => {
  test('sends signed open and resolve notifications carrying key and marker', async () => {
    // Prepare
    const env = { IMDS_GUARD_WEBHOOK_URL: receiver.url, IMDS_GUARD_WEBHOOK_SECRET: SECRET };
    const guard = world.guard({ profiles: { ticket: { sink: 'webhook' } } }, env);
    const sessions = await world.profile('sessions');
    const opened = await world.touchProfile('sessions');

    // Act
    const first = await world.send(guard, opened);
    const fixed = await world.setExpiration('sessions', 900);
    const second = await world.send(guard, fixed);

    // Assess
    const open = decisionOn(first, sessions.crn);
    const resolved = decisionOn(second, sessions.crn);
    expect(open.outcome).toBe('ticket_opened');
    expect(resolved.outcome).toBe('compliant');
    expect(receiver.received.map((r) => [r.notification.type, r.signed, r.answered])).toEqual([
      ['open', true, 204],
      ['resolve', true, 204],
    ]);
    const [o, r] = receiver.received;
    expect(o?.notification).toMatchObject({
      source: 'imds-guard',
      marker: detailOf(open).marker,
      key: detailOf(open).key,
      profile: { id: sessions.id, crn: sessions.crn, name: 'sessions' },
      finding_ids: [`long-session:rule/${sessions.rules[0]?.id}`],
      severity: 'low',
    });
    expect(o?.headers['idempotency-key']).toBe(`open:${detailOf(open).marker}:${detailOf(open).key}`);
    expect(o?.headers['x-imds-guard-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(r?.notification).toMatchObject({
      type: 'resolve',
      reason: 'compliant',
      marker: detailOf(open).marker,
    });
    expect(r?.notification.key).toBe(detailOf(resolved).key);
  });

  test('without a secret the sink is not built: failed, no retry, nothing sent', async () => {
    // Prepare
    const guard = world.guard(
      { profiles: { ticket: { sink: 'webhook' } } },
      { IMDS_GUARD_WEBHOOK_URL: receiver.url },
    );
    const event = await world.touchProfile('sessions');

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.decisions[0]?.outcome).toBe('failed');
    expect(res.decisions[0]?.reason).toMatch(/IMDS_GUARD_WEBHOOK_SECRET/);
    expect(receiver.received).toEqual([]);
  });
});

describe('log sink', () => {
  test('one structured line per ticket action, nothing leaves the process', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'log' } } });
    const sessions = await world.profile('sessions');
    const event = await world.touchProfile('sessions');
    const since = await world.mark();

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, sessions.crn);
    expect(d.outcome).toBe('ticket_opened');
    const lines = guard.logger.lines.filter((l) => l.message === 'ticket');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      sink: 'log',
      type: 'open',
      marker: detailOf(d).marker,
      key: detailOf(d).key,
      severity: 'low',
      profile: { name: 'sessions' },
    });
    expect(await world.calls(since, 'case-management')).toEqual([]);
    expect(await world.calls(since, 'servicenow')).toEqual([]);
  });
});
