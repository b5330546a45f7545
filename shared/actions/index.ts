// Every action imds-guard takes at IBM, by id: what it does, its API calls, the IAM access they need and
// when a deployment uses it. One file per kind of resource; grants.ts derives the guard's grants.
import { IAM_ACTIONS } from './iam.ts';
import { OBSERVE_ACTIONS } from './observe.ts';
import { TICKET_ACTIONS } from './tickets.ts';
import type { Action } from './types.ts';
import { VPC_ACTIONS } from './vpc.ts';

/** In derivation order: a grant appears where its first action is (reads first, then writes). */
const ACTIONS = {
  ...VPC_ACTIONS,
  ...IAM_ACTIONS,
  ...TICKET_ACTIONS,
  ...OBSERVE_ACTIONS,
} satisfies Record<string, Action>;

type ActionId = keyof typeof ACTIONS;

export type { ActionId };
export { ACTIONS };
