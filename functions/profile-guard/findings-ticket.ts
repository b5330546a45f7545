// Pure: the tickets of a subject judged by rules — a trusted profile's breadth (ticket-plan.ts) or a VPC's
// network posture (functions/network/ticket.ts). Each finding shows its rule's texts and its evidence;
// the subject brings only its own words (title, intro, head rows); ticket-subject.ts keeps the one ticket.
import type { Severity } from '#shared/policy/profiles.ts';
import { tagLines } from '#shared/tickets/tags.ts';
import type { TicketSubject } from '#shared/tickets/types.ts';
import {
  code,
  duplicateText,
  type FindingsChange,
  guardSays,
  joinLines,
  type Lead,
  type Lines,
  md,
  resolveText,
  type Ticketable,
  type TriggerEvent,
  tagBlockMarkdown,
  tagBlockText,
  triggerLine,
} from './ticket-subject.ts';
import type { Verdict } from './verdict.ts';

/** What a ticket says about a finding's rule: the general part. */
interface RuleTexts {
  title: string;
  explanation: string;
  fix: string;
  advice: string;
}

/** What a ticket says about one finding: the case itself. */
interface TicketFinding {
  id: string;
  rule_id: string;
  severity: Severity;
  summary: string;
  affected_crns: string[];
}

interface Exemption {
  expires: string;
  approver: string;
  ticket: string;
}

/** An assessment as its ticket reads it, whatever the subject. */
interface FindingsAssessment<F extends TicketFinding> extends Verdict<F, Exemption> {
  subject: TicketSubject;
  marker: string;
  key: string;
}

/** The subject's own words; the rest of every text is common to subjects judged by rules. */
interface FindingsWords<F extends TicketFinding> {
  rule: (f: F) => RuleTexts;
  evidence: (f: F) => [label: string, value: string][];
  title: string;
  /** The opening's first lines: in Markdown a heading, then a paragraph. */
  intro: Lines;
  head: (event?: TriggerEvent) => Lines;
  /** The resources the opening text lists. */
  affected: readonly string[];
  /** The first line of a comment on changed findings. */
  changed: Lead;
  resolved: (reason: 'compliant' | 'exempt') => string;
  /** What the duplicate's survivor tracks, e.g. `trusted profile web-tier (<marker>)`. */
  tracks: string;
  /** For the lifecycle's reasons: `clean` ("no breadth rule fires"), `noun` ("profile"). */
  lifecycle: { clean: string; noun: string };
}

/** The machine-readable block: sinks search for the marker and read the last key and findings. */
const tags = (a: FindingsAssessment<TicketFinding>): string[] => tagLines(a.marker, a.key, a.finding_ids);

const exemptionLine = (a: { exempt?: Exemption; expired_exemption?: Exemption }): string | undefined => {
  if (a.exempt) {
    return `Exempt until ${a.exempt.expires} (approved by ${a.exempt.approver}, ticket ${a.exempt.ticket}).`;
  }
  if (a.expired_exemption) {
    const e = a.expired_exemption;
    return `An exemption (approved by ${e.approver}, ticket ${e.ticket}) expired at ${e.expires} and no longer applies.`;
  }
  return undefined;
};

const findingLines = <F extends TicketFinding>(w: FindingsWords<F>, f: F, n: number): Lines => {
  const rule = w.rule(f);
  const evidence = w.evidence(f);
  return {
    text: [
      `${n}. [${f.severity.toUpperCase()}] ${rule.title} (${f.rule_id})`,
      `   ${f.summary}`,
      `   Why it matters: ${rule.explanation}`,
      `   Fix: ${rule.fix}`,
      `   IBM guidance: "${rule.advice}"`,
      ...evidence.map(([label, value]) => `   Evidence, ${label}: ${value}`),
      `   Affected: ${f.affected_crns.join(', ')}`,
      `   Finding id: ${f.id}`,
      '',
    ],
    markdown: [
      `### ${n}. ${f.severity.toUpperCase()}: ${md(rule.title)} (${code(f.rule_id)})`,
      '',
      md(f.summary),
      '',
      `- **Why it matters:** ${md(rule.explanation)}`,
      `- **Fix:** ${md(rule.fix)}`,
      `- **IBM guidance:** \u201c${md(rule.advice)}\u201d`,
      ...evidence.map(([label, value]) => `- **Evidence, ${label}:** ${code(value)}`),
      `- **Affected:** ${f.affected_crns.map(code).join(', ')}`,
      `- **Finding id:** ${code(f.id)}`,
      '',
    ],
  };
};

