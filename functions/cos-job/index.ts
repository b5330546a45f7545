// cos-job: a COS subscription runs it (`node index.js`) for every Activity Tracker object written:
// parse (the notification, from the environment) → decide + act (each event of the object through the
// guards' own decide → act, functions/guards.ts) → respond (exit 0, or 1 to run this index again; a
// completion marker per object version). `createMain` is the same behind an HTTP front door (an app's COS
// subscription, `serve`): credentials first, 503 where the job exits 1.
import { requestFromParams } from '#events/request.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, runtimeLoader } from '#shared/runtime/guard.ts';
import { checkRequest } from '#shared/runtime/invocation-auth.ts';
import { runAsProcess, runCosDelivery, runCosJob } from './run.ts';

/** One job run; resolves to the exit code. */
const main = async (env: Record<string, string | undefined> = process.env): Promise<number> =>
  (await runCosJob({ env })).exitCode;

const createMain = (overrides: RuntimeOverrides = {}): ((params: CeParams) => Promise<CeResponse>) => {
  const runtime = runtimeLoader('instance-guard', overrides);
  return async (params) => {
    const request = requestFromParams(params);
    const denied = checkRequest(await runtime(), request);
    if (denied) return denied;
    const { env = process.env, ...rest } = overrides;
    const result = await runCosDelivery(request, { env, ...rest });
    const statusCode = result.exitCode === 1 ? 503 : result.status === 'refused' ? 400 : 200;
    return {
      statusCode,
      headers: { 'Content-Type': 'application/json' },
      body: { outcome: result.status, ...result },
    };
  };
};

// `require.main === module` tells `node index.js` (the job) from a require() (which only gets `main`).
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module)
  runAsProcess();

export { createMain, main };
