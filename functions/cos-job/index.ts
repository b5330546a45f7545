// Entry of the COS job bundle. Code Engine runs `node index.js` in the job container: the job reads
// its notification from the environment, processes it, and exits 0 (done) or 1 (run this index
// again). A `require()` of this file (tests, tools) only gets `main`. `createMain` is the same work
// behind an HTTP front door (an app's COS subscription, `imds-guard serve`): 503 where the job exits 1.
import { requestFromParams } from '#events/request.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import { type RuntimeOverrides, runtimeLoader } from '#shared/runtime/guard.ts';
import { checkInvocation } from '#shared/runtime/invocation-auth.ts';
import { runCosDelivery, runCosJob } from './run.ts';

/** One job run; resolves to the exit code. */
const main = async (env: Record<string, string | undefined> = process.env): Promise<number> =>
  (await runCosJob({ env })).exitCode;

/** The job as a function: params of an HTTP delivery (a COS notification) → response. */
const createMain = (overrides: RuntimeOverrides = {}): ((params: CeParams) => Promise<CeResponse>) => {
  const runtime = runtimeLoader('instance-guard', overrides);
  return async (params) => {
    const denied = checkInvocation(await runtime(), params);
    if (denied) return denied;
    const result = await runCosDelivery(requestFromParams(params), {
      env: overrides.env ?? process.env,
      ...(overrides.logger ? { logger: overrides.logger } : {}),
      ...(overrides.now ? { now: overrides.now } : {}),
    });
    const statusCode = result.exitCode === 1 ? 503 : result.status === 'refused' ? 400 : 200;
    return {
      statusCode,
      headers: { 'Content-Type': 'application/json' },
      body: { outcome: result.status, ...result },
    };
  };
};

const runAsProcess = (): void => {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Configuration errors and the like: visible in the job run's log, and the index is retried.
      const error = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${JSON.stringify({ level: 'error', message: 'cos-job failed', error })}\n`);
      process.exitCode = 1;
    },
  );
};

// In the CommonJS bundle `require.main === module` tells `node index.js` from a require().
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module)
  runAsProcess();

export { createMain, main };