const findingsLines = <F extends TicketFinding>(a: FindingsAssessment<F>, w: FindingsWords<F>): Lines => {
  if (a.findings.length === 0) return { text: ['(none)'], markdown: ['(none)', ''] };
  const each = a.findings.map((f, i) => findingLines(w, f, i + 1));
  return { text: each.flatMap((l) => l.text), markdown: each.flatMap((l) => l.markdown) };
};

const render = <F extends TicketFinding>(
  a: FindingsAssessment<F>,
  w: FindingsWords<F>,
  event?: TriggerEvent,
) => {
  const exemption = exemptionLine(a);
  const head = w.head(event);
  const findings = findingsLines(a, w);
  return {
    title: w.title,
    ...joinLines({
      text: [
        ...w.intro.text,
        '',
        ...head.text,
        ...(exemption ? [exemption] : []),
        '',
        `Findings (${a.findings.length}):`,
        '',
        ...findings.text,
        'Affected resources:',
        ...w.affected.map((c) => `- ${c}`),
        '',
        ...tagBlockText(tags(a)),
      ],
      markdown: [
        ...w.intro.markdown,
        '',
        ...head.markdown,
        ...(exemption ? [`- **Exemption:** ${md(exemption)}`] : []),
        '',
        `## Findings (${a.findings.length})`,
        '',
        ...findings.markdown,
        '## Affected resources',
        '',
        ...w.affected.map((c) => `- ${code(c)}`),
        '',
        ...tagBlockMarkdown(tags(a)),
      ],
    }),
  };
};

const listOf = (ids: readonly string[], wrap: (s: string) => string = (s) => s): string =>
  ids.length > 0 ? ids.map(wrap).join(', ') : '(none)';

const changeComment = <F extends TicketFinding>(
  a: FindingsAssessment<F>,
  w: FindingsWords<F>,
  change: FindingsChange,
  event?: TriggerEvent,
) => {
  const addedLabel = change.known ? 'Added' : 'Current (the previous findings could not be read)';
  const findings = findingsLines(a, w);
  return joinLines({
    text: [
      w.changed.text,
      `Trigger: ${triggerLine(event)}`,
      `${addedLabel}: ${listOf(change.added)}`,
      ...(change.known ? [`Removed: ${listOf(change.removed)}`] : []),
      '',
      `Current findings (${a.findings.length}):`,
      '',
      ...findings.text,
      ...tagBlockText(tags(a)),
    ],
    markdown: [
      w.changed.markdown,
      '',
      `- **Trigger:** ${md(triggerLine(event))}`,
      `- **${addedLabel}:** ${listOf(change.added, code)}`,
      ...(change.known ? [`- **Removed:** ${listOf(change.removed, code)}`] : []),
      '',
      `### Current findings (${a.findings.length})`,
      '',
      ...findings.markdown,
      ...tagBlockMarkdown(tags(a)),
    ],
  });
};

/** The subject as a ticket subject: one ticket per subject, keyed by its finding set. */
const findingsTicketable = <F extends TicketFinding>(
  a: FindingsAssessment<F>,
  w: FindingsWords<F>,
): Ticketable => ({
  subject: a.subject,
  marker: a.marker,
  key: a.key,
  finding_ids: a.finding_ids,
  severity: a.severity,
  compliant: a.compliant,
  ...(a.exempt ? { exempt: a.exempt } : {}),
  affected_crns: [...new Set([a.subject.crn, ...a.findings.flatMap((f) => f.affected_crns)])],
  texts: {
    render: (event) => render(a, w, event),
    change: (change, event) => changeComment(a, w, change, event),
    resolve: (reason, event) => resolveText(guardSays(`${w.resolved(reason)} Resolving.`), tags(a), event),
    duplicate: (survivorId) =>
      duplicateText(
        guardSays(
          `duplicate of ticket ${survivorId}, which tracks ${w.tracks}. Closing this one; follow ${survivorId}.`,
        ),
        a.marker,
      ),
  },
  words: w.lifecycle,
});

export type { FindingsAssessment, FindingsWords, RuleTexts, TicketFinding };
export { exemptionLine, findingsTicketable };
