// The HTTP app behind a Code Engine Kafka subscription: every Activity Tracker record arrives as a
// CloudEvents-binary POST. parse (credentials first, one decode) → decide (which guards) → act (each guard
// handles the decoded delivery) → respond (5xx only for a redelivery, 4xx when it can never work).
import { decodeDelivery } from '#events/decode.ts';
import { requestFromHttp } from '#events/request.ts';
import { functionsFor } from '#events/routes.ts';
import type { CeResponse, HttpRequestLike } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, runtimeLoader } from '#shared/runtime/guard.ts';
import { checkRequest } from '#shared/runtime/invocation-auth.ts';
import { answeringMisconfiguration } from '#shared/runtime/misconfigured.ts';
import { answer, combine, guardsFor } from './fan-out.ts';

type AppHandler = (req: HttpRequestLike) => Promise<CeResponse>;

const createApp = (overrides?: RuntimeOverrides): AppHandler => {
  const runtime = runtimeLoader('instance-guard', overrides); // invocation auth: the guards' settings
  const guard = guardsFor(overrides);
  // A configuration that cannot load is answered 200 with a failed decision: Knative would redeliver a 5xx.
  return answeringMisconfiguration(
    'instance-guard',
    async (req: HttpRequestLike) => {
      const started = performance.now();
      const request = requestFromHttp(req);
      const denied = checkRequest(await runtime(), request, started);
      if (denied) return denied;
      const delivery = decodeDelivery(request);
      // A record that can never be processed is not redelivered (4xx): Knative drops it after logging.
      if (!delivery.ok) return answer(delivery.status, { outcome: 'refused', reason: delivery.reason });
      const fns = [...new Set(delivery.events.flatMap((e) => functionsFor(e.event.action)))];
      if (fns.length === 0)
        return answer(200, { outcome: 'ignored', reason: 'no guard handles these actions' });
      const handled = fns.map(async (fn) => [fn, await (await guard(fn)).handle(delivery, started)] as const);
      return combine(await Promise.all(handled));
    },
    overrides,
  );
};

export type { AppHandler };
export { createApp };
