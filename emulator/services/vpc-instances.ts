// Virtual server instances: list (paged, filtered), get (ETag), create, merge-patch (If-Match,
// allowed-use), delete, and the initialization view.
import type { Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { stableUuid, vpcCrn, vpcTime, zonePrefix } from '../core/ids.ts';
import type { InstanceRec, MetadataService } from '../core/state.ts';
import {
  type InstanceFilter,
  isVisible,
  noteInstanceAdded,
  noteInstanceChanged,
  noteInstanceRemoved,
  pageInstances,
  parseStartToken,
  startToken,
} from './vpc-paging.ts';
import {
  applyPrototype,
  checkImageAllowedUse,
  type Draft,
  defaultResourceGroup,
  draftFromTemplate,
  findTemplate,
  fullMetadata,
  generatedName,
  requireComplete,
} from './vpc-prototype.ts';
import { etagOf, renderInitialization, renderInstance, type View } from './vpc-render.ts';
import { emitChange, type VpcRoute } from './vpc-route.ts';
import {
  bodyObject,
  CODES,
  checkKeys,
  checkMetadataService,
  checkName,
  fieldTarget,
  parseLimit,
  requireMediaType,
} from './vpc-validate.ts';

const MERGE_PATCH = 'application/merge-patch+json';

/** The instance as clients can see it: in this region and past its `visible_after`. */
const visibleInstance = (ctx: Ctx, v: View): InstanceRec => {
  const id = ctx.params.id ?? '';
  const rec = v.rs.instances.get(id);
  if (!rec || !isVisible(rec, ctx.now.getTime()))
    throw new ApiError(404, CODES.notFound, 'Instance not found', {
      target: { name: 'id', type: 'parameter', value: id },
    });
  return rec;
};

/** `If-Match` (optional): `*`, or one of the listed ETags must equal the current one. */
const checkIfMatch = (ctx: Ctx, rec: InstanceRec): void => {
  const header = ctx.headers['if-match'];
  if (header === undefined) return;
  const current = etagOf(rec);
  const wanted = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => s.trim());
  if (wanted.includes('*') || wanted.includes(current)) return;
  throw new ApiError(
    412,
    CODES.precondition,
    'The provided If-Match value does not match the current ETag value of the instance.',
    {
      target: { name: 'If-Match', type: 'header', value: Array.isArray(header) ? header.join(',') : header },
    },
  );
};

const instanceReply = (v: View, rec: InstanceRec, status = 200): Reply => ({
  status,
  body: renderInstance(v, rec),
  headers: { ETag: etagOf(rec) },
});

const changed = (rec: InstanceRec) => ({
  id: rec.id,
  crn: rec.crn,
  name: rec.name,
  resource_group_id: rec.resource_group_id,
  location: rec.zone,
});

const nameTaken = (v: View, name: string, except?: InstanceRec): boolean => {
  for (const r of v.rs.instances.values()) if (r.name === name && r !== except) return true;
  return false;
};

const uniqueName = (v: View, name: string, except?: InstanceRec): void => {
  if (nameTaken(v, name, except))
    throw new ApiError(
      400,
      CODES.unique,
      `The name \`${name}\` is already used by another instance in the region.`,
      {
        target: fieldTarget('name', name),
      },
    );
};

// ---- list ------------------------------------------------------------------------------------------

const FILTER_KEYS = [
  'resource_group.id',
  'name',
  'vpc.id',
  'vpc.crn',
  'vpc.name',
  'instance_group_membership.instance_group.id',
  'instance_group_membership.instance_group.crn',
  'availability.class',
  'reservation_affinity.policy',
  // Resources the emulator never places instances on: these filters match nothing.
  'cluster_network.id',
  'cluster_network.crn',
  'cluster_network.name',
  'dedicated_host.id',
  'dedicated_host.crn',
  'dedicated_host.name',
  'placement_group.id',
  'placement_group.crn',
  'placement_group.name',
  'reservation.id',
  'reservation.crn',
  'reservation.name',
] as const;

type FilterKey = (typeof FILTER_KEYS)[number];

const FILTER_TESTS = {
  'resource_group.id': (_v, value) => (r) => r.resource_group_id === value,
  name: (_v, value) => (r) => r.name === value,
  'vpc.id': (_v, value) => (r) => r.vpc_id === value,
  'vpc.crn': (v, value) => {
    const id = [...v.rs.vpcs.values()].find((x) => x.crn === value)?.id;
    return (r) => r.vpc_id === id;
  },
  'vpc.name': (v, value) => {
    const ids = new Set([...v.rs.vpcs.values()].filter((x) => x.name === value).map((x) => x.id));
    return (r) => ids.has(r.vpc_id);
  },
  'instance_group_membership.instance_group.id': (_v, value) => (r) => r.instance_group_id === value,
  'instance_group_membership.instance_group.crn': (v, value) => {
    const id = [...v.rs.instanceGroups.values()].find((g) => g.crn === value)?.id;
    return (r) => id !== undefined && r.instance_group_id === id;
  },
  'availability.class': (_v, value) => () => value === 'standard',
  'reservation_affinity.policy': (_v, value) => () => value === 'disabled',
  'cluster_network.id': () => () => false,
  'cluster_network.crn': () => () => false,
  'cluster_network.name': () => () => false,
  'dedicated_host.id': () => () => false,
  'dedicated_host.crn': () => () => false,
  'dedicated_host.name': () => () => false,
  'placement_group.id': () => () => false,
  'placement_group.crn': () => () => false,
  'placement_group.name': () => () => false,
  'reservation.id': () => () => false,
  'reservation.crn': () => () => false,
  'reservation.name': () => () => false,
} satisfies Record<FilterKey, (v: View, value: string) => (r: InstanceRec) => boolean>;

