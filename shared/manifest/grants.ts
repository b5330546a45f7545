// The guard identity's IAM access, derived from what the policy lets the guard do: every grant names
// the API calls that need it, and a grant the policy does not need is not given (an audit-only or
// dry-run policy gets read access only). docs/deploy.md has the same table for people.
import { PROFILE_RULE_IDS } from '../policy/profiles.ts';
import type { Policy } from '../policy/schema.ts';
import type { AuditTrail } from './schema.ts';

/** The resource a policy applies to, as `ibmcloud iam …-policy-create` flags express it. */
interface GrantScope {
  serviceName: string;
  serviceInstance?: string;
  resourceType?: string;
  resource?: string;
  /** `--attributes name=value,…` (VPC resource attributes such as instanceId=*). */
  attributes?: Readonly<Record<string, string>>;
}

interface Grant {
  roles: readonly string[];
  scope: GrantScope;
  /** Short scope for people: "every instance and instance template". */
  scopeText: string;
  /** Why the guard needs it: the calls it makes. */
  why: string;
}

/** `--service-name is --attributes instanceId=*`, in a stable order. */
const scopeFlags = (s: GrantScope): string[] => [
  '--service-name',
  s.serviceName,
  ...(s.serviceInstance !== undefined ? ['--service-instance', s.serviceInstance] : []),
  ...(s.resourceType !== undefined ? ['--resource-type', s.resourceType] : []),
  ...(s.resource !== undefined ? ['--resource', s.resource] : []),
  ...(s.attributes && Object.keys(s.attributes).length > 0
    ? [
        '--attributes',
        Object.entries(s.attributes)
          .map(([k, val]) => `${k}=${val}`)
          .join(','),
      ]
    : []),
];

/**
 * One key per scope, as IAM stores it (resource attributes by name, account left out): an existing policy
 * with the same key is updated instead of a second one being created. The probe computes the same key
 * from `ibmcloud iam …-policies --output JSON`.
 */
