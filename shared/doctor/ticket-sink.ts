// `ticket-sink`: where profile-guard's tickets go answers, with one read and never a write. The sink is
// built exactly as the guard builds it (shared/tickets: its missing settings are named the same way), then
// one read per kind: Case Management lists one case, ServiceNow reads one incident, Jira reads the project,
// Event Notifications reads imds-guard's source. A webhook cannot be checked without sending to it; the
// log sink has nothing to check.
import { silentLogger } from '../audit/logger.ts';
import { authenticatorFor } from '../cloud/auth.ts';
import { serviceUrl } from '../cloud/endpoints.ts';
import { errorMessage } from '../errors.ts';
import { PROFILE_RULE_IDS, type TicketSinkKind } from '../policy/profiles.ts';
import { cloudCall } from '../runtime/retry.ts';
import { sinkFetch } from '../tickets/http.ts';
import { createSink, eventNotificationsUrl, jiraUrl, TicketSinkError } from '../tickets/index.ts';
import { type Check, type CheckStatus, check, type DoctorContext } from './types.ts';

interface Probe {
  status: CheckStatus;
  detail: string;
  fix?: string[];
}

const basic = (user: string, secret: string): string =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

const bearer = async (ctx: DoctorContext): Promise<string> => {
  const options: { headers: Record<string, string> } = { headers: {} };
  await authenticatorFor(ctx.config).authenticate(options);
  return options.headers.Authorization ?? '';
};

const PROBES = {
  log: async () => ({ status: 'ok', detail: 'log: tickets go to the decision log; nothing to check' }),
  webhook: async (ctx) => ({
    status: 'skip',
    detail: `webhook ${new URL(ctx.config.tickets.webhookUrl ?? 'http://unset').host}: cannot check without sending`,
  }),
  'case-management': async (ctx) => {
    const cases = await ctx.clients.cases();
    await cloudCall(cases.getCases({ limit: 1, fields: ['number'] }));
    return { status: 'ok', detail: 'Case Management answered a one-case list' };
  },
  servicenow: async (ctx) => {
    const t = ctx.config.tickets;
    const url = `${serviceUrl(ctx.config, 'servicenow')}/api/now/table/incident?sysparm_limit=1&sysparm_fields=sys_id`;
    await sinkFetch({
      sink: 'servicenow',
      method: 'GET',
      url,
      headers: {
        Accept: 'application/json',
        Authorization: basic(t.servicenowUser ?? '', t.servicenowPassword ?? ''),
      },
      timeoutMs: t.timeoutMs,
    });
    return { status: 'ok', detail: `ServiceNow ${new URL(url).host} answered a one-incident read` };
  },
  jira: async (ctx) => {
    const key = ctx.policy.profiles.ticket.jira?.project ?? '';
    const url = `${jiraUrl(ctx.config) ?? ''}/rest/api/3/project/${encodeURIComponent(key)}`;
    const env = ctx.config.env;
    await sinkFetch({
      sink: 'jira',
      method: 'GET',
      url,
      headers: {
        Accept: 'application/json',
        Authorization: basic(env.IMDS_GUARD_JIRA_EMAIL ?? '', env.IMDS_GUARD_JIRA_API_TOKEN ?? ''),
      },
      timeoutMs: ctx.config.tickets.timeoutMs,
    });
    return { status: 'ok', detail: `Jira ${new URL(url).host} shows project ${key}` };
  },
  'event-notifications': async (ctx) => {
    const env = ctx.config.env;
    const instance = env.IMDS_GUARD_EN_INSTANCE_ID?.trim() ?? '';
    const source = env.IMDS_GUARD_EN_SOURCE_ID?.trim() ?? '';
    const url = `${eventNotificationsUrl(ctx.config)}/v1/instances/${instance}/sources/${source}`;
    try {
      await sinkFetch({
        sink: 'event-notifications',
        method: 'GET',
        url,
        headers: { Accept: 'application/json', Authorization: await bearer(ctx) },
        timeoutMs: ctx.config.tickets.timeoutMs,
      });
    } catch (err) {
      // Publishing needs only Event Notifications Publisher, which may not read sources: the instance answered.
      if (err instanceof TicketSinkError && err.status === 403)
        return {
          status: 'warn',
          detail: `instance ${instance} answered, but this identity may not read source ${source} (403); publishing needs only Event Notifications Publisher, so the source cannot be confirmed without sending`,
        };
      throw err;
    }
    return { status: 'ok', detail: `Event Notifications instance ${instance} has source ${source}` };
  },
} satisfies Record<TicketSinkKind, (ctx: DoctorContext) => Promise<Probe>>;

const checkTicketSink = async (ctx: DoctorContext): Promise<Check> => {
  const options = ctx.policy.profiles.ticket;
  const title = `ticket sink ${options.sink} answers`;
  if (ctx.policy.profiles.disabled_rules.length >= PROFILE_RULE_IDS.length)
    return check(
      'ticket-sink',
      'skip',
      title,
      'every profile rule is disabled: profile-guard opens no tickets',
    );
  try {
    createSink(options, { config: ctx.config, logger: silentLogger, cases: () => ctx.clients.cases() });
  } catch (err) {
    if (!(err instanceof TicketSinkError)) throw err;
    return check('ticket-sink', 'fail', title, err.message, [
      'set them where the guard runs (a configmap or secret of the manifest) and in doctor\'s environment: shared/tickets/README.md, "Settings"',
    ]);
  }
  try {
    const probe: Probe = await PROBES[options.sink](ctx);
    return check('ticket-sink', probe.status, title, probe.detail, probe.fix ?? []);
  } catch (err) {
    return check('ticket-sink', 'fail', title, errorMessage(err), [
      'check the sink settings and credentials: shared/tickets/README.md, "Settings"',
    ]);
  }
};

export { checkTicketSink };
