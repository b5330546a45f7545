// Admin API for event delivery: subscriptions, deliveries, flush, and injected events.
// Under /_emulator/, no token (the emulator only listens on loopback).
import * as v from 'valibot';
import type { ChangeEvent, Ctx, Reply, RouteModule } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import type { ApiKeyRecord } from '../core/state.ts';
import { ChangeSpec, type Problem, problemsOf, SubscriptionSpec } from './schema.ts';
import { type DeliveryStatus, type EventBus, SubscriptionConflictError } from './subscriptions.ts';

const FLUSH_DEFAULT_MS = 10_000;
const FLUSH_MAX_MS = 60_000;
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed', 'cancelled'];

interface EventRouteDeps {
  bus: EventBus;
  /** ChangeEvent + initiator → AT event, exactly as for changes made through the API. */
  build: (change: ChangeEvent, caller: ApiKeyRecord | undefined) => unknown;
  /** API key of the current scenario by name. */
  keyNamed: (name: string) => ApiKeyRecord | undefined;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });

const invalid = (what: string, problems: Problem[]): Reply =>
  ok({ message: `invalid ${what}: ${problems.length} problem(s)`, errors: problems }, 400);

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const flushTimeout = (ctx: Ctx): number => {
  const raw = ctx.query.get('timeout_ms');
  if (raw === null) return FLUSH_DEFAULT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > FLUSH_MAX_MS)
    throw new ApiError(400, 'bad_request', `timeout_ms must be an integer from 0 to ${FLUSH_MAX_MS}`);
  return n;
};

type Built = { ok: true; events: unknown[] } | { ok: false; problems: Problem[] };

/** Each item: an AT event (delivered as-is) or `{change, as?}` (built like the emulator's own). */
const buildInjected = (body: unknown, deps: EventRouteDeps): Built => {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return { ok: false, problems: [{ path: '', message: 'no events given' }] };
  const problems: Problem[] = [];
  const events: unknown[] = [];
  items.forEach((item, i) => {
    const at = Array.isArray(body) ? String(i) : '';
    if (!isPlainObject(item)) {
      problems.push({ path: at, message: 'an event must be a JSON object' });
      return;
    }
    if (!('change' in item)) {
      events.push(item);
      return;
    }
    const { change, as, ...rest } = item;
    const extra = Object.keys(rest);
    if (extra.length > 0) problems.push({ path: at, message: `unknown keys: ${extra.join(', ')}` });
    const parsed = v.safeParse(ChangeSpec, change);
    if (!parsed.success) {
      problems.push(...problemsOf(parsed.issues, [at, 'change'].filter(Boolean).join('.')));
      return;
    }
    let caller: ApiKeyRecord | undefined;
    if (as !== undefined) {
      caller = typeof as === 'string' ? deps.keyNamed(as) : undefined;
      if (!caller) {
        problems.push({
          path: [at, 'as'].filter(Boolean).join('.'),
          message: `no api key named ${String(as)}`,
        });
        return;
      }
    }
    events.push(deps.build(parsed.output, caller));
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, events };
};

const eventRoutes =
  (deps: EventRouteDeps): RouteModule =>
  (add) => {
    const admin = { service: 'admin', auth: false } as const;
    const { bus } = deps;

    add({
      ...admin,
      method: 'POST',
      path: '/_emulator/subscriptions',
      handler: (ctx) => {
        const parsed = v.safeParse(SubscriptionSpec, ctx.body);
        if (!parsed.success) return invalid('subscription', problemsOf(parsed.issues));
        try {
          return ok(bus.subscribe(parsed.output), 201);
        } catch (err) {
          if (err instanceof SubscriptionConflictError) throw new ApiError(409, 'conflict', err.message);
          throw err;
        }
      },
    });

    add({
      ...admin,
      method: 'GET',
      path: '/_emulator/subscriptions',
      handler: () => ok({ subscriptions: bus.list() }),
    });

    add({
      ...admin,
      method: 'GET',
      path: '/_emulator/subscriptions/:id',
      handler: (ctx) => {
        const sub = bus.get(ctx.params.id ?? '');
        if (!sub) throw new ApiError(404, 'not_found', `no subscription ${ctx.params.id}`);
        return ok(sub);
      },
    });

    add({
      ...admin,
      method: 'DELETE',
      path: '/_emulator/subscriptions/:id',
      handler: (ctx) => {
        if (!bus.unsubscribe(ctx.params.id ?? ''))
          throw new ApiError(404, 'not_found', `no subscription ${ctx.params.id}`);
        return ok({ removed: ctx.params.id });
      },
    });

    add({
      ...admin,
      method: 'DELETE',
      path: '/_emulator/subscriptions',
      handler: () => ok({ removed: bus.unsubscribeAll() }),
    });

    add({
      ...admin,
      method: 'GET',
      path: '/_emulator/deliveries',
      handler: (ctx) => {
        const status = ctx.query.get('status') ?? undefined;
        if (status !== undefined && !STATUSES.includes(status as DeliveryStatus))
          throw new ApiError(400, 'bad_request', `status must be one of ${STATUSES.join(', ')}`);
        const deliveries = bus.deliveries({
          ...(ctx.query.get('subscription') ? { subscription: ctx.query.get('subscription') as string } : {}),
          ...(status ? { status } : {}),
          ...(ctx.query.get('action') ? { action: ctx.query.get('action') as string } : {}),
        });
        return ok({ deliveries });
      },
    });

    add({
      ...admin,
      method: 'DELETE',
      path: '/_emulator/deliveries',
      handler: () => ok({ cleared: bus.clearDeliveries() }),
    });

    add({
      ...admin,
      method: 'POST',
      path: '/_emulator/deliveries/flush',
      handler: async (ctx) => ok(await bus.flush(flushTimeout(ctx))),
    });

    add({
      ...admin,
      method: 'POST',
      path: '/_emulator/events',
      handler: (ctx) => {
        const built = buildInjected(ctx.body, deps);
        if (!built.ok) return invalid('events', built.problems);
        const queued = bus.publish(built.events);
        return ok({ events: built.events, queued }, 202);
      },
    });

    add({
      ...admin,
      method: 'GET',
      path: '/_emulator/events',
      handler: (ctx) => ok({ events: bus.events(ctx.query.get('action') ?? undefined) }),
    });
  };

export type { EventRouteDeps };
export { eventRoutes };
