// IBM Case Management (`CaseManagementV1`): the marker is in the subject and description, so a free-text
// `getCases({search})` over the open statuses finds the profile's cases; the tag block of the description
// and comments (parseTicketTags) says which key and findings each was last written with. Case status
// comes back as a display label (`New`, `In Progress`), while the filter takes keys.
import type CaseManagementV1 from '@ibm-cloud/platform-services/case-management/v1.js';
import { CloudApiError, errorMessage } from '../errors.ts';
import type { Severity } from '../policy/profiles.ts';
import { cloudCall, withRetry } from '../runtime/retry.ts';
import { type CaseLike, caseTicket, fitText, fitTitle } from './text.ts';
import { type SinkTicket, type TicketSink, TicketSinkError } from './types.ts';

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

const severityOf = (mapped: number | string | undefined, severity: Severity): number => {
  const n = Number(mapped);
  return Number.isInteger(n) && n >= 1 && n <= 4 ? n : DEFAULT_SEVERITY[severity];
};

const sinkError = (err: unknown, what: string): TicketSinkError => {
  const e =
    err instanceof CloudApiError ? err : new CloudApiError(errorMessage(err), { status: 0, cause: err });
  return new TicketSinkError(
    'case-management',
    `Case Management ${what}: ${e.status || 'no answer'} ${e.message}`,
    {
      status: e.status,
      retryable: e.retryable,
      cause: err,
    },
  );
};

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

const createCaseManagementSink = (o: CaseManagementOptions): TicketSink => {
  const client = async (): Promise<CaseManagementV1> => prepare(await o.client(), o.timeoutMs);
  const write = async <T>(what: string, call: (c: CaseManagementV1) => Promise<T>): Promise<T> => {
    const c = await client();
    try {
      return await cloudCall(call(c));
    } catch (err) {
      throw sinkError(err, what);
    }
  };

  return {
    kind: 'case-management',
    searchable: true,
    find: async (marker) => {
      const c = await client();
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
          const cases: CaseLike[] = res.result.cases ?? [];
          for (const x of cases) {
            const t = caseTicket(x, marker);
            if (t?.status === 'open') found.push(t);
          }
          if (!res.result.next?.href || cases.length < PAGE) return found;
        }
      } catch (err) {
        throw sinkError(err, 'search');
      }
    },
    open: async (t) => {
      const res = await write('create', (c) =>
        c.createCase({
          type: 'account_and_access',
          subject: fitTitle(t.title),
          description: fitText(t.body.text),
          severity: severityOf(t.mapped_severity, t.severity),
          resources: t.affected_crns.slice(0, 100).map((crn) => ({ crn })),
        }),
      );
      const ticket = caseTicket(res.result, t.marker);
      if (!ticket)
        throw new TicketSinkError(
          'case-management',
          'the created case came back without its number or marker',
          {
            status: 502,
          },
        );
      return ticket;
    },
    comment: async (ref, text) => {
      await write('comment', (c) => c.addComment({ caseNumber: ref.id, comment: fitText(text.text) }));
    },
    // The comment travels with the status change: one call, and a retried resolve cannot comment twice.
    resolve: async (ref, text) => {
      await write('resolve', (c) =>
        c.updateCaseStatus({ caseNumber: ref.id, statusPayload: resolvePayload(fitText(text.text)) }),
      );
    },
    close: async (ref, _survivor, text) => {
      await write('close', (c) =>
        c.updateCaseStatus({ caseNumber: ref.id, statusPayload: resolvePayload(fitText(text.text)) }),
      );
    },
  };
};

export type { CaseManagementOptions };
export { createCaseManagementSink, OPEN_STATUSES };
