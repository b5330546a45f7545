// The deployable functions by name, loaded on demand (CLI `invoke`/`serve`, the demo, tests).
import type { GuardFunction } from '#events/routes.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';
import { type FunctionMain, GUARDS, type MainFactory } from './guards.ts';

const FUNCTIONS = {
  'instance-guard': async () => (await GUARDS['instance-guard']()).createMain,
  'profile-guard': async () => (await GUARDS['profile-guard']()).createMain,
  sweep: async () => (await import('./sweep/index.ts')).createMain,
  // The COS job behind an HTTP front door (an app's COS subscription, `serve`); deployed as a job.
  'cos-job': async () => (await import('./cos-job/index.ts')).createMain,
} satisfies Record<string, () => Promise<MainFactory>>;

type FunctionName = keyof typeof FUNCTIONS;

/** The functions Activity Tracker events are routed to; the sweep runs on a cron ping instead. */
const EVENT_FUNCTIONS = ['instance-guard', 'profile-guard'] as const satisfies readonly (GuardFunction &
  FunctionName)[];

const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(FUNCTIONS, name);

/** A function's `main`, with its own runtime (configuration from `overrides`, else the environment). */
const loadFunction = async (name: FunctionName, overrides?: RuntimeOverrides): Promise<FunctionMain> =>
  (await FUNCTIONS[name]())(overrides);

export type { FunctionMain, FunctionName };
export { EVENT_FUNCTIONS, FUNCTIONS, isFunctionName, loadFunction };
