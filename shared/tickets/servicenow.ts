// ServiceNow incidents over the Table API (`/api/now/table/incident`), HTTP Basic. The profile marker is
// the incident's `correlation_id` (exact search); the key and findings are in the description and in
// work notes (read back from `sys_journal_field`). Resolved incidents stay `active=true` until they close,
// so open ones are `active=true^state!=6`.
import type { Severity } from '../policy/profiles.ts';
import { sinkFetch } from './http.ts';
import {
  closingNote,
  DESCRIPTION_LIMIT,
  fitText,
  fitTitle,
  type IncidentLike,
  incidentTicket,
} from './text.ts';
import { type SinkTicket, type TicketSink, TicketSinkError } from './types.ts';

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

const level = (mapped: number | string | undefined, severity: Severity): string => {
  const n = Number(mapped);
  return Number.isInteger(n) && n >= 1 && n <= 3 ? String(n) : String(DEFAULT_PRIORITY[severity]);
};

const createServiceNowSink = (o: ServiceNowOptions): TicketSink => {
  const auth = `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`;
  const base = `${o.baseUrl.replace(/\/+$/, '')}/api/now/table`;
  const headers = { Authorization: auth, Accept: 'application/json' };
  const json = { ...headers, 'Content-Type': 'application/json' };

  const get = async <T>(table: string, query: Record<string, string>): Promise<T[]> => {
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
        url: `${base}/${table}?${qs}`,
        headers,
        timeoutMs: o.timeoutMs,
      });
      const rows = (JSON.parse(res.text) as { result?: T[] }).result ?? [];
      out.push(...rows);
      if (rows.length < PAGE) return out;
    }
  };

  const write = async (method: 'POST' | 'PATCH', path: string, body: Record<string, string>) => {
    const res = await sinkFetch({
      sink: 'servicenow',
      method,
      url: `${base}/${path}`,
      headers: json,
      body: JSON.stringify(body),
      timeoutMs: o.timeoutMs,
    });
    return (JSON.parse(res.text) as { result: IncidentLike }).result;
  };

  const handleOf = (ref: SinkTicket): string => {
    if (!ref.handle)
      throw new TicketSinkError('servicenow', `incident ${ref.id} has no sys_id`, { status: 400 });
    return ref.handle;
  };

  return {
    kind: 'servicenow',
    searchable: true,
    find: async (marker) => {
      const incidents = await get<IncidentLike>('incident', {
        sysparm_query: `correlation_id=${marker}^active=true^state!=${STATE_RESOLVED}^ORDERBYsys_created_on`,
        sysparm_fields: 'sys_id,number,description,correlation_id,state,sys_created_on',
        sysparm_exclude_reference_link: 'true',
      });
      if (incidents.length === 0) return [];
      const ids = incidents.map((i) => i.sys_id).filter((x): x is string => typeof x === 'string');
      const notes = await get<{ element_id?: string; value?: string }>('sys_journal_field', {
        sysparm_query: `element=work_notes^element_idIN${ids.join(',')}^ORDERBYsys_created_on`,
        sysparm_fields: 'element_id,value',
      });
      return incidents.flatMap((inc) => {
        const own = notes.filter((n) => n.element_id === inc.sys_id).map((n) => n.value ?? '');
        const t = incidentTicket(inc, marker, own);
        return t ? [t] : [];
      });
    },
    open: async (t) => {
      const priority = level(t.mapped_severity, t.severity);
      const inc = await write('POST', 'incident', {
        short_description: fitTitle(t.title),
        description: fitText(t.body.text, DESCRIPTION_LIMIT),
        correlation_id: t.marker,
        correlation_display: 'imds-guard',
        impact: priority,
        urgency: priority,
      });
      const ticket = incidentTicket(inc, t.marker);
      if (!ticket)
        throw new TicketSinkError(
          'servicenow',
          'the created incident came back without its number or marker',
          {
            status: 502,
          },
        );
      return ticket;
    },
    comment: async (ref, text) => {
      await write('PATCH', `incident/${handleOf(ref)}`, { work_notes: fitText(text.text) });
    },
    resolve: async (ref, text, update) => {
      await write('PATCH', `incident/${handleOf(ref)}`, {
        work_notes: fitText(text.text),
        state: STATE_RESOLVED,
        close_code: CLOSE_CODE[update.reason],
        close_notes: closingNote(update.subject, update.reason),
      });
    },
    close: async (ref, survivor, text) => {
      await write('PATCH', `incident/${handleOf(ref)}`, {
        work_notes: fitText(text.text),
        state: STATE_RESOLVED,
        close_code: 'Duplicate',
        close_notes: `Duplicate of ${survivor.id}.`,
      });
    },
  };
};

export type { ServiceNowOptions };
export { createServiceNowSink };
