// IBM Cloud Event Notifications: every ticket action is a CloudEvent published from imds-guard's API
// source, and teams route it with EN's own topics, subscriptions and destinations (ServiceNow, Slack,
// PagerDuty, email…). EN cannot be searched, so the sink keeps what it sent in a ledger in the trail
// bucket (ledger.ts) and is then searchable like any ticket system; without a trail bucket it is
// stateless like the webhook. Notification ids are derived from what they say (action, marker, ledger
// position, finding key): a repeat of the same step carries the same id.
import { createHash } from 'node:crypto';
import type { Authenticator } from 'ibm-cloud-sdk-core';
import { CloudApiError, errorMessage } from '../errors.ts';
import type { Severity } from '../policy/profiles.ts';
import { currentTally } from '../runtime/call-counter.ts';
import { cloudCall } from '../runtime/retry.ts';
import { EventNotificationsClient, type NotificationCreate } from './en-client.ts';
import type { Ledger, LedgerTicket } from './ledger.ts';
import { LedgerError } from './ledger.ts';
import { fitText, fitTitle, subjectNoun } from './text.ts';
import { type SinkTicket, type TicketSink, TicketSinkError, type TicketSubject } from './types.ts';

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

const severityOf = (mapped: number | string | undefined, severity: Severity): string =>
  typeof mapped === 'string' && mapped.trim() !== '' ? mapped.trim() : EN_SEVERITY[severity];

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

const sinkError = (err: unknown, what: string): TicketSinkError => {
  if (err instanceof LedgerError)
    return new TicketSinkError('event-notifications', `ledger ${what}: ${err.message}`, {
      status: err.failure.status,
      retryable: err.retryable,
      cause: err,
    });
  const e =
    err instanceof CloudApiError ? err : new CloudApiError(errorMessage(err), { status: 0, cause: err });
  return new TicketSinkError(
    'event-notifications',
    `Event Notifications ${what}: ${e.status || 'no answer'} ${e.message}`,
    { status: e.status, retryable: e.retryable, cause: err },
  );
};

const count = (): void => {
  const tally = currentTally();
  if (!tally) return;
  tally.calls += 1;
  tally.byService['event-notifications'] = (tally.byService['event-notifications'] ?? 0) + 1;
};

