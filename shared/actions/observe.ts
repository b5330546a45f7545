// The audit trail (COS, over its S3 API with the guard's IAM token) and the reads `doctor` and `report`
// make. Doctor's own reads of Activity Tracker and Code Engine are the operator's access, not the
// guard's: they are declared (and checked against the emulator) but no guard grant comes of them.
import type { Action, ApiCall, Permission } from './types.ts';

const trailWriter = (u: Parameters<Action['needs']>[0]) =>
  u.trail
    ? [
        {
          role: 'Object Writer',
          scope: {
            serviceName: 'cloud-object-storage',
            serviceInstance: u.trail.instance_id,
            resourceType: 'bucket',
            resource: u.trail.bucket,
          },
          scopeText: `bucket ${u.trail.bucket} only`,
          why: 'append decision records to the audit trail; Object Writer writes objects but cannot read, list or delete them',
        },
      ]
    : [];

/** What doctor's own reads need: the operator's access, declared for people (no guard grant). */
const doctorRead = (role: string, serviceName: string, scopeText: string): Permission => ({
  role,
  scope: { serviceName },
  scopeText,
  why: 'doctor reads it',
});

const get = <A extends ApiCall['api']>(api: A, path: string) => ({ api, method: 'GET', path }) as const;
const CE_PROJECT = '/v2/projects/{project_id}';

const OBSERVE_ACTIONS = {
  'trail-write': {
    does: 'write one invocation’s decision records as one write-once object in the audit trail bucket',
    caller: 'guard',
    calls: [{ api: 'cos', method: 'PUT', path: '/{bucket}/{key}' }],
    needs: trailWriter,
    usedBy: (u) => u.trail !== undefined,
  },
  'trail-read': {
    does: 'read the audit trail back for `report` and the COS job (list and get objects)',
    caller: 'operator',
    calls: [get('cos', '/{bucket}'), get('cos', '/{bucket}/{key}')],
    needs: () => [],
    usedBy: () => false,
  },
  'doctor-read-activity-tracker': {
    does: 'doctor: read the Activity Tracker targets and routes',
    caller: 'operator',
    calls: [get('atracker', '/api/v2/targets'), get('atracker', '/api/v2/routes')],
    needs: () => [doctorRead('Viewer', 'atracker', 'Activity Tracker')],
    usedBy: () => false,
  },
  'doctor-read-code-engine': {
    does: 'doctor: read the Code Engine project, its functions, app, job and config map',
    caller: 'operator',
    calls: [
      get('code-engine', '/v2/projects'),
      get('code-engine', CE_PROJECT),
      get('code-engine', `${CE_PROJECT}/functions/{name}`),
      get('code-engine', `${CE_PROJECT}/apps/{name}`),
      get('code-engine', `${CE_PROJECT}/jobs/{name}`),
      get('code-engine', `${CE_PROJECT}/config_maps/{name}`),
    ],
    needs: () => [
      doctorRead('Viewer', 'codeengine', 'Code Engine'),
      doctorRead('Reader', 'codeengine', 'Code Engine'),
    ],
    usedBy: () => false,
  },
  'doctor-read-identity': {
    does: 'doctor: name the credentials’ own service ID or trusted profile, and read its own policies and groups',
    caller: 'operator',
    calls: [
      get('iam-identity', '/v1/serviceids/{id}'),
      get('iam-identity', '/v1/profiles/{profile-id}'),
      get('iam-policy', '/v2/policies'),
      get('iam-groups', '/v2/groups'),
    ],
    // A service ID may read itself and anyone their own policies; naming a trusted profile, and the
    // policies of its access groups, take the readers' roles.
    needs: () => [
      doctorRead('Viewer', 'iam-identity', 'IAM Identity'),
      doctorRead('Viewer', 'iam-access-management', 'IAM Access Management'),
      doctorRead('Viewer', 'iam-groups', 'IAM Access Groups'),
    ],
    usedBy: () => false,
  },
  'doctor-read-ticket-sink': {
    does: 'doctor: one read of the ticket sink (a case list, an incident, the Jira project, the EN source)',
    caller: 'operator',
    calls: [
      get('case-management', '/case-management/v1/cases'),
      get('servicenow', '/api/now/table/incident'),
      get('jira', '/rest/api/3/project/{key}'),
      get('event-notifications', '/v1/instances/{instance_id}/sources/{source_id}'),
    ],
    needs: () => [
      doctorRead('Viewer', 'support', 'Support Center'),
      doctorRead('Channel Editor', 'event-notifications', 'Event Notifications'),
    ],
    usedBy: () => false,
  },
} as const satisfies Record<string, Action>;

export { OBSERVE_ACTIONS };
