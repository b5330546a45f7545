// sweep: a Code Engine cron ping (or a manual `{"mode":"sweep", …}` request) → the bulk engine over the
// whole account with --apply semantics (the policy's dry_run wins), within the function's time limit.
// Everything before `import('./run.ts')` stays free of the IBM SDK.
import { decodeParams } from '#events/decode.ts';
import { createLogger, parseLevel } from '#shared/audit/logger.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, runtimeLoader } from '#shared/runtime/guard.ts';
import { checkInvocation } from '#shared/runtime/invocation-auth.ts';

const json = (statusCode: number, body: Record<string, unknown>): CeResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body,
});

const createMain = (overrides?: RuntimeOverrides): ((params: CeParams) => Promise<CeResponse>) => {
  const env = overrides?.env ?? process.env;
  // Records say fn "sweep"; the runtime (config, policy) is the guards' own.
  const logger =
    overrides?.logger ??
    createLogger({ level: parseLevel(env.IMDS_GUARD_LOG_LEVEL), fields: { fn: 'sweep' } });
  const runtime = runtimeLoader('instance-guard', { ...overrides, logger });
  return async (params) => {
    const startedAt = Date.now();
    const denied = checkInvocation(await runtime(), params);
    if (denied) return denied;
    const manual = params.mode === 'sweep';
    const delivery = decodeParams(params);
    if (!manual && (!delivery.ok || delivery.kind !== 'cron')) {
      const reason = delivery.ok
        ? `${delivery.kind} delivery: the sweep runs on a cron ping (or {"mode":"sweep"}); events go to instance-guard and profile-guard`
        : `not a cron ping or {"mode":"sweep"} request: ${delivery.reason}`;
      logger.debug('sweep ignored', { reason });
      return json(delivery.ok ? 202 : 400, {
        outcome: delivery.ok ? 'ignored' : 'refused',
        reason,
        decisions: [],
      });
    }
    const rt = await runtime();
    const { runSweep } = await import('./run.ts');
    return runSweep(rt, params, {
      startedAt,
      deliveryId: delivery.ok ? delivery.deliveryId : undefined,
      deliveryTime: delivery.ok ? delivery.deliveryTime : undefined,
    });
  };
};

const main = createMain();

export { createMain, main };
