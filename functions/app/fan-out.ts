// The app's fan-out: one guard per routed function (each with its own runtime, loaded on first use),
// and the one answer made of theirs.
import type { GuardFunction } from '#events/routes.ts';
import { type Guard, loadGuard } from '#functions/guards.ts';
import type { CeResponse } from '#shared/runtime/ce-params.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';

const answer = (statusCode: number, body: unknown): CeResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body,
});

/** The guards of this app, each loaded once. */
const guardsFor = (overrides?: RuntimeOverrides): ((fn: GuardFunction) => Promise<Guard>) => {
  const guards = new Map<GuardFunction, Promise<Guard>>();
  return (fn) => {
    let g = guards.get(fn);
    if (!g) {
      g = loadGuard(fn, overrides);
      guards.set(fn, g);
    }
    return g;
  };
};

/** 503 when any guard wants a redelivery; 4xx when every guard refused the input; else 200. */
const combine = (results: readonly (readonly [GuardFunction, CeResponse])[]): CeResponse => {
  const codes = results.map(([, r]) => r.statusCode);
  const bad = codes.find((c) => c >= 400);
  const statusCode = codes.some((c) => c >= 500)
    ? 503
    : bad !== undefined && codes.every((c) => c >= 400)
      ? bad
      : 200;
  return answer(statusCode, {
    outcome: statusCode >= 500 ? 'retry' : statusCode >= 400 ? 'refused' : 'done',
    functions: Object.fromEntries(results.map(([fn, r]) => [fn, { statusCode: r.statusCode, body: r.body }])),
  });
};

export { answer, combine, guardsFor };