const filterOf = (ctx: Ctx, v: View): { filter?: InstanceFilter; params: [string, string][] } => {
  const params: [string, string][] = [];
  for (const key of FILTER_KEYS) {
    const value = ctx.query.get(key);
    if (value !== null) params.push([key, value]);
  }
  if (params.length === 0) return { params };
  const tests = params.map(([k, value]) => FILTER_TESTS[k as FilterKey](v, value));
  return {
    params,
    filter: { key: new URLSearchParams(params).toString(), test: (r) => tests.every((t) => t(r)) },
  };
};

/** `<base>/<path>?limit=…&start=…&<filters>&version=…&generation=2`: what sdk-core pagers follow. */
const collectionHref = (
  ctx: Ctx,
  v: View,
  path: string,
  limit: number,
  params: [string, string][],
  start?: string,
): string => {
  const q = new URLSearchParams([['limit', String(limit)]]);
  if (start !== undefined) q.set('start', start);
  for (const [k, value] of params) q.append(k, value);
  q.set('version', ctx.query.get('version') ?? '');
  q.set('generation', '2');
  return `${v.base}/${path}?${q.toString()}`;
};

/** Parses `start`; a token the emulator did not issue is refused. */
const startSeqOf = (ctx: Ctx): number | undefined => {
  const raw = ctx.query.get('start');
  if (raw === null) return undefined;
  const seq = parseStartToken(raw);
  if (seq === undefined)
    throw new ApiError(400, CODES.badStart, 'The `start` parameter is not a valid page token.', {
      target: { name: 'start', type: 'query', value: raw },
    });
  return seq;
};

const listInstances = (ctx: Ctx, v: View): Reply => {
  const limit = parseLimit(ctx);
  const startSeq = startSeqOf(ctx);
  const { filter, params } = filterOf(ctx, v);
  const page = pageInstances(v.rs, filter, startSeq, limit, ctx.now.getTime());
  return {
    status: 200,
    body: {
      first: { href: collectionHref(ctx, v, 'instances', limit, params) },
      instances: page.items.map((rec) => renderInstance(v, rec)),
      limit,
      ...(page.nextSeq !== undefined
        ? { next: { href: collectionHref(ctx, v, 'instances', limit, params, startToken(page.nextSeq)) } }
        : {}),
      total_count: page.total,
    },
  };
};

// ---- create ----------------------------------------------------------------------------------------

/** `auto_link: true`: the system links the new instance to the trusted profile (VSI link). */
const autoLink = (v: View, rec: InstanceRec, now: Date): void => {
  const dtp = rec.default_trusted_profile;
  if (!dtp?.auto_link) return;
  const profile = v.state.profiles.get(dtp.profile_id);
  if (!profile) return;
  const at = vpcTime(now);
  profile.links.push({
    id: `ProfileLink-${stableUuid(v.state.seed, v.state.nextName('profile-link'))}`,
    cr_type: 'VSI',
    link: { crn: rec.crn },
    created_at: at,
    modified_at: at,
    rev: 1,
  });
  profile.rev += 1;
  profile.modified_at = at;
};

/** Deleting an instance deletes its links to its default trusted profile, however they were made. */
const unlink = (v: View, rec: InstanceRec, now: Date): void => {
  const dtp = rec.default_trusted_profile;
  const profile = dtp ? v.state.profiles.get(dtp.profile_id) : undefined;
  if (!profile) return;
  const before = profile.links.length;
  profile.links = profile.links.filter((l) => !(l.cr_type === 'VSI' && l.link.crn === rec.crn));
  if (profile.links.length !== before) {
    profile.rev += 1;
    profile.modified_at = vpcTime(now);
  }
};

