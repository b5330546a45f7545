// The deployable functions by name, loaded on demand (CLI `invoke`/`serve`, the demo, tests).
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';

type FunctionMain = (params: CeParams) => Promise<CeResponse>;
type MainFactory = (overrides?: RuntimeOverrides) => FunctionMain;

const FUNCTIONS = {
  'instance-guard': async () => (await import('./instance-guard/index.ts')).createMain,
  'profile-guard': async () => (await import('./profile-guard/index.ts')).createMain,
} satisfies Record<string, () => Promise<MainFactory>>;

type FunctionName = keyof typeof FUNCTIONS;

const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(FUNCTIONS, name);

/** A function's `main`, with its own runtime (configuration from `overrides`, else the environment). */
const loadFunction = async (name: FunctionName, overrides?: RuntimeOverrides): Promise<FunctionMain> =>
  (await FUNCTIONS[name]())(overrides);

export type { FunctionMain, FunctionName };
export { FUNCTIONS, isFunctionName, loadFunction };
