// Which trusted profiles are linked to an instance as a compute resource (IAM Identity links, cr_type
// VSI): a workload that assumes a profile reads its token from the metadata service, so disabling it
// breaks the workload. IBM has no reverse lookup (instance → links), so the account's links are indexed
// once — one listing of the profiles (100 a page) and one link listing per profile — and the index is
// kept for a minute per set of clients (a warm container's acting identity): a burst or a bulk run pays for it once. Read only when the
// rollout would otherwise disable at once (rollout-act.ts), never for secure or compliant instances.
import { type ActContext, asCloudError, ibmReason } from '#shared/runtime/acting.ts';
import { cloudCall } from '#shared/runtime/retry.ts';
import { mapLimit } from '../profile-guard/snapshot.ts';

/** What the index says about one instance: the names of the profiles linked to it, or why it is unknown. */
type LinkRead = { ok: true; profiles: string[] } | { ok: false; error: string };

/** How long an index is trusted (a link made since may go unseen this long). */
const LINK_INDEX_TTL_MS = 60_000;
const PAGE = 100;

interface Index {
  at: number;
  /** instance CRN → linked profiles' names */
  byCrn: Promise<Map<string, string[]>>;
}

const indexes = new WeakMap<ActContext['clients'], Map<string, Index>>();

const nextToken = (next: string | undefined): string | undefined =>
  next ? (new URL(next).searchParams.get('pagetoken') ?? undefined) : undefined;

/** Every profile of the account, then every profile's links: VSI links by instance CRN. */
const buildIndex = async (ctx: ActContext, accountId: string): Promise<Map<string, string[]>> => {
  const identity = await ctx.clients.identity();
  const profiles: { id: string; name: string }[] = [];
  let pagetoken: string | undefined;
  do {
    const res = await cloudCall(
      identity.listProfiles({ accountId, pagesize: PAGE, ...(pagetoken ? { pagetoken } : {}) }),
    );
    profiles.push(...res.result.profiles.map((p) => ({ id: p.id, name: p.name })));
    pagetoken = nextToken(res.result.next);
  } while (pagetoken);
  const byCrn = new Map<string, string[]>();
  const links = await mapLimit(profiles, 8, async (p) => ({
    profile: p,
    links: (await cloudCall(identity.listLinks({ profileId: p.id }))).result.links,
  }));
  for (const { profile, links: ls } of links)
    for (const l of ls) {
      const crn = l.link.crn;
      if (l.cr_type.toUpperCase() !== 'VSI' || !crn) continue;
      byCrn.set(crn, [...(byCrn.get(crn) ?? []), profile.name]);
    }
  return byCrn;
};

/** The profiles linked to `crn` (an instance of `accountId`), from an index at most a minute old. */
const linkedProfiles = async (ctx: ActContext, accountId: string, crn: string): Promise<LinkRead> => {
  const now = ctx.rt.now().getTime();
  let byAccount = indexes.get(ctx.clients);
  if (!byAccount) {
    byAccount = new Map();
    indexes.set(ctx.clients, byAccount);
  }
  let index = byAccount.get(accountId);
  if (!index || now - index.at >= LINK_INDEX_TTL_MS || now < index.at) {
    index = { at: now, byCrn: buildIndex(ctx, accountId) };
    byAccount.set(accountId, index);
    // A failed read is not kept: the next decision asks again.
    const failed = index;
    failed.byCrn.catch(() => {
      if (byAccount.get(accountId) === failed) byAccount.delete(accountId);
    });
  }
  try {
    return { ok: true, profiles: (await index.byCrn).get(crn) ?? [] };
  } catch (err) {
    return { ok: false, error: `trusted profile links could not be read (${ibmReason(asCloudError(err))})` };
  }
};

export type { LinkRead };
export { LINK_INDEX_TTL_MS, linkedProfiles };
