// Which trusted profiles an event is about, one resolver per action profile-guard handles. The event only
// names what changed (a profile, a policy, a group, an instance, a template): the profiles are then read
// fresh, whatever the event carried.

import type { ROUTES, RoutedAction } from '#events/routes.ts';
import type { Outcome } from '#shared/audit/decision.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { type ActContext, mayActIn, readOr404 } from '#shared/runtime/acting.ts';
import type { Actionable } from '#shared/runtime/records.ts';
import { cloudCall } from '#shared/runtime/retry.ts';

/** The actions routed to profile-guard (events/routes.ts). */
type ProfileAction = {
  [A in RoutedAction]: 'profile-guard' extends (typeof ROUTES)[A]['fns'][number] ? A : never;
}[RoutedAction];

interface ProfileTarget {
  profileId: string;
  /** How the event led to this profile, for the decision record. */
  via: string;
  /** Instance CRNs that name the profile as their default trusted profile (from the event). */
  defaultFor?: string[];
  /** The profile may have just been created: a 404 is retried a few times before `gone`. */
  fresh?: boolean;
}

type Targets =
  | { kind: 'profiles'; profiles: ProfileTarget[] }
  | { kind: 'none'; outcome: Extract<Outcome, 'ignored' | 'gone' | 'refused'>; reason: string };

type Resolver = (ctx: ActContext, item: Actionable) => Promise<Targets>;

const PROFILE_IAM_PREFIX = 'iam-Profile-';
const PAGE = 100;

const none = (outcome: Extract<Outcome, 'ignored' | 'gone' | 'refused'>, reason: string): Targets => ({
  kind: 'none',
  outcome,
  reason,
});

const record = (x: unknown): Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

const text = (x: unknown): string | undefined =>
  typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined;

/** `iam-Profile-<uuid>` → `Profile-<uuid>` (iam_id = `iam-` + profile id, ibm-api-facts §3.3). */
const profileIdOf = (iamId: string): string | undefined =>
  iamId.startsWith(PROFILE_IAM_PREFIX) ? iamId.slice('iam-'.length) : undefined;

/** Profile members of an access group, every page. */
const profileMembers = async (ctx: ActContext, accessGroupId: string): Promise<string[]> => {
  const groups = await ctx.clients.groups();
  const out: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const res = await cloudCall(
      groups.listAccessGroupMembers({ accessGroupId, type: 'profile', limit: PAGE, offset }),
    );
    const page = res.result.members ?? [];
    for (const m of page) if (m.iam_id?.startsWith(PROFILE_IAM_PREFIX)) out.push(m.iam_id);
    if (page.length === 0 || offset + page.length >= res.result.total_count) return out;
  }
};

const toTargets = (iamIds: readonly string[], via: string): ProfileTarget[] =>
  [...new Set(iamIds)].flatMap((iamId) => {
    const profileId = profileIdOf(iamId);
    return profileId ? [{ profileId, via }] : [];
  });

// ---- Resolvers -------------------------------------------------------------------------------------

/** A profile was created or changed (claim rules, links and identities surface here too): re-read it all. */
const fromProfile: Resolver = async (_ctx, item) => {
  const parts = item.target;
  if (parts.type !== 'profile' || !parts.id)
    return none('refused', `target ${item.crn} is not a trusted profile CRN`);
  return {
    kind: 'profiles',
    profiles: [{ profileId: parts.id, via: item.action, fresh: item.action.endsWith('.create') }],
  };
};

/** A policy was created or changed: its subject is a profile, or an access group whose profiles inherit it. */
const fromPolicy: Resolver = async (ctx, item) => {
  const parts = item.target;
  const policyId = (parts.type === 'policy' && parts.id) || text(record(item.event.responseData).id);
  if (!policyId) return none('refused', `cannot tell the policy id from ${item.crn}`);
  const iam = await ctx.clients.policies();
  const policy = (
    await readOr404(ctx, () => iam.getV2Policy({ id: policyId }), item.action.endsWith('.create') ? 3 : 0)
  )?.value;
  if (!policy) return none('gone', `policy ${policyId} no longer exists`);
  const attrs = policy.subject?.attributes ?? [];
  const iamId = text(attrs.find((a) => a.key === 'iam_id')?.value);
  if (iamId) {
    const profiles = toTargets([iamId], `policy ${policyId} names the profile`);
    return profiles.length > 0
      ? { kind: 'profiles', profiles }
      : none('ignored', `policy ${policyId} is for ${iamId}, not a trusted profile`);
  }
  const groupId = text(attrs.find((a) => a.key === 'access_group_id')?.value);
  if (groupId) {
    const members = await profileMembers(ctx, groupId);
    const profiles = toTargets(members, `policy ${policyId} on access group ${groupId}`);
    return profiles.length > 0
      ? { kind: 'profiles', profiles }
      : none(
          'ignored',
          `policy ${policyId} is on access group ${groupId}, which has no trusted profile members`,
        );
  }
  return none('ignored', `policy ${policyId} has no iam_id or access group subject (type ${policy.type})`);
};

