// Subscriptions and their delivery queues: one ordered queue per subscription, like a Kafka
// partition (the next record waits until the previous one succeeded or was given up).
import { randomUuid } from '../core/ids.ts';
import { buildDelivery } from './envelopes.ts';
import type { SubscriptionSpec } from './schema.ts';
import {
  actionOf,
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
  type SubState,
  type Subscription,
  SubscriptionConflictError,
  type SubscriptionView,
} from './subscriptions-model.ts';

class EventBus {
  private readonly subs = new Map<string, SubState>();
  private readonly history = new Map<string, DeliveryRecord>();
  private readonly recent: unknown[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private counter = 0;

  constructor(private readonly deps: BusDeps) {}

  subscribe(spec: SubscriptionSpec): SubscriptionView {
    this.counter += 1;
    const name = spec.name ?? `subscription-${this.counter}`;
    if ([...this.subs.values()].some((s) => s.sub.name === name))
      throw new SubscriptionConflictError(`a subscription named ${name} already exists`);
    const actions = spec.actions ?? ['*'];
    const sub: Subscription = {
      id: this.deps.uuid(),
      name,
      url: spec.url,
      envelope: spec.envelope,
      actions,
      topic: spec.topic ?? DEFAULT_TOPIC,
      project: spec.project ?? projectFor(this.deps.account()),
      headers: Object.fromEntries(Object.entries(spec.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      delay_ms: spec.delay_ms ?? 0,
      max_attempts: spec.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
      batch_ms: spec.batch_ms ?? 0,
      timeout_ms: spec.timeout_ms ?? DEFAULT_TIMEOUT_MS,
      created_at: this.deps.now().toISOString(),
    };
    const state: SubState = {
      sub,
      matches: globMatcher(actions),
      nextOffset: 0,
      queue: [],
      batch: undefined,
      worker: undefined,
      controller: new AbortController(),
      delivered: 0,
      failed: 0,
    };
    this.subs.set(sub.id, state);
    return this.view(state);
  }

  list(): SubscriptionView[] {
    return [...this.subs.values()].map((s) => this.view(s));
  }

  /** By id or name. */
  get(ref: string): SubscriptionView | undefined {
    const s = this.find(ref);
    return s ? this.view(s) : undefined;
  }

  /** Stops a subscription: in-flight requests are aborted, queued deliveries cancelled. */
  unsubscribe(ref: string): boolean {
    const s = this.find(ref);
    if (!s) return false;
    this.cancel(s);
    this.subs.delete(s.sub.id);
    return true;
  }

  unsubscribeAll(): number {
    const n = this.subs.size;
    for (const s of [...this.subs.values()]) this.unsubscribe(s.sub.id);
    return n;
  }

  /**
   * Hands events to every matching subscription. One call = one at-array body (or one batch
   * window's worth); every other envelope gets one delivery per event. Returns deliveries queued.
   */
  publish(events: readonly unknown[]): number {
    if (this.closed || events.length === 0) return 0;
    this.recent.push(...events);
    if (this.recent.length > RECENT_EVENTS) this.recent.splice(0, this.recent.length - RECENT_EVENTS);
    let queued = 0;
    for (const s of this.subs.values()) {
      const matching = events.filter((e) => s.matches(actionOf(e)));
      if (matching.length === 0) continue;
      if (s.sub.envelope !== 'at-array') {
        for (const e of matching) this.enqueue(s, [e]);
        queued += matching.length;
      } else if (s.sub.batch_ms > 0) {
        this.addToBatch(s, matching);
      } else {
        this.enqueue(s, matching);
        queued += 1;
      }
    }
    return queued;
  }

  /** The last events published (newest last), optionally filtered by action glob. */
  events(actionGlob?: string): unknown[] {
    if (!actionGlob) return [...this.recent];
    const m = globMatcher([actionGlob]);
    return this.recent.filter((e) => m(actionOf(e)));
  }

  deliveries(filter: { subscription?: string; status?: string; action?: string } = {}): DeliveryRecord[] {
    const sub = filter.subscription;
    const act = filter.action ? globMatcher([filter.action]) : undefined;
    return [...this.history.values()].filter(
      (d) =>
        (!sub || d.subscription === sub || d.subscription_name === sub) &&
        (!filter.status || d.status === filter.status) &&
        (!act || d.actions.some((a) => act(a))),
    );
  }

  clearDeliveries(): number {
    let n = 0;
    for (const [id, d] of this.history) {
      if (d.status === 'pending') continue;
      this.history.delete(id);
      n += 1;
    }
    return n;
  }

  /** Waits (at most `timeoutMs`) until every queued delivery has been attempted to completion. */
  async flush(timeoutMs: number): Promise<FlushSummary> {
    const started = performance.now();
    const deadline = started + timeoutMs;
    while (this.busy()) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
    const counts = { pending: 0, delivered: 0, failed: 0, cancelled: 0 } satisfies Record<
      DeliveryStatus,
      number
    >;
    for (const d of this.history.values()) counts[d.status] += 1;
    return { complete: !this.busy(), ms: Math.round(performance.now() - started), ...counts };
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.subs.values()].flatMap((s) => (s.worker ? [s.worker] : []));
    for (const s of this.subs.values()) this.cancel(s);
    await Promise.allSettled(workers);
    this.deps.poster.close();
    this.notify();
  }

  private find(ref: string): SubState | undefined {
    return this.subs.get(ref) ?? [...this.subs.values()].find((s) => s.sub.name === ref);
  }

  private view(s: SubState): SubscriptionView {
    return {
      ...s.sub,
      headers: { ...s.sub.headers },
      actions: [...s.sub.actions],
      stats: { queued: s.queue.length, delivered: s.delivered, failed: s.failed, next_offset: s.nextOffset },
    };
  }

  private busy(): boolean {
    for (const s of this.subs.values()) if (s.queue.length > 0 || s.batch || s.worker) return true;
    return false;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private addToBatch(s: SubState, events: readonly unknown[]): void {
    if (s.batch) {
      s.batch.events.push(...events);
      return;
    }
    const timer = setTimeout(() => {
      const batch = s.batch;
      s.batch = undefined;
      if (batch && !s.controller.signal.aborted) this.enqueue(s, batch.events);
      this.notify();
    }, s.sub.batch_ms);
    s.batch = { events: [...events], timer };
  }

  private enqueue(s: SubState, events: readonly unknown[]): void {
    const offset = s.nextOffset;
    s.nextOffset += 1;
    const time = this.deps.now();
    // Built once: a redelivery sends the same bytes (same ce-id, same EN notification id).
    const delivery = buildDelivery(s.sub.envelope, events, {
      partition: 0,
      offset,
      project: s.sub.project,
      subscription: s.sub.name,
      topic: s.sub.topic,
      time,
      account: this.deps.account(),
      query: queryFor(s.sub.actions),
      uuid: this.deps.uuid,
    });
    const actions = events.map(actionOf);
    const eventIds = events.map(eventIdOf);
    const record: DeliveryRecord = {
      id: randomUuid(),
      subscription: s.sub.id,
      subscription_name: s.sub.name,
      envelope: s.sub.envelope,
      offset,
      ...(s.sub.envelope.startsWith('cloudevents') ? { ce_id: `partition:0/offset:${offset}` } : {}),
      action: actions[0],
      event_id: eventIds[0],
      actions,
      event_ids: eventIds,
      status: 'pending',
      attempts: [],
      created_at: time.toISOString(),
    };
    this.history.set(record.id, record);
    if (this.history.size > HISTORY) {
      const oldest = this.history.keys().next().value;
      if (oldest !== undefined) this.history.delete(oldest);
    }
    s.queue.push({ record, delivery, due: performance.now() + s.sub.delay_ms });
    this.kick(s);
  }

  private kick(s: SubState): void {
    if (s.worker || s.controller.signal.aborted) return;
    s.worker = this.drain(s).finally(() => {
      s.worker = undefined;
      if (s.queue.length > 0) this.kick(s);
      this.notify();
    });
  }

  private async drain(s: SubState): Promise<void> {
    const signal = s.controller.signal;
    for (let item = s.queue[0]; item && !signal.aborted; item = s.queue[0]) {
      const wait = item.due - performance.now();
      if (wait > 0) await pause(wait, signal);
      if (!signal.aborted) await this.deliver(s, item);
      if (s.queue[0] === item) s.queue.shift();
      this.notify();
    }
  }

  private async deliver(s: SubState, item: QueueItem): Promise<void> {
    const { record, delivery } = item;
    const signal = s.controller.signal;
    const headers = { ...delivery.headers, ...s.sub.headers };
    for (let attempt = 1; attempt <= s.sub.max_attempts; attempt += 1) {
      const at = new Date().toISOString();
      const t0 = performance.now();
      const result = await this.deps.poster.post(s.sub.url, headers, delivery.body, {
        timeoutMs: s.sub.timeout_ms,
        signal,
      });
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      if (signal.aborted) {
        record.attempts.push({ at, ms, error: 'aborted' });
        return;
      }
      if ('error' in result) record.attempts.push({ at, ms, error: result.error });
      else
        record.attempts.push({
          at,
          ms,
          status: result.status,
          ...(!result.ok && result.retryAfter !== undefined ? { retry_after: result.retryAfter } : {}),
          ...(!result.ok && result.body ? { body: result.body } : {}),
        });
      if (result.ok) {
        this.complete(record, 'delivered');
        s.delivered += 1;
        return;
      }
      if (attempt < s.sub.max_attempts) await pause(backoffMs(attempt, result), signal);
      if (signal.aborted) return;
    }
    this.complete(record, 'failed');
    s.failed += 1;
  }

  private complete(record: DeliveryRecord, status: DeliveryStatus): void {
    if (record.status !== 'pending') return;
    record.status = status;
    record.completed_at = new Date().toISOString();
  }

  private cancel(s: SubState): void {
    s.controller.abort();
    if (s.batch) clearTimeout(s.batch.timer);
    s.batch = undefined;
    for (const item of s.queue) this.complete(item.record, 'cancelled');
    s.queue.length = 0;
    this.notify();
  }
}

export type {
  BusDeps,
  DeliveryAttempt,
  DeliveryRecord,
  DeliveryStatus,
  FlushSummary,
  Subscription,
  SubscriptionView,
};
export { backoffMs, EventBus, globMatcher, SubscriptionConflictError };
