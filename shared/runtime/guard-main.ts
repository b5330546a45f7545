// The shape every event-driven guard function shares: invocation auth → decode → the checks made
// before any read → (only then) the acting bundle → one decision line per target → the COS trail.
import { dedupeKey, parseDelivery } from '#events/decode.ts';
import type { GuardFunction } from '#events/routes.ts';
import { createLogger } from '../audit/logger.ts';
import { withTrail } from '../audit/trail/index.ts';
import { ConfigError } from '../errors.ts';
import type { CeParams, CeResponse } from './ce-params.ts';
import {
  type Actionable,
  type Decided,
  type GuardRuntime,
  type RuntimeOverrides,
  recordFor,
  refuse,
  respond,
  runtimeLoader,
  screen,
} from './guard.ts';
import { checkInvocation } from './invocation-auth.ts';
import { authFailure, misconfigured } from './misconfigured.ts';

/** What a guard's lazily loaded acting module exports. */
interface ActingModule {
  actOnEvents: (rt: GuardRuntime, items: Actionable[], started: number) => Promise<Decided[]>;
}

/** `main(params)` of a guard; `loadAct` is the guard's own `() => import('./act.ts')`. */
const createGuardMain = (
  fn: GuardFunction,
  loadAct: () => Promise<ActingModule>,
  overrides?: RuntimeOverrides,
): ((params: CeParams) => Promise<CeResponse>) => {
  const runtime = runtimeLoader(fn, overrides);
  const guarded = withTrail(runtime, async (params) => {
    const started = performance.now();
    const rt = await runtime();
    const denied = checkInvocation(rt, params, started);
    if (denied) return denied;
    const delivery = parseDelivery(params);
    if (!delivery.ok) return refuse(rt, delivery, started);
    const { actionable, skipped } = screen(rt, delivery, started);
    if (actionable.length === 0) return respond(rt, skipped);
    const { actOnEvents } = await loadAct();
    return respond(rt, [...skipped, ...(await actOnEvents(rt, actionable, started))]);
  });
  return async (params) => {
    try {
      await runtime();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const logger = overrides?.logger ?? createLogger({ level: 'info', fields: { fn } });
      return misconfigured(fn, err, logger);
    }
    return guarded(params);
  };
};

/**
 * Acts on screened events one after another (order matters within a delivery). Without a context
 * (no token) nothing can be read: every event fails and is released so its redelivery is processed.
 */
const actInOrder = async <C>(
  rt: GuardRuntime,
  items: Actionable[],
  started: number,
  context: () => Promise<C>,
  handle: (ctx: C, item: Actionable) => Promise<Decided[]>,
): Promise<Decided[]> => {
  let ctx: C;
  try {
    ctx = await context();
  } catch (err) {
    // Only a transient failure is worth a redelivery; a misconfiguration is answered once (misconfigured.ts).
    const failure = authFailure(err);
    if (failure.retry) for (const i of items) rt.seen.release(dedupeKey(i.parsed));
    return items.map((i) => ({
      record: recordFor(rt, i.parsed, { outcome: 'failed', reason: failure.reason }, started),
      retry: failure.retry,
    }));
  }
  const out: Decided[] = [];
  for (const item of items) out.push(...(await handle(ctx, item)));
  return out;
};

export type { ActingModule };
export { actInOrder, createGuardMain };
