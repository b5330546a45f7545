// Jira Cloud issues over REST v3, HTTP Basic with an Atlassian account email and API token. The profile
// marker is an issue label (exact JQL match); the key and findings are in the description and comments
// (ADF, read back as text). Open issues are those whose status category is not Done; resolving comments
// and then moves the issue through a transition into the Done category.

import type { Severity } from '../policy/profiles.ts';
import { adfFromText, adfText } from './adf.ts';
import { basicAuth, mappedName } from './common.ts';
import { sinkFetch } from './http.ts';
import { parseTicketTags, type TicketText } from './tags.ts';
import { fitText, fitTitle } from './text.ts';
import { type OpenTicket, type SinkTicket, type TicketSink, TicketSinkError } from './types.ts';

interface JiraOptions {
  /** Site origin, e.g. `https://example.atlassian.net` (the emulator serves `/rest/api/3` on its origin). */
  baseUrl: string;
  email: string;
  apiToken: string;
  project: string;
  issueType: string;
  /** Name of the transition that resolves; default: the first whose target status is in the Done category. */
  doneTransition?: string;
  timeoutMs: number;
}

interface JiraIssue {
  id: string;
  key: string;
  fields?: {
    created?: string;
    labels?: string[];
    description?: unknown;
    comment?: { comments?: { body?: unknown }[] };
  };
}

interface JiraTransition {
  id: string;
  name: string;
  to?: { statusCategory?: { key?: string } };
}

/** Jira's own field limits: summary 255, description and comment 32767. */
const SUMMARY_LIMIT = 255;
const TEXT_LIMIT = 32_767;
const PAGE = 100;
const DEFAULT_PRIORITY = {
  critical: 'Highest',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
} as const satisfies Record<Severity, string>;
/** Issues created by this process recently: passed as `reconcileIssues` so search sees them at once. */
const RECONCILE_MS = 60_000;

