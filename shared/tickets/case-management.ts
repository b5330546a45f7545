// IBM Case Management (`CaseManagementV1`): the marker is in the subject and description, so a free-text
// `getCases({search})` over the open statuses finds the profile's cases; the tag block of the description
// and comments (parseTicketTags) says which key and findings each was last written with. Case status
// comes back as a display label (`New`, `In Progress`), while the filter takes keys.
import type CaseManagementV1 from '@ibm-cloud/platform-services/case-management/v1.js';
import type { Severity } from '../policy/profiles.ts';
import { cloudCall, withRetry } from '../runtime/retry.ts';
import { cloudSinkError, createdTicket, mappedLevel } from './common.ts';
import type { TicketText } from './tags.ts';
import { type CaseLike, caseTicket, fitText, fitTitle } from './text.ts';
import type { OpenTicket, SinkTicket, TicketSink, TicketSinkError } from './types.ts';

interface CaseManagementOptions {
  /** The shared client (shared/cloud/clients.ts `cases()`); the sink sets its timeout and retries. */
  client: () => Promise<CaseManagementV1>;
  timeoutMs: number;
}

const OPEN_STATUSES = ['new', 'in_progress', 'waiting_on_client', 'resolution_provided'];
const FIELDS = ['number', 'short_description', 'description', 'created_at', 'status', 'comments'];
const PAGE = 100;
/** IBM's Severity 1 means "production down, IBM engineers now": never opened automatically by default. */
const DEFAULT_SEVERITY = { critical: 2, high: 3, medium: 4, low: 4 } as const satisfies Record<
  Severity,
  number
>;
/** ResolvePayload.resolution_code 6: "Solution no longer required" (the customer fixed it themselves). */
const RESOLUTION_CODE = 6;

const resolvePayload = (comment: string): CaseManagementV1.ResolvePayload => ({
  action: 'resolve',
  comment,
  resolution_code: RESOLUTION_CODE,
});

const configured = new WeakSet<object>();

/**
 * One attempt per write with a hard timeout: a failure answers 5xx and the platform delivers the event
 * again, which is safe because every run searches before it creates. (sdk-core would also retry a timed
 * out POST, and a second case would be the result.)
 */
const prepare = (client: CaseManagementV1, timeoutMs: number): CaseManagementV1 => {
  if (!configured.has(client)) {
    client.disableRetries();
    client.getHttpClient().defaults.timeout = timeoutMs;
    configured.add(client);
  }
  return client;
};

/** The client, prepared on first use. */
type Cases = () => Promise<CaseManagementV1>;

const sinkError = (err: unknown, what: string): TicketSinkError =>
  cloudSinkError('case-management', 'Case Management', err, what);

/** One write: a failure becomes a TicketSinkError saying what was being done. */
const write = async <T>(
  cases: Cases,
  what: string,
  call: (c: CaseManagementV1) => Promise<T>,
): Promise<T> => {
  const c = await cases();
  try {
    return await cloudCall(call(c));
  } catch (err) {
    throw sinkError(err, what);
  }
};

/** The marker's open cases, every page. */
const findCases = async (cases: Cases, marker: string): Promise<SinkTicket[]> => {
  const c = await cases();
  const found: SinkTicket[] = [];
  try {
    for (let offset = 0; ; offset += PAGE) {
      // Reads are safe to repeat: one quick retry for a 429/5xx before giving the event back.
      const res = await withRetry(
        () =>
          cloudCall(
            c.getCases({ search: marker, status: OPEN_STATUSES, fields: FIELDS, offset, limit: PAGE }),
          ),
        { attempts: 2, baseDelayMs: 200, maxRetryAfterMs: 5_000 },
      );
      const page: CaseLike[] = res.result.cases ?? [];
      for (const x of page) {
        const t = caseTicket(x, marker);
        if (t?.status === 'open') found.push(t);
      }
      if (!res.result.next?.href || page.length < PAGE) return found;
    }
  } catch (err) {
    throw sinkError(err, 'search');
  }
};

const openCase = async (cases: Cases, t: OpenTicket): Promise<SinkTicket> => {
  const res = await write(cases, 'create', (c) =>
    c.createCase({
      type: 'account_and_access',
      subject: fitTitle(t.title),
      description: fitText(t.body.text),
      severity: mappedLevel(t.mapped_severity, 4, DEFAULT_SEVERITY[t.severity]),
      resources: t.affected_crns.slice(0, 100).map((crn) => ({ crn })),
    }),
  );
  return createdTicket('case-management', 'case', caseTicket(res.result, t.marker));
};

/** Resolve and close alike: the comment travels with the status change (one call, never commented twice). */
const resolveCase = async (cases: Cases, what: string, ref: SinkTicket, text: TicketText): Promise<void> => {
  await write(cases, what, (c) =>
    c.updateCaseStatus({ caseNumber: ref.id, statusPayload: resolvePayload(fitText(text.text)) }),
  );
};

const createCaseManagementSink = (o: CaseManagementOptions): TicketSink => {
  const cases: Cases = async () => prepare(await o.client(), o.timeoutMs);
  return {
    kind: 'case-management',
    searchable: true,
    find: async (marker) => findCases(cases, marker),
    open: async (t) => openCase(cases, t),
    comment: async (ref, text) => {
      await write(cases, 'comment', (c) => c.addComment({ caseNumber: ref.id, comment: fitText(text.text) }));
    },
    resolve: async (ref, text) => resolveCase(cases, 'resolve', ref, text),
    close: async (ref, _survivor, text) => resolveCase(cases, 'close', ref, text),
  };
};

export type { CaseManagementOptions };
export { createCaseManagementSink, OPEN_STATUSES };
