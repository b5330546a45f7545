// Pure: a trusted profile's tickets. The texts (what a profile-guard ticket says) and the profile as a
// ticket subject; ticket-subject.ts keeps exactly one ticket per subject from them.
import {
  tagLines as formatTags,
  parseTicketTags,
  TAG_MARKER,
  type TicketRef,
  type TicketText,
} from '#shared/tickets/tags.ts';
import type { ProfileAssessment } from './decide.ts';
import { BREADTH_RULES } from './rules/index.ts';
import type { Finding, FindingEvidence } from './rules/types.ts';
import {
  chooseSurvivor,
  code,
  compareTickets,
  type FindingsChange,
  md,
  planSubjectTicket,
  type RenderedTicket,
  type SurvivorPlan,
  type Ticketable,
  type TicketPlan,
  type TicketPlanOptions,
  type TriggerEvent,
  tagBlockMarkdown,
  tagBlockText,
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

const affectedCrns = (findings: readonly Finding[]): string[] => [
  ...new Set(findings.flatMap((f) => f.affected_crns)),
];

const exemptionLine = (a: ProfileAssessment): string | undefined => {
  if (a.exempt) {
    return `Exempt until ${a.exempt.expires} (approved by ${a.exempt.approver}, ticket ${a.exempt.ticket}).`;
  }
  if (a.expired_exemption) {
    const e = a.expired_exemption;
    return `An exemption (approved by ${e.approver}, ticket ${e.ticket}) expired at ${e.expires} and no longer applies.`;
  }
  return undefined;
};

/** The machine-readable block: sinks search for the marker and read the last key and findings. */
const tagLines = (a: ProfileAssessment, withFindings = true): string[] =>
  formatTags(a.profile_marker, a.key, withFindings ? a.finding_ids : []);

const findingText = (f: Finding, n: number): string[] => {
  const rule = BREADTH_RULES[f.rule_id];
  return [
    `${n}. [${f.severity.toUpperCase()}] ${rule.title} (${f.rule_id})`,
    `   ${f.summary}`,
    `   Why it matters: ${rule.explanation}`,
    `   Fix: ${rule.fix}`,
    `   IBM guidance: "${rule.advice}"`,
    ...evidenceLines(f.evidence).map(([label, value]) => `   Evidence, ${label}: ${value}`),
    `   Affected: ${f.affected_crns.join(', ')}`,
    `   Finding id: ${f.id}`,
  ];
};

const findingMarkdown = (f: Finding, n: number): string[] => {
  const rule = BREADTH_RULES[f.rule_id];
  return [
    `### ${n}. ${f.severity.toUpperCase()}: ${md(rule.title)} (${code(f.rule_id)})`,
    '',
    md(f.summary),
    '',
    `- **Why it matters:** ${md(rule.explanation)}`,
    `- **Fix:** ${md(rule.fix)}`,
    `- **IBM guidance:** \u201c${md(rule.advice)}\u201d`,
    ...evidenceLines(f.evidence).map(([label, value]) => `- **Evidence, ${label}:** ${code(value)}`),
    `- **Affected:** ${f.affected_crns.map(code).join(', ')}`,
    `- **Finding id:** ${code(f.id)}`,
    '',
  ];
};

const findingsText = (findings: readonly Finding[]): string[] =>
  findings.length === 0 ? ['(none)'] : findings.flatMap((f, i) => [...findingText(f, i + 1), '']);

const findingsMarkdown = (findings: readonly Finding[]): string[] =>
  findings.length === 0 ? ['(none)', ''] : findings.flatMap((f, i) => findingMarkdown(f, i + 1));

/** `[imds-guard] Trusted profile <name> is too broad (<marker>)`: searchable by marker in any sink. */
const ticketTitle = (a: ProfileAssessment): string =>
  `[imds-guard] Trusted profile ${a.profile.name} is too broad (${a.profile_marker})`;

const renderTicket = (a: ProfileAssessment, event?: TriggerEvent): RenderedTicket => {
  const exemption = exemptionLine(a);
  const crns = affectedCrns(a.findings);
  const text = [
    `imds-guard found that trusted profile ${a.profile.name} grants more than a compute resource identity should.`,
    'A virtual server that can reach its metadata service can trade its identity token for this profile\u2019s IAM token; if the profile is broad, a compromise of that server becomes a compromise of the account.',
    '',
    `Profile: ${a.profile.name} (${a.profile.id})`,
    `CRN: ${a.profile.crn}`,
    `Account: ${a.account_id}`,
    `Severity: ${a.severity ?? 'none'}`,
    `Assessed at: ${a.assessed_at}`,
    `Trigger: ${triggerLine(event)}`,
    ...(exemption ? [exemption] : []),
    '',
    `Findings (${a.findings.length}):`,
    '',
    ...findingsText(a.findings),
    'Affected resources:',
    ...crns.map((c) => `- ${c}`),
    '',
    ...tagBlockText(tagLines(a)),
  ].join('\n');
  const markdown = [
    `## Trusted profile ${md(a.profile.name)} is too broad`,
    '',
    `imds-guard found that trusted profile **${md(a.profile.name)}** grants more than a compute resource identity should. A virtual server that can reach its metadata service can trade its identity token for this profile\u2019s IAM token; if the profile is broad, a compromise of that server becomes a compromise of the account.`,
    '',
    `- **Profile:** ${md(a.profile.name)} (${code(a.profile.id)})`,
    `- **CRN:** ${code(a.profile.crn)}`,
    `- **Account:** ${code(a.account_id)}`,
    `- **Severity:** ${a.severity ?? 'none'}`,
    `- **Assessed at:** ${a.assessed_at}`,
    `- **Trigger:** ${md(triggerLine(event))}`,
    ...(exemption ? [`- **Exemption:** ${md(exemption)}`] : []),
    '',
    `## Findings (${a.findings.length})`,
    '',
    ...findingsMarkdown(a.findings),
    '## Affected resources',
    '',
    ...crns.map((c) => `- ${code(c)}`),
    '',
    ...tagBlockMarkdown(tagLines(a)),
  ].join('\n');
  return { title: ticketTitle(a), text, markdown };
};

const listText = (ids: readonly string[]): string => (ids.length > 0 ? ids.join(', ') : '(none)');

const changeComment = (
  a: ProfileAssessment,
  change: { added: string[]; removed: string[]; known: boolean },
  event: TriggerEvent | undefined,
): TicketText => {
  const addedLabel = change.known ? 'Added' : 'Current (the previous findings could not be read)';
  const text = [
    `imds-guard: the findings for trusted profile ${a.profile.name} changed (severity now ${a.severity ?? 'none'}).`,
    `Trigger: ${triggerLine(event)}`,
    `${addedLabel}: ${listText(change.added)}`,
    ...(change.known ? [`Removed: ${listText(change.removed)}`] : []),
    '',
    `Current findings (${a.findings.length}):`,
    '',
    ...findingsText(a.findings),
    ...tagBlockText(tagLines(a)),
  ].join('\n');
  const markdown = [
    `**imds-guard:** the findings for trusted profile **${md(a.profile.name)}** changed (severity now ${a.severity ?? 'none'}).`,
    '',
    `- **Trigger:** ${md(triggerLine(event))}`,
    `- **${addedLabel}:** ${change.added.length > 0 ? change.added.map(code).join(', ') : '(none)'}`,
    ...(change.known
      ? [`- **Removed:** ${change.removed.length > 0 ? change.removed.map(code).join(', ') : '(none)'}`]
      : []),
    '',
    `### Current findings (${a.findings.length})`,
    '',
    ...findingsMarkdown(a.findings),
    ...tagBlockMarkdown(tagLines(a)),
  ].join('\n');
  return { text, markdown };
};

const resolveComment = (
  a: ProfileAssessment,
  reason: 'compliant' | 'exempt',
  event: TriggerEvent | undefined,
): TicketText => {
  const why =
    reason === 'compliant'
      ? `trusted profile ${a.profile.name} is no longer too broad: no breadth rule fires.`
      : `trusted profile ${a.profile.name} is exempt. ${exemptionLine(a) ?? ''}`;
  const text = [
    `imds-guard: ${why} Resolving.`,
    `Trigger: ${triggerLine(event)}`,
    '',
    ...tagBlockText(tagLines(a)),
  ];
  const markdown = [
    `**imds-guard:** ${md(why)} Resolving.`,
    '',
    `- **Trigger:** ${md(triggerLine(event))}`,
    '',
    ...tagBlockMarkdown(tagLines(a)),
  ];
  return { text: text.join('\n'), markdown: markdown.join('\n') };
};

const duplicateComment = (a: ProfileAssessment, survivorId: string): TicketText => {
  const why = `duplicate of ticket ${survivorId}, which tracks trusted profile ${a.profile.name} (${a.profile_marker}). Closing this one; follow ${survivorId}.`;
  return {
    text: [`imds-guard: ${why}`, '', ...tagBlockText([`${TAG_MARKER}: ${a.profile_marker}`])].join('\n'),
    markdown: [
      `**imds-guard:** ${md(why)}`,
      '',
      ...tagBlockMarkdown([`${TAG_MARKER}: ${a.profile_marker}`]),
    ].join('\n'),
  };
};

// ---- The profile as a ticket subject ------------------------------------------------------------

const profileTicketable = (a: ProfileAssessment): Ticketable => ({
  subject: { id: a.profile.id, crn: a.profile.crn, name: a.profile.name, account_id: a.account_id },
  marker: a.profile_marker,
  key: a.key,
  finding_ids: a.finding_ids,
  severity: a.severity,
  compliant: a.compliant,
  ...(a.exempt ? { exempt: a.exempt } : {}),
  affected_crns: [...new Set([a.profile.crn, ...a.findings.flatMap((f) => f.affected_crns)])],
  texts: {
    render: (event) => renderTicket(a, event),
    change: (change: FindingsChange, event) => changeComment(a, change, event),
    resolve: (reason, event) => resolveComment(a, reason, event),
    duplicate: (survivorId) => duplicateComment(a, survivorId),
  },
  words: { clean: 'no breadth rule fires', noun: 'profile' },
});

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
