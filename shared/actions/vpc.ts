// VPC actions: the reads every decision starts from, the instance PATCH, the template copy and the
// instance-group repoint, and the network posture reads. VPC scopes are resource attributes of `is`.
import type { Action, GrantScope, Permission } from './types.ts';
import { capabilities } from './usage.ts';

const INSTANCES: GrantScope = { serviceName: 'is', attributes: { instanceId: '*' } };
const INSTANCES_TEXT = 'every virtual server instance and instance template (instanceId=*)';
const READ_WHY =
  "read instances and instance templates (GET) to decide from fresh state, and their tags (IBM shows a resource's tags to whoever can read it)";

const onInstances = (role: string, why: string): Permission => ({
  role,
  scope: INSTANCES,
  scopeText: INSTANCES_TEXT,
  why,
});

/** A template copy references the original's VPC, subnets and security groups; IBM checks `operate` on each. */
const vpcOperate = (attribute: string, what: string, action: string): Permission => ({
  role: 'Operator',
  scope: { serviceName: 'is', attributes: { [attribute]: '*' } },
  scopeText: `every ${what} (${attribute}=*)`,
  why: `a template copy references the ${what}s of the original, and IBM checks ${action} on them`,
});

const always = (): boolean => true;
const read = (path: string) => ({ api: 'vpc', method: 'GET', path }) as const;

const VPC_ACTIONS = {
  'read-instance': {
    does: 'read an instance (and list instances, regions, an instance initialization) to decide from fresh state',
    caller: 'guard',
    calls: [
      read('/instances/{id}'),
      read('/instances'),
      read('/instances/{id}/initialization'),
      read('/regions'),
      read('/regions/{name}'),
    ],
    needs: () => [onInstances('Viewer', READ_WHY)],
    usedBy: always,
  },
  'read-template': {
    does: 'read instance templates (one, or the list) to decide from fresh state',
    caller: 'guard',
    calls: [read('/instance/templates/{id}'), read('/instance/templates')],
    needs: () => [onInstances('Viewer', READ_WHY)],
    usedBy: always,
  },
  'read-tags': {
    does: "read a resource's access and user tags (Global Tagging) for exemptions and rule matches",
    caller: 'guard',
    calls: [{ api: 'global-tagging', method: 'GET', path: '/v3/tags' }],
    // IBM: "all users that have read access to the resource can view the tag": no tagging grant.
    needs: () => [onInstances('Viewer', READ_WHY)],
    usedBy: always,
  },
  'patch-instance': {
    does: "disable an instance's metadata service or make it secure (merge-patch with If-Match), then verify",
    caller: 'guard',
    calls: [{ api: 'vpc', method: 'PATCH', path: '/instances/{id}' }, read('/instances/{id}')],
    needs: () => [
      onInstances('Editor', 'PATCH /instances/{id} metadata_service (is.instance.instance.update)'),
    ],
    usedBy: ({ policy }) => capabilities(policy).patchesInstances,
  },
  'read-image': {
    does: "read an image's allowed use before disabling the metadata service (IBM refuses what it forbids)",
    caller: 'guard',
    calls: [read('/images/{id}')],
    needs: () => [
      {
        role: 'Viewer',
        scope: { serviceName: 'is', attributes: { imageId: '*' } },
        scopeText: 'every image (imageId=*)',
        why: "GET /images/{id}: an image's allowed use, read before disabling the metadata service (IBM refuses what it forbids)",
      },
    ],
    usedBy: ({ policy }) => capabilities(policy).disablesInstances,
  },
  'repoint-instance-group': {
    does: 'point the instance groups that use a template at its compliant copy',
    caller: 'guard',
    calls: [
      read('/instance_groups'),
      read('/instance_groups/{id}'),
      { api: 'vpc', method: 'PATCH', path: '/instance_groups/{id}' },
    ],
    needs: () => [
      {
        role: 'Editor',
        scope: { serviceName: 'is', attributes: { instanceGroupId: '*' } },
        scopeText: 'every instance group (instanceGroupId=*)',
        why: 'PATCH /instance_groups/{id} to point groups at the compliant template copy (templates.repoint_instance_groups)',
      },
    ],
    usedBy: ({ policy }) => capabilities(policy).repointsGroups,
  },
  'replace-template': {
    does: 'create a compliant copy of an instance template (templates cannot be changed in place)',
    caller: 'guard',
    calls: [{ api: 'vpc', method: 'POST', path: '/instance/templates' }, read('/instance/templates')],
    needs: () => [
      onInstances(
        'Editor',
        'POST /instance/templates for compliant copies (templates cannot be changed in place)',
      ),
      vpcOperate('vpcId', 'VPC', 'is.vpc.vpc.operate'),
      vpcOperate('subnetId', 'subnet', 'is.subnet.subnet.operate'),
      vpcOperate('securityGroupId', 'security group', 'is.security-group.security-group.operate'),
    ],
    usedBy: ({ policy }) => capabilities(policy).replacesTemplates,
  },
  'read-network': {
    does: "read a VPC's network posture: flow log collectors, security groups, ACLs, endpoint and VPN gateways",
    caller: 'guard',
    calls: [
      read('/flow_log_collectors'),
      read('/security_groups'),
      read('/security_groups/{security_group_id}/rules'),
      read('/network_acls'),
      read('/network_acls/{network_acl_id}/rules'),
      read('/endpoint_gateways'),
      read('/vpn_gateways'),
    ],
    needs: () => [
      {
        role: 'Viewer',
        scope: { serviceName: 'is' },
        scopeText: 'every VPC resource',
        why: 'read flow log collectors, security groups, network ACLs, endpoint and VPN gateways (network findings)',
      },
    ],
    // Network findings are chosen when scan or the sweep runs (`--include network`), not by the policy:
    // the deployment cannot tell, so no grant is derived for them (docs/network.md lists the reads).
    usedBy: () => false,
  },
} as const satisfies Record<string, Action>;

export { VPC_ACTIONS };
