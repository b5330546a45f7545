// The HTTP app behind a Code Engine Kafka subscription (functions cannot be Kafka destinations):
// every Activity Tracker record arrives as a CloudEvents-binary POST. It answers fast — records no
// guard handles are acknowledged without loading anything — hands the rest to the guard functions
// (each processes a `ce-id` once), and answers non-2xx only when a redelivery is wanted.
import { parseDelivery } from '#events/decode.ts';
import { functionsFor, type GuardFunction } from '#events/routes.ts';
import { loadGuard } from '#functions/guards.ts';
import { type CeResponse, type HttpRequestLike, paramsFromHttp } from '#shared/runtime/ce-params.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';

type AppHandler = (req: HttpRequestLike) => Promise<CeResponse>;

const json = (statusCode: number, body: unknown): CeResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body,
});

const createApp = (overrides?: RuntimeOverrides): AppHandler => {
  const mains = new Map<GuardFunction, ReturnType<typeof loadGuard>>();
  const main = (fn: GuardFunction): ReturnType<typeof loadGuard> => {
    let m = mains.get(fn);
    if (!m) {
      m = loadGuard(fn, overrides);
      mains.set(fn, m);
    }
    return m;
  };
  return async (req) => {
    const params = paramsFromHttp(req);
    const delivery = parseDelivery(params);
    // A record that can never be processed is not redelivered (4xx): Knative drops it after logging.
    if (!delivery.ok) return json(delivery.status, { outcome: 'refused', reason: delivery.reason });
    const fns = [...new Set(delivery.events.flatMap((e) => functionsFor(e.event.action)))];
    if (fns.length === 0) return json(200, { outcome: 'ignored', reason: 'no guard handles these actions' });
    const results = await Promise.all(fns.map(async (fn) => [fn, await (await main(fn))(params)] as const));
    // The guards check invocation auth on the same headers; an unauthenticated delivery is the
    // caller's problem to see (401), never an acknowledged-and-dropped record.
    const denied = results.find(([, r]) => r.statusCode === 401);
    if (denied) return json(401, denied[1].body);
    const retry = results.some(([, r]) => r.statusCode >= 500);
    return json(retry ? 503 : 200, {
      outcome: retry ? 'retry' : 'done',
      functions: Object.fromEntries(
        results.map(([fn, r]) => [fn, { statusCode: r.statusCode, body: r.body }]),
      ),
    });
  };
};

export type { AppHandler };
export { createApp };
