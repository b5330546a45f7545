// A webhook: POST one JSON notification per ticket action, signed with HMAC-SHA256 over the exact body
// (`X-Imds-Guard-Signature: sha256=<hex>`). A webhook cannot be searched, so this sink keeps no state:
// every assessment with findings is an `open` carrying the dedupe key and the profile marker, a clean one
// is a `resolve`; the receiver keeps one ticket per marker and treats a new key as "findings changed".
import { createHmac, timingSafeEqual } from 'node:crypto';
import { receiverTicket } from './common.ts';
import { sinkFetch } from './http.ts';
import type { TicketText } from './tags.ts';
import { type TicketSink, TicketSinkError, type TicketSubject, type TicketUpdate } from './types.ts';

interface WebhookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  now?: () => Date;
}

type NotificationType = 'open' | 'comment' | 'resolve' | 'close';

/** The JSON body receivers get (documented in shared/tickets/README.md). */
interface WebhookNotification {
  type: NotificationType;
  source: 'imds-guard';
  /** Same profile → same marker: the receiver's ticket identity. */
  marker: string;
  /** Same findings → same key: an `open` with a key the receiver already has is a repeat. */
  key: string;
  profile: TicketSubject;
  finding_ids: string[];
  sent_at: string;
  title?: string;
  severity?: string;
  mapped_severity?: number | string;
  reason?: string;
  /** For `close`: the ticket that survives. */
  duplicate_of?: string;
  text: string;
  markdown: string;
}

const SIGNATURE_HEADER = 'X-Imds-Guard-Signature';

/** `sha256=<hex HMAC-SHA256 of the body>`. */
const signBody = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

/** What a receiver does: recompute and compare in constant time. */
const verifySignature = (secret: string, body: string, header: string | undefined): boolean => {
  if (!header) return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header.trim());
  return want.length === got.length && timingSafeEqual(want, got);
};

/** The fields every notification about a profile's ticket starts with. */
const about = (type: NotificationType, u: TicketUpdate) => ({
  type,
  marker: u.marker,
  key: u.key,
  profile: u.subject,
  finding_ids: u.finding_ids,
});

const texts = (t: TicketText) => ({ text: t.text, markdown: t.markdown });

const post = async (
  o: WebhookOptions,
  now: () => Date,
  n: Omit<WebhookNotification, 'source' | 'sent_at'>,
): Promise<void> => {
  const body = JSON.stringify({ ...n, source: 'imds-guard', sent_at: now().toISOString() });
  await sinkFetch({
    sink: 'webhook',
    method: 'POST',
    url: o.url,
    headers: {
      'Content-Type': 'application/json',
      [SIGNATURE_HEADER]: signBody(o.secret, body),
      // Same action on the same findings → same id: receivers may drop repeats on this alone.
      'Idempotency-Key': `${n.type}:${n.marker}:${n.key}`,
    },
    body,
    timeoutMs: o.timeoutMs,
  });
};

const createWebhookSink = (o: WebhookOptions): TicketSink => {
  const now = o.now ?? (() => new Date());
  return {
    kind: 'webhook',
    searchable: false,
    find: async () => [],
    open: async (t) => {
      await post(o, now, {
        ...about('open', t),
        title: t.title,
        severity: t.severity,
        ...(t.mapped_severity !== undefined ? { mapped_severity: t.mapped_severity } : {}),
        ...texts(t.body),
      });
      return receiverTicket(t, now());
    },
    comment: async (_ref, text, u) => {
      await post(o, now, { ...about('comment', u), ...texts(text) });
    },
    resolve: async (_ref, text, u) => {
      await post(o, now, { ...about('resolve', u), reason: u.reason, ...texts(text) });
    },
    close: async (ref) => {
      // Never planned for a sink that finds nothing; refuse rather than send something meaningless.
      throw new TicketSinkError('webhook', `cannot close ${ref.id}: webhook tickets are the receiver's`, {
        status: 400,
      });
    },
  };
};

export type { NotificationType, WebhookNotification, WebhookOptions };
export { createWebhookSink, SIGNATURE_HEADER, signBody, verifySignature };
