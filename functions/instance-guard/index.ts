// instance-guard: Activity Tracker event → fresh read → decide → PATCH → verified decision record.
// Code Engine calls `main(params)`; everything before `import('./act.ts')` stays free of the IBM SDK.
import { parseDelivery } from '#events/decode.ts';
import { withTrail } from '#shared/audit/trail/index.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, refuse, respond, runtimeLoader, screen } from '#shared/runtime/guard.ts';
import { checkInvocation } from '#shared/runtime/invocation-auth.ts';

const createMain = (overrides?: RuntimeOverrides): ((params: CeParams) => Promise<CeResponse>) => {
  const runtime = runtimeLoader('instance-guard', overrides);
  return withTrail(runtime, async (params) => {
    const started = performance.now();
    const rt = await runtime();
    const denied = checkInvocation(rt, params, started);
    if (denied) return denied;
    const delivery = parseDelivery(params);
    if (!delivery.ok) return refuse(rt, delivery, started);
    const { actionable, skipped } = screen(rt, delivery, started);
    if (actionable.length === 0) return respond(rt, skipped);
    const { actOnEvents } = await import('./act.ts');
    return respond(rt, [...skipped, ...(await actOnEvents(rt, actionable, started))]);
  });
};

const main = createMain();

export { createMain, main };