const createInstance = (ctx: Ctx, v: View): Reply => {
  requireMediaType(ctx, 'application/json');
  const body = bodyObject(ctx);
  const base: Draft =
    'source_template' in body
      ? draftFromTemplate(findTemplate(v, body.source_template, 'source_template'))
      : {};
  const draft = applyPrototype(v, body, base);
  const { zone, vpc_id, image_id } = requireComplete(draft);
  const metadata = fullMetadata(draft.metadata_service);
  checkImageAllowedUse(v, image_id, metadata);
  const name = draft.name ?? generatedName(v.state.seed, v.state.nextName('instance-name'));
  uniqueName(v, name);
  const id = `${zonePrefix(zone)}_${stableUuid(v.state.seed, v.state.nextName('instance'))}`;
  const rec: InstanceRec = {
    id,
    crn: vpcCrn(zone, v.state.account.id, 'instance', id),
    name,
    region: v.region,
    zone,
    vpc_id,
    resource_group_id: draft.resource_group_id ?? defaultResourceGroup(v),
    image_id,
    profile: draft.profile ?? 'bx2-2x8',
    // Provisioning is instantaneous here: the instance is running when the call returns.
    status: 'running',
    created_at: vpcTime(ctx.now),
    metadata_service: metadata,
    ...(draft.default_trusted_profile ? { default_trusted_profile: draft.default_trusted_profile } : {}),
    rev: 1,
    seq: v.state.nextSeq(),
  };
  v.rs.instances.set(id, rec);
  noteInstanceAdded(v.rs, rec);
  autoLink(v, rec, ctx.now);
  emitChange(ctx, v, 'instance', 'create', changed(rec));
  return instanceReply(v, rec, 201);
};

// ---- update ----------------------------------------------------------------------------------------

const PATCH_KEYS: ReadonlySet<string> = new Set(['name', 'metadata_service']);

/** Patchable in IBM's API (InstancePatch) but not modelled by the emulator: refused loudly. */
const PATCHABLE_UNMODELLED = new Set([
  'availability',
  'availability_policy',
  'confidential_compute_mode',
  'enable_secure_boot',
  'placement_target',
  'profile',
  'reservation_affinity',
  'total_volume_bandwidth',
  'vcpu',
  'volume_bandwidth_qos_mode',
]);

const updateInstance = (ctx: Ctx, v: View): Reply => {
  const rec = visibleInstance(ctx, v);
  requireMediaType(ctx, MERGE_PATCH);
  const body = bodyObject(ctx);
  checkIfMatch(ctx, rec);
  for (const key of Object.keys(body)) {
    if (PATCHABLE_UNMODELLED.has(key))
      throw new ApiError(400, CODES.validationFailure, `The emulator does not support patching \`${key}\`.`, {
        target: fieldTarget(key),
      });
  }
  checkKeys(
    body,
    '',
    PATCH_KEYS,
    new Set(['id', 'crn', 'href', 'created_at', 'status', 'vpc', 'zone', 'image']),
  );
  const name = 'name' in body ? checkName(body.name) : rec.name;
  const patch = 'metadata_service' in body ? checkMetadataService(body.metadata_service) : {};
  // Merge-patch: only the keys sent change.
  const metadata: MetadataService = { ...rec.metadata_service, ...patch };
  if (name !== rec.name) uniqueName(v, name, rec);
  checkImageAllowedUse(v, rec.image_id, metadata);
  rec.name = name;
  rec.metadata_service = metadata;
  rec.rev += 1;
  noteInstanceChanged(v.rs);
  emitChange(ctx, v, 'instance', 'update', changed(rec));
  return instanceReply(v, rec);
};

// ---- delete ----------------------------------------------------------------------------------------

const DELETABLE = new Set<InstanceRec['status']>(['running', 'stopped', 'failed']);

const deleteInstance = (ctx: Ctx, v: View): Reply => {
  const rec = visibleInstance(ctx, v);
  checkIfMatch(ctx, rec);
  if (!DELETABLE.has(rec.status))
    throw new ApiError(409, CODES.deleteConflict, 'The instance cannot be deleted in the current status.', {
      target: { name: 'id', type: 'parameter', value: rec.id },
    });
  v.rs.instances.delete(rec.id);
  noteInstanceRemoved(v.rs, rec);
  unlink(v, rec, ctx.now);
  emitChange(ctx, v, 'instance', 'delete', changed(rec));
  return { status: 204 };
};

const instanceRoutes: readonly VpcRoute[] = [
  {
    method: 'GET',
    path: '/instances',
    role: 'Viewer',
    query: ['start', 'limit', ...FILTER_KEYS],
    handler: listInstances,
  },
  { method: 'POST', path: '/instances', role: 'Editor', handler: createInstance },
  {
    method: 'GET',
    path: '/instances/:id',
    role: 'Viewer',
    handler: (ctx, v) => instanceReply(v, visibleInstance(ctx, v)),
  },
  { method: 'PATCH', path: '/instances/:id', role: 'Editor', handler: updateInstance },
  { method: 'DELETE', path: '/instances/:id', role: 'Editor', handler: deleteInstance },
  {
    method: 'GET',
    path: '/instances/:id/initialization',
    role: 'Viewer',
    handler: (ctx, v) => ({ status: 200, body: renderInitialization(v, visibleInstance(ctx, v)) }),
  },
];

export { collectionHref, instanceRoutes, startSeqOf };
