// Ticket actions, per sink: find the open ticket of a subject, open one, update it, resolve it. Case
// Management and Event Notifications are called with the guard's IAM identity; ServiceNow, Jira and a
// webhook with the sink's own secret (no IAM access).
import type { TicketSinkKind } from '../policy/profiles.ts';
import type { Action, ApiCall, Permission, Usage } from './types.ts';
import { capabilities } from './usage.ts';

const writesTo =
  (sink: TicketSinkKind) =>
  ({ policy }: Usage): boolean =>
    capabilities(policy).ticketSink === sink;

const SUPPORT: Permission = {
  role: 'Editor',
  scope: { serviceName: 'support' },
  scopeText: 'Support Center (Case Management)',
  why: 'open, comment on and resolve one support case per broad profile (policy.profiles.ticket.sink: case-management)',
};

/** The instance id is configuration (IMDS_GUARD_EN_INSTANCE_ID), not in the manifest: service-wide. */
const PUBLISHER: Permission = {
  role: 'Event Notifications Publisher',
  scope: { serviceName: 'event-notifications' },
  scopeText: 'Event Notifications (publish only)',
  why: 'publish one notification per ticket change to the imds-guard API source (POST /v1/instances/{instance_id}/notifications; policy.profiles.ticket.sink: event-notifications)',
};

const CASES = '/case-management/v1/cases';
const SN = '/api/now/table';
const JIRA = '/rest/api/3';
const EN_SEND: ApiCall = {
  api: 'event-notifications',
  method: 'POST',
  path: '/v1/instances/{instance_id}/notifications',
};

/** One sink's open / update / resolve, each with its calls; the permissions are the sink's. */
const sinkActions = <S extends string>(
  sink: TicketSinkKind,
  name: S,
  calls: { open: readonly ApiCall[]; update: readonly ApiCall[]; resolve: readonly ApiCall[] },
  needs: readonly Permission[],
) => {
  const usedBy = writesTo(sink);
  const action = (verb: 'open' | 'update' | 'resolve'): Action => ({
    does: `${verb} a ticket in ${name}`,
    caller: 'guard',
    calls: calls[verb],
    needs: () => needs,
    usedBy,
  });
  return {
    [`${sink}:open`]: action('open'),
    [`${sink}:update`]: action('update'),
    [`${sink}:resolve`]: action('resolve'),
  } as Record<`${typeof sink}:${'open' | 'update' | 'resolve'}`, Action>;
};

const caseFind: ApiCall = { api: 'case-management', method: 'GET', path: CASES };
const snFind: readonly ApiCall[] = [
  { api: 'servicenow', method: 'GET', path: `${SN}/incident` },
  { api: 'servicenow', method: 'GET', path: `${SN}/sys_journal_field` },
];
const snPatch: ApiCall = { api: 'servicenow', method: 'PATCH', path: `${SN}/incident/{sys_id}` };
const jiraFind: ApiCall = { api: 'jira', method: 'POST', path: `${JIRA}/search/jql` };
const webhook: ApiCall = { api: 'webhook', method: 'POST', path: '/' };

const TICKET_ACTIONS = {
  ...sinkActions(
    'case-management',
    'Case Management',
    {
      open: [caseFind, { api: 'case-management', method: 'POST', path: CASES }],
      update: [caseFind, { api: 'case-management', method: 'PUT', path: `${CASES}/{case_number}/comments` }],
      resolve: [caseFind, { api: 'case-management', method: 'PUT', path: `${CASES}/{case_number}/status` }],
    },
    [SUPPORT],
  ),
  ...sinkActions(
    'event-notifications',
    'Event Notifications',
    { open: [EN_SEND], update: [EN_SEND], resolve: [EN_SEND] },
    [PUBLISHER],
  ),
  ...sinkActions(
    'servicenow',
    'ServiceNow',
    {
      open: [...snFind, { api: 'servicenow', method: 'POST', path: `${SN}/incident` }],
      update: [...snFind, snPatch],
      resolve: [...snFind, snPatch],
    },
    [],
  ),
  ...sinkActions(
    'jira',
    'Jira',
    {
      open: [jiraFind, { api: 'jira', method: 'POST', path: `${JIRA}/issue` }],
      update: [jiraFind, { api: 'jira', method: 'POST', path: `${JIRA}/issue/{key}/comment` }],
      resolve: [
        jiraFind,
        { api: 'jira', method: 'GET', path: `${JIRA}/issue/{key}/transitions` },
        { api: 'jira', method: 'POST', path: `${JIRA}/issue/{key}/transitions` },
      ],
    },
    [],
  ),
  ...sinkActions('webhook', 'a webhook', { open: [webhook], update: [webhook], resolve: [webhook] }, []),
} satisfies Record<string, Action>;

export { TICKET_ACTIONS };
