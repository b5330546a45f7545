// Role checks: does a key hold a role at least as strong as the one an operation needs? A trusted
// profile holds the roles of its access policies and of its access groups' policies (profileRoles).
import type {
  ApiKeyRecord,
  EmulatorState,
  IamService,
  PlatformRole,
  PolicyAttribute,
  PolicyRec,
  Role,
  ServiceRole,
} from './state.ts';

const PLATFORM: readonly PlatformRole[] = ['Viewer', 'Operator', 'Editor', 'Administrator'];
const SERVICE: readonly ServiceRole[] = ['Reader', 'Writer', 'Manager'];

const rank = (role: Role): { family: 'platform' | 'service'; level: number } => {
  const p = PLATFORM.indexOf(role as PlatformRole);
  if (p >= 0) return { family: 'platform', level: p };
  return { family: 'service', level: SERVICE.indexOf(role as ServiceRole) };
};

const hasRole = (key: ApiKeyRecord, service: IamService, needed: Role): boolean => {
  const want = rank(needed);
  const held = [...(key.roles[service] ?? []), ...(key.roles['*'] ?? [])];
  return held.some((r) => {
    const got = rank(r);
    return got.family === want.family && got.level >= want.level;
  });
};

const ROLE_CRN_PREFIX = {
  platform: 'crn:v1:bluemix:public:iam::::role:',
  service: 'crn:v1:bluemix:public:iam::::serviceRole:',
} as const;

/** `Administrator` → `crn:v1:bluemix:public:iam::::role:Administrator`; CRNs pass through. */
const roleCrn = (role: string): string => {
  if (role.startsWith('crn:')) return role;
  return (SERVICE as readonly string[]).includes(role)
    ? `${ROLE_CRN_PREFIX.service}${role}`
    : `${ROLE_CRN_PREFIX.platform}${role}`;
};

const roleName = (crn: string): string => crn.slice(crn.lastIndexOf(':') + 1);

/** Policy `serviceName`s the emulator's role checks know. */
const MODELLED: readonly string[] = [
  'is',
  'iam-identity',
  'iam-access-management',
  'iam-groups',
  'global-tagging',
  'support',
  'event-notifications',
] satisfies IamService[];
/** `serviceType: platform_service`: IBM's "All Account Management services". */
const ACCOUNT_MANAGEMENT: readonly IamService[] = [
  'iam-identity',
  'iam-access-management',
  'iam-groups',
  'global-tagging',
  'support',
];
/** No service named (or `serviceType: service`): IBM's "All Identity and Access enabled services". */
const IAM_ENABLED: readonly IamService[] = ['is', 'event-notifications'];

const matchesAll = (a: PolicyAttribute): boolean => a.value === '*';

/**
 * The services a policy grants its roles on, service-wide. A policy narrowed below a whole service
 * (a resource group, one instance, tags, a time condition) grants nothing here: the emulator checks
 * roles per service, so it takes the strict side (docs/fidelity/iam.md).
 */
const servicesOf = (p: PolicyRec, accountId: string): readonly IamService[] => {
  if (p.rule !== undefined || (p.resource.tags?.length ?? 0) > 0) return [];
  let serviceName: unknown;
  let serviceType: unknown;
  for (const a of p.resource.attributes) {
    if (a.key === 'accountId') {
      if (a.value !== accountId) return [];
    } else if (a.key === 'serviceName') serviceName = a.value;
    else if (a.key === 'serviceType') serviceType = a.value;
    else if (!matchesAll(a)) return [];
  }
  if (serviceName !== undefined)
    return typeof serviceName === 'string' && MODELLED.includes(serviceName)
      ? [serviceName as IamService]
      : [];
  if (serviceType === 'platform_service') return ACCOUNT_MANAGEMENT;
  return serviceType === undefined || serviceType === 'service' ? IAM_ENABLED : [];
};

/** The roles an identity holds through its own access policies and its access groups' policies. */
const profileRoles = (state: EmulatorState, iamId: string): Partial<Record<IamService, Role[]>> => {
  const groups = new Set<unknown>();
  for (const g of state.accessGroups.values())
    if (g.members.some((m) => m.iam_id === iamId)) groups.add(g.id);
  const roles: Partial<Record<IamService, Role[]>> = {};
  for (const p of state.policies.values()) {
    if (p.state !== 'active' || p.type !== 'access') continue;
    const subject = p.subject.attributes;
    const mine = subject.some(
      (a) =>
        (a.key === 'iam_id' && a.value === iamId) || (a.key === 'access_group_id' && groups.has(a.value)),
    );
    if (!mine) continue;
    const held = p.role_ids.map((r) => roleName(r) as Role);
    for (const s of servicesOf(p, state.account.id)) roles[s] = [...new Set([...(roles[s] ?? []), ...held])];
  }
  return roles;
};

export { hasRole, PLATFORM, profileRoles, roleCrn, roleName, SERVICE };
