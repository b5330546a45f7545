// The ticket sink contract: profile-guard keeps exactly one ticket per trusted profile (the marker), and
// every sink can find, open, comment on, resolve and close tickets — or, when it cannot be searched
// (webhook, log), send notifications that carry the key and marker so the receiver can dedupe.
import { crossCopy } from '../errors.ts';
import type { Severity, TicketSinkKind } from '../policy/profiles.ts';
import type { TicketClaims } from './claim.ts';
import type { TicketRef, TicketText } from './tags.ts';

/** A ticket as a sink found or made it: the plan's view plus what the sink needs to address it. */
interface SinkTicket extends TicketRef {
  /** The sink's own handle when it is not the display id (ServiceNow `sys_id`). */
  handle?: string;
}

/** The profile a ticket is about (from the assessment). */
interface TicketSubject {
  id: string;
  crn: string;
  name: string;
  account_id: string;
}

interface OpenTicket {
  marker: string;
  key: string;
  title: string;
  body: TicketText;
  severity: Severity;
  /** The sink-specific severity from `profiles.ticket.severity_map`, when the policy sets one. */
  mapped_severity?: number | string;
  subject: TicketSubject;
  finding_ids: string[];
  /** CRNs the findings name (profile first): Case Management attaches them as resources. */
  affected_crns: string[];
}

/** What a comment, resolve or close is about: the key and marker every text also carries. */
interface TicketUpdate {
  marker: string;
  key: string;
  subject: TicketSubject;
  finding_ids: string[];
}

type ResolveReason = 'compliant' | 'exempt';

interface TicketSink {
  kind: TicketSinkKind;
  /**
   * false: the sink keeps no state we can read back (webhook, log). `find` returns nothing, every
   * assessment with findings is sent as an `open` notification and every clean one as `resolve`; the
   * receiver dedupes on the key (same findings) and marker (same profile).
   */
  searchable: boolean;
  /** Open tickets carrying this marker (exactly: near matches of a fuzzy search are dropped). */
  find(marker: string): Promise<SinkTicket[]>;
  open(ticket: OpenTicket): Promise<SinkTicket>;
  comment(ref: SinkTicket, text: TicketText, update: TicketUpdate): Promise<void>;
  /** The profile is fixed (or exempt): say why in `text`, then resolve. */
  resolve(ref: SinkTicket, text: TicketText, update: TicketUpdate & { reason: ResolveReason }): Promise<void>;
  /** A duplicate from a race: close it, pointing at the survivor. */
  close(ref: SinkTicket, survivor: SinkTicket, text: TicketText): Promise<void>;
  /** Write-once claims before opening (a trail bucket is configured): one run of a burst opens. */
  claims?: TicketClaims;
}

/**
 * A sink failed. `retryable` (network error, timeout, 429, 5xx): the function answers 5xx so the
 * platform delivers the event again. Otherwise (4xx, missing configuration) the decision is `failed`.
 */
class TicketSinkError extends Error {
  override name = 'TicketSinkError';
  readonly sink: TicketSinkKind;
  /** HTTP status, 0 when there was no response. */
  readonly status: number;
  readonly retryable: boolean;
  constructor(
    sink: TicketSinkKind,
    message: string,
    details: { status: number; retryable?: boolean; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.sink = sink;
    this.status = details.status;
    this.retryable =
      details.retryable ?? (details.status === 0 || details.status === 429 || details.status >= 500);
  }
}

crossCopy(TicketSinkError, 'TicketSinkError');

export type { OpenTicket, ResolveReason, SinkTicket, TicketSink, TicketSubject, TicketUpdate };
export { TicketSinkError };
