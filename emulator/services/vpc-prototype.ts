// InstancePrototype / InstanceTemplatePrototype → a draft the handlers store, with references resolved
// in the region and IBM's defaults applied (metadata service disabled, http, hop limit 1; auto_link true).
import { ApiError } from '../core/errors.ts';
import { stableUuid } from '../core/ids.ts';
import type { MetadataService, ProfileRec, TemplateRec } from '../core/state.ts';
import { checkAllowedUse, instanceVariables } from './vpc-allowed-use.ts';
import type { View } from './vpc-render.ts';
import {
  CODES,
  checkBoolean,
  checkKeys,
  checkMetadataService,
  checkName,
  fieldTarget,
  identity,
  isObject,
  type Json,
  notNull,
} from './vpc-validate.ts';

interface Draft {
  name?: string;
  zone?: string;
  vpc_id?: string;
  image_id?: string;
  profile?: string;
  resource_group_id?: string;
  metadata_service?: Partial<MetadataService>;
  default_trusted_profile?: { auto_link: boolean; profile_id: string };
}

/** Properties the emulator models. */
const MODELLED = ['name', 'zone', 'vpc', 'image', 'profile', 'resource_group', 'metadata_service'] as const;

/**
 * IBM prototype properties accepted and not modelled (networking, storage, placement): real clients
 * always send some of them, and refusing them would reject valid requests.
 */
const ACCEPTED_UNMODELLED = [
  'availability',
  'availability_policy',
  'boot_volume_attachment',
  'cluster_network_attachments',
  'confidential_compute_mode',
  'keys',
  'network_attachments',
  'network_interfaces',
  'placement_target',
  'primary_network_attachment',
  'primary_network_interface',
  'reservation_affinity',
  'total_volume_bandwidth',
  'user_data',
  'volume_attachments',
  'volume_bandwidth_qos_mode',
] as const;

const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  ...MODELLED,
  ...ACCEPTED_UNMODELLED,
  'default_trusted_profile',
  'source_template',
  'enable_secure_boot',
]);

const DEFAULT_METADATA: MetadataService = { enabled: false, protocol: 'http', response_hop_limit: 1 };

const lastSegment = (href: string): string => href.split('?')[0]?.split('/').filter(Boolean).pop() ?? '';

const badRef = (path: string, what: string, value: string): ApiError =>
  new ApiError(400, CODES.badField, `The ${what} \`${value}\` could not be found.`, {
    target: fieldTarget(path, value),
  });

const findTemplate = (v: View, raw: unknown, path: string): TemplateRec => {
  const ref = identity(raw, path, ['id', 'crn', 'href'] as const);
  const id = ref.key === 'href' ? lastSegment(ref.value) : ref.key === 'id' ? ref.value : undefined;
  const found =
    id !== undefined ? v.rs.templates.get(id) : [...v.rs.templates.values()].find((t) => t.crn === ref.value);
  if (!found) throw badRef(`${path}.${ref.key}`, 'instance template', ref.value);
  return found;
};

const findProfile = (v: View, raw: unknown, path: string): ProfileRec => {
  const ref = identity(raw, path, ['id', 'crn'] as const);
  const found =
    ref.key === 'id'
      ? v.state.profiles.get(ref.value)
      : [...v.state.profiles.values()].find((p) => p.crn === ref.value);
  if (!found) throw badRef(`${path}.${ref.key}`, 'trusted profile', ref.value);
  return found;
};

const PROFILE_NAME = /^[a-z][a-z0-9]*-\d+x\d+$/;

const draftFromTemplate = (t: TemplateRec): Draft => ({
  zone: t.zone,
  vpc_id: t.vpc_id,
  profile: t.profile,
  resource_group_id: t.resource_group_id,
  ...(t.image_id ? { image_id: t.image_id } : {}),
  ...(t.metadata_service ? { metadata_service: { ...t.metadata_service } } : {}),
  ...(t.default_trusted_profile ? { default_trusted_profile: { ...t.default_trusted_profile } } : {}),
});

/**
 * Validates a prototype and overlays its properties on `base` (a source template's contents):
 * each given top-level property replaces the source's value.
 */
