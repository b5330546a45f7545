// Pure: keep exactly one ticket per trusted profile. Given the assessment and the tickets a sink found
// for the profile's marker, say what to do (open / nothing / comment / resolve, after closing duplicates)
// and write the text. Sinks find tickets again by the marker and key embedded in every text.
import type { Severity } from '#shared/policy/profiles.ts';
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

/** The Activity Tracker event that led to this assessment; absent for sweeps and manual runs. */
interface TriggerEvent {
  action: string;
  time: string;
  id?: string;
  initiator?: { id?: string; name?: string };
}

interface TicketPlanOptions {
  event?: TriggerEvent;
}

interface RenderedTicket extends TicketText {
  title: string;
}

type SurvivorPlan =
  | { kind: 'none'; reason: 'unchanged' | 'compliant' | 'exempt'; ticket_id?: string }
  | {
      kind: 'comment';
      ticket_id: string;
      previous_key: string;
      key: string;
      added: string[];
      removed: string[];
      /** false: the sink could not read the previous findings, so `added` lists all current ones. */
      previous_findings_known: boolean;
      comment: TicketText;
    }
  | { kind: 'resolve'; ticket_id: string; reason: 'compliant' | 'exempt'; key: string; comment: TicketText };

type TicketPlan =
  | SurvivorPlan
  | {
      kind: 'open';
      key: string;
      marker: string;
      severity: Severity;
      title: string;
      body: TicketText;
      /** The latest resolved ticket for this profile, cited in the new one. */
      previous_ticket_id?: string;
    }
  | {
      kind: 'close_duplicates';
      survivor_id: string;
      close: { ticket_id: string; comment: TicketText }[];
      /** What to do with the survivor once the duplicates are closed. */
      survivor_plan: SurvivorPlan;
    };

// ---- Survivor choice -------------------------------------------------------------------------------

const createdMs = (ref: TicketRef): number => {
  const ms = Date.parse(ref.created_at);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
};

/** Shorter ids first, then character order: "CS9" before "CS10", and a total order for any strings. */
const compareIds = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Earliest created first, then lowest id: every instance of the guard picks the same survivor. */
const compareTickets = (a: TicketRef, b: TicketRef): number => {
  const byTime = createdMs(a) - createdMs(b);
  return (Number.isNaN(byTime) ? 0 : byTime) || compareIds(a.id, b.id);
};

/** The one ticket to keep among open ones, or undefined when none is open. */
const chooseSurvivor = (tickets: readonly TicketRef[]): TicketRef | undefined =>
  [...tickets].filter((t) => t.status === 'open').sort(compareTickets)[0];

const uniqueById = (tickets: readonly TicketRef[]): TicketRef[] => {
  const byId = new Map<string, TicketRef>();
  for (const t of [...tickets].sort(compareTickets)) if (!byId.has(t.id)) byId.set(t.id, t);
  return [...byId.values()];
};

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

const triggerLine = (event: TriggerEvent | undefined): string => {
  if (!event) return 'no event (scheduled sweep or manual run)';
  const who = event.initiator
    ? ` by ${[event.initiator.name, event.initiator.id && `(${event.initiator.id})`].filter(Boolean).join(' ')}`
    : '';
  return `${event.action} at ${event.time}${who}${event.id ? ` [event ${event.id}]` : ''}`;
};

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

const MD_SPECIAL = /[\\`*_[\]<>#|~]/g;
const md = (s: string): string => s.replace(MD_SPECIAL, (c) => `\\${c}`);
const code = (s: string): string => `\`${s.replaceAll('`', "'")}\``;

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

const tagBlockText = (lines: string[]): string[] => ['--', ...lines];
const tagBlockMarkdown = (lines: string[]): string[] => ['```text', ...lines, '```'];

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

// ---- Plan ------------------------------------------------------------------------------------------

const planSurvivor = (
  a: ProfileAssessment,
  survivor: TicketRef,
  event: TriggerEvent | undefined,
): SurvivorPlan => {
  if (a.compliant || a.exempt) {
    const reason = a.compliant ? 'compliant' : 'exempt';
    return {
      kind: 'resolve',
      ticket_id: survivor.id,
      reason,
      key: a.key,
      comment: resolveComment(a, reason, event),
    };
  }
  if (survivor.key === a.key) return { kind: 'none', reason: 'unchanged', ticket_id: survivor.id };
  const known = survivor.finding_ids !== undefined;
  const previous = new Set(survivor.finding_ids ?? []);
  const current = new Set(a.finding_ids);
  const added = a.finding_ids.filter((id) => !previous.has(id));
  const removed = [...previous].filter((id) => !current.has(id)).sort();
  return {
    kind: 'comment',
    ticket_id: survivor.id,
    previous_key: survivor.key,
    key: a.key,
    added,
    removed,
    previous_findings_known: known,
    comment: changeComment(a, { added, removed, known }, event),
  };
};

/**
 * Tickets for other markers are ignored (a sink's search may return near matches). Open tickets beyond
 * the survivor are closed first, each pointing at the survivor; then the survivor is kept current.
 */
const planTicket = (
  a: ProfileAssessment,
  existing: readonly TicketRef[],
  options: TicketPlanOptions = {},
): TicketPlan => {
  const mine = uniqueById(existing.filter((t) => t.marker === a.profile_marker));
  const open = mine.filter((t) => t.status === 'open');
  const survivor = chooseSurvivor(open);
  if (!survivor) {
    if (a.compliant) return { kind: 'none', reason: 'compliant' };
    if (a.exempt) return { kind: 'none', reason: 'exempt' };
    const previous = mine
      .filter((t) => t.status === 'resolved')
      .sort(compareTickets)
      .at(-1);
    const rendered = renderTicket(a, options.event);
    const note = previous ? `Earlier ticket for this profile: ${previous.id} (resolved).` : undefined;
    return {
      kind: 'open',
      key: a.key,
      marker: a.profile_marker,
      severity: a.severity ?? 'low',
      title: rendered.title,
      body: note
        ? { text: `${note}\n\n${rendered.text}`, markdown: `${md(note)}\n\n${rendered.markdown}` }
        : { text: rendered.text, markdown: rendered.markdown },
      ...(previous ? { previous_ticket_id: previous.id } : {}),
    };
  }
  const survivorPlan = planSurvivor(a, survivor, options.event);
  const duplicates = open.filter((t) => t.id !== survivor.id);
  if (duplicates.length === 0) return survivorPlan;
  return {
    kind: 'close_duplicates',
    survivor_id: survivor.id,
    close: duplicates.map((t) => ({ ticket_id: t.id, comment: duplicateComment(a, survivor.id) })),
    survivor_plan: survivorPlan,
  };
};

export type {
  RenderedTicket,
  SurvivorPlan,
  TicketPlan,
  TicketPlanOptions,
  TicketRef,
  TicketText,
  TriggerEvent,
};
export { chooseSurvivor, compareTickets, parseTicketTags, planTicket, renderTicket, ticketTitle };
