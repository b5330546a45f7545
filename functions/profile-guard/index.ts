// profile-guard: Activity Tracker event → the trusted profiles it touches → fresh read → breadth rules →
// exactly one ticket per profile. Everything before `import('./act.ts')` stays free of the IBM SDK.
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';
import { createGuardMain } from '#shared/runtime/guard-main.ts';

const createMain = (overrides?: RuntimeOverrides): ((params: CeParams) => Promise<CeResponse>) =>
  createGuardMain('profile-guard', () => import('./act.ts'), overrides);

const main = createMain();

export { createMain, main };
