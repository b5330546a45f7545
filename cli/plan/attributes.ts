// What policy rules and exemptions look at (name, zone, VPC, resource group, tags), read from a planned
// ibm_is_instance or ibm_is_instance_template, with what is known only after apply marked as such.
// Names of referenced VPCs and resource groups come from the plan when the argument refers to one.
import { regionOfZone } from '#functions/instance-guard/decide.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { isCreate } from './metadata.ts';
import type { ResourceChange } from './read.ts';
import type { MatchKey } from './scope.ts';
import { attributeOf, configured, knownString, type PlanIndex, referencedAddress, slotAt } from './values.ts';

type TagType = 'user' | 'access';

interface PlannedTags {
  user: string[];
  access: string[];
  /** Tag types whose values Terraform knows only after apply. */
  unknown: TagType[];
}

interface PlannedAttributes {
  id?: string | undefined;
  crn?: string | undefined;
  name?: string | undefined;
  zone?: string | undefined;
  region?: string | undefined;
  vpc: Referenced;
  resource_group: Referenced;
  tags: PlannedTags;
}

/**
 * A VPC or resource group by id, and by name when the argument refers to one in the plan. `fresh`: it is
 * created by this plan, so its id will be new and cannot be an id a policy lists (only a glob matching
 * every value, like `*`, can match it).
 */
interface Referenced {
  id?: string | undefined;
  name?: string | undefined;
  fresh: boolean;
}

const RESOURCE_TAG = 'ibm_resource_tag';
const TAG_ATTRIBUTE = { user: 'tags', access: 'access_tags' } as const satisfies Record<TagType, string>;

const strings = (x: unknown): string[] =>
  Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];

const deleting = (rc: ResourceChange): boolean =>
  rc.change.actions.includes('delete') && !rc.change.actions.includes('create');

/** The resource's own `tags` / `access_tags`; not written on create = none from this resource. */
const ownTags = (ix: PlanIndex, rc: ResourceChange, type: TagType): string[] | 'unknown' => {
  const attribute = TAG_ATTRIBUTE[type];
  const slot = slotAt(rc.change, [attribute]);
  if (slot.state === 'known') return strings(slot.value);
  if (slot.state === 'unset') return [];
  return isCreate(rc) && configured(ix, rc, [attribute]) === false ? [] : 'unknown';
};

/** Tags attached by `ibm_resource_tag` resources of the plan whose resource_id refers to this resource. */
const attachedTags = (ix: PlanIndex, rc: ResourceChange): PlannedTags => {
  const out: PlannedTags = { user: [], access: [], unknown: [] };
  for (const tag of ix.byType.get(RESOURCE_TAG) ?? []) {
    if (deleting(tag)) continue;
    if (referencedAddress(ix, tag, ['resource_id'], [rc.type]) !== rc.address) continue;
    const type: TagType = knownString(slotAt(tag.change, ['tag_type'])) === 'access' ? 'access' : 'user';
    const slot = slotAt(tag.change, ['tags']);
    if (slot.state === 'unknown') out.unknown.push(type);
    else if (slot.state === 'known') out[type].push(...strings(slot.value));
  }
  return out;
};

const plannedTags = (ix: PlanIndex, rc: ResourceChange): PlannedTags => {
  const attached = attachedTags(ix, rc);
  const out: PlannedTags = { user: [], access: [], unknown: [...attached.unknown] };
  for (const type of ['user', 'access'] as const) {
    const own = ownTags(ix, rc, type);
    if (own === 'unknown') out.unknown.push(type);
    else out[type].push(...own);
    out[type].push(...attached[type]);
  }
  out.unknown = [...new Set(out.unknown)];
  return out;
};

/** `vpc = ibm_is_vpc.main.id` → the VPC's id and name from the plan (a managed resource or a data source). */
const referenced = (ix: PlanIndex, rc: ResourceChange, argument: string, type: string): Referenced => {
  const address = referencedAddress(ix, rc, [argument], [type]);
  const target = address ? ix.changes.get(address) : undefined;
  return {
    id: knownString(slotAt(rc.change, [argument])),
    name: address ? attributeOf(ix, address, 'name') : undefined,
    fresh: target !== undefined && isCreate(target),
  };
};

const plannedAttributes = (ix: PlanIndex, rc: ResourceChange): PlannedAttributes => {
  const known = (attribute: string) => knownString(slotAt(rc.change, [attribute]));
  const zone = known('zone');
  return {
    id: known('id'),
    crn: known('crn'),
    name: known('name'),
    zone,
    region: zone ? regionOfZone(zone) : undefined,
    vpc: referenced(ix, rc, 'vpc', 'ibm_is_vpc'),
    resource_group: referenced(ix, rc, 'resource_group', 'ibm_resource_group'),
    tags: plannedTags(ix, rc),
  };
};

const unsure = (r: Referenced): boolean => r.name === undefined || (r.id === undefined && !r.fresh);

/** The match keys whose value is known only after apply (a rule on them may or may not match). */
const unknownKeys = (attrs: PlannedAttributes, policy: Policy): Set<MatchKey> => {
  const keys = new Set<MatchKey>();
  if (attrs.name === undefined) keys.add('names');
  if (attrs.zone === undefined) keys.add('zones');
  if (attrs.region === undefined) keys.add('regions');
  if (unsure(attrs.vpc)) keys.add('vpcs');
  if (unsure(attrs.resource_group)) keys.add('resource_groups');
  const userCounts = policy.instances.match_user_tags && attrs.tags.unknown.includes('user');
  if (attrs.tags.unknown.includes('access') || userCounts) keys.add('tags');
  return keys;
};

/** Could an exemption tag be attached that the plan cannot show yet? */
const maybeTagExempt = (attrs: PlannedAttributes, policy: Policy): TagType[] => {
  const { access_tags, user_tags } = policy.instances.exemptions;
  return attrs.tags.unknown.filter((t) => (t === 'access' ? access_tags : user_tags).length > 0);
};

const KEY_WORDS = {
  names: 'the name',
  zones: 'the zone',
  regions: 'the region',
  vpcs: 'the VPC (id or name)',
  resource_groups: 'the resource group (id or name)',
  tags: 'the tags',
} as const satisfies Record<MatchKey, string>;

const describeKeys = (keys: Iterable<MatchKey>): string => {
  const words = [...keys].map((k) => KEY_WORDS[k]);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : (words[0] ?? '');
};

export type { PlannedAttributes, PlannedTags, Referenced, TagType };
export { deleting, describeKeys, maybeTagExempt, plannedAttributes, unknownKeys };
