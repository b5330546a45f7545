// The ticket format every sink reads back: the types of a ticket and its text, and the tag lines
// (`imds-guard-marker:`, `imds-guard-key:`, `imds-guard-finding:`) by which tickets are found again.

interface TicketRef {
  id: string;
  created_at: string;
  status: 'open' | 'resolved';
  /** The key the ticket was last written with (its latest `imds-guard-key:` line). */
  key: string;
  marker: string;
  /** The finding ids last written to the ticket, when the sink could read them (parseTicketTags). */
  finding_ids?: string[];
}

interface TicketText {
  text: string;
  markdown: string;
}

const TAG_KEY = 'imds-guard-key';
const TAG_MARKER = 'imds-guard-marker';
const TAG_FINDING = 'imds-guard-finding';

const TAG_LINE = /^(imds-guard-key|imds-guard-marker|imds-guard-finding): (\S+)\s*$/;

/** The tag lines of one write: the marker, the key, and (optionally) the findings listed with it. */
const tagLines = (marker: string, key: string, findingIds: readonly string[] = []): string[] => [
  `${TAG_MARKER}: ${marker}`,
  `${TAG_KEY}: ${key}`,
  ...findingIds.map((id) => `${TAG_FINDING}: ${id}`),
];

/** What a ticket's text says about itself: the last key written and the findings listed with it. */
const parseTicketTags = (text: string): { marker?: string; key?: string; finding_ids: string[] } => {
  let marker: string | undefined;
  let key: string | undefined;
  let findingIds: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = TAG_LINE.exec(line.trim());
    if (!m) continue;
    const [, tag, value = ''] = m;
    if (tag === TAG_MARKER) marker = value;
    else if (tag === TAG_KEY) {
      key = value;
      findingIds = [];
    } else findingIds.push(value);
  }
  return { ...(marker ? { marker } : {}), ...(key ? { key } : {}), finding_ids: findingIds };
};

export type { TicketRef, TicketText };
export { parseTicketTags, TAG_FINDING, TAG_KEY, TAG_MARKER, tagLines };
