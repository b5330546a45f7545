// Subscriptions and their delivery queues — the records, limits and pure helpers (matching, ids, backoff).
import { stableHex32 } from '../core/ids.ts';
import type { Delivery, EnvelopeKind } from './envelopes.ts';
import type { Poster, PostResult } from './http.ts';

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_TOPIC = 'activity-tracker';
const BACKOFF_STEP_MS = 100;
const RETRY_AFTER_CAP_MS = 5_000;
const HISTORY = 10_000;
const RECENT_EVENTS = 1_000;

interface Subscription {
  id: string;
  name: string;
  url: string;
  envelope: EnvelopeKind;
  /** Action globs (`*` = any characters); `['*']` when the spec gave none. */
  actions: string[];
  topic: string;
  project: string;
  headers: Record<string, string>;
  delay_ms: number;
  max_attempts: number;
  batch_ms: number;
  timeout_ms: number;
  created_at: string;
}

interface SubscriptionView extends Subscription {
  stats: { queued: number; delivered: number; failed: number; next_offset: number };
}

interface DeliveryAttempt {
  at: string;
  ms: number;
  status?: number;
  error?: string;
  retry_after?: string;
  body?: string;
}

type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

interface DeliveryRecord {
  id: string;
  subscription: string;
  subscription_name: string;
  envelope: EnvelopeKind;
  /** Kafka offset of the record (partition 0), assigned once: redeliveries keep it. */
  offset: number;
  /** `partition:0/offset:N` for the CloudEvents envelopes. */
  ce_id?: string;
  action: string | undefined;
  event_id: string | undefined;
  /** All events of the delivery (more than one only for at-array). */
  actions: (string | undefined)[];
  event_ids: (string | undefined)[];
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  created_at: string;
  completed_at?: string;
}

interface FlushSummary {
  /** False when the wait ended at the timeout with deliveries still pending. */
  complete: boolean;
  ms: number;
  pending: number;
  delivered: number;
  failed: number;
  cancelled: number;
}

interface BusDeps {
  now: () => Date;
  uuid: () => string;
  /** The emulated account id (read at use: scenarios can replace the state). */
  account: () => string;
  poster: Poster;
}

interface QueueItem {
  record: DeliveryRecord;
  delivery: Delivery;
  due: number;
}

interface SubState {
  sub: Subscription;
  matches: (action: string | undefined) => boolean;
  nextOffset: number;
  queue: QueueItem[];
  batch: { events: unknown[]; timer: NodeJS.Timeout } | undefined;
  worker: Promise<void> | undefined;
  controller: AbortController;
  delivered: number;
  failed: number;
}

class SubscriptionConflictError extends Error {
  override name = 'SubscriptionConflictError';
}

const globMatcher = (globs: readonly string[]): ((action: string | undefined) => boolean) => {
  if (globs.includes('*')) return () => true;
  const res = globs.map(
    (g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*')}$`),
  );
  return (action) => action !== undefined && res.some((re) => re.test(action));
};

const actionOf = (event: unknown): string | undefined => {
  const a = (event as { action?: unknown } | null)?.action;
  return typeof a === 'string' ? a : undefined;
};

const eventIdOf = (event: unknown): string | undefined => {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
};

/** A Code Engine-like project subdomain (11 base-36 chars) derived from the account. */
const projectFor = (account: string): string =>
  BigInt(`0x${stableHex32(account, 'code-engine-project')}`)
    .toString(36)
    .slice(0, 11);

/** The Lucene-ish query a Cloud Logs alert for these actions would have. */
const queryFor = (globs: readonly string[]): string =>
  globs.includes('*') ? '_exists_:action' : globs.map((g) => `action:${g}`).join(' OR ');

/** Retry-After (seconds or HTTP date), capped; otherwise 100 ms × attempt. */
const backoffMs = (attempt: number, result: PostResult): number => {
  const raw = 'retryAfter' in result ? result.retryAfter : undefined;
  if (raw !== undefined) {
    const secs = Number(raw);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(raw) - Date.now();
    if (!Number.isNaN(ms)) return Math.min(Math.max(ms, 0), RETRY_AFTER_CAP_MS);
  }
  return BACKOFF_STEP_MS * attempt;
};

/** Resolves after `ms`, or as soon as `signal` aborts. */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export {
  actionOf,
  BACKOFF_STEP_MS,
  type BusDeps,
  backoffMs,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOPIC,
  type DeliveryAttempt,
  type DeliveryRecord,
  type DeliveryStatus,
  eventIdOf,
  type FlushSummary,
  globMatcher,
  HISTORY,
  pause,
  projectFor,
  type QueueItem,
  queryFor,
  RECENT_EVENTS,
  RETRY_AFTER_CAP_MS,
  type SubState,
  type Subscription,
  SubscriptionConflictError,
  type SubscriptionView,
};
