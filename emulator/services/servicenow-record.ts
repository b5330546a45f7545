// ServiceNow incident records: the fields the Table API returns, writes with the instance's rules
// (choices, close info on resolve, read-only closed records), and the work-notes journal.
import { ApiError } from '../core/errors.ts';
import { stableHex32 } from '../core/ids.ts';
import type { EmulatorState, IncidentRec } from '../core/state.ts';

/** A `sys_journal_field` row: one work note or additional comment. */
interface JournalRow {
  sys_id: string;
  name: 'incident';
  element: 'work_notes' | 'comments';
  element_id: string;
  value: string;
  sys_created_on: string;
  sys_created_by: string;
  seq: number;
}

/** Reference fields and the table they point at (rendered as `{link, value}`). */
const REFERENCES: Record<string, string> = {
  caller_id: 'sys_user',
  assigned_to: 'sys_user',
  opened_by: 'sys_user',
  resolved_by: 'sys_user',
  closed_by: 'sys_user',
  assignment_group: 'sys_user_group',
  cmdb_ci: 'cmdb_ci',
  business_service: 'cmdb_ci_service',
};

/** Fields a caller may set; every other key in a body is ignored, as the Table API does. */
const WRITABLE = [
  'short_description',
  'description',
  'state',
  'urgency',
  'impact',
  'category',
  'subcategory',
  'correlation_id',
  'correlation_display',
  'caller_id',
  'assignment_group',
  'assigned_to',
  'cmdb_ci',
  'business_service',
  'contact_type',
  'close_code',
  'close_notes',
  'hold_reason',
  'work_notes',
  'comments',
] as const;

const FIELDS = [
  'sys_id',
  'number',
  'short_description',
  'description',
  'state',
  'incident_state',
  'active',
  'impact',
  'urgency',
  'priority',
  'severity',
  'category',
  'subcategory',
  'correlation_id',
  'correlation_display',
  'caller_id',
  'assignment_group',
  'assigned_to',
  'cmdb_ci',
  'business_service',
  'contact_type',
  'close_code',
  'close_notes',
  'hold_reason',
  'work_notes',
  'comments',
  'opened_at',
  'opened_by',
  'resolved_at',
  'resolved_by',
  'closed_at',
  'closed_by',
  'sys_class_name',
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
  'sys_mod_count',
] as const;

const INCIDENT_FIELDS: ReadonlySet<string> = new Set(FIELDS);
const JOURNAL_FIELDS: ReadonlySet<string> = new Set([
  'sys_id',
  'name',
  'element',
  'element_id',
  'value',
  'sys_created_on',
  'sys_created_by',
]);

const STATES = {
  new: '1',
  in_progress: '2',
  on_hold: '3',
  resolved: '6',
  closed: '7',
  canceled: '8',
} as const;
/** The incident `state` field's close states: only these make a record inactive. */
const CLOSE_STATES: readonly string[] = [STATES.closed, STATES.canceled];
const CHOICES: Record<string, readonly string[]> = {
  state: Object.values(STATES),
  urgency: ['1', '2', '3'],
  impact: ['1', '2', '3'],
  // Resolution codes of current releases (Utah and later).
  close_code: [
    'Duplicate',
    'Known error',
    'No resolution provided',
    'Resolved by caller',
    'Resolved by change',
    'Resolved by problem',
    'Resolved by request',
    'Solution provided',
    'Workaround provided',
    'User error',
  ],
};

/** `2026-01-15 09:00:00`: the Table API's UTC date-time format. */
const snTime = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

const userSysId = (state: EmulatorState, user: string): string => stableHex32(state.seed, `sys_user:${user}`);

/** Priority from the baseline impact × urgency matrix (1,1 → 1 Critical … 3,3 → 5 Planning). */
const priorityOf = (impact: string, urgency: string): string =>
  String(Math.min(5, Math.max(1, Number(impact) + Number(urgency) - 1)));

const raw = (rec: IncidentRec, field: string): string => {
  switch (field) {
    case 'active':
      return CLOSE_STATES.includes(rec.state) ? 'false' : 'true';
    case 'incident_state':
      return rec.state;
    case 'priority':
      return priorityOf(rec.impact, rec.urgency);
    // Journal fields read back empty; their entries live in sys_journal_field.
    case 'work_notes':
    case 'comments':
      return '';
    default: {
      const value = rec[field];
      return typeof value === 'string' ? value : value === undefined ? '' : String(value);
    }
  }
};

const renderIncident = (
  rec: IncidentRec,
  opts: { origin: string; fields: string[] | undefined; referenceLinks: boolean },
): Record<string, unknown> => {
  const wanted = opts.fields ? opts.fields.filter((f) => INCIDENT_FIELDS.has(f)) : FIELDS;
  const out: Record<string, unknown> = {};
  for (const f of wanted) {
    const value = raw(rec, f);
    const table = REFERENCES[f];
    out[f] =
      table && value !== '' && opts.referenceLinks
        ? { link: `${opts.origin}/api/now/table/${table}/${value}`, value }
        : value;
  }
  return out;
};

const renderJournal = (row: JournalRow, fields: string[] | undefined): Record<string, unknown> => {
  const all: Record<string, string> = {
    sys_id: row.sys_id,
    name: row.name,
    element: row.element,
    element_id: row.element_id,
    value: row.value,
    sys_created_on: row.sys_created_on,
    sys_created_by: row.sys_created_by,
  };
  return fields ? Object.fromEntries(fields.filter((f) => f in all).map((f) => [f, all[f]])) : all;
};

