// IAM actions of profile-guard: read a trusted profile (claim rules, links, identities), the policies
// and access groups that give it roles, and cap a claim rule's session expiration.
import type { Action, Permission } from './types.ts';
import { capabilities } from './usage.ts';

const PROFILE = '/v1/profiles/{profile-id}';
const read = (api: 'iam-identity' | 'iam-policy' | 'iam-groups', path: string) =>
  ({ api, method: 'GET', path }) as const;

const identity = (role: string, why: string): Permission => ({
  role,
  scope: { serviceName: 'iam-identity' },
  scopeText: 'IAM Identity (trusted profiles)',
  why,
});

const readsProfiles = ({ policy }: Parameters<Action['usedBy']>[0]): boolean =>
  capabilities(policy).readsProfiles;

const IAM_ACTIONS = {
  'read-profile': {
    does: 'read a trusted profile, its claim rules, links and identities (and find profiles by name)',
    caller: 'guard',
    calls: [
      read('iam-identity', '/v1/profiles'),
      read('iam-identity', PROFILE),
      read('iam-identity', `${PROFILE}/rules`),
      read('iam-identity', `${PROFILE}/rules/{rule-id}`),
      read('iam-identity', `${PROFILE}/links`),
      read('iam-identity', `${PROFILE}/identities`),
    ],
    needs: () => [
      identity(
        'Viewer',
        'read trusted profiles, their claim rules, links and identities (GET /v1/profiles/…)',
      ),
    ],
    usedBy: readsProfiles,
  },
  'read-profile-links': {
    does: 'find the trusted profiles linked to an instance before disabling its metadata service (staged rollout)',
    caller: 'guard',
    calls: [read('iam-identity', '/v1/profiles'), read('iam-identity', `${PROFILE}/links`)],
    needs: () => [
      identity(
        'Viewer',
        'list trusted profiles and their compute-resource links (GET /v1/profiles, GET /v1/profiles/…/links): an instance a profile is linked to is not disabled without notice',
      ),
    ],
    usedBy: ({ policy }) => capabilities(policy).readsProfileLinks,
  },
  'cap-session': {
    does: "cap a claim rule's session expiration (profiles.fix.cap_session_expiration), then read it back",
    caller: 'guard',
    calls: [
      { api: 'iam-identity', method: 'PUT', path: `${PROFILE}/rules/{rule-id}` },
      read('iam-identity', `${PROFILE}/rules/{rule-id}`),
    ],
    needs: () => [
      identity(
        'Administrator',
        'PUT claim rules to cap session expiration (policy.profiles.fix.cap_session_expiration; IBM requires Administrator to change trusted profiles)',
      ),
    ],
    usedBy: ({ policy }) => capabilities(policy).capsSessions,
  },
  'read-policies': {
    does: 'read the access policies granted to a profile and to its access groups',
    caller: 'guard',
    calls: [read('iam-policy', '/v2/policies')],
    needs: () => [
      {
        role: 'Viewer',
        scope: { serviceName: 'iam-access-management' },
        scopeText: 'IAM Access Management (policies)',
        why: 'read the access policies granted to a profile and to its access groups (GET /v2/policies?iam_id=…)',
      },
    ],
    usedBy: readsProfiles,
  },
  'read-access-groups': {
    does: 'read the access groups a profile belongs to (and a group’s profile members)',
    caller: 'guard',
    calls: [read('iam-groups', '/v2/groups'), read('iam-groups', '/v2/groups/{access_group_id}/members')],
    needs: () => [
      {
        role: 'Viewer',
        scope: { serviceName: 'iam-groups' },
        scopeText: 'IAM Access Groups',
        why: 'read the access groups a profile belongs to (GET /v2/groups?iam_id=…)',
      },
    ],
    usedBy: readsProfiles,
  },
} as const satisfies Record<string, Action>;

export { IAM_ACTIONS };
