// ServiceNow incidents over the Table API (`/api/now/table/incident`), HTTP Basic. The profile marker is
// the incident's `correlation_id` (exact search); the key and findings are in the description and in
// work notes (read back from `sys_journal_field`). Resolved incidents stay `active=true` until they close,
// so open ones are `active=true^state!=6`.
import type { Severity } from '../policy/profiles.ts';
import { basicAuth, createdTicket, mappedLevel } from './common.ts';
import { sinkFetch } from './http.ts';
import type { TicketText } from './tags.ts';
import {
  closingNote,
  DESCRIPTION_LIMIT,
  fitText,
  fitTitle,
  type IncidentLike,
  incidentTicket,
} from './text.ts';
import { type OpenTicket, type SinkTicket, type TicketSink, TicketSinkError } from './types.ts';

interface ServiceNowOptions {
  /** Instance origin, e.g. `https://example.service-now.com` (the emulator serves `/api/now` on its origin). */
  baseUrl: string;
  user: string;
  password: string;
  timeoutMs: number;
}

const STATE_RESOLVED = '6';
/** Impact = urgency (1 high … 3 low) per severity, unless `severity_map` says otherwise. */
const DEFAULT_PRIORITY = { critical: 1, high: 2, medium: 2, low: 3 } as const satisfies Record<
  Severity,
  number
>;
const CLOSE_CODE = { compliant: 'Resolved by change', exempt: 'Known error' } as const;
const PAGE = 100;

/** What every call needs: the Table API base, the headers and the per-request limit. */
interface ServiceNowContext {
  base: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Every page of a table query. */
const get = async <T>(cx: ServiceNowContext, table: string, query: Record<string, string>): Promise<T[]> => {
  const out: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const qs = new URLSearchParams({
      ...query,
      sysparm_limit: String(PAGE),
      sysparm_offset: String(offset),
    });
    const res = await sinkFetch({
      sink: 'servicenow',
      method: 'GET',
      url: `${cx.base}/${table}?${qs}`,
      headers: cx.headers,
      timeoutMs: cx.timeoutMs,
    });
    const rows = (JSON.parse(res.text) as { result?: T[] }).result ?? [];
    out.push(...rows);
    if (rows.length < PAGE) return out;
  }
};

const write = async (
  cx: ServiceNowContext,
  method: 'POST' | 'PATCH',
  path: string,
  body: Record<string, string>,
): Promise<IncidentLike> => {
  const res = await sinkFetch({
    sink: 'servicenow',
    method,
    url: `${cx.base}/${path}`,
    headers: { ...cx.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    timeoutMs: cx.timeoutMs,
  });
  return (JSON.parse(res.text) as { result: IncidentLike }).result;
};

/** The marker's open incidents, each with its work notes (in order) after the description. */
const findIncidents = async (cx: ServiceNowContext, marker: string): Promise<SinkTicket[]> => {
  const incidents = await get<IncidentLike>(cx, 'incident', {
    sysparm_query: `correlation_id=${marker}^active=true^state!=${STATE_RESOLVED}^ORDERBYsys_created_on`,
    sysparm_fields: 'sys_id,number,description,correlation_id,state,sys_created_on',
    sysparm_exclude_reference_link: 'true',
  });
  if (incidents.length === 0) return [];
  const ids = incidents.map((i) => i.sys_id).filter((x): x is string => typeof x === 'string');
  const notes = await get<{ element_id?: string; value?: string }>(cx, 'sys_journal_field', {
    sysparm_query: `element=work_notes^element_idIN${ids.join(',')}^ORDERBYsys_created_on`,
    sysparm_fields: 'element_id,value',
  });
  return incidents.flatMap((inc) => {
    const own = notes.filter((n) => n.element_id === inc.sys_id).map((n) => n.value ?? '');
    const t = incidentTicket(inc, marker, own);
    return t ? [t] : [];
  });
};

const openIncident = async (cx: ServiceNowContext, t: OpenTicket): Promise<SinkTicket> => {
  const priority = String(mappedLevel(t.mapped_severity, 3, DEFAULT_PRIORITY[t.severity]));
  const inc = await write(cx, 'POST', 'incident', {
    short_description: fitTitle(t.title),
    description: fitText(t.body.text, DESCRIPTION_LIMIT),
    correlation_id: t.marker,
    correlation_display: 'imds-guard',
    impact: priority,
    urgency: priority,
  });
  return createdTicket('servicenow', 'incident', incidentTicket(inc, t.marker));
};

/** PATCH the incident the ref names (by its sys_id). */
const patchIncident = async (
  cx: ServiceNowContext,
  ref: SinkTicket,
  body: Record<string, string>,
): Promise<void> => {
  if (!ref.handle)
    throw new TicketSinkError('servicenow', `incident ${ref.id} has no sys_id`, { status: 400 });
  await write(cx, 'PATCH', `incident/${ref.handle}`, body);
};

/** The fields that resolve an incident, with the text as its last work note. */
const resolving = (text: TicketText, closeCode: string, closeNotes: string): Record<string, string> => ({
  work_notes: fitText(text.text),
  state: STATE_RESOLVED,
  close_code: closeCode,
  close_notes: closeNotes,
});

const createServiceNowSink = (o: ServiceNowOptions): TicketSink => {
  const cx: ServiceNowContext = {
    base: `${o.baseUrl.replace(/\/+$/, '')}/api/now/table`,
    headers: { Authorization: basicAuth(o.user, o.password), Accept: 'application/json' },
    timeoutMs: o.timeoutMs,
  };
  return {
    kind: 'servicenow',
    searchable: true,
    find: async (marker) => findIncidents(cx, marker),
    open: async (t) => openIncident(cx, t),
    comment: async (ref, text) => patchIncident(cx, ref, { work_notes: fitText(text.text) }),
    resolve: async (ref, text, u) =>
      patchIncident(cx, ref, resolving(text, CLOSE_CODE[u.reason], closingNote(u.subject, u.reason))),
    close: async (ref, survivor, text) =>
      patchIncident(cx, ref, resolving(text, 'Duplicate', `Duplicate of ${survivor.id}.`)),
  };
};

export type { ServiceNowOptions };
export { createServiceNowSink };
