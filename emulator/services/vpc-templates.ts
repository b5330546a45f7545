// Instance templates (create from a source template, rename only, delete unless in use) and
// instance groups (paged list, get, repoint to another template).
import type { Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { stableUuid, vpcCrn, vpcTime, zonePrefix } from '../core/ids.ts';
import type { InstanceGroupRec, TemplateRec } from '../core/state.ts';
import { collectionHref, startSeqOf } from './vpc-instances.ts';
import { pageOf, startToken } from './vpc-paging.ts';
import {
  applyPrototype,
  checkImageAllowedUse,
  DEFAULT_METADATA,
  type Draft,
  defaultResourceGroup,
  draftFromTemplate,
  findTemplate,
  fullMetadata,
  generatedName,
  requireComplete,
} from './vpc-prototype.ts';
import { renderGroup, renderTemplate, type View } from './vpc-render.ts';
import { emitChange, type VpcRoute } from './vpc-route.ts';
import {
  bodyObject,
  CODES,
  checkKeys,
  checkName,
  fieldTarget,
  notNull,
  parseLimit,
  requireMediaType,
} from './vpc-validate.ts';

const MERGE_PATCH = 'application/merge-patch+json';

const templateOf = (ctx: Ctx, v: View): TemplateRec => {
  const id = ctx.params.id ?? '';
  const t = v.rs.templates.get(id);
  if (!t)
    throw new ApiError(404, CODES.notFound, 'Instance template not found', {
      target: { name: 'id', type: 'parameter', value: id },
    });
  return t;
};

const groupOf = (ctx: Ctx, v: View): InstanceGroupRec => {
  const id = ctx.params.id ?? '';
  const g = v.rs.instanceGroups.get(id);
  if (!g)
    throw new ApiError(404, CODES.notFound, 'Instance group not found', {
      target: { name: 'id', type: 'parameter', value: id },
    });
  return g;
};

const templateChanged = (t: TemplateRec) => ({
  id: t.id,
  crn: t.crn,
  name: t.name,
  resource_group_id: t.resource_group_id,
  location: t.zone,
});

const uniqueTemplateName = (v: View, name: string, except?: TemplateRec): void => {
  for (const t of v.rs.templates.values()) {
    if (t.name === name && t !== except)
      throw new ApiError(
        400,
        CODES.unique,
        `The name \`${name}\` is already used by another instance template in the region.`,
        { target: fieldTarget('name', name) },
      );
  }
};

/** Templates take no paging parameters (listInstanceTemplates has none): every template, one page. */
const listTemplates = (_ctx: Ctx, v: View): Reply => {
  const templates = [...v.rs.templates.values()].sort((a, b) => a.seq - b.seq);
  const limit = Math.max(50, templates.length);
  return {
    status: 200,
    body: {
      first: { href: `${v.base}/instance/templates?limit=${limit}` },
      limit,
      templates: templates.map((t) => renderTemplate(v, t)),
      total_count: templates.length,
    },
  };
};

const createTemplate = (ctx: Ctx, v: View): Reply => {
  requireMediaType(ctx, 'application/json');
  const body = bodyObject(ctx);
  // "Its contents are copied into the new template prior to copying any other properties" (VPC SDK).
  const base: Draft =
    'source_template' in body
      ? draftFromTemplate(findTemplate(v, body.source_template, 'source_template'))
      : {};
  const draft = applyPrototype(v, body, base);
  const { zone, vpc_id, image_id } = requireComplete(draft);
  // Instances from this template get the template's metadata settings or IBM's defaults.
  checkImageAllowedUse(v, image_id, fullMetadata(draft.metadata_service));
  const name = draft.name ?? generatedName(v.state.seed, v.state.nextName('template-name'));
  uniqueTemplateName(v, name);
  const id = `${zonePrefix(zone)}-${stableUuid(v.state.seed, v.state.nextName('template'))}`;
  const t: TemplateRec = {
    id,
    crn: vpcCrn(zone, v.state.account.id, 'instance-template', id),
    name,
    region: v.region,
    zone,
    vpc_id,
    resource_group_id: draft.resource_group_id ?? defaultResourceGroup(v),
    image_id,
    profile: draft.profile ?? 'bx2-2x8',
    created_at: vpcTime(ctx.now),
    ...(draft.metadata_service
      ? { metadata_service: { ...DEFAULT_METADATA, ...draft.metadata_service } }
      : {}),
    ...(draft.default_trusted_profile ? { default_trusted_profile: draft.default_trusted_profile } : {}),
    seq: v.state.nextSeq(),
  };
  v.rs.templates.set(id, t);
  emitChange(ctx, v, 'instance-template', 'create', templateChanged(t));
  return { status: 201, body: renderTemplate(v, t) };
};

/** Template properties set at creation; a PATCH naming one is refused as read-only. */
const TEMPLATE_FIXED: ReadonlySet<string> = new Set([
  'metadata_service',
  'default_trusted_profile',
  'image',
  'profile',
  'vpc',
  'zone',
  'resource_group',
  'keys',
  'primary_network_interface',
  'primary_network_attachment',
  'network_interfaces',
  'network_attachments',
  'boot_volume_attachment',
  'volume_attachments',
  'user_data',
  'placement_target',
  'availability_policy',
]);

const updateTemplate = (ctx: Ctx, v: View): Reply => {
  const t = templateOf(ctx, v);
  requireMediaType(ctx, MERGE_PATCH);
  const body = bodyObject(ctx);
  // InstanceTemplatePatch has only `name`: everything else (metadata_service too) is fixed at creation.
  checkKeys(body, '', new Set(['name']), TEMPLATE_FIXED);
  if ('name' in body) {
    const name = checkName(body.name);
    if (name !== t.name) uniqueTemplateName(v, name, t);
    t.name = name;
  }
  emitChange(ctx, v, 'instance-template', 'update', templateChanged(t));
  return { status: 200, body: renderTemplate(v, t) };
};

const deleteTemplate = (ctx: Ctx, v: View): Reply => {
  const t = templateOf(ctx, v);
  for (const g of v.rs.instanceGroups.values()) {
    if (g.template_id === t.id)
      throw new ApiError(
        409,
        CODES.templateInUse,
        `The instance template cannot be deleted because it is in use by instance group \`${g.name}\`.`,
        { target: { name: 'id', type: 'parameter', value: t.id } },
      );
  }
  v.rs.templates.delete(t.id);
  emitChange(ctx, v, 'instance-template', 'delete', templateChanged(t));
  return { status: 204 };
};

// ---- instance groups -------------------------------------------------------------------------------

const listGroups = (ctx: Ctx, v: View): Reply => {
  const limit = parseLimit(ctx);
  const startSeq = startSeqOf(ctx);
  // Groups are few: sorting per request is cheaper than keeping an index.
  const groups = [...v.rs.instanceGroups.values()].sort((a, b) => a.seq - b.seq);
  const page = pageOf(groups, startSeq, limit, () => true);
  return {
    status: 200,
    body: {
      first: { href: collectionHref(ctx, v, 'instance_groups', limit, []) },
      instance_groups: page.items.map((g) => renderGroup(v, g)),
      limit,
      ...(page.nextSeq !== undefined
        ? { next: { href: collectionHref(ctx, v, 'instance_groups', limit, [], startToken(page.nextSeq)) } }
        : {}),
      total_count: groups.length,
    },
  };
};

const GROUP_PATCHABLE_UNMODELLED = new Set([
  'application_port',
  'load_balancer',
  'load_balancer_pool',
  'subnets',
]);

const updateGroup = (ctx: Ctx, v: View): Reply => {
  const g = groupOf(ctx, v);
  requireMediaType(ctx, MERGE_PATCH);
  const body = bodyObject(ctx);
  for (const key of Object.keys(body)) {
    if (GROUP_PATCHABLE_UNMODELLED.has(key))
      throw new ApiError(400, CODES.validationFailure, `The emulator does not support patching \`${key}\`.`, {
        target: fieldTarget(key),
      });
  }
  checkKeys(body, '', new Set(['name', 'instance_template', 'membership_count']));
  let name = g.name;
  if ('name' in body) {
    name = checkName(body.name);
    for (const other of v.rs.instanceGroups.values()) {
      if (other !== g && other.name === name)
        throw new ApiError(
          400,
          CODES.unique,
          `The name \`${name}\` is already used by another instance group in the region.`,
          { target: fieldTarget('name', name) },
        );
    }
  }
  let templateId = g.template_id;
  if ('instance_template' in body) {
    const t = findTemplate(v, body.instance_template, 'instance_template');
    if (t.vpc_id !== g.vpc_id)
      throw new ApiError(
        400,
        CODES.badField,
        'The instance template must be in the same VPC as the instance group.',
        {
          target: fieldTarget('instance_template.id', t.id),
        },
      );
    // "The template must not have `default_trusted_profile.auto_link` set to `true`" (VPC SDK).
    if (t.default_trusted_profile?.auto_link)
      throw new ApiError(
        400,
        CODES.badField,
        'The instance template must not have `default_trusted_profile.auto_link` set to `true`.',
        { target: fieldTarget('instance_template.id', t.id) },
      );
    templateId = t.id;
  }
  let count = g.membership_count;
  if ('membership_count' in body) {
    const raw = body.membership_count;
    notNull(raw, 'membership_count');
    if (typeof raw !== 'number' || !Number.isInteger(raw))
      throw new ApiError(400, CODES.fieldType, 'The property `membership_count` must be an integer.', {
        target: fieldTarget('membership_count', raw),
      });
    if (raw < 0 || raw > 1000)
      throw new ApiError(
        400,
        raw < 0 ? CODES.minValue : CODES.maxValue,
        'The value of `membership_count` must be between 0 and 1000.',
        { target: fieldTarget('membership_count', raw) },
      );
    count = raw;
  }
  g.name = name;
  g.template_id = templateId;
  g.membership_count = count;
  g.rev += 1;
  g.updated_at = vpcTime(ctx.now);
  emitChange(ctx, v, 'instance-group', 'update', {
    id: g.id,
    crn: g.crn,
    name: g.name,
    resource_group_id: g.resource_group_id,
    location: v.region,
  });
  return { status: 200, body: renderGroup(v, g) };
};

const templateRoutes: readonly VpcRoute[] = [
  { method: 'GET', path: '/instance/templates', role: 'Viewer', handler: listTemplates },
  { method: 'POST', path: '/instance/templates', role: 'Editor', handler: createTemplate },
  {
    method: 'GET',
    path: '/instance/templates/:id',
    role: 'Viewer',
    handler: (ctx, v) => ({ status: 200, body: renderTemplate(v, templateOf(ctx, v)) }),
  },
  { method: 'PATCH', path: '/instance/templates/:id', role: 'Editor', handler: updateTemplate },
  { method: 'DELETE', path: '/instance/templates/:id', role: 'Editor', handler: deleteTemplate },
  { method: 'GET', path: '/instance_groups', role: 'Viewer', query: ['start', 'limit'], handler: listGroups },
  {
    method: 'GET',
    path: '/instance_groups/:id',
    role: 'Viewer',
    handler: (ctx, v) => ({ status: 200, body: renderGroup(v, groupOf(ctx, v)) }),
  },
  { method: 'PATCH', path: '/instance_groups/:id', role: 'Editor', handler: updateGroup },
];

export { templateRoutes };