const scopeKey = (s: GrantScope): string => {
  const attrs: Record<string, string> = {
    serviceName: s.serviceName,
    ...(s.serviceInstance !== undefined ? { serviceInstance: s.serviceInstance } : {}),
    ...(s.resourceType !== undefined ? { resourceType: s.resourceType } : {}),
    ...(s.resource !== undefined ? { resource: s.resource } : {}),
    ...(s.attributes ?? {}),
  };
  return Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${attrs[k]}`)
    .join(',');
};

/** A template copy references the original's VPC, subnets and security groups; IBM checks `operate` on each. */
const vpcOperate = (attribute: string, what: string, action: string): Grant => ({
  roles: ['Operator'],
  scope: { serviceName: 'is', attributes: { [attribute]: '*' } },
  scopeText: `every ${what} (${attribute}=*)`,
  why: `a template copy references the ${what}s of the original, and IBM checks ${action} on them`,
});

/** What the policy can make the guard change, given dry-run (which changes nothing). */
const capabilities = (policy: Policy) => {
  const acts = !policy.dry_run;
  const instanceModes = [policy.instances.default.mode, ...policy.instances.rules.map((r) => r.mode)];
  const replacesTemplates = acts && policy.templates.mode === 'replace';
  const profilesOn = policy.profiles.disabled_rules.length < PROFILE_RULE_IDS.length;
  return {
    patchesInstances: acts && instanceModes.some((m) => m !== 'audit'),
    disablesInstances: acts && instanceModes.includes('disable'),
    replacesTemplates,
    repointsGroups: replacesTemplates && policy.templates.repoint_instance_groups,
    readsProfiles: profilesOn,
    capsSessions: acts && profilesOn && policy.profiles.fix.cap_session_expiration,
    opensCases: acts && profilesOn && policy.profiles.ticket.sink === 'case-management',
  };
};

/** The least-privilege grants for a policy (and the optional COS audit trail). */
const grantsFor = (policy: Policy, trail: AuditTrail | undefined): Grant[] => {
  const can = capabilities(policy);
  const writesVpc = can.patchesInstances || can.replacesTemplates;
  const vpcWhy = [
    "read instances and instance templates (GET) to decide from fresh state, and their tags (IBM shows a resource's tags to whoever can read it)",
    ...(can.patchesInstances ? ['PATCH /instances/{id} metadata_service (is.instance.instance.update)'] : []),
    ...(can.replacesTemplates
      ? ['POST /instance/templates for compliant copies (templates cannot be changed in place)']
      : []),
  ];
  const grants: Grant[] = [
    {
      roles: [writesVpc ? 'Editor' : 'Viewer'],
      scope: { serviceName: 'is', attributes: { instanceId: '*' } },
      scopeText: 'every virtual server instance and instance template (instanceId=*)',
      why: vpcWhy.join('; '),
    },
  ];
  if (can.disablesInstances)
    grants.push({
      roles: ['Viewer'],
      scope: { serviceName: 'is', attributes: { imageId: '*' } },
      scopeText: 'every image (imageId=*)',
      why: "GET /images/{id}: an image's allowed use, read before disabling the metadata service (IBM refuses what it forbids)",
    });
  if (can.repointsGroups) {
    grants.push({
      roles: ['Editor'],
      scope: { serviceName: 'is', attributes: { instanceGroupId: '*' } },
      scopeText: 'every instance group (instanceGroupId=*)',
      why: 'PATCH /instance_groups/{id} to point groups at the compliant template copy (templates.repoint_instance_groups)',
    });
  }
  if (can.replacesTemplates) {
    grants.push(
      vpcOperate('vpcId', 'VPC', 'is.vpc.vpc.operate'),
      vpcOperate('subnetId', 'subnet', 'is.subnet.subnet.operate'),
      vpcOperate('securityGroupId', 'security group', 'is.security-group.security-group.operate'),
    );
  }
  if (can.readsProfiles) {
    grants.push(
      {
        roles: [can.capsSessions ? 'Administrator' : 'Viewer'],
        scope: { serviceName: 'iam-identity' },
        scopeText: 'IAM Identity (trusted profiles)',
        why: can.capsSessions
          ? 'read trusted profiles, claim rules, links and identities; PUT claim rules to cap session expiration (policy.profiles.fix.cap_session_expiration; IBM requires Administrator to change trusted profiles)'
          : 'read trusted profiles, their claim rules, links and identities (GET /v1/profiles/…)',
      },
      {
        roles: ['Viewer'],
        scope: { serviceName: 'iam-access-management' },
        scopeText: 'IAM Access Management (policies)',
        why: 'read the access policies granted to a profile and to its access groups (GET /v2/policies?iam_id=…)',
      },
      {
        roles: ['Viewer'],
        scope: { serviceName: 'iam-groups' },
        scopeText: 'IAM Access Groups',
        why: 'read the access groups a profile belongs to (GET /v2/groups?iam_id=…)',
      },
    );
  }
  if (can.opensCases) {
    grants.push({
      roles: ['Editor'],
      scope: { serviceName: 'support' },
      scopeText: 'Support Center (Case Management)',
      why: 'open, comment on and resolve one support case per broad profile (policy.profiles.ticket.sink: case-management)',
    });
  }
  if (trail) {
    grants.push({
      roles: ['Object Writer'],
      scope: {
        serviceName: 'cloud-object-storage',
        serviceInstance: trail.instance_id,
        resourceType: 'bucket',
        resource: trail.bucket,
      },
      scopeText: `bucket ${trail.bucket} only`,
      why: 'append decision records to the audit trail; Object Writer writes objects but cannot read, list or delete them',
    });
  }
  return grants;
};

export type { Grant, GrantScope };
export { capabilities, grantsFor, scopeFlags, scopeKey };