const applyPrototype = (v: View, body: Json, base: Draft): Draft => {
  checkKeys(body, '', PROTOTYPE_KEYS);
  const d: Draft = { ...base };
  if ('name' in body) d.name = checkName(body.name);
  if ('zone' in body) {
    const z = identity(body.zone, 'zone', ['name', 'href'] as const);
    const zone = z.key === 'href' ? lastSegment(z.value) : z.value;
    if (!v.rs.region.zones.some((x) => x.name === zone)) throw badRef(`zone.${z.key}`, 'zone', z.value);
    d.zone = zone;
  }
  if ('vpc' in body) {
    const r = identity(body.vpc, 'vpc', ['id', 'crn', 'href'] as const);
    const id = r.key === 'crn' ? [...v.rs.vpcs.values()].find((x) => x.crn === r.value)?.id : undefined;
    const vpcId = id ?? (r.key === 'href' ? lastSegment(r.value) : r.value);
    if (!v.rs.vpcs.has(vpcId)) throw badRef(`vpc.${r.key}`, 'VPC', r.value);
    d.vpc_id = vpcId;
  }
  if ('image' in body) {
    const r = identity(body.image, 'image', ['id', 'crn', 'href'] as const);
    const id = r.key === 'crn' ? [...v.rs.images.values()].find((x) => x.crn === r.value)?.id : undefined;
    const imageId = id ?? (r.key === 'href' ? lastSegment(r.value) : r.value);
    if (!v.rs.images.has(imageId)) throw badRef(`image.${r.key}`, 'image', r.value);
    d.image_id = imageId;
  }
  if ('profile' in body) {
    const r = identity(body.profile, 'profile', ['name', 'href'] as const);
    const name = r.key === 'href' ? lastSegment(r.value) : r.value;
    if (!PROFILE_NAME.test(name)) throw badRef(`profile.${r.key}`, 'instance profile', r.value);
    d.profile = name;
  }
  if ('resource_group' in body) {
    const r = identity(body.resource_group, 'resource_group', ['id'] as const);
    if (!v.state.resourceGroups.has(r.value)) throw badRef('resource_group.id', 'resource group', r.value);
    d.resource_group_id = r.value;
  }
  if ('metadata_service' in body) d.metadata_service = checkMetadataService(body.metadata_service);
  if ('default_trusted_profile' in body) {
    const raw = body.default_trusted_profile;
    notNull(raw, 'default_trusted_profile');
    if (!isObject(raw))
      throw new ApiError(400, CODES.fieldType, 'The property `default_trusted_profile` must be an object.', {
        target: fieldTarget('default_trusted_profile', raw),
      });
    checkKeys(raw, 'default_trusted_profile', new Set(['auto_link', 'target']));
    if (!('target' in raw))
      throw new ApiError(400, CODES.required, 'The property `default_trusted_profile.target` is required.', {
        target: fieldTarget('default_trusted_profile.target'),
      });
    const profile = findProfile(v, raw.target, 'default_trusted_profile.target');
    // IBM's default is `true` (terraform-provider-ibm docs, default_trusted_profile_auto_link).
    const autoLink =
      'auto_link' in raw ? checkBoolean(raw.auto_link, 'default_trusted_profile.auto_link') : true;
    d.default_trusted_profile = { auto_link: autoLink, profile_id: profile.id };
  }
  if ('enable_secure_boot' in body) {
    // Secure boot is not modelled: only the value every instance has (false) is accepted.
    if (checkBoolean(body.enable_secure_boot, 'enable_secure_boot'))
      throw new ApiError(
        400,
        CODES.validationFailure,
        'The emulator does not model `enable_secure_boot: true`.',
        {
          target: fieldTarget('enable_secure_boot', true),
        },
      );
  }
  return d;
};

/** The draft must name zone, VPC and image (directly or through its source template). */
const requireComplete = (d: Draft): Required<Pick<Draft, 'zone' | 'vpc_id' | 'image_id'>> => {
  for (const [key, field] of [
    ['zone', 'zone'],
    ['vpc_id', 'vpc'],
    ['image_id', 'image'],
  ] as const) {
    if (d[key] === undefined)
      throw new ApiError(400, CODES.required, `Missing a required field: \`${field}\`.`, {
        target: fieldTarget(field),
      });
  }
  return { zone: d.zone as string, vpc_id: d.vpc_id as string, image_id: d.image_id as string };
};

const fullMetadata = (partial: Partial<MetadataService> | undefined): MetadataService => ({
  ...DEFAULT_METADATA,
  ...partial,
});

/** Refuses a (would-be) instance its image's allowed-use expression does not allow. */
const checkImageAllowedUse = (v: View, imageId: string | undefined, metadata: MetadataService): void => {
  if (!imageId) return;
  const image = v.rs.images.get(imageId);
  const expr = image?.allowed_use_instance;
  if (!image || expr === undefined) return;
  const result = checkAllowedUse(expr, instanceVariables({ metadata_service: metadata }));
  if (!result.allowed) {
    throw new ApiError(
      400,
      CODES.allowedUse,
      `The instance does not satisfy the allowed-use expression \`${expr}\` of image \`${image.name}\` (${result.reason}).`,
      { target: fieldTarget('image.allowed_use.instance', expr) },
    );
  }
};

const WORDS =
  'amber brisk cedar dusky ember fable gravel harbor ivory jolly kettle lumen maple nimbus orchid pebble quartz ripple sable tundra umber velvet willow yonder zephyr'.split(
    ' ',
  );

/** IBM: "If unspecified, the name will be a hyphenated list of randomly-selected words". */
const generatedName = (seed: string, salt: string): string => {
  const hex = stableUuid(seed, salt).replaceAll('-', '');
  const pick = (i: number): string =>
    WORDS[Number.parseInt(hex.slice(i * 4, i * 4 + 4), 16) % WORDS.length] ?? 'x';
  return `${pick(0)}-${pick(1)}-${pick(2)}-${pick(3)}`;
};

/** The account's default resource group: the one named `default`, else the first. */
const defaultResourceGroup = (v: View): string => {
  for (const rg of v.state.resourceGroups.values()) if (rg.name === 'default') return rg.id;
  const first = v.state.resourceGroups.keys().next().value;
  if (first === undefined)
    throw new ApiError(400, CODES.required, 'Missing a required field: `resource_group`.');
  return first;
};

export type { Draft };
export {
  applyPrototype,
  checkImageAllowedUse,
  DEFAULT_METADATA,
  defaultResourceGroup,
  draftFromTemplate,
  findTemplate,
  fullMetadata,
  generatedName,
  requireComplete,
};
