// Does a held IAM policy give a needed grant? Pure. A policy covers a grant when its resource is the
// grant's scope or wider (every attribute it names is satisfied by the scope; attributes it leaves out
// match anything) and one of its roles is the needed role or a stronger one of the same family.
// Conditional policies (time-based rules) and tag-scoped ones are never counted: they hold only sometimes,
// or only for some resources.
import type { Grant, GrantScope } from '../actions/grants.ts';

interface PolicyAttribute {
  key: string;
  operator?: string;
  value: unknown;
}

/** A policy the identity holds, directly or through an access group, in the terms coverage needs. */
interface HeldPolicy {
  id: string;
  /** Role names (`Editor`, `Reader`, `ObjectWriter`…), from the role CRNs. */
  roles: string[];
  attributes: readonly PolicyAttribute[];
  /** Resource tags narrow a policy to tagged resources. */
  tagged: boolean;
  /** A `rule` (time-based condition) limits when it applies. */
  conditional: boolean;
  /** `direct`, or `access group <name>`. */
  via: string;
}

type Coverage =
  | { kind: 'held'; by: HeldPolicy }
  /** The scope is covered, but only with a weaker role. */
  | { kind: 'weaker'; by: HeldPolicy }
  /** A policy would cover it but has a condition or tags. */
  | { kind: 'conditional'; by: HeldPolicy }
  | { kind: 'missing' };

/** `serviceType: platform_service` = IBM's "All Account Management services" (UNCONFIRMED list, docs/doctor.md). */
const ACCOUNT_MANAGEMENT = new Set([
  'iam-identity',
  'iam-groups',
  'iam-access-management',
  'support',
  'billing',
  'user-management',
  'enterprise',
  'globalcatalog-collection',
]);

const PLATFORM = ['viewer', 'operator', 'editor', 'administrator'];
const SERVICE = ['reader', 'writer', 'manager'];

const norm = (role: string): string => role.replace(/\s+/g, '').toLowerCase();

/** `crn:v1:bluemix:public:iam::::role:Editor` → `Editor`; names pass through. */
const roleNameOf = (roleId: string): string => roleId.slice(roleId.lastIndexOf(':') + 1);

/** The needed role, or a stronger one of its family (COS's Object Writer is within Writer and Manager). */
const roleCovers = (held: string, needed: string): boolean => {
  const h = norm(held);
  const n = norm(needed);
  if (h === n) return true;
  for (const family of [PLATFORM, SERVICE]) {
    const hi = family.indexOf(h);
    const ni = family.indexOf(n);
    if (hi >= 0 && ni >= 0) return hi >= ni;
  }
  return n === 'objectwriter' && (h === 'writer' || h === 'manager');
};

/** The grant's scope as IAM attributes (what `--service-name … --attributes …` creates). */
const scopeAttributes = (s: GrantScope): Map<string, string> =>
  new Map(
    Object.entries({
      serviceName: s.serviceName,
      ...(s.serviceInstance !== undefined ? { serviceInstance: s.serviceInstance } : {}),
      ...(s.resourceType !== undefined ? { resourceType: s.resourceType } : {}),
      ...(s.resource !== undefined ? { resource: s.resource } : {}),
      ...(s.attributes ?? {}),
    }),
  );

const globMatches = (pattern: string, value: string): boolean => {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
};

/** One policy attribute against the scope's value (`*` in the scope means "every such resource"). */
const attributeSatisfied = (a: PolicyAttribute, wanted: string | undefined): boolean => {
  if (wanted === undefined) return false;
  const values = Array.isArray(a.value) ? a.value.map(String) : [String(a.value)];
  switch (a.operator ?? 'stringEquals') {
    case 'stringExists':
      return a.value === true || a.value === 'true';
    case 'stringMatch':
    case 'stringMatchAnyOf':
      return values.some((p) => p === '*' || (wanted !== '*' && globMatches(p, wanted)));
    default:
      return wanted !== '*' && values.includes(wanted);
  }
};

const resourceCovers = (p: HeldPolicy, scope: GrantScope, accountId: string): boolean => {
  const wanted = scopeAttributes(scope);
  return p.attributes.every((a) => {
    if (a.key === 'accountId') return String(a.value) === accountId;
    if (a.key === 'serviceType') {
      const platform = ACCOUNT_MANAGEMENT.has(scope.serviceName);
      return a.value === (platform ? 'platform_service' : 'service');
    }
    return attributeSatisfied(a, wanted.get(a.key));
  });
};

/** How the held policies stand toward one grant (every role of the grant is needed). */
const coverageOf = (grant: Grant, held: readonly HeldPolicy[], accountId: string): Coverage => {
  const inScope = held.filter((p) => resourceCovers(p, grant.scope, accountId));
  const strong = (p: HeldPolicy): boolean => grant.roles.every((n) => p.roles.some((r) => roleCovers(r, n)));
  const usable = inScope.filter((p) => !p.tagged && !p.conditional);
  const by = usable.find(strong);
  if (by) return { kind: 'held', by };
  const limited = inScope.find((p) => (p.tagged || p.conditional) && strong(p));
  if (limited) return { kind: 'conditional', by: limited };
  const weaker = usable[0];
  return weaker ? { kind: 'weaker', by: weaker } : { kind: 'missing' };
};

export type { Coverage, HeldPolicy, PolicyAttribute };
export { ACCOUNT_MANAGEMENT, coverageOf, roleCovers, roleNameOf };
