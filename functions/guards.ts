// The functions Activity Tracker events are routed to (events/routes.ts), loaded on demand. The app
// and the COS job need only these; functions/registry.ts adds the rest.
import type { GuardFunction } from '#events/routes.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';

type FunctionMain = (params: CeParams) => Promise<CeResponse>;
type MainFactory = (overrides?: RuntimeOverrides) => FunctionMain;

const GUARDS = {
  'instance-guard': async () => (await import('./instance-guard/index.ts')).createMain,
  'profile-guard': async () => (await import('./profile-guard/index.ts')).createMain,
} satisfies Record<GuardFunction, () => Promise<MainFactory>>;

/** A guard's `main`, with its own runtime (configuration from `overrides`, else the environment). */
const loadGuard = async (name: GuardFunction, overrides?: RuntimeOverrides): Promise<FunctionMain> =>
  (await GUARDS[name]())(overrides);

export type { FunctionMain, MainFactory };
export { GUARDS, loadGuard };
