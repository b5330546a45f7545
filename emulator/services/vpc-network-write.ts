// The two network writes tests and stories use to fix a finding the way an operator would: create a
// flow log collector, and delete a security group rule. Each reports its Activity Tracker event.
import type { Ctx, Reply } from '../core/context.ts';
import { ApiError } from '../core/errors.ts';
import { stableUuid, vpcCrn, vpcTime } from '../core/ids.ts';
import type { FlowLogCollectorRec, FlowLogTarget } from '../core/network-state.ts';
import { flowLogAlive, renderFlowLogCollector } from './vpc-network-render.ts';
import { derivedOf, subnetIdOf, type View } from './vpc-render.ts';
import { emitChange, type VpcRoute } from './vpc-route.ts';
import {
  bodyObject,
  CODES,
  checkBoolean,
  checkKeys,
  checkName,
  fieldTarget,
  identity,
  isObject,
  requireMediaType,
} from './vpc-validate.ts';

const PROTOTYPE_KEYS = new Set(['name', 'storage_bucket', 'target', 'active', 'resource_group']);

/** `target.id`: the VPC, a subnet, an instance, or an instance's primary interface, in this region. */
const resolveTarget = (v: View, id: string): { vpc_id: string; target: FlowLogTarget } | undefined => {
  if (v.rs.vpcs.has(id)) return { vpc_id: id, target: { kind: 'vpc' } };
  const inst = v.rs.instances.get(id);
  if (inst) return { vpc_id: inst.vpc_id, target: { kind: 'instance', instance_id: inst.id } };
  for (const vpc of v.rs.vpcs.values())
    for (const z of v.rs.region.zones)
      if (subnetIdOf(vpc.id, z.name) === id)
        return { vpc_id: vpc.id, target: { kind: 'subnet', zone: z.name } };
  for (const i of v.rs.instances.values())
    if (derivedOf(i).nic === id)
      return { vpc_id: i.vpc_id, target: { kind: 'network_interface', instance_id: i.id } };
  return undefined;
};

const sameTarget = (a: FlowLogTarget, b: FlowLogTarget): boolean => JSON.stringify(a) === JSON.stringify(b);

const bucketName = (value: unknown): string => {
  if (value === undefined)
    throw new ApiError(400, CODES.required, 'The property `storage_bucket` is required.', {
      target: fieldTarget('storage_bucket'),
    });
  if (!isObject(value) || typeof value.name !== 'string' || value.name === '')
    throw new ApiError(
      400,
      CODES.fieldType,
      'The property `storage_bucket.name` must be a non-empty string.',
      {
        target: fieldTarget('storage_bucket.name', isObject(value) ? value.name : value),
      },
    );
  checkKeys(value, 'storage_bucket', new Set(['name']));
  return value.name;
};

/** POST /flow_log_collectors: `active` defaults to false, as in IBM's FlowLogCollectorPrototype. */
const createFlowLogCollector = (ctx: Ctx, v: View): Reply => {
  requireMediaType(ctx, 'application/json');
  const body = bodyObject(ctx);
  checkKeys(body, '', PROTOTYPE_KEYS);
  const bucket = bucketName(body.storage_bucket);
  if (body.target === undefined)
    throw new ApiError(400, CODES.required, 'The property `target` is required.', {
      target: fieldTarget('target'),
    });
  const ref = identity(body.target, 'target', ['id']);
  const resolved = resolveTarget(v, ref.value);
  if (!resolved)
    throw new ApiError(404, CODES.notFound, 'Flow log collector target not found', {
      target: fieldTarget('target.id', ref.value),
    });
  const vpc = v.rs.vpcs.get(resolved.vpc_id);
  const live = [...v.rs.network.flowLogCollectors.values()].filter((f) => flowLogAlive(v, f));
  if (live.some((f) => f.vpc_id === resolved.vpc_id && sameTarget(f.target, resolved.target)))
    throw new ApiError(400, CODES.unique, 'The target is already the target of another flow log collector.', {
      target: fieldTarget('target.id', ref.value),
    });
  const name = body.name === undefined ? `flow-log-${v.state.nextSeq()}` : checkName(body.name, 'name');
  if (live.some((f) => f.vpc_id === resolved.vpc_id && f.name === name))
    throw new ApiError(
      400,
      CODES.unique,
      `The name \`${name}\` is already used by another flow log collector in the VPC.`,
      {
        target: fieldTarget('name', name),
      },
    );
  const rg =
    body.resource_group === undefined
      ? undefined
      : identity(body.resource_group, 'resource_group', ['id']).value;
  // Regional ids share their VPC's region code prefix (`r006-…`).
  const code = resolved.vpc_id.split('-')[0] ?? 'r000';
  const id = `${code}-${stableUuid(v.state.seed, v.state.nextName('flow-log'))}`;
  const rec: FlowLogCollectorRec = {
    id,
    crn: vpcCrn(v.region, v.state.account.id, 'flow-log-collector', id),
    name,
    region: v.region,
    vpc_id: resolved.vpc_id,
    resource_group_id: rg ?? vpc?.resource_group_id ?? '',
    created_at: vpcTime(ctx.now),
    active: body.active === undefined ? false : checkBoolean(body.active, 'active'),
    lifecycle_state: 'stable',
    storage_bucket: bucket,
    target: resolved.target,
    seq: v.state.nextSeq(),
  };
  v.rs.network.flowLogCollectors.set(id, rec);
  emitChange(ctx, v, 'flow-log-collector', 'create', { ...rec, location: v.region });
  return { status: 201, body: renderFlowLogCollector(v, rec) };
};

const deleteSecurityGroupRule = (ctx: Ctx, v: View): Reply => {
  const sgId = ctx.params.id ?? '';
  const sg = v.rs.network.securityGroups.get(sgId);
  if (!sg)
    throw new ApiError(404, CODES.notFound, 'Security group not found', {
      target: { name: 'security_group_id', type: 'parameter', value: sgId },
    });
  const ruleId = ctx.params.rule_id ?? '';
  const at = sg.rules.findIndex((r) => r.id === ruleId);
  if (at < 0)
    throw new ApiError(404, CODES.notFound, 'Security group rule not found', {
      target: { name: 'id', type: 'parameter', value: ruleId },
    });
  sg.rules.splice(at, 1);
  sg.rev += 1;
  emitChange(ctx, v, 'security-group-rule', 'delete', {
    id: `${sg.id}/rules/${ruleId}`,
    crn: sg.crn,
    name: sg.name,
    resource_group_id: sg.resource_group_id,
    location: v.region,
  });
  return { status: 204 };
};

const networkWriteRoutes: readonly VpcRoute[] = [
  { method: 'POST', path: '/flow_log_collectors', role: 'Editor', handler: createFlowLogCollector },
  {
    method: 'DELETE',
    path: '/security_groups/:id/rules/:rule_id',
    role: 'Editor',
    handler: deleteSecurityGroupRule,
  },
];

export { networkWriteRoutes };
