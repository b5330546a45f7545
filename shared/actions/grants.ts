// The guard identity's IAM access, derived from the actions the deployment lets it take (index.ts): each
// action declares the access its calls need; the grants are those declarations merged per scope (the
// strongest role of each role family, every reason once). A grant no used action needs is not given (an
// audit-only or dry-run policy gets read access only). deploy, Terraform and doctor all use grantsFor.
import type { AuditTrail } from '../manifest/schema.ts';
import type { Policy } from '../policy/schema.ts';
import { ACTIONS } from './index.ts';
import type { Action, GrantScope, Permission } from './types.ts';

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

/** IBM's role families, weakest first; other roles (a service's own) stand alone. */
const FAMILIES: readonly (readonly string[])[] = [
  ['Viewer', 'Operator', 'Editor', 'Administrator'],
  ['Reader', 'Writer', 'Manager'],
];

/** The roles with each family's strongest kept, in the order they were first needed. */
const strongest = (roles: readonly string[]): string[] => {
  const out: string[] = [];
  for (const r of roles) {
    const family = FAMILIES.find((f) => f.includes(r));
    const rival = family ? out.findIndex((o) => family.includes(o)) : out.indexOf(r);
    if (rival < 0) out.push(r);
    else if (family && family.indexOf(r) > family.indexOf(out[rival] ?? '')) out[rival] = r;
  }
  return out;
};

/** The permissions of the guard's used actions, merged per scope in the registry's order. */
const mergePermissions = (permissions: readonly Permission[]): Grant[] => {
  const byScope = new Map<string, { first: Permission; roles: string[]; why: string[] }>();
  for (const p of permissions) {
    const key = scopeKey(p.scope);
    const seen = byScope.get(key) ?? { first: p, roles: [], why: [] };
    seen.roles.push(p.role);
    if (!seen.why.includes(p.why)) seen.why.push(p.why);
    byScope.set(key, seen);
  }
  return [...byScope.values()].map((s) => ({
    roles: strongest(s.roles),
    scope: s.first.scope,
    scopeText: s.first.scopeText,
    why: s.why.join('; '),
  }));
};

/** The least-privilege grants for a policy (and the optional COS audit trail). */
const grantsFor = (policy: Policy, trail: AuditTrail | undefined): Grant[] => {
  const usage = { policy, trail };
  const actions: readonly Action[] = Object.values(ACTIONS);
  return mergePermissions(
    actions.filter((a) => a.caller === 'guard' && a.usedBy(usage)).flatMap((a) => a.needs(usage)),
  );
};

export type { Grant, GrantScope };
export { grantsFor, mergePermissions, scopeFlags, scopeKey };
