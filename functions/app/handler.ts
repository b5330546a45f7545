// The HTTP app behind a Code Engine Kafka subscription (functions cannot be Kafka destinations):
// every Activity Tracker record arrives as a CloudEvents-binary POST. Credentials are checked before
// anything is read; the delivery is decoded once and handed, decoded, to the guards it concerns
// (each processes a `ce-id` once). Non-2xx only when a redelivery is wanted (5xx) or it can never work (4xx).
import { decodeDelivery } from '#events/decode.ts';
import { requestFromHttp } from '#events/request.ts';
import { functionsFor, type GuardFunction } from '#events/routes.ts';
import { type Guard, loadGuard } from '#functions/guards.ts';
import type { CeResponse, HttpRequestLike } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, runtimeLoader } from '#shared/runtime/guard.ts';
import { checkRequest } from '#shared/runtime/invocation-auth.ts';

type AppHandler = (req: HttpRequestLike) => Promise<CeResponse>;

const json = (statusCode: number, body: unknown): CeResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body,
});

/** 503 when any guard wants a redelivery; 4xx when every guard refused the input; else 200. */
const statusOf = (codes: readonly number[]): number => {
  if (codes.some((c) => c >= 500)) return 503;
  const bad = codes.find((c) => c >= 400);
  return bad !== undefined && codes.every((c) => c >= 400) ? bad : 200;
};

const createApp = (overrides?: RuntimeOverrides): AppHandler => {
  // The invocation-auth settings are the guards' own configuration.
  const runtime = runtimeLoader('instance-guard', overrides);
  const guards = new Map<GuardFunction, Promise<Guard>>();
  const guard = (fn: GuardFunction): Promise<Guard> => {
    let g = guards.get(fn);
    if (!g) {
      g = loadGuard(fn, overrides);
      guards.set(fn, g);
    }
    return g;
  };
  return async (req) => {
    const started = performance.now();
    const request = requestFromHttp(req);
    const denied = checkRequest(await runtime(), request, started);
    if (denied) return denied;
    const delivery = decodeDelivery(request);
    // A record that can never be processed is not redelivered (4xx): Knative drops it after logging.
    if (!delivery.ok) return json(delivery.status, { outcome: 'refused', reason: delivery.reason });
    const fns = [...new Set(delivery.events.flatMap((e) => functionsFor(e.event.action)))];
    if (fns.length === 0) return json(200, { outcome: 'ignored', reason: 'no guard handles these actions' });
    const results = await Promise.all(
      fns.map(async (fn) => [fn, await (await guard(fn)).handle(delivery, started)] as const),
    );
    const statusCode = statusOf(results.map(([, r]) => r.statusCode));
    return json(statusCode, {
      outcome: statusCode >= 500 ? 'retry' : statusCode >= 400 ? 'refused' : 'done',
      functions: Object.fromEntries(
        results.map(([fn, r]) => [fn, { statusCode: r.statusCode, body: r.body }]),
      ),
    });
  };
};

export type { AppHandler };
export { createApp };
