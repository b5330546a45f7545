// Which function handles which Activity Tracker action (events-and-code-engine.md §2). Atracker has no
// action filter (§0.3): every function sees every routed event and answers "not ours" (202 ignored) fast.
import type { AtEvent } from './schema.ts';

type GuardFunction = 'instance-guard' | 'profile-guard';

interface Route {
  fns: readonly GuardFunction[];
  /** Why this action matters, in a line (logs and docs). */
  why: string;
}

const ROUTES = {
  'is.instance.instance.create': {
    fns: ['instance-guard', 'profile-guard'],
    why: 'new instance: its metadata service settings, and the default trusted profile it may carry',
  },
  'is.instance.instance.update': {
    fns: ['instance-guard'],
    why: 'PATCH /instances/{id}: metadata_service may have changed',
  },
  'is.instance.instance-template.create': {
    fns: ['instance-guard'],
    why: 'template metadata settings cannot be changed later: ticket or replace',
  },
  'is.instance-group.instance.create': {
    fns: ['instance-guard'],
    why: 'instance created by an instance group (auto-scaled member)',
  },
  'iam-identity.account-profile.create': {
    fns: ['profile-guard'],
    why: 'new trusted profile',
  },
  'iam-identity.account-profile.update': {
    fns: ['profile-guard'],
    why: 'trusted profile changed (claim rules and links may surface here, UNCONFIRMED)',
  },
  'iam-identity.profile-template.assign': {
    fns: ['profile-guard'],
    why: 'enterprise trusted-profile template assigned to accounts',
  },
  'iam-identity.profile-template.assignment-update': {
    fns: ['profile-guard'],
    why: 'trusted-profile template assignment updated',
  },
  'iam-am.policy.create': {
    fns: ['profile-guard'],
    why: 'access policy created: a trusted profile may have gained access',
  },
  'iam-am.policy.update': {
    fns: ['profile-guard'],
    why: 'access policy changed: a trusted profile may have gained access',
  },
  'iam-groups.member.add': {
    fns: ['profile-guard'],
    why: 'access group member added: a trusted profile may have joined a group',
  },
} as const satisfies Record<string, Route>;

type RoutedAction = keyof typeof ROUTES;

/**
 * Spellings seen besides IBM's action tables: examples drop the repeated object (`is.snapshot.create`
 * for `is.snapshot.snapshot.create`), write `load-balancer.listener` for `load-balancer-listener`; people
 * say `iam-identity.profile.*` (§0.1) and IAM templates use `iam-access-management.*`. UNCONFIRMED as
 * emitted spellings; a fresh read decides anyway, so accepting them costs one GET at most.
 */
const ALIASES = {
  'is.instance.create': 'is.instance.instance.create',
  'is.instance.update': 'is.instance.instance.update',
  'is.instance.instance.template.create': 'is.instance.instance-template.create',
  'iam-identity.profile.create': 'iam-identity.account-profile.create',
  'iam-identity.profile.update': 'iam-identity.account-profile.update',
  'iam-identity.profile-template.assignment.update': 'iam-identity.profile-template.assignment-update',
  'iam-access-management.policy.create': 'iam-am.policy.create',
  'iam-access-management.policy.update': 'iam-am.policy.update',
} as const satisfies Record<string, RoutedAction>;

type RouteDecision =
  | { handled: true; action: RoutedAction; route: Route; alias?: string }
  | { handled: false; reason: string };

/** IBM's spelling of a handled action (aliases resolved), or undefined when no function handles it. */
const canonicalAction = (action: string): RoutedAction | undefined => {
  const a = action.trim().toLowerCase();
  if (Object.hasOwn(ROUTES, a)) return a as RoutedAction;
  if (Object.hasOwn(ALIASES, a)) return ALIASES[a as keyof typeof ALIASES];
  return undefined;
};

/** Functions that handle an action (empty when none does). */
const functionsFor = (action: string): readonly GuardFunction[] => {
  const canonical = canonicalAction(action);
  return canonical ? ROUTES[canonical].fns : [];
};

/** Actions one function handles, IBM spelling. */
const actionsFor = (fn: GuardFunction): RoutedAction[] =>
  (Object.keys(ROUTES) as RoutedAction[]).filter((a) => (ROUTES[a].fns as readonly string[]).includes(fn));

/** Is this event for `fn`? A failed request changed nothing, so it is not ours either. */
const routeEvent = (event: Pick<AtEvent, 'action' | 'outcome'>, fn: GuardFunction): RouteDecision => {
  const action = canonicalAction(event.action);
  if (!action) return { handled: false, reason: `${event.action} is not an action imds-guard handles` };
  const route: Route = ROUTES[action];
  if (!route.fns.includes(fn))
    return { handled: false, reason: `${action} is handled by ${route.fns.join(', ')}, not ${fn}` };
  if (event.outcome?.trim().toLowerCase() === 'failure')
    return { handled: false, reason: `${action} failed (outcome failure): nothing changed` };
  const alias = action === event.action ? undefined : event.action;
  return { handled: true, action, route, ...(alias ? { alias } : {}) };
};

export type { GuardFunction, Route, RouteDecision, RoutedAction };
export { ALIASES, actionsFor, canonicalAction, functionsFor, ROUTES, routeEvent };
