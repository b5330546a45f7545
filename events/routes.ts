// Which function handles which Activity Tracker action (events-and-code-engine.md §2). Atracker has no
// action filter (§0.3): every function sees every routed event and answers "not ours" (202 ignored) fast.
import { type CrnRead, readCrn } from '#shared/cloud/crn.ts';
import type { AtEvent } from './schema.ts';

type GuardFunction = 'instance-guard' | 'profile-guard';

/** What the target CRN of a routed event must be: anything else is refused before any read. */
interface TargetSpec {
  services: readonly string[];
  types: readonly string[];
  /** VPC resources sit in a region or zone; IAM ones are global (no location, or `global`). */
  scope: 'regional' | 'global';
  /** IBM's own policy and group events may leave the id empty: the event's data then names it. */
  idOptional?: true;
}

interface Route {
  fns: readonly GuardFunction[];
  /** Why this action matters, in a line (logs and docs). */
  why: string;
  target: TargetSpec;
}

const VPC_INSTANCE = {
  services: ['is'],
  types: ['instance'],
  scope: 'regional',
} as const satisfies TargetSpec;
const PROFILE = {
  services: ['iam-identity'],
  types: ['profile'],
  scope: 'global',
} as const satisfies TargetSpec;
const PROFILE_TEMPLATE = {
  services: ['iam-identity'],
  types: ['profile-template'],
  scope: 'global',
} as const satisfies TargetSpec;
// IBM's samples name the policy service `iam-am`; `iam-access-management` is its long name (UNCONFIRMED in CRNs).
const POLICY = {
  services: ['iam-am', 'iam-access-management'],
  types: ['policy'],
  scope: 'global',
  idOptional: true,
} as const satisfies TargetSpec;
const GROUP = {
  services: ['iam-groups'],
  types: ['groups'],
  scope: 'global',
  idOptional: true,
} as const satisfies TargetSpec;

const ROUTES = {
  'is.instance.instance.create': {
    fns: ['instance-guard', 'profile-guard'],
    why: 'new instance: its metadata service settings, and the default trusted profile it may carry',
    target: VPC_INSTANCE,
  },
  'is.instance.instance.update': {
    fns: ['instance-guard'],
    why: 'PATCH /instances/{id}: metadata_service may have changed',
    target: VPC_INSTANCE,
  },
  'is.instance.instance-template.create': {
    fns: ['instance-guard'],
    why: 'template metadata settings cannot be changed later: ticket or replace',
    target: { services: ['is'], types: ['instance-template'], scope: 'regional' },
  },
  'is.instance-group.instance.create': {
    fns: ['instance-guard'],
    why: 'instance created by an instance group (auto-scaled member)',
    target: VPC_INSTANCE,
  },
  'iam-identity.account-profile.create': {
    fns: ['profile-guard'],
    why: 'new trusted profile',
    target: PROFILE,
  },
  'iam-identity.account-profile.update': {
    fns: ['profile-guard'],
    why: 'trusted profile changed (claim rules and links may surface here, UNCONFIRMED)',
    target: PROFILE,
  },
  'iam-identity.profile-template.assign': {
    fns: ['profile-guard'],
    why: 'enterprise trusted-profile template assigned to accounts',
    target: PROFILE_TEMPLATE,
  },
  'iam-identity.profile-template.assignment-update': {
    fns: ['profile-guard'],
    why: 'trusted-profile template assignment updated',
    target: PROFILE_TEMPLATE,
  },
  'iam-am.policy.create': {
    fns: ['profile-guard'],
    why: 'access policy created: a trusted profile may have gained access',
    target: POLICY,
  },
  'iam-am.policy.update': {
    fns: ['profile-guard'],
    why: 'access policy changed: a trusted profile may have gained access',
    target: POLICY,
  },
  'iam-groups.member.add': {
    fns: ['profile-guard'],
    why: 'access group member added: a trusted profile may have joined a group',
    target: GROUP,
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

/** The target CRN of a routed event, read strictly and held to what its action touches. */
const checkTarget = (action: RoutedAction, crn: unknown): CrnRead => {
  const read = readCrn(crn);
  if (!read.ok) return read;
  const spec: TargetSpec = ROUTES[action].target;
  const { service, type, location, id } = read.crn;
  if (!spec.services.includes(service))
    return { ok: false, reason: `${action} targets ${spec.services.join(' or ')}, not ${service}` };
  if (!spec.types.includes(type))
    return { ok: false, reason: `${action} targets a ${spec.types.join(' or ')}, not a ${type}` };
  const regional = location !== '' && location !== 'global';
  if (regional !== (spec.scope === 'regional'))
    return { ok: false, reason: `${service} ${type} CRNs are ${spec.scope}, not in location "${location}"` };
  if (id === '' && !spec.idOptional) return { ok: false, reason: `the target CRN names no ${type} id` };
  return read;
};

export type { GuardFunction, Route, RouteDecision, RoutedAction, TargetSpec };
export { ALIASES, actionsFor, canonicalAction, checkTarget, functionsFor, ROUTES, routeEvent };
