// The functions Activity Tracker events are routed to (events/routes.ts), loaded on demand. The app
// and the COS job need only these; functions/registry.ts adds the rest.
import type { DecodedDelivery } from '#events/decode.ts';
import type { GuardFunction } from '#events/routes.ts';
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';
import type { Decided, GuardRuntime } from '#shared/runtime/records.ts';

type FunctionMain = (params: CeParams) => Promise<CeResponse>;
type MainFactory = (overrides?: RuntimeOverrides) => FunctionMain;

/** What each guard's index.ts exports: its wiring, usable from params or from a decoded delivery. */
interface GuardModule {
  createMain: MainFactory;
  createGuard: (overrides?: RuntimeOverrides) => {
    runtime: () => Promise<GuardRuntime>;
    /** A delivery the caller already authenticated and decoded → the guard's response. */
    handle: (delivery: DecodedDelivery, started: number) => Promise<CeResponse>;
    main: FunctionMain;
  };
  /** decide → act, without logging or the trail (the COS job logs and writes its own). */
  guardDelivery: (rt: GuardRuntime, delivery: DecodedDelivery, started: number) => Promise<Decided[]>;
}

const GUARDS = {
  'instance-guard': () => import('./instance-guard/index.ts'),
  'profile-guard': () => import('./profile-guard/index.ts'),
} satisfies Record<GuardFunction, () => Promise<GuardModule>>;

type Guard = ReturnType<GuardModule['createGuard']>;

/** A guard with its own runtime (configuration from `overrides`, else the environment). */
const loadGuard = async (name: GuardFunction, overrides?: RuntimeOverrides): Promise<Guard> =>
  (await GUARDS[name]()).createGuard(overrides);

export type { FunctionMain, Guard, GuardModule, MainFactory };
export { GUARDS, loadGuard };
