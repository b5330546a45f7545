// Reading an IAM v2 access policy: is it in force, what does it cover, which roles does it grant.
// Scope follows ibm-api-facts.md §4.3; the comments mark where we chose the cautious reading.
import type { PolicyAttribute, PolicyCondition, V2Policy } from './types.ts';

type PolicyScope = 'all-services' | 'account-management' | 'iam-services' | 'resource-group' | 'scoped';

/** Attributes that only say "which account" or "where", never "which service or resource". */
const NON_NARROWING_KEYS = new Set(['accountId', 'region']);

/** Deleted policies grant nothing; authorization policies have a service, not our profile, as subject. */
const isActiveAccessPolicy = (policy: V2Policy): boolean =>
  policy.state !== 'deleted' && policy.type !== 'authorization';

/** `stringExists: true` and `stringMatch: "*"` match every value, so they narrow nothing. */
const matchesEverything = (attr: PolicyAttribute): boolean =>
  (attr.operator === 'stringExists' && (attr.value === true || attr.value === 'true')) ||
  (attr.operator === 'stringMatch' && attr.value === '*');

const hasValue = (attrs: PolicyAttribute[], key: string, value: string): boolean =>
  attrs.some((a) => a.key === key && a.operator === 'stringEquals' && a.value === value);

/**
 * What a policy's resource covers. Any attribute we do not recognise as account-wide (serviceName,
 * serviceInstance, resourceType, resource, tags…) counts as scoping. `region` does not: "Administrator
 * on every service in us-south" is an account takeover for a VSI in us-south. `accountId` alone is not
 * a shape IBM documents; we read it as "everything" rather than ignore it.
 */
const policyScope = (policy: V2Policy): PolicyScope => {
  if ((policy.resource?.tags ?? []).length > 0) return 'scoped';
  const attrs = (policy.resource?.attributes ?? []).filter((a) => !matchesEverything(a));
  const known = new Set([...NON_NARROWING_KEYS, 'serviceType', 'service_group_id', 'resourceGroupId']);
  if (attrs.some((a) => !known.has(a.key))) return 'scoped';
  const resourceGroup = attrs.find((a) => a.key === 'resourceGroupId');
  if (resourceGroup) return resourceGroup.operator === 'stringEquals' ? 'resource-group' : 'scoped';
  const serviceType = attrs.filter((a) => a.key === 'serviceType');
  const serviceGroup = attrs.filter((a) => a.key === 'service_group_id');
  if (serviceType.length === 0 && serviceGroup.length === 0) return 'all-services';
  if (serviceType.length > 0 && serviceGroup.length > 0) return 'scoped';
  if (hasValue(attrs, 'serviceType', 'service')) return 'all-services';
  if (hasValue(attrs, 'serviceType', 'platform_service')) return 'account-management';
  if (hasValue(attrs, 'service_group_id', 'IAM')) return 'iam-services';
  return 'scoped';
};

/** `crn:v1:bluemix:public:iam::::serviceRole:Manager` → `Manager` (custom roles end the same way). */
const roleName = (roleId: string): string => roleId.slice(roleId.lastIndexOf(':') + 1);

/** The granted roles that are in `broadRoles` (by name, display name or full role CRN), deduplicated. */
const broadRolesOf = (policy: V2Policy, broadRoles: readonly string[]): string[] => {
  const wanted = new Set(broadRoles);
  const names = policy.control.grant.roles
    .filter(
      (r) =>
        wanted.has(roleName(r.role_id)) ||
        wanted.has(r.role_id) ||
        (r.display_name !== undefined && wanted.has(r.display_name)),
    )
    .map((r) => roleName(r.role_id));
  return [...new Set(names)].sort();
};

const TIME_KEY = /\{\{environment\.attributes\.(current_date|current_time|day_of_week|current_date_time)\}\}/;

const mentionsTime = (condition: PolicyCondition): boolean =>
  (condition.key !== undefined && TIME_KEY.test(condition.key)) ||
  (condition.conditions ?? []).some(mentionsTime);

/** The grant only applies at certain times (v2 `pattern`/`rule` time-based conditions). */
const isTimeLimited = (policy: V2Policy): boolean =>
  (policy.pattern?.startsWith('time-based-conditions') ?? false) ||
  (policy.rule !== undefined && mentionsTime(policy.rule));

const describeAttributes = (policy: V2Policy): string[] =>
  (policy.resource?.attributes ?? []).map(
    (a) => `${a.key}${a.operator === 'stringEquals' ? '=' : ` ${a.operator} `}${String(a.value)}`,
  );

export type { PolicyScope };
export { broadRolesOf, describeAttributes, isActiveAccessPolicy, isTimeLimited, policyScope, roleName };
