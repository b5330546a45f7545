// Pure: keep exactly one ticket per subject — a trusted profile (ticket-plan.ts) or a VPC's network
// posture (functions/network/ticket.ts). Given what the subject's assessment says and the tickets a sink
// found for its marker, say what to do: open / nothing / comment / resolve, after closing duplicates.
// The subject brings its own texts; sinks find tickets again by the marker and key in every text.
import type { Severity } from '#shared/policy/profiles.ts';
import { TAG_MARKER, type TicketRef, type TicketText } from '#shared/tickets/tags.ts';
import type { TicketSubject } from '#shared/tickets/types.ts';

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

/** The change a comment reports; `known` false: the sink could not read the previous findings. */
interface FindingsChange {
  added: string[];
  removed: string[];
  known: boolean;
}

/** How a subject's tickets read: the opening text and the three kinds of comment. */
interface TicketTexts {
  render: (event?: TriggerEvent) => RenderedTicket;
  change: (change: FindingsChange, event?: TriggerEvent) => TicketText;
  resolve: (reason: 'compliant' | 'exempt', event?: TriggerEvent) => TicketText;
  duplicate: (survivorId: string) => TicketText;
}

/** What the one-ticket lifecycle needs of an assessment, whatever it is about. */
interface Ticketable {
  subject: TicketSubject;
  /** From account and subject only: finds the subject's ticket again whatever its findings. */
  marker: string;
  /** Changes exactly when the findings (by id) change. */
  key: string;
  /** Sorted. */
  finding_ids: string[];
  severity: Severity | null;
  compliant: boolean;
  exempt?: { expires: string; approver: string; ticket: string };
  /** The subject's CRN first, then what the findings name. */
  affected_crns: string[];
  texts: TicketTexts;
  /** Words for texts and decision reasons: `clean` ("no breadth rule fires"), `noun` ("profile"). */
  words: { clean: string; noun: string };
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
      /** The latest resolved ticket for this subject, cited in the new one. */
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

// ---- Text helpers every subject's texts use ------------------------------------------------------

const MD_SPECIAL = /[\\`*_[\]<>#|~]/g;
const md = (s: string): string => s.replace(MD_SPECIAL, (c) => `\\${c}`);
const code = (s: string): string => `\`${s.replaceAll('`', "'")}\``;

const triggerLine = (event: TriggerEvent | undefined): string => {
  if (!event) return 'no event (scheduled sweep or manual run)';
  const who = event.initiator
    ? ` by ${[event.initiator.name, event.initiator.id && `(${event.initiator.id})`].filter(Boolean).join(' ')}`
    : '';
  return `${event.action} at ${event.time}${who}${event.id ? ` [event ${event.id}]` : ''}`;
};

const tagBlockText = (lines: string[]): string[] => ['--', ...lines];
const tagBlockMarkdown = (lines: string[]): string[] => ['```text', ...lines, '```'];

/** A text's lines in both forms, before they are joined. */
interface Lines {
  text: string[];
  markdown: string[];
}

/** One line in both forms. */
interface Lead {
  text: string;
  markdown: string;
}

const joinLines = (lines: Lines): TicketText => ({
  text: lines.text.join('\n'),
  markdown: lines.markdown.join('\n'),
});

/** `imds-guard: <why>`, the prefix in bold in Markdown. */
const guardSays = (why: string): Lead => ({
  text: `imds-guard: ${why}`,
  markdown: `**imds-guard:** ${md(why)}`,
});

/** A line that reads the same in both forms. */
const plainLead = (line: string): Lead => ({ text: line, markdown: md(line) });

/** Label: value rows; in Markdown a list, the values as code (the trigger, a sentence, as text). */
const rowLines = (rows: readonly [label: string, value: string][]): Lines => ({
  text: rows.map(([k, v]) => `${k}: ${v}`),
  markdown: rows.map(([k, v]) => `- **${k}:** ${k === 'Trigger' ? md(v) : code(v)}`),
});

/** A notice about one resource (instance-guard's subjects): what, why, how to keep it, its rows, the tags. */
const noticeLines = (n: {
  what: string;
  why: Lines;
  how: string;
  rows: readonly [string, string][];
  tags: string[];
}): Lines => {
  const rows = rowLines(n.rows);
  return {
    text: [`${n.what}.`, ...n.why.text, n.how, '', ...rows.text, '', ...tagBlockText(n.tags)],
    markdown: [
      `**${md(n.what)}.**`,
      '',
      ...n.why.markdown,
      '',
      md(n.how),
      '',
      ...rows.markdown,
      '',
      ...tagBlockMarkdown(n.tags),
    ],
  };
};

/** A resolving comment: why, the trigger, the tags. */
const resolveText = (lead: Lead, tags: string[], event: TriggerEvent | undefined): TicketText =>
  joinLines({
    text: [lead.text, `Trigger: ${triggerLine(event)}`, '', ...tagBlockText(tags)],
    markdown: [lead.markdown, '', `- **Trigger:** ${md(triggerLine(event))}`, '', ...tagBlockMarkdown(tags)],
  });

/** The comment on a duplicate closed against the survivor: why, and the marker alone. */
const duplicateText = (lead: Lead, marker: string): TicketText => {
  const tag = [`${TAG_MARKER}: ${marker}`];
  return joinLines({
    text: [lead.text, '', ...tagBlockText(tag)],
    markdown: [lead.markdown, '', ...tagBlockMarkdown(tag)],
  });
};

// ---- Plan ------------------------------------------------------------------------------------------

const planSurvivor = (t: Ticketable, survivor: TicketRef, event: TriggerEvent | undefined): SurvivorPlan => {
  if (t.compliant || t.exempt) {
    const reason = t.compliant ? 'compliant' : 'exempt';
    return {
      kind: 'resolve',
      ticket_id: survivor.id,
      reason,
      key: t.key,
      comment: t.texts.resolve(reason, event),
    };
  }
  if (survivor.key === t.key) return { kind: 'none', reason: 'unchanged', ticket_id: survivor.id };
  const known = survivor.finding_ids !== undefined;
  const previous = new Set(survivor.finding_ids ?? []);
  const current = new Set(t.finding_ids);
  const added = t.finding_ids.filter((id) => !previous.has(id));
  const removed = [...previous].filter((id) => !current.has(id)).sort();
  return {
    kind: 'comment',
    ticket_id: survivor.id,
    previous_key: survivor.key,
    key: t.key,
    added,
    removed,
    previous_findings_known: known,
    comment: t.texts.change({ added, removed, known }, event),
  };
};

const openPlan = (t: Ticketable, mine: readonly TicketRef[], event: TriggerEvent | undefined): TicketPlan => {
  const previous = mine
    .filter((r) => r.status === 'resolved')
    .sort(compareTickets)
    .at(-1);
  const rendered = t.texts.render(event);
  const note = previous ? `Earlier ticket for this ${t.words.noun}: ${previous.id} (resolved).` : undefined;
  return {
    kind: 'open',
    key: t.key,
    marker: t.marker,
    severity: t.severity ?? 'low',
    title: rendered.title,
    body: note
      ? { text: `${note}\n\n${rendered.text}`, markdown: `${md(note)}\n\n${rendered.markdown}` }
      : { text: rendered.text, markdown: rendered.markdown },
    ...(previous ? { previous_ticket_id: previous.id } : {}),
  };
};

/**
 * Tickets for other markers are ignored (a sink's search may return near matches). Open tickets beyond
 * the survivor are closed first, each pointing at the survivor; then the survivor is kept current.
 */
const planSubjectTicket = (
  t: Ticketable,
  existing: readonly TicketRef[],
  options: TicketPlanOptions = {},
): TicketPlan => {
  const mine = uniqueById(existing.filter((r) => r.marker === t.marker));
  const open = mine.filter((r) => r.status === 'open');
  const survivor = chooseSurvivor(open);
  if (!survivor) {
    if (t.compliant) return { kind: 'none', reason: 'compliant' };
    if (t.exempt) return { kind: 'none', reason: 'exempt' };
    return openPlan(t, mine, options.event);
  }
  const survivorPlan = planSurvivor(t, survivor, options.event);
  const duplicates = open.filter((r) => r.id !== survivor.id);
  if (duplicates.length === 0) return survivorPlan;
  return {
    kind: 'close_duplicates',
    survivor_id: survivor.id,
    close: duplicates.map((r) => ({ ticket_id: r.id, comment: t.texts.duplicate(survivor.id) })),
    survivor_plan: survivorPlan,
  };
};

export type {
  FindingsChange,
  Lead,
  Lines,
  RenderedTicket,
  SurvivorPlan,
  Ticketable,
  TicketPlan,
  TicketPlanOptions,
  TicketTexts,
  TriggerEvent,
};
export {
  chooseSurvivor,
  code,
  compareTickets,
  duplicateText,
  guardSays,
  joinLines,
  md,
  noticeLines,
  plainLead,
  planSubjectTicket,
  resolveText,
  rowLines,
  tagBlockMarkdown,
  tagBlockText,
  triggerLine,
};
