// Manifest → the exact `ibmcloud` commands that deploy it, in order. Pure: what already exists comes in
// as an ExistingState (read by deploy-probe.ts, or "nothing" when the IBM Cloud CLI is not installed), so
// the plan creates what is missing and updates what exists — running it twice never duplicates anything.
//
// Order: the account/region first; the project (its CRN links the identity); the identity, its links and
// its least-privilege policies before any code exists, so nothing ever runs unauthorised; secrets and
// configuration before the code that reads them; the code; the subscriptions that call it; and the
// Activity Tracker route last, so events flow only into a deployment that is ready for them.
// Each section is built in its own file under deploy-plan/; this file puts them in that order.

import type { Policy } from '../policy/schema.ts';
import { activityTrackerSection, authorizationKey, crnGuid } from './deploy-plan/activity-tracker.ts';
import { componentsSection } from './deploy-plan/components.ts';
import { configSection } from './deploy-plan/config.ts';
import { identitySection, linkName } from './deploy-plan/identity.ts';
import { projectSection, targetSection } from './deploy-plan/project.ts';
import { subscriptionSection } from './deploy-plan/subscriptions.ts';
import {
  EMPTY_STATE,
  type ExistingState,
  type FileArg,
  type FileContent,
  type Plan,
  type PlanSection,
  type ResourceKind,
  type Step,
  type Verb,
} from './deploy-plan/types.ts';
import type { Deployment } from './schema.ts';

const headerFor = (d: Deployment, s: ExistingState, file: string): string[] => [
  `imds-guard deploy plan for ${file}`,
  `Account ${d.accounts[0].id}, Code Engine project ${d.project.name} in ${d.project.region}, resource group ${d.project.resource_group}.`,
  s.probed
    ? 'State: read from IBM Cloud with ibmcloud; what exists is updated, what is missing is created.'
    : `State: nothing was read from IBM Cloud (${s.unread ?? 'ibmcloud is not on PATH'}), so nothing is assumed to exist and every resource is created.`,
  'Secret values never appear here: they are written from environment variables into files in a private',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal shell placeholder the plan explains
  'temporary directory ($DEPLOY_DIR), removed at the end. ${NAME} is a value an earlier command printed.',
  'Every line pastes into bash as it is (you need jq); deploy runs the same commands itself.',
];

/** The deployment as ordered sections of `ibmcloud` commands. */
const planDeploy = (d: Deployment, policy: Policy, state: ExistingState, file = 'manifest.yaml'): Plan => {
  const sections: PlanSection[] = [
    targetSection(d),
    projectSection(d, state),
    identitySection(d, policy, state),
    configSection(d, policy, state),
    componentsSection(d, state),
    subscriptionSection(d, state),
    ...[activityTrackerSection(d, state)].filter((x): x is PlanSection => x !== undefined),
  ].filter((sec) => sec.steps.length > 0 || sec.notes.length > 0);
  return { file, header: headerFor(d, state, file), sections };
};

/** Every step of a plan, in order. */
const stepsOf = (plan: Plan): Step[] => plan.sections.flatMap((sec) => [...sec.steps]);

export type { ExistingState, FileArg, FileContent, Plan, PlanSection, ResourceKind, Step, Verb };
export { authorizationKey, crnGuid, EMPTY_STATE, linkName, planDeploy, stepsOf };