/** `2026-05-01T10:00:00.000+0000` → ISO with a colon in the offset (what Date.parse reads everywhere). */
const jiraTimeToIso = (t: string | undefined): string => (t ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');

const jqlString = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** What every call needs: the options, the REST base and headers, and the issues created recently. */
interface JiraContext {
  o: JiraOptions;
  api: string;
  headers: Record<string, string>;
  /** Issue id → when this process created it. */
  recent: Map<string, number>;
}

const call = async (
  cx: JiraContext,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<string> => {
  const res = await sinkFetch({
    sink: 'jira',
    method,
    url: `${cx.api}${path}`,
    headers: cx.headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    timeoutMs: cx.o.timeoutMs,
  });
  return res.text;
};

/** Forgets issues older than RECONCILE_MS and returns the ids of the rest. */
const reconcile = (recent: Map<string, number>): number[] => {
  const cutoff = Date.now() - RECONCILE_MS;
  for (const [id, at] of recent) if (at < cutoff) recent.delete(id);
  return [...recent.keys()].map(Number).filter((n) => Number.isInteger(n));
};

const ticketOf = (issue: JiraIssue, marker: string): SinkTicket | undefined => {
  const f = issue.fields ?? {};
  if (!(f.labels ?? []).includes(marker)) return undefined;
  const texts = [adfText(f.description), ...(f.comment?.comments ?? []).map((c) => adfText(c.body))];
  const tags = parseTicketTags(texts.join('\n'));
  if (tags.marker !== marker || !tags.key) return undefined;
  return {
    id: issue.key,
    handle: issue.id,
    created_at: jiraTimeToIso(f.created),
    status: 'open',
    key: tags.key,
    marker,
    ...(tags.finding_ids.length > 0 ? { finding_ids: tags.finding_ids } : {}),
  };
};

const findIssues = async (cx: JiraContext, marker: string): Promise<SinkTicket[]> => {
  const found: SinkTicket[] = [];
  const ids = reconcile(cx.recent);
  let token: string | undefined;
  do {
    const page = JSON.parse(
      await call(cx, 'POST', '/search/jql', {
        jql: `project = ${jqlString(cx.o.project)} AND labels = ${jqlString(marker)} AND statusCategory != Done ORDER BY created ASC`,
        fields: ['created', 'labels', 'description', 'comment', 'status'],
        maxResults: PAGE,
        ...(token ? { nextPageToken: token } : {}),
        ...(ids.length > 0 ? { reconcileIssues: ids } : {}),
      }),
    ) as { issues?: JiraIssue[]; nextPageToken?: string };
    for (const issue of page.issues ?? []) {
      const t = ticketOf(issue, marker);
      if (t) found.push(t);
    }
    token = page.nextPageToken;
  } while (token);
  return found;
};

const openIssue = async (cx: JiraContext, t: OpenTicket): Promise<SinkTicket> => {
  const created = JSON.parse(
    await call(cx, 'POST', '/issue', {
      fields: {
        project: { key: cx.o.project },
        issuetype: { name: cx.o.issueType },
        summary: fitTitle(t.title, SUMMARY_LIMIT),
        description: adfFromText(fitText(t.body.text, TEXT_LIMIT)),
        labels: ['imds-guard', t.marker],
        priority: { name: mappedName(t.mapped_severity, DEFAULT_PRIORITY[t.severity]) },
      },
    }),
  ) as { id?: string; key?: string };
  if (!created.id || !created.key)
    throw new TicketSinkError('jira', 'the created issue came back without its id or key', {
      status: 502,
    });
  cx.recent.set(created.id, Date.now());
  return {
    id: created.key,
    handle: created.id,
    // The create answer has no timestamp; the search after opening reads Jira's own `created`.
    created_at: new Date().toISOString(),
    status: 'open',
    key: t.key,
    marker: t.marker,
    finding_ids: t.finding_ids,
  };
};

const addComment = async (cx: JiraContext, ref: SinkTicket, text: string): Promise<void> => {
  await call(cx, 'POST', `/issue/${ref.id}/comment`, { body: adfFromText(fitText(text, TEXT_LIMIT)) });
};

const transitionToDone = async (cx: JiraContext, ref: SinkTicket): Promise<void> => {
  const { transitions } = JSON.parse(await call(cx, 'GET', `/issue/${ref.id}/transitions`)) as {
    transitions: JiraTransition[];
  };
  const want = cx.o.doneTransition;
  const pick = want
    ? transitions.find((t) => t.name.toLowerCase() === want.toLowerCase())
    : transitions.find((t) => t.to?.statusCategory?.key === 'done');
  if (!pick)
    throw new TicketSinkError(
      'jira',
      `issue ${ref.id} offers no ${want ? `"${want}"` : 'Done'} transition (has: ${transitions.map((t) => t.name).join(', ') || 'none'})`,
      { status: 409, retryable: false },
    );
  await call(cx, 'POST', `/issue/${ref.id}/transitions`, { transition: { id: pick.id } });
};

/** Resolve and close alike: say why in a comment, then move the issue into Done. */
const commentAndFinish = async (cx: JiraContext, ref: SinkTicket, text: TicketText): Promise<void> => {
  await addComment(cx, ref, text.text);
  await transitionToDone(cx, ref);
};

const createJiraSink = (o: JiraOptions): TicketSink => {
  const cx: JiraContext = {
    o,
    api: `${o.baseUrl.replace(/\/+$/, '')}/rest/api/3`,
    headers: {
      Authorization: basicAuth(o.email, o.apiToken),
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
    recent: new Map(),
  };
  return {
    kind: 'jira',
    searchable: true,
    find: async (marker) => findIssues(cx, marker),
    open: async (t) => openIssue(cx, t),
    comment: async (ref, text) => addComment(cx, ref, text.text),
    resolve: async (ref, text) => commentAndFinish(cx, ref, text),
    close: async (ref, _survivor, text) => commentAndFinish(cx, ref, text),
  };
};

export type { JiraOptions };
export { createJiraSink, jiraTimeToIso };
