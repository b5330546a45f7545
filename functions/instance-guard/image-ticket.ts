// `instances.on_image_requires_metadata: ticket` (issue 9, defect 6): when an instance (or a template's
// copy) cannot have its metadata service disabled because its image's allowed use requires it, nothing is
// sent and a person is asked to decide — secure access, an exemption, or another image — through the
// profiles' ticket sink. One ticket per resource (its marker comes from account and resource id), kept by
// the lifecycle every subject shares: a later sweep finds it open and opens no other.

import type { Outcome } from '#shared/audit/decision.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import type { ActContext } from '#shared/runtime/acting.ts';
import { ticketKey, ticketMarker } from '#shared/tickets/ids.ts';
import { tagLines as formatTags } from '#shared/tickets/tags.ts';
import { tryTicketFor } from '../profile-guard/sink.ts';
import {
  duplicateText,
  joinLines,
  md,
  noticeLines,
  plainLead,
  resolveText,
  type Ticketable,
  type TriggerEvent,
  triggerLine,
} from '../profile-guard/ticket-subject.ts';
import type { GateRefusal } from './image-gate.ts';

/** The resource the gate stopped. */
interface Stopped {
  crn: string;
  id: string;
  name: string;
  region: string;
  kind: 'instance' | 'instance-template';
}

const FINDING = 'image-requires-metadata';

const accountOf = (ctx: ActContext, s: Stopped): string =>
  parseCrn(s.crn)?.account ?? ctx.self.account?.bss ?? '';
const markerOf = (account: string, s: Stopped): string => ticketMarker('image', account, s.id);
const keyOf = (account: string, s: Stopped): string =>
  ticketKey('imds-guard/image/v1', account, s.id, [FINDING]);

const HOW =
  'Choose one: give it secure access (a rule with mode secure that matches it), exempt it (the imds-guard:exempt access tag, or an entry in instances.exemptions.list), or move it to an image that does not require the metadata service.';

/** The ticket for one stopped resource: its texts carry the marker and key sinks find it by. */
const imageTicketable = (account: string, s: Stopped, reason: string): Ticketable => {
  const noun = s.kind === 'instance' ? 'instance' : 'instance template';
  const what = `imds-guard cannot disable the metadata service of ${noun} ${s.name}: its image requires it`;
  const marker = markerOf(account, s);
  const key = keyOf(account, s);
  const body = (event?: TriggerEvent) =>
    joinLines(
      noticeLines({
        what,
        why: { text: [reason], markdown: [md(reason)] },
        how: HOW,
        rows: [
          [noun === 'instance' ? 'Instance' : 'Template', `${s.name} (${s.id})`],
          ['CRN', s.crn],
          ['Region', s.region],
          ['Trigger', triggerLine(event)],
        ],
        tags: formatTags(marker, key, [FINDING]),
      }),
    );
  return {
    subject: { id: s.id, crn: s.crn, name: s.name, account_id: account },
    marker,
    key,
    finding_ids: [FINDING],
    severity: 'medium',
    compliant: false,
    affected_crns: [s.crn],
    texts: {
      render: (event) => ({ title: `[imds-guard] ${what} (${marker})`, ...body(event) }),
      change: (_change, event) => body(event),
      resolve: (why, event) =>
        resolveText(
          plainLead(
            `imds-guard: the ${noun} ${why === 'exempt' ? 'is exempt now' : 'has the wanted settings'}. Resolving.`,
          ),
          formatTags(marker, key, []),
          event,
        ),
      duplicate: (survivorId) =>
        duplicateText(
          plainLead(
            `imds-guard: duplicate of ticket ${survivorId} about ${noun} ${s.name}. Closing this one.`,
          ),
          marker,
        ),
    },
    words: { clean: 'its image no longer stops the change', noun },
  };
};

/** What the guard records for a resource the image gate stopped. */
interface StoppedResult {
  outcome: Outcome;
  reason: string;
  before: unknown;
  after: unknown;
  detail: Record<string, unknown>;
  retry?: boolean;
}

/**
 * A change the image gate stopped: `failed` (nothing sent), or under `ticket` the resource's one ticket
 * (opened, or found open and left as it is). A sink that fails leaves it `failed`; a retryable failure
 * gives the event back.
 */
const settleStopped = async (
  ctx: ActContext,
  s: Stopped,
  blocked: GateRefusal,
  before: unknown,
  event?: TriggerEvent,
): Promise<StoppedResult> => {
  const failed = { ...blocked, before, after: before };
  if (!blocked.ticket) return failed;
  const run = await tryTicketFor(ctx, imageTicketable(accountOf(ctx, s), s, blocked.reason), {
    ...(event ? { event } : {}),
  });
  if (run.kind === 'sink-failed')
    return { ...failed, reason: `${blocked.reason}; ${run.reason}`, ...(run.retry ? { retry: true } : {}) };
  const t = run.ticket;
  return {
    outcome: t.outcome,
    reason: `${blocked.reason}; ${t.reason}`,
    before,
    after: before,
    detail: { ...blocked.detail, ticket: t.ticket },
  };
};

export type { Stopped };
export { imageTicketable, settleStopped };
