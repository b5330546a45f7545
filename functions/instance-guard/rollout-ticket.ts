// Pure: an instance's rollout notice (or change-cap stop) as a ticket subject. One ticket per instance —
// its marker comes from account and instance id only — kept by the lifecycle every subject shares
// (functions/profile-guard/ticket-subject.ts): opened with the notice, commented when it turns into a
// change-cap stop, resolved when the change was made, the instance became exempt, or it was fixed by hand.

import type { InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import { ticketKey as keyOf, ticketMarker } from '#shared/tickets/ids.ts';
import { tagLines as formatTags, type TicketText } from '#shared/tickets/tags.ts';
import {
  duplicateText,
  joinLines,
  md,
  noticeLines,
  plainLead,
  type RenderedTicket,
  resolveText,
  type Ticketable,
  type TriggerEvent,
  triggerLine,
} from '../profile-guard/ticket-subject.ts';

/** What the ticket says about the instance. */
interface RolloutNotice {
  account_id: string;
  instance: { id: string; crn: string; name: string; region: string };
  /** notice: told before a change; cap: changed back too often, left as it is; done: nothing left to say. */
  kind: 'notice' | 'cap' | 'done';
  patch: InstanceMetadataServicePatch;
  /** Sentences from the gate (why, when). */
  reasons: string[];
  /** Why a `done` ticket is resolved. */
  resolution?: 'changed' | 'exempt' | 'compliant';
}

const rolloutMarker = (accountId: string, instanceId: string): string =>
  ticketMarker('rollout', accountId, instanceId);

const findingIds = (n: RolloutNotice): string[] => {
  if (n.kind === 'done') return [];
  const change = n.patch.enabled === false ? 'disable' : 'secure';
  return [n.kind === 'cap' ? 'change-cap' : `notice-${change}`];
};

const RESOLUTIONS = {
  changed: 'the guard made the change announced here',
  exempt: 'the instance is exempt now; the guard leaves it alone',
  compliant: 'the instance already has the wanted settings',
} as const;

const what = (n: RolloutNotice): string =>
  n.kind === 'cap'
    ? `imds-guard stopped changing instance ${n.instance.name}: it was changed back repeatedly`
    : `imds-guard will change the metadata service of instance ${n.instance.name}`;

const HOW =
  'To keep the current setting, add an exemption (the imds-guard:exempt access tag, or an entry in instances.exemptions.list) before then; the guard then leaves the instance alone.';

const body = (n: RolloutNotice, event: TriggerEvent | undefined): TicketText =>
  joinLines(
    noticeLines({
      what: what(n),
      why: { text: n.reasons, markdown: n.reasons.map((r) => `- ${md(r)}`) },
      how: HOW,
      rows: [
        ['Instance', `${n.instance.name} (${n.instance.id})`],
        ['CRN', n.instance.crn],
        ['Region', n.instance.region],
        ['Planned change', JSON.stringify(n.patch)],
        ['Trigger', triggerLine(event)],
      ],
      tags: formatTags(rolloutMarker(n.account_id, n.instance.id), ticketKey(n), findingIds(n)),
    }),
  );

const ticketKey = (n: RolloutNotice): string =>
  keyOf('imds-guard/rollout/v1', n.account_id, n.instance.id, findingIds(n));

const render = (n: RolloutNotice, event?: TriggerEvent): RenderedTicket => ({
  title: `[imds-guard] ${what(n)} (${rolloutMarker(n.account_id, n.instance.id)})`,
  ...body(n, event),
});

const resolved = (n: RolloutNotice, event?: TriggerEvent): TicketText =>
  resolveText(
    plainLead(`imds-guard: ${RESOLUTIONS[n.resolution ?? 'compliant']}. Resolving.`),
    formatTags(rolloutMarker(n.account_id, n.instance.id), ticketKey(n), []),
    event,
  );

const duplicate = (n: RolloutNotice, survivorId: string): TicketText =>
  duplicateText(
    plainLead(
      `imds-guard: duplicate of ticket ${survivorId} about instance ${n.instance.name}. Closing this one.`,
    ),
    rolloutMarker(n.account_id, n.instance.id),
  );

/** The instance as a ticket subject: one ticket per instance, keyed by what it announces. */
const rolloutTicketable = (n: RolloutNotice): Ticketable => ({
  subject: { id: n.instance.id, crn: n.instance.crn, name: n.instance.name, account_id: n.account_id },
  marker: rolloutMarker(n.account_id, n.instance.id),
  key: ticketKey(n),
  finding_ids: findingIds(n),
  severity: n.kind === 'cap' ? 'high' : n.kind === 'notice' ? 'medium' : null,
  compliant: n.kind === 'done',
  affected_crns: [n.instance.crn],
  texts: {
    render: (event) => render(n, event),
    change: (_change, event) => body(n, event),
    resolve: (_reason, event) => resolved(n, event),
    duplicate: (survivorId) => duplicate(n, survivorId),
  },
  words: { clean: 'no rollout notice is pending', noun: 'instance' },
});

export type { RolloutNotice };
export { rolloutMarker, rolloutTicketable };
