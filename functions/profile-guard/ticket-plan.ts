// Pure: a trusted profile's tickets. The texts (what a profile-guard ticket says) and the profile as a
// ticket subject; ticket-subject.ts keeps exactly one ticket per subject from them.
import { parseTicketTags, type TicketRef, type TicketText } from '#shared/tickets/tags.ts';
import type { ProfileAssessment } from './decide.ts';
import { exemptionLine, findingsTicketable } from './findings-ticket.ts';
import { BREADTH_RULES } from './rules/index.ts';
import type { FindingEvidence } from './rules/types.ts';
import {
  chooseSurvivor,
  code,
  compareTickets,
  md,
  planSubjectTicket,
  type RenderedTicket,
  type SurvivorPlan,
  type Ticketable,
  type TicketPlan,
  type TicketPlanOptions,
  type TriggerEvent,
  triggerLine,
} from './ticket-subject.ts';

// ---- Text ------------------------------------------------------------------------------------------

const EVIDENCE_LABELS = {
  policy_ids: 'policies',
  roles: 'roles',
  resource: 'policy resource',
  group_ids: 'access groups',
  group_names: 'access group names',
  condition: 'condition',
  claim_rule_ids: 'claim rules',
  conditions: 'claim conditions',
  reasons: 'reasons',
  expiration_seconds: 'session expiration (s)',
  limit: 'policy limit',
  count: 'count',
  link_ids: 'links',
  link_crns: 'linked CRNs',
  detected_by: 'detected by',
  instance_crn: 'instance',
  metadata_service: 'metadata service',
  via: 'reaches the profile via',
  exposure: 'exposure',
  privilege_finding_ids: 'broad grants',
} as const satisfies Record<keyof FindingEvidence, string>;

const evidenceValue = (value: unknown): string =>
  Array.isArray(value)
    ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

const evidenceLines = (evidence: FindingEvidence): [label: string, value: string][] =>
  (Object.keys(EVIDENCE_LABELS) as (keyof FindingEvidence)[])
    .filter((k) => evidence[k] !== undefined)
    .map((k) => [EVIDENCE_LABELS[k], evidenceValue(evidence[k])]);

/** `[imds-guard] Trusted profile <name> is too broad (<marker>)`: searchable by marker in any sink. */
const ticketTitle = (a: ProfileAssessment): string =>
  `[imds-guard] Trusted profile ${a.profile.name} is too broad (${a.profile_marker})`;

const INTRO =
  'A virtual server that can reach its metadata service can trade its identity token for this profile\u2019s IAM token; if the profile is broad, a compromise of that server becomes a compromise of the account.';

// ---- The profile as a ticket subject ------------------------------------------------------------

const profileTicketable = (a: ProfileAssessment): Ticketable => {
  const { profile } = a;
  const found = `imds-guard found that trusted profile ${profile.name} grants more than a compute resource identity should.`;
  return findingsTicketable(
    {
      ...a,
      subject: { id: profile.id, crn: profile.crn, name: profile.name, account_id: a.account_id },
      marker: a.profile_marker,
    },
    {
      rule: (f) => BREADTH_RULES[f.rule_id],
      evidence: (f) => evidenceLines(f.evidence),
      title: ticketTitle(a),
      intro: {
        text: [found, INTRO],
        markdown: [
          `## Trusted profile ${md(profile.name)} is too broad`,
          '',
          `imds-guard found that trusted profile **${md(profile.name)}** grants more than a compute resource identity should. ${INTRO}`,
        ],
      },
      head: (event) => ({
        text: [
          `Profile: ${profile.name} (${profile.id})`,
          `CRN: ${profile.crn}`,
          `Account: ${a.account_id}`,
          `Severity: ${a.severity ?? 'none'}`,
          `Assessed at: ${a.assessed_at}`,
          `Trigger: ${triggerLine(event)}`,
        ],
        markdown: [
          `- **Profile:** ${md(profile.name)} (${code(profile.id)})`,
          `- **CRN:** ${code(profile.crn)}`,
          `- **Account:** ${code(a.account_id)}`,
          `- **Severity:** ${a.severity ?? 'none'}`,
          `- **Assessed at:** ${a.assessed_at}`,
          `- **Trigger:** ${md(triggerLine(event))}`,
        ],
      }),
      affected: [...new Set(a.findings.flatMap((f) => f.affected_crns))],
      changed: {
        text: `imds-guard: the findings for trusted profile ${profile.name} changed (severity now ${a.severity ?? 'none'}).`,
        markdown: `**imds-guard:** the findings for trusted profile **${md(profile.name)}** changed (severity now ${a.severity ?? 'none'}).`,
      },
      resolved: (reason) =>
        reason === 'compliant'
          ? `trusted profile ${profile.name} is no longer too broad: no breadth rule fires.`
          : `trusted profile ${profile.name} is exempt. ${exemptionLine(a) ?? ''}`,
      tracks: `trusted profile ${profile.name} (${a.profile_marker})`,
      lifecycle: { clean: 'no breadth rule fires', noun: 'profile' },
    },
  );
};

const renderTicket = (a: ProfileAssessment, event?: TriggerEvent): RenderedTicket =>
  profileTicketable(a).texts.render(event);

/** What to do with a profile's tickets (ticket-subject.ts plans for any subject). */
const planTicket = (
  a: ProfileAssessment,
  existing: readonly TicketRef[],
  options: TicketPlanOptions = {},
): TicketPlan => planSubjectTicket(profileTicketable(a), existing, options);

export type {
  RenderedTicket,
  SurvivorPlan,
  TicketPlan,
  TicketPlanOptions,
  TicketRef,
  TicketText,
  TriggerEvent,
};
export {
  chooseSurvivor,
  compareTickets,
  parseTicketTags,
  planTicket,
  profileTicketable,
  renderTicket,
  ticketTitle,
};
