// Trusted profiles in a plan: the profile, its claim rules, links and policies, and the instances that
// name it as their default trusted profile, gathered per profile and assessed by the profile guard's own
// assessProfile (the same breadth rules, thresholds and exemptions). Only what the plan manages is seen:
// grants through access groups, and rules, links or policies made outside this configuration, are not.
// (Turning the assessment into check results: profile-results.ts.)
import type {
  InstanceView,
  ProfileClaimRule,
  ProfileLink,
  ProfileSnapshot,
  V2Policy,
} from '#functions/profile-guard/rules/types.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { deleting } from './attributes.ts';
import { INSTANCE, plannedMetadata } from './metadata.ts';
import { claimRuleOf, linkOf, type Part, policyOf, type Unknown } from './profile-parts.ts';
import type { ResourceChange } from './read.ts';
import { configured, knownString, type PlanIndex, referencedAddress, slotAt } from './values.ts';

const PROFILE = 'ibm_iam_trusted_profile';
const MEMBERS = {
  ibm_iam_trusted_profile_claim_rule: ['profile_id'],
  ibm_iam_trusted_profile_link: ['profile_id'],
  ibm_iam_trusted_profile_policy: ['iam_id', 'profile_id'],
} as const satisfies Record<string, readonly string[]>;
type MemberType = keyof typeof MEMBERS;

interface ProfileGroup {
  key: string;
  profile?: ResourceChange;
  members: ResourceChange[];
  /** Instances naming this profile as their default trusted profile. */
  instances: ResourceChange[];
}

const isMember = (type: string): type is MemberType => Object.hasOwn(MEMBERS, type);

/** `iam-Profile-…`, a profile CRN or `Profile-…` → `Profile-…`. */
const profileIdOf = (value: string): string =>
  value.startsWith('crn:') ? (parseCrn(value)?.id ?? value) : value.replace(/^iam-/, '');

/** The plan's profile the argument refers to (its address), else the profile id the plan knows. */
const profileKey = (
  ix: PlanIndex,
  rc: ResourceChange,
  args: readonly string[],
  byId: Map<string, string>,
) => {
  for (const arg of args) {
    const address = referencedAddress(ix, rc, [arg], [PROFILE]);
    if (address) return address;
    const value = knownString(slotAt(rc.change, [arg]));
    if (value) return byId.get(profileIdOf(value)) ?? profileIdOf(value);
  }
  return undefined;
};

const groupProfiles = (ix: PlanIndex): ProfileGroup[] => {
  const groups = new Map<string, ProfileGroup>();
  const group = (key: string): ProfileGroup => {
    const found = groups.get(key) ?? { key, members: [], instances: [] };
    groups.set(key, found);
    return found;
  };
  const byId = new Map<string, string>();
  for (const rc of ix.changes.values()) {
    const id = rc.type === PROFILE ? knownString(slotAt(rc.change, ['id'])) : undefined;
    if (id) byId.set(id, rc.address);
  }
  for (const rc of ix.changes.values()) {
    if (deleting(rc)) continue;
    if (rc.type === PROFILE) group(rc.address).profile = rc;
    else if (isMember(rc.type))
      group(profileKey(ix, rc, MEMBERS[rc.type], byId) ?? rc.address).members.push(rc);
    else if (rc.type === INSTANCE) {
      const key = profileKey(ix, rc, ['default_trusted_profile_target'], byId);
      if (key) group(key).instances.push(rc);
    }
  }
  // Judged when the plan creates or changes something of the profile's, or an instance that can assume it.
  const changing = (rc: ResourceChange) => rc.change.actions.some((a) => a === 'create' || a === 'update');
  return [...groups.values()].filter((g) =>
    [g.profile, ...g.members, ...g.instances].some((rc) => rc !== undefined && changing(rc)),
  );
};

interface Assembled {
  snapshot: ProfileSnapshot;
  unknowns: Unknown[];
  notes: string[];
  /** Linked or default-profile instances whose metadata the plan cannot show. */
  unseen: { address: string; why: string }[];
}

