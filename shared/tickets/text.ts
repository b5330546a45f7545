// Pure helpers the sinks share: fitting texts into a sink's field limits without losing the tag block
// (the marker and key are how tickets are found again), and turning what a sink returns into TicketRefs.
import { parseTicketTags } from './tags.ts';
import type { ResolveReason, SinkTicket, TicketSubject } from './types.ts';

/** IBM Case Management (ServiceNow underneath) and ServiceNow's baseline `description` length. */
const DESCRIPTION_LIMIT = 4000;
const SUBJECT_LIMIT = 160;

const TAG_BLOCK_TEXT = '\n--\n';
const TAG_BLOCK_MD = '\n```text\n';

/**
 * Cuts a text to `limit` characters, keeping its tag block (after the last `--` / ```text line) whole:
 * the head is shortened and says how much was cut.
 */
const fitText = (text: string, limit = DESCRIPTION_LIMIT): string => {
  if (text.length <= limit) return text;
  const at = Math.max(text.lastIndexOf(TAG_BLOCK_TEXT), text.lastIndexOf(TAG_BLOCK_MD));
  const tail = at >= 0 ? text.slice(at) : '';
  const head = at >= 0 ? text.slice(0, at) : text;
  const note = (cut: number): string =>
    `\n\n[… ${cut} characters cut to fit the ticket; the decision log has every finding.]`;
  // The note's length depends on the number it prints: size it for the largest possible cut.
  const room = limit - tail.length - note(head.length).length;
  if (room <= 0) return text.slice(text.length - limit);
  return `${head.slice(0, room)}${note(head.length - room)}${tail}`;
};

/** Keeps the title's end (`(<marker>)`) and shortens the middle. */
const fitTitle = (title: string, limit = SUBJECT_LIMIT): string => {
  if (title.length <= limit) return title;
  const open = title.lastIndexOf(' (');
  const tail = open >= 0 ? title.slice(open) : '';
  const head = title.slice(0, Math.max(0, limit - tail.length - 1));
  return `${head}\u2026${tail}`.slice(0, limit);
};

/** `2026-01-15 09:00:00` (ServiceNow, UTC) → `2026-01-15T09:00:00Z`; other shapes pass through. */
const snTimeToIso = (value: string): string =>
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;

/** Case status labels (`New`, `In Progress`) or keys (`in_progress`): resolved and closed are not open. */
const caseIsOpen = (status: string | undefined): boolean => {
  const key = (status ?? '').trim().toLowerCase().replaceAll(' ', '_');
  return key !== 'resolved' && key !== 'closed';
};

interface CaseLike {
  number?: string;
  short_description?: string;
  description?: string;
  created_at?: string;
  status?: string;
  comments?: { value?: string }[];
}

/**
 * A case found by the marker search → a TicketRef, or undefined when it is not this marker's (the
 * search is free text): the tag block must name the marker. The key and findings are the last ones
 * written, in the description or any later comment.
 */
const caseTicket = (c: CaseLike, marker: string): SinkTicket | undefined => {
  if (!c.number) return undefined;
  const text = [c.description ?? '', ...(c.comments ?? []).map((x) => x.value ?? '')].join('\n');
  const tags = parseTicketTags(text);
  if (tags.marker !== marker || !tags.key) return undefined;
  return {
    id: c.number,
    created_at: c.created_at ?? '',
    status: caseIsOpen(c.status) ? 'open' : 'resolved',
    key: tags.key,
    marker,
    ...(tags.finding_ids.length > 0 ? { finding_ids: tags.finding_ids } : {}),
  };
};

interface IncidentLike {
  sys_id?: string;
  number?: string;
  description?: string;
  correlation_id?: string;
  state?: string;
  sys_created_on?: string;
}

/** An incident whose `correlation_id` is the marker → a TicketRef; work notes (in order) follow the description. */
const incidentTicket = (
  inc: IncidentLike,
  marker: string,
  workNotes: readonly string[] = [],
): SinkTicket | undefined => {
  if (!inc.sys_id || !inc.number || inc.correlation_id !== marker) return undefined;
  const tags = parseTicketTags([inc.description ?? '', ...workNotes].join('\n'));
  if (!tags.key) return undefined;
  const state = inc.state ?? '1';
  return {
    id: inc.number,
    handle: inc.sys_id,
    created_at: snTimeToIso(inc.sys_created_on ?? ''),
    status: ['6', '7', '8'].includes(state) ? 'resolved' : 'open',
    key: tags.key,
    marker,
    ...(tags.finding_ids.length > 0 ? { finding_ids: tags.finding_ids } : {}),
  };
};

/** What a ticket is about, in words, from its subject's CRN: a trusted profile or a VPC's network posture. */
const subjectNoun = (subject: TicketSubject): string => {
  if (subject.crn.includes(':iam-identity:')) return 'trusted profile';
  if (/:is:[^:]*:[^:]*:[^:]*:vpc:/.test(subject.crn)) return 'VPC';
  return 'resource';
};

/** The one line a sink closes a ticket with. */
const closingNote = (subject: TicketSubject, reason: ResolveReason): string =>
  `imds-guard: ${subjectNoun(subject)} ${subject.name} is ${
    reason === 'exempt'
      ? 'exempt'
      : subjectNoun(subject) === 'trusted profile'
        ? 'no longer too broad'
        : 'compliant'
  }.`;

export type { CaseLike, IncidentLike };
export {
  caseIsOpen,
  caseTicket,
  closingNote,
  DESCRIPTION_LIMIT,
  fitText,
  fitTitle,
  incidentTicket,
  SUBJECT_LIMIT,
  snTimeToIso,
  subjectNoun,
};