const journalOf = (rec: IncidentRec): JournalRow[] => {
  if (!Array.isArray(rec.journal)) rec.journal = [];
  return rec.journal as JournalRow[];
};

const failure = (status: number, message: string, detail: string): ApiError =>
  new ApiError(status, detail, message);

/** Applies a create/update body to a record. Unknown fields are ignored; bad choices are refused. */
const applyWrite = (
  state: EmulatorState,
  rec: IncidentRec,
  body: unknown,
  user: string,
  now: Date,
  creating: boolean,
): void => {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw failure(400, 'Exception while reading request', 'The payload is not a JSON object.');
  if (!creating && CLOSE_STATES.includes(rec.state))
    throw failure(403, 'Operation Failed', 'ACL Exception Update Failed due to security constraints');
  const input = body as Record<string, unknown>;
  const changes: Record<string, string> = {};
  for (const f of WRITABLE) {
    const v = input[f];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw failure(400, 'Exception while reading request', `The value of ${f} must be a string.`);
    const value = v === null ? '' : String(v);
    const allowed = CHOICES[f];
    // Only the resolution code may be blanked; state, urgency and impact always hold a choice.
    if (allowed && (value !== '' || f !== 'close_code') && !allowed.includes(value))
      throw failure(
        400,
        'Invalid value',
        `"${value}" is not a valid choice for ${f}: ${allowed.join(', ')}.`,
      );
    changes[f] = value;
  }
  const nextState = changes.state || rec.state;
  if (nextState === STATES.resolved || nextState === STATES.closed) {
    const missing = [
      (changes.close_code ?? raw(rec, 'close_code')) === '' ? 'Resolution code' : undefined,
      (changes.close_notes ?? raw(rec, 'close_notes')) === '' ? 'Resolution notes' : undefined,
    ].filter((m) => m !== undefined);
    if (missing.length > 0)
      throw failure(
        403,
        'Operation Failed',
        `Data Policy Exception: \n\tThe following fields are mandatory: ${missing.join(', ')}\n`,
      );
  }
  const at = snTime(now);
  for (const [f, value] of Object.entries(changes)) {
    if (f === 'work_notes' || f === 'comments') {
      if (value.trim() === '') continue;
      const journal = journalOf(rec);
      journal.push({
        sys_id: stableHex32(state.seed, `journal:${rec.sys_id}:${journal.length}`),
        name: 'incident',
        element: f,
        element_id: rec.sys_id,
        value,
        sys_created_on: at,
        sys_created_by: user,
        seq: state.nextSeq(),
      });
      if (f === 'work_notes') rec.work_notes.push(value);
      continue;
    }
    rec[f] = value;
  }
  const userRef = userSysId(state, user);
  if (changes.state !== undefined && changes.state !== '') {
    if (changes.state === STATES.resolved || changes.state === STATES.closed) {
      if (!rec.resolved_at) Object.assign(rec, { resolved_at: at, resolved_by: userRef });
    } else {
      // Reopened: the resolution stamps no longer apply.
      delete rec.resolved_at;
      delete rec.resolved_by;
    }
    if (changes.state === STATES.closed || changes.state === STATES.canceled)
      Object.assign(rec, { closed_at: at, closed_by: userRef });
  }
  rec.sys_updated_on = at;
  rec.sys_updated_by = user;
  rec.sys_mod_count = String(creating ? 0 : Number(rec.sys_mod_count ?? 0) + 1);
};

const nextNumber = (state: EmulatorState): string => {
  const taken = new Set([...state.incidents.values()].map((i) => i.number));
  let n = 10_001 + state.incidents.size;
  while (taken.has(`INC${String(n).padStart(7, '0')}`)) n += 1;
  return `INC${String(n).padStart(7, '0')}`;
};

const createIncident = (state: EmulatorState, body: unknown, user: string, now: Date): IncidentRec => {
  const number = nextNumber(state);
  const at = snTime(now);
  const rec: IncidentRec = {
    sys_id: stableHex32(state.seed, `incident:${number}`),
    number,
    short_description: '',
    description: '',
    state: STATES.new,
    urgency: '3',
    impact: '3',
    work_notes: [],
    sys_created_on: at,
    sys_updated_on: at,
    seq: state.nextSeq(),
    category: 'inquiry',
    severity: '3',
    sys_class_name: 'incident',
    sys_created_by: user,
    opened_at: at,
    opened_by: userSysId(state, user),
  };
  applyWrite(state, rec, body, user, now, true);
  state.incidents.set(rec.sys_id, rec);
  return rec;
};

const allJournal = (state: EmulatorState): JournalRow[] =>
  [...state.incidents.values()].flatMap((i) => journalOf(i)).sort((a, b) => a.seq - b.seq);

const journalValue = (row: JournalRow, field: string): string =>
  field === 'seq' ? String(row.seq) : String((row as unknown as Record<string, unknown>)[field] ?? '');

export type { JournalRow };
export {
  allJournal,
  applyWrite,
  createIncident,
  INCIDENT_FIELDS,
  JOURNAL_FIELDS,
  journalValue,
  raw as incidentValue,
  renderIncident,
  renderJournal,
};