const collect = <T>(parts: Part<T>[], unknowns: Unknown[], notes: string[]): T[] =>
  parts.flatMap((p) => {
    if (!p.ok) {
      unknowns.push(p.unknown);
      return [];
    }
    notes.push(...p.notes);
    return [p.value];
  });

const instanceView = (ix: PlanIndex, target: string, unseen: Assembled['unseen']): InstanceView => {
  const rc = ix.changes.get(target);
  if (!rc) {
    unseen.push({ address: target, why: 'it is not in this plan, so its metadata settings are not visible' });
    return { crn: target, found: false };
  }
  const name = knownString(slotAt(rc.change, ['name']));
  const planned = plannedMetadata(ix, rc);
  if (planned.state !== 'known') {
    unseen.push({ address: target, why: planned.state === 'unknown' ? planned.why : 'no metadata setting' });
    return { crn: target, found: true, ...(name ? { name } : {}) };
  }
  return { crn: target, found: true, ...(name ? { name } : {}), metadata_service: planned.value };
};

/** The profile's account: its CRN, else the account of a same-account link's CRN (IBM refuses others). */
const accountOf = (profile: ResourceChange | undefined, links: ProfileLink[]): string => {
  const own = profile ? knownString(slotAt(profile.change, ['crn'])) : undefined;
  const fromLink = links.find((l) => l.is_cross_account !== true && l.link.crn?.startsWith('crn:'))?.link.crn;
  return parseCrn(own ?? fromLink ?? '')?.account ?? '';
};

const autoLink = (ix: PlanIndex, rc: ResourceChange): ProfileLink | undefined => {
  const slot = slotAt(rc.change, ['default_trusted_profile_auto_link']);
  // The provider's default is true (website/docs/r/is_instance.html.markdown).
  const auto =
    slot.state === 'known'
      ? slot.value === true
      : configured(ix, rc, ['default_trusted_profile_auto_link']) !== true;
  return auto ? { id: rc.address, cr_type: 'VSI', link: { crn: rc.address } } : undefined;
};

const assemble = (ix: PlanIndex, g: ProfileGroup): Assembled => {
  const unknowns: Unknown[] = [];
  const notes: string[] = [];
  const unseen: Assembled['unseen'] = [];
  const of = (type: MemberType) => g.members.filter((m) => m.type === type);
  const rules = collect<ProfileClaimRule>(
    of('ibm_iam_trusted_profile_claim_rule').map(claimRuleOf),
    unknowns,
    notes,
  );
  const links = collect<ProfileLink>(
    of('ibm_iam_trusted_profile_link').map((l) => linkOf(ix, l)),
    unknowns,
    notes,
  );
  const policies = collect<V2Policy>(of('ibm_iam_trusted_profile_policy').map(policyOf), unknowns, notes);
  links.push(...g.instances.map((i) => autoLink(ix, i)).filter((l) => l !== undefined));
  const targets = new Set(
    links.filter((l) => l.cr_type.toUpperCase() === 'VSI').flatMap((l) => l.link.crn ?? []),
  );
  const defaults = new Set(g.instances.map((i) => i.address));
  const instances = [...new Set([...targets, ...defaults])].map((t) => ({
    ...instanceView(ix, t, unseen),
    ...(defaults.has(t) ? { default_trusted_profile: true } : {}),
  }));
  const p = g.profile;
  const known = (a: string) => (p ? knownString(slotAt(p.change, [a])) : undefined);
  const id = known('id') ?? g.key;
  if (!p) notes.push(`profile ${g.key} is not in this plan: only the parts this plan manages are judged`);
  const snapshot: ProfileSnapshot = {
    account_id: accountOf(p, links),
    profile: {
      id,
      iam_id: known('iam_id') ?? `iam-${id}`,
      crn: known('crn') ?? g.key,
      name: known('name') ?? g.key,
    },
    rules,
    links,
    identities: [],
    policies,
    groups: [],
    instances,
  };
  return { snapshot, unknowns, notes, unseen };
};

export type { Assembled, ProfileGroup };
export { assemble, groupProfiles, PROFILE };
