// The fresh read of one trusted profile: the profile, its claim rules, links, identities, its own policies
// (v2, every page), the access groups it is in and theirs, and the metadata settings of the instances that
// can assume it. Whatever the event said, only this read decides.

import type IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import { parseCrn } from '#shared/cloud/crn.ts';
import { CloudApiError } from '#shared/errors.ts';
import { type ActContext, readOr404 } from '#shared/runtime/acting.ts';
import { cloudCall } from '#shared/runtime/retry.ts';
import type { AccessGroupView, InstanceView, ProfileSnapshot, V2Policy } from './rules/types.ts';

interface ProfileRead {
  snapshot: ProfileSnapshot;
  /** The claim rules as IBM sent them (with `entity_tag`, for the opt-in fix's If-Match). */
  rules: IamIdentityV1.ProfileClaimRule[];
  /** Things a reader of the decision should know (e.g. an empty policy list may mean "no permission"). */
  notes: string[];
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
const mapLimit = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> => {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};

const PAGE = 100;

/** Every page of `listV2Policies` for one subject (an iam_id or an access group). */
const listPolicies = async (
  ctx: ActContext,
  accountId: string,
  subject: { iamId: string } | { accessGroupId: string },
): Promise<V2Policy[]> => {
  const iam = await ctx.clients.policies();
  const out: V2Policy[] = [];
  let start: string | undefined;
  do {
    const res = await cloudCall(
      iam.listV2Policies({ accountId, ...subject, limit: PAGE, ...(start ? { start } : {}) }),
    );
    // The SDK types `control` as an empty union member; IBM sends `{grant: {roles}}` (rules/types.ts).
    out.push(...(res.result.policies as unknown as V2Policy[]));
    start = res.result.next?.start;
  } while (start);
  return out;
};

/** The access groups an iam_id belongs to (static and dynamic), every page. */
const listGroupsOf = async (
  ctx: ActContext,
  accountId: string,
  iamId: string,
): Promise<{ id: string; name: string }[]> => {
  const groups = await ctx.clients.groups();
  const out: { id: string; name: string }[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const res = await cloudCall(
      groups.listAccessGroups({ accountId, iamId, membershipType: 'all', limit: PAGE, offset }),
    );
    const page = res.result.groups ?? [];
    for (const g of page) if (g.id) out.push({ id: g.id, name: g.name ?? g.id });
    if (page.length === 0 || offset + page.length >= res.result.total_count) return out;
  }
};

/** A linked (or default-profile) instance's metadata settings; 404/403 → `found: false`. */
const readInstance = async (ctx: ActContext, crn: string): Promise<InstanceView> => {
  const parts = parseCrn(crn);
  if (parts?.service !== 'is' || parts.type !== 'instance') return { crn, found: false };
  const vpc = await ctx.clients.vpc(parts.region);
  try {
    const res = await cloudCall(vpc.getInstance({ id: parts.id }));
    const i = res.result;
    return {
      crn,
      name: i.name,
      found: true,
      metadata_service: {
        enabled: i.metadata_service.enabled,
        protocol: i.metadata_service.protocol,
        response_hop_limit: i.metadata_service.response_hop_limit,
      },
    };
  } catch (err) {
    // Deleted since it was linked, or in an account we cannot read (a cross-account link).
    if (err instanceof CloudApiError && (err.status === 404 || err.status === 403))
      return { crn, found: false };
    throw err;
  }
};

/**
 * Reads everything the breadth rules look at. `defaultFor` are instance CRNs the event told us name
 * this profile as their default trusted profile (read like linked ones). 404 on the profile → `gone`.
 */
const readProfile = async (
  ctx: ActContext,
  profileId: string,
  options: { notFoundRetries?: number; defaultFor?: string[] } = {},
): Promise<ProfileRead | 'gone'> => {
  const identity = await ctx.clients.identity();
  const profile = (
    await readOr404(ctx, () => identity.getProfile({ profileId }), options.notFoundRetries ?? 0)
  )?.value;
  if (!profile) return 'gone';
  const accountId = profile.account_id;
  const [rules, links, identities, policies, groupRefs] = await Promise.all([
    cloudCall(identity.listClaimRules({ profileId })).then((r) => r.result.rules),
    cloudCall(identity.listLinks({ profileId })).then((r) => r.result.links),
    cloudCall(identity.getProfileIdentities({ profileId })).then((r) => r.result.identities ?? []),
    listPolicies(ctx, accountId, { iamId: profile.iam_id }),
    listGroupsOf(ctx, accountId, profile.iam_id),
  ]);
  const groups: AccessGroupView[] = await mapLimit(groupRefs, 4, async (g) => ({
    ...g,
    policies: await listPolicies(ctx, accountId, { accessGroupId: g.id }),
  }));
  const linked = links
    .filter((l) => l.cr_type.toUpperCase() === 'VSI' && l.link.crn)
    .map((l) => l.link.crn as string);
  const defaults = new Set(options.defaultFor ?? []);
  const crns = [...new Set([...linked, ...defaults])];
  const read = await mapLimit(crns, 8, (crn) => readInstance(ctx, crn));
  const instances = read.map((i) => (defaults.has(i.crn) ? { ...i, default_trusted_profile: true } : i));
  const notes: string[] = [];
  if (policies.length === 0 && groups.every((g) => g.policies.length === 0))
    notes.push(
      'no access policies are visible for this profile: it has none, or the guard lacks Viewer on iam-access-management',
    );
  return {
    snapshot: {
      account_id: accountId,
      profile: {
        id: profile.id,
        iam_id: profile.iam_id,
        crn: profile.crn,
        name: profile.name,
        account_id: accountId,
        ...(profile.description ? { description: profile.description } : {}),
        ...(profile.entity_tag ? { entity_tag: profile.entity_tag } : {}),
      },
      rules,
      links,
      identities,
      policies,
      groups,
      instances,
    },
    rules,
    notes,
  };
};

export type { ProfileRead };
export { mapLimit, readInstance, readProfile };
