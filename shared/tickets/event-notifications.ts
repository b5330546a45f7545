// IBM Cloud Event Notifications: every ticket action is a CloudEvent published from imds-guard's API
// source, and teams route it with EN's own topics, subscriptions and destinations (ServiceNow, Slack,
// PagerDuty, email…). EN cannot be searched, so the sink keeps what it sent in a ledger in the trail
// bucket (ledger.ts) and is then searchable like any ticket system; without a trail bucket it is
// stateless like the webhook. Notification ids are derived from what they say (action, marker, ledger
// position, finding key): a repeat of the same step carries the same id.
import { createHash } from 'node:crypto';
import type { Authenticator } from 'ibm-cloud-sdk-core';
import type { Severity } from '../policy/profiles.ts';
import { cloudCall } from '../runtime/retry.ts';
import { cloudSinkError, countCall, mappedName } from './common.ts';
import { EventNotificationsClient, type NotificationCreate } from './en-client.ts';
import type { Ledger, LedgerChange, LedgerTicket } from './ledger.ts';
import { LedgerError } from './ledger.ts';
import type { TicketText } from './tags.ts';
import { fitText, fitTitle, subjectNoun } from './text.ts';
import {
  type OpenTicket,
  type ResolveReason,
  type SinkTicket,
  type TicketSink,
  TicketSinkError,
  type TicketSubject,
  type TicketUpdate,
} from './types.ts';

interface EventNotificationsOptions {
  authenticator: Authenticator;
  /** `https://{region}.event-notifications.cloud.ibm.com/event-notifications` or the emulator's. */
  serviceUrl: string;
  instanceId: string;
  sourceId: string;
  timeoutMs: number;
  /** Present when a trail bucket is configured: the sink is then searchable. */
  ledger?: Ledger;
  now?: () => Date;
}

type EnAction = 'open' | 'update' | 'resolve' | 'duplicate';

/** `<reverse-DNS type>:<sub-type>`, as EN's payload spec asks; EN topic rules filter on it. */
const EN_TYPE_PREFIX = 'io.github.imds-guard.trusted-profile';
const EN_SOURCE = 'imds-guard/profile-guard';
const EN_SEVERITY = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
} as const satisfies Record<Severity, string>;

/** `imdsg-n-<24 hex>`: the same action on the same state always gets the same id. */
const notificationId = (...parts: string[]): string =>
  `imdsg-n-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 24)}`;

interface Publish {
  id: string;
  action: EnAction;
  severity: string;
  title: string;
  text: string;
  markdown: string;
  data: Record<string, unknown>;
  /** The profile, when the action knows it (a duplicate's close does not). */
  subject?: TicketSubject;
}

/** What every step needs: the options, the clock, the client and (when searchable) the ledger. */
interface EnContext {
  o: EventNotificationsOptions;
  now: () => Date;
  client: EventNotificationsClient;
  ledger: Ledger | undefined;
}

const sinkError = (err: unknown, what: string): TicketSinkError =>
  err instanceof LedgerError
    ? new TicketSinkError('event-notifications', `ledger ${what}: ${err.message}`, {
        status: err.failure.status,
        retryable: err.retryable,
        cause: err,
      })
    : cloudSinkError('event-notifications', 'Event Notifications', err, what);

const notification = (cx: EnContext, p: Publish): NotificationCreate => ({
  specversion: '1.0',
  id: p.id,
  source: p.subject ? `${EN_SOURCE}/${p.subject.account_id}` : EN_SOURCE,
  type: `${EN_TYPE_PREFIX}:${p.action}`,
  time: cx.now().toISOString(),
  ibmensourceid: cx.o.sourceId,
  ibmenseverity: p.severity,
  ibmendefaultshort: fitTitle(p.title),
  ibmendefaultlong: fitText(p.text),
  ibmensubject: fitTitle(p.title),
  ibmenmarkdown: fitText(p.markdown),
  datacontenttype: 'application/json',
  data: { ...p.data, action: p.action, ...(p.subject ? { profile: p.subject } : {}) },
});

const publish = async (cx: EnContext, p: Publish): Promise<void> => {
  const body = notification(cx, p);
  countCall('event-notifications');
  try {
    await cloudCall(cx.client.sendNotifications({ instanceId: cx.o.instanceId, body }));
  } catch (err) {
    throw sinkError(err, `publish ${p.action}`);
  }
};

const ledgerCall = async <T>(cx: EnContext, what: string, run: (l: Ledger) => Promise<T>): Promise<T> => {
  if (!cx.ledger)
    throw new TicketSinkError('event-notifications', 'no ledger', { status: 0, retryable: false });
  try {
    return await run(cx.ledger);
  } catch (err) {
    throw sinkError(err, what);
  }
};

/** Appends to the marker's ledger (when there is one); `change` says what, or undefined: already done. */
const record = async (cx: EnContext, marker: string, change: LedgerChange): Promise<void> => {
  if (cx.ledger) await ledgerCall(cx, 'append', (l) => l.append(marker, change));
};

const asTicket = (t: LedgerTicket, marker: string): SinkTicket => ({
  id: t.id,
  created_at: t.created_at,
  status: 'open',
  key: t.key,
  marker,
  finding_ids: t.finding_ids,
});

const findOpen = async (cx: EnContext, marker: string): Promise<SinkTicket[]> => {
  if (!cx.ledger) return [];
  const state = await ledgerCall(cx, 'read', (l) => l.read(marker));
  return state.open.map((t) => asTicket(t, marker));
};