/** Members were added to an access group: the profiles among them (from the event, else the group's list). */
const fromGroupMember: Resolver = async (ctx, item) => {
  const parts = item.target;
  const data = record(item.event.requestData);
  const groupId = (parts.type === 'groups' && parts.id) || text(data.access_group_id);
  if (!groupId) return none('refused', `cannot tell the access group from ${item.crn}`);
  const listed = [
    ...(Array.isArray(data.members) ? data.members.map((m) => text(record(m).iam_id)) : []),
    ...(Array.isArray(data.iam_ids) ? data.iam_ids.map(text) : []),
  ].filter((x): x is string => x !== undefined);
  const via = `added to access group ${groupId}`;
  if (listed.length > 0) {
    const profiles = toTargets(listed, via);
    return profiles.length > 0
      ? { kind: 'profiles', profiles }
      : none('ignored', `no trusted profile among the members added to access group ${groupId}`);
  }
  // requestData is undocumented for these events (and cut from truncated deliveries): ask the group.
  const profiles = toTargets(await profileMembers(ctx, groupId), `member of access group ${groupId}`);
  return profiles.length > 0
    ? { kind: 'profiles', profiles }
    : none('ignored', `access group ${groupId} has no trusted profile members`);
};

/** A new instance: its initialization names a default trusted profile, if any. */
const fromInstance: Resolver = async (ctx, item) => {
  const parts = item.target;
  if (parts.service !== 'is' || parts.type !== 'instance')
    return none('ignored', `target ${item.crn} is not a VPC instance`);
  const vpc = await ctx.clients.vpc(parts.region);
  // Just created: the instance may not be readable yet.
  const init = (await readOr404(ctx, () => vpc.getInstanceInitialization({ id: parts.id }), 4))?.value;
  if (!init) return none('gone', `instance ${parts.id} not found (deleted, or never became visible)`);
  const target = init.default_trusted_profile?.target;
  if (!target) return none('ignored', `instance ${parts.id} has no default trusted profile`);
  const profileId = text(target.id) ?? parseCrn(target.crn)?.id;
  if (!profileId)
    return none('refused', `instance ${parts.id} names a default trusted profile without an id`);
  return {
    kind: 'profiles',
    profiles: [{ profileId, via: `default trusted profile of instance ${parts.id}`, defaultFor: [item.crn] }],
  };
};

/**
 * An enterprise trusted-profile template was assigned (or its assignment changed): the profiles it made
 * in the target account carry its `template_id`. Assignment is asynchronous: none may exist yet.
 */
const fromTemplate: Resolver = async (ctx, item) => {
  const parts = item.target;
  const data = record(item.event.requestData);
  const templateId = (parts.type === 'profile-template' && parts.id) || text(data.template_id);
  const assignmentId = text(data.assignment_id) ?? text(record(item.event.responseData).id);
  const account =
    text(data.target_type)?.toLowerCase() === 'account' && text(data.target)
      ? text(data.target)
      : ctx.self.account?.bss;
  if (!templateId && !assignmentId) return none('refused', `cannot tell the template from ${item.crn}`);
  if (!mayActIn(ctx, account))
    return none(
      'refused',
      `the assignment targets account ${account ?? '(unknown)'}, which the policy does not allow`,
    );
  const identity = await ctx.clients.identity();
  const matches: string[] = [];
  let pagetoken: string | undefined;
  do {
    const res = await cloudCall(
      identity.listProfiles({
        accountId: account as string,
        pagesize: PAGE,
        ...(pagetoken ? { pagetoken } : {}),
      }),
    );
    for (const p of res.result.profiles)
      if ((templateId && p.template_id === templateId) || (assignmentId && p.assignment_id === assignmentId))
        matches.push(p.id);
    const next = res.result.next;
    pagetoken = next ? (new URL(next).searchParams.get('pagetoken') ?? undefined) : undefined;
  } while (pagetoken);
  const what = templateId ? `template ${templateId}` : `assignment ${assignmentId}`;
  if (matches.length === 0)
    return none(
      'ignored',
      `no trusted profile in account ${account} comes from ${what} yet (assignments are asynchronous; the sweep assesses the profiles once they exist)`,
    );
  return {
    kind: 'profiles',
    profiles: matches.map((profileId) => ({ profileId, via: `created from ${what}`, fresh: true })),
  };
};

const RESOLVERS = {
  'iam-identity.account-profile.create': fromProfile,
  'iam-identity.account-profile.update': fromProfile,
  'iam-identity.profile-template.assign': fromTemplate,
  'iam-identity.profile-template.assignment-update': fromTemplate,
  'iam-am.policy.create': fromPolicy,
  'iam-am.policy.update': fromPolicy,
  'iam-groups.member.add': fromGroupMember,
  'is.instance.instance.create': fromInstance,
} satisfies Record<ProfileAction, Resolver>;

const isProfileAction = (action: RoutedAction): action is ProfileAction => Object.hasOwn(RESOLVERS, action);

/** The profiles an event is about, or why there are none. */
const resolveTargets = async (ctx: ActContext, item: Actionable): Promise<Targets> =>
  isProfileAction(item.action)
    ? RESOLVERS[item.action](ctx, item)
    : none('ignored', `${item.action} is not an action profile-guard handles`);

export type { ProfileAction, ProfileTarget, Targets };
export { profileIdOf, RESOLVERS, resolveTargets };
