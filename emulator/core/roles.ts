// Role checks: does a key hold a role at least as strong as the one an operation needs?
import type { ApiKeyRecord, IamService, PlatformRole, Role, ServiceRole } from './state.ts';

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

export { hasRole, PLATFORM, roleCrn, roleName, SERVICE };