const openTicket = async (cx: EnContext, t: OpenTicket): Promise<SinkTicket> => {
  const severity = mappedName(t.mapped_severity, EN_SEVERITY[t.severity]);
  const seq = cx.ledger ? (await ledgerCall(cx, 'read', (l) => l.read(t.marker))).seq : 0;
  const id = cx.ledger
    ? notificationId('open', t.marker, String(seq), t.key)
    : notificationId('open', t.marker, t.key);
  const ticket: LedgerTicket = {
    id,
    created_at: cx.now().toISOString(),
    key: t.key,
    finding_ids: t.finding_ids,
    severity: t.severity,
  };
  await publish(cx, {
    id,
    action: 'open',
    severity,
    title: t.title,
    text: t.body.text,
    markdown: t.body.markdown,
    subject: t.subject,
    data: { ticket: id, marker: t.marker, key: t.key, finding_ids: t.finding_ids, severity: t.severity },
  });
  await record(cx, t.marker, (s) =>
    s.open.some((x) => x.id === id)
      ? undefined
      : { type: 'open', ticket: id, notification_id: id, open: [...s.open, ticket] },
  );
  return asTicket(ticket, t.marker);
};

const updateTicket = async (cx: EnContext, ref: SinkTicket, text: TicketText, u: TicketUpdate) => {
  const id = notificationId('update', ref.id, u.key);
  const known = cx.ledger ? await ledgerCall(cx, 'read', (l) => l.read(u.marker)) : undefined;
  const sev = known?.open.find((x) => x.id === ref.id)?.severity ?? 'low';
  await publish(cx, {
    id,
    action: 'update',
    severity: EN_SEVERITY[sev],
    title: `[imds-guard] Findings changed for ${subjectNoun(u.subject)} ${u.subject.name} (${u.marker})`,
    text: text.text,
    markdown: text.markdown,
    subject: u.subject,
    data: { ticket: ref.id, marker: u.marker, key: u.key, finding_ids: u.finding_ids },
  });
  await record(cx, u.marker, (s) => {
    const mine = s.open.find((x) => x.id === ref.id);
    if (!mine || mine.key === u.key) return undefined;
    const updated = { ...mine, key: u.key, finding_ids: u.finding_ids };
    return {
      type: 'update',
      ticket: ref.id,
      notification_id: id,
      open: s.open.map((x) => (x.id === ref.id ? updated : x)),
    };
  });
};

/** The ledger entry that takes a ticket out of the open list (nothing when it is not there). */
const removal =
  (ticket: string, type: 'resolve' | 'close', id: string): LedgerChange =>
  (s) =>
    s.open.some((x) => x.id === ticket)
      ? { type, ticket, notification_id: id, open: s.open.filter((x) => x.id !== ticket) }
      : undefined;

const resolveTicket = async (
  cx: EnContext,
  ref: SinkTicket,
  text: TicketText,
  u: TicketUpdate & { reason: ResolveReason },
): Promise<void> => {
  const id = cx.ledger ? notificationId('resolve', ref.id) : notificationId('resolve', u.marker, u.key);
  await publish(cx, {
    id,
    action: 'resolve',
    severity: EN_SEVERITY.low,
    title: `[imds-guard] Trusted profile ${u.subject.name} is ${u.reason === 'compliant' ? 'no longer too broad' : 'exempt'} (${u.marker})`,
    text: text.text,
    markdown: text.markdown,
    subject: u.subject,
    data: { ticket: ref.id, marker: u.marker, key: u.key, finding_ids: u.finding_ids, reason: u.reason },
  });
  await record(cx, u.marker, removal(ref.id, 'resolve', id));
};

const closeDuplicate = async (cx: EnContext, ref: SinkTicket, survivor: SinkTicket, text: TicketText) => {
  const id = notificationId('duplicate', ref.id);
  await publish(cx, {
    id,
    action: 'duplicate',
    severity: EN_SEVERITY.low,
    title: `[imds-guard] Duplicate of ${survivor.id} (${ref.marker})`,
    text: text.text,
    markdown: text.markdown,
    data: { ticket: ref.id, marker: ref.marker, duplicate_of: survivor.id },
  });
  await record(cx, ref.marker, removal(ref.id, 'close', id));
};

const createEventNotificationsSink = (o: EventNotificationsOptions): TicketSink => {
  const client = new EventNotificationsClient({ authenticator: o.authenticator, serviceUrl: o.serviceUrl });
  // One attempt per publish with a hard timeout: the platform's redelivery is the retry.
  client.disableRetries();
  client.getHttpClient().defaults.timeout = o.timeoutMs;
  const cx: EnContext = { o, now: o.now ?? (() => new Date()), client, ledger: o.ledger };
  return {
    kind: 'event-notifications',
    searchable: o.ledger !== undefined,
    find: async (marker) => findOpen(cx, marker),
    open: async (t) => openTicket(cx, t),
    comment: async (ref, text, u) => updateTicket(cx, ref, text, u),
    resolve: async (ref, text, u) => resolveTicket(cx, ref, text, u),
    close: async (ref, survivor, text) => closeDuplicate(cx, ref, survivor, text),
  };
};

export type { EnAction, EventNotificationsOptions };
export { createEventNotificationsSink, EN_SEVERITY, EN_TYPE_PREFIX, notificationId };
