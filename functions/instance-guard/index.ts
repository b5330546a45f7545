// instance-guard: parse (auth first, one decode) → decide (checks needing no read) → act (./act.ts, loaded
// for events that passed: fresh read, decide, PATCH, verify) → respond (decision lines, status, trail).
import { type DecodedDelivery, decodeDelivery } from '#events/decode.ts';
import { requestFromParams } from '#events/request.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, refuse, respond, runtimeLoader, screen } from '#shared/runtime/guard.ts';
import { checkRequest } from '#shared/runtime/invocation-auth.ts';
import { answeringMisconfiguration } from '#shared/runtime/misconfigured.ts';
import type { Decided, GuardRuntime } from '#shared/runtime/records.ts';

let acting: Promise<typeof import('./act.ts')> | undefined; // loaded once, by the first event acted on
const loadActing = (): Promise<typeof import('./act.ts')> => (acting ??= import('./act.ts'));
/** decide → act: the decisions for a decoded delivery (the COS job calls this too). */
const guardDelivery = async (rt: GuardRuntime, delivery: DecodedDelivery, t0: number): Promise<Decided[]> => {
  const { actionable, skipped } = screen(rt, delivery, t0);
  if (actionable.length === 0) return skipped;
  const { actOnEvents } = await loadActing();
  return [...skipped, ...(await actOnEvents(rt, actionable, t0))];
};

const createGuard = (overrides?: RuntimeOverrides) => {
  const runtime = runtimeLoader('instance-guard', overrides);
  /** A delivery already authenticated and decoded (by `main`, or by the app). */
  const handle = async (delivery: DecodedDelivery, t0: number): Promise<CeResponse> => {
    const rt = await runtime();
    return respond(rt, await guardDelivery(rt, delivery, t0), delivery);
  };
  const main = async (params: CeParams): Promise<CeResponse> => {
    const [t0, rt, request] = [performance.now(), await runtime(), requestFromParams(params)];
    const delivery = checkRequest(rt, request, t0) ?? decodeDelivery(request);
    if ('statusCode' in delivery) return delivery;
    return delivery.ok ? handle(delivery, t0) : refuse(rt, delivery, t0);
  };
  return { runtime, handle, main };
};
const createMain = (overrides?: RuntimeOverrides): ((params: CeParams) => Promise<CeResponse>) =>
  answeringMisconfiguration('instance-guard', createGuard(overrides).main, overrides);
const main = createMain();

export { createGuard, createMain, guardDelivery, main };
