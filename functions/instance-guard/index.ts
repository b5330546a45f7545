// instance-guard: Activity Tracker event → fresh read → decide → PATCH → verified decision record.
// Code Engine calls `main(params)`; everything before `import('./act.ts')` stays free of the IBM SDK.
import type { CeParams, CeResponse } from '#shared/runtime/ce-params.ts';
import type { RuntimeOverrides } from '#shared/runtime/guard.ts';
import { createGuardMain } from '#shared/runtime/guard-main.ts';

const createMain = (overrides?: RuntimeOverrides): ((params: CeParams) => Promise<CeResponse>) =>
  createGuardMain('instance-guard', () => import('./act.ts'), overrides);

const main = createMain();

export { createMain, main };