const createEventNotificationsSink = (o: EventNotificationsOptions): TicketSink => {
  const now = o.now ?? (() => new Date());
  const client = new EventNotificationsClient({ authenticator: o.authenticator, serviceUrl: o.serviceUrl });
  // One attempt per publish with a hard timeout: the platform's redelivery is the retry.
  client.disableRetries();
  client.getHttpClient().defaults.timeout = o.timeoutMs;

  const publish = async (p: Publish): Promise<void> => {
    const body: NotificationCreate = {
      specversion: '1.0',
      id: p.id,
      source: p.subject ? `${EN_SOURCE}/${p.subject.account_id}` : EN_SOURCE,
      type: `${EN_TYPE_PREFIX}:${p.action}`,
      time: now().toISOString(),
      ibmensourceid: o.sourceId,
      ibmenseverity: p.severity,
      ibmendefaultshort: fitTitle(p.title),
      ibmendefaultlong: fitText(p.text),
      ibmensubject: fitTitle(p.title),
      ibmenmarkdown: fitText(p.markdown),
      datacontenttype: 'application/json',
      data: { ...p.data, action: p.action, ...(p.subject ? { profile: p.subject } : {}) },
    };
    count();
    try {
      await cloudCall(client.sendNotifications({ instanceId: o.instanceId, body }));
    } catch (err) {
      throw sinkError(err, `publish ${p.action}`);
    }
  };

  const ledgerCall = async <T>(what: string, run: (l: Ledger) => Promise<T>): Promise<T> => {
    if (!o.ledger)
      throw new TicketSinkError('event-notifications', 'no ledger', { status: 0, retryable: false });
    try {
      return await run(o.ledger);
    } catch (err) {
      throw sinkError(err, what);
    }
  };

  const asTicket = (t: LedgerTicket, marker: string): SinkTicket => ({
    id: t.id,
    created_at: t.created_at,
    status: 'open',
    key: t.key,
    marker,
    finding_ids: t.finding_ids,
  });

  const ledgered = o.ledger !== undefined;

  const removeFromLedger = async (
    marker: string,
    ticket: string,
    type: 'resolve' | 'close',
    id: string,
  ): Promise<void> => {
    await ledgerCall('append', (l) =>
      l.append(marker, (s) =>
        s.open.some((x) => x.id === ticket)
          ? { type, ticket, notification_id: id, open: s.open.filter((x) => x.id !== ticket) }
          : undefined,
      ),
    );
  };

  return {
    kind: 'event-notifications',
    searchable: ledgered,
    find: async (marker) => {
      if (!ledgered) return [];
      const state = await ledgerCall('read', (l) => l.read(marker));
      return state.open.map((t) => asTicket(t, marker));
    },
    open: async (t) => {
      const severity = severityOf(t.mapped_severity, t.severity);
      const seq = ledgered ? (await ledgerCall('read', (l) => l.read(t.marker))).seq : 0;
      const id = ledgered
        ? notificationId('open', t.marker, String(seq), t.key)
        : notificationId('open', t.marker, t.key);
      const ticket: LedgerTicket = {
        id,
        created_at: now().toISOString(),
        key: t.key,
        finding_ids: t.finding_ids,
        severity: t.severity,
      };
      await publish({
        id,
        action: 'open',
        severity,
        title: t.title,
        text: t.body.text,
        markdown: t.body.markdown,
        subject: t.subject,
        data: { ticket: id, marker: t.marker, key: t.key, finding_ids: t.finding_ids, severity: t.severity },
      });
      if (ledgered)
        await ledgerCall('append', (l) =>
          l.append(t.marker, (s) =>
            s.open.some((x) => x.id === id)
              ? undefined
              : { type: 'open', ticket: id, notification_id: id, open: [...s.open, ticket] },
          ),
        );
      return asTicket(ticket, t.marker);
    },
    comment: async (ref, text, u) => {
      const id = notificationId('update', ref.id, u.key);
      const known = await (ledgered
        ? ledgerCall('read', (l) => l.read(u.marker))
        : Promise.resolve(undefined));
      const sev = known?.open.find((x) => x.id === ref.id)?.severity ?? 'low';
      await publish({
        id,
        action: 'update',
        severity: EN_SEVERITY[sev],
        title: `[imds-guard] Findings changed for ${subjectNoun(u.subject)} ${u.subject.name} (${u.marker})`,
        text: text.text,
        markdown: text.markdown,
        subject: u.subject,
        data: { ticket: ref.id, marker: u.marker, key: u.key, finding_ids: u.finding_ids },
      });
      if (ledgered)
        await ledgerCall('append', (l) =>
          l.append(u.marker, (s) => {
            const mine = s.open.find((x) => x.id === ref.id);
            if (!mine || mine.key === u.key) return undefined;
            const updated = { ...mine, key: u.key, finding_ids: u.finding_ids };
            return {
              type: 'update',
              ticket: ref.id,
              notification_id: id,
              open: s.open.map((x) => (x.id === ref.id ? updated : x)),
            };
          }),
        );
    },
    resolve: async (ref, text, u) => {
      const id = ledgered ? notificationId('resolve', ref.id) : notificationId('resolve', u.marker, u.key);
      await publish({
        id,
        action: 'resolve',
        severity: EN_SEVERITY.low,
        title: `[imds-guard] Trusted profile ${u.subject.name} is ${u.reason === 'compliant' ? 'no longer too broad' : 'exempt'} (${u.marker})`,
        text: text.text,
        markdown: text.markdown,
        subject: u.subject,
        data: { ticket: ref.id, marker: u.marker, key: u.key, finding_ids: u.finding_ids, reason: u.reason },
      });
      if (ledgered) await removeFromLedger(u.marker, ref.id, 'resolve', id);
    },
    close: async (ref, survivor, text) => {
      const id = notificationId('duplicate', ref.id);
      await publish({
        id,
        action: 'duplicate',
        severity: EN_SEVERITY.low,
        title: `[imds-guard] Duplicate of ${survivor.id} (${ref.marker})`,
        text: text.text,
        markdown: text.markdown,
        data: { ticket: ref.id, marker: ref.marker, duplicate_of: survivor.id },
      });
      if (ledgered) await removeFromLedger(ref.marker, ref.id, 'close', id);
    },
  };
};

export type { EnAction, EventNotificationsOptions };
export { createEventNotificationsSink, EN_SEVERITY, EN_TYPE_PREFIX, notificationId };
