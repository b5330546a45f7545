// sweep: a cron ping (or `{"mode":"sweep", …}`) → the bulk engine over the whole account, --apply (the
// policy's dry_run wins), in the time limit. parse (credentials, one decode: a ping?) → decide + act +
// respond (./run.ts, loaded only on a ping: the guards' own code, a summary and every decision).
import { decodeDelivery } from '#events/decode.ts';
import { requestFromParams } from '#events/request.ts';
import { createLogger, parseLevel } from '#shared/audit/logger.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, runtimeLoader } from '#shared/runtime/guard.ts';
import { checkRequest } from '#shared/runtime/invocation-auth.ts';
import { answeringMisconfiguration } from '#shared/runtime/misconfigured.ts';
import { notAPing } from './not-a-ping.ts';

const createMain = (overrides?: RuntimeOverrides): ((params: CeParams) => Promise<CeResponse>) => {
  const level = parseLevel((overrides?.env ?? process.env).IMDS_GUARD_LOG_LEVEL);
  const logger = overrides?.logger ?? createLogger({ level, fields: { fn: 'sweep' } }); // config: the guards'
  const runtime = runtimeLoader('instance-guard', { ...overrides, logger });
  return answeringMisconfiguration(
    'sweep',
    async (params: CeParams) => {
      const [startedAt, rt, request] = [Date.now(), await runtime(), requestFromParams(params)];
      const delivery = checkRequest(rt, request) ?? decodeDelivery(request);
      if ('statusCode' in delivery) return delivery;
      if (params.mode !== 'sweep' && (!delivery.ok || delivery.kind !== 'cron')) return notAPing(delivery);
      const ping = delivery.ok
        ? { deliveryId: delivery.deliveryId, deliveryTime: delivery.deliveryTime }
        : {};
      return (await import('./run.ts')).runSweep(rt, params, { startedAt, ...ping });
    },
    { logger },
  );
};

const main = createMain();

export { createMain, main };
