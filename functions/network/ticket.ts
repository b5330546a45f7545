// Pure: a VPC's network findings as a ticket subject — what its ticket and comments say. The one ticket
// per VPC (opened, kept current, resolved, duplicates closed) is the lifecycle every subject shares
// (functions/profile-guard/ticket-subject.ts); only the texts are the network's own.
import { exemptionLine, findingsTicketable } from '../profile-guard/findings-ticket.ts';
import {
  guardSays,
  md,
  type RenderedTicket,
  rowLines,
  type Ticketable,
  type TriggerEvent,
  triggerLine,
} from '../profile-guard/ticket-subject.ts';
import type { NetworkAssessment } from './decide.ts';
import { NETWORK_RULES } from './rules/index.ts';
import type { NetworkFinding } from './types.ts';

const names = (list: readonly { name: string }[]): string =>
  list.length > 0 ? list.map((x) => x.name).join(', ') : '(none)';

/** The evidence of a finding by its kind: label → value. */
const EVIDENCE = {
  'flow-logs': (f) => [
    [
      'collectors',
      f.collectors.length > 0
        ? f.collectors
            .map((c) => `${c.name} (${c.active ? 'active' : 'inactive'}, target ${c.target})`)
            .join(', ')
        : '(none)',
    ],
    ['not covered', names(f.uncovered)],
  ],
  inbound: (f) => [
    [
      f.resource.type === 'security_group' ? 'security group' : 'network ACL',
      `${f.resource.name} (${f.resource.id})`,
    ],
    ['exposure', f.exposure],
    ['open from 0.0.0.0/0', f.ports.join(', ')],
    ['rules', names(f.rules)],
  ],
  'private-path': (f) => [
    ...(f.service ? ([['IBM service', f.service]] as [string, string][]) : []),
    ['endpoint gateways', f.endpoint_gateways.map((g) => `${g.name} → ${g.service}`).join(', ') || '(none)'],
    ['VPN gateways', names(f.vpn_gateways)],
  ],
} satisfies {
  [K in NetworkFinding['kind']]: (f: Extract<NetworkFinding, { kind: K }>) => [string, string][];
};

const evidenceOf = (f: NetworkFinding): [string, string][] => {
  switch (f.kind) {
    case 'flow-logs':
      return EVIDENCE['flow-logs'](f);
    case 'inbound':
      return EVIDENCE.inbound(f);
    case 'private-path':
      return EVIDENCE['private-path'](f);
  }
};

const affectedCrns = (a: NetworkAssessment): string[] => [
  ...new Set([a.vpc.crn, ...a.findings.flatMap((f) => f.affected_crns)]),
];

/** `[imds-guard] Network posture of VPC <name> (<marker>)`: searchable by marker in any sink. */
const networkTicketTitle = (a: NetworkAssessment): string =>
  `[imds-guard] Network posture of VPC ${a.vpc.name} needs attention (${a.marker})`;

const INTRO =
  'IBM advises, beside the metadata service settings, flow logs for every VPC, no inbound access from the whole internet, and private paths (VPE, VPN) to IBM services. imds-guard reports these and never changes the network itself.';

/** The VPC as a ticket subject: one ticket per VPC, keyed by its finding set. */
const networkTicketable = (a: NetworkAssessment): Ticketable =>
  findingsTicketable(
    { ...a, subject: { id: a.vpc.id, crn: a.vpc.crn, name: a.vpc.name, account_id: a.account_id } },
    {
      rule: (f) => NETWORK_RULES[f.rule_id],
      evidence: evidenceOf,
      title: networkTicketTitle(a),
      intro: {
        text: [
          `imds-guard found network posture findings in VPC ${a.vpc.name}, which holds guarded instances.`,
          INTRO,
        ],
        markdown: [
          `## Network posture of VPC ${md(a.vpc.name)} needs attention`,
          '',
          `imds-guard found network posture findings in VPC **${md(a.vpc.name)}**, which holds guarded instances. ${md(INTRO)}`,
        ],
      },
      head: (event) =>
        rowLines([
          ['VPC', `${a.vpc.name} (${a.vpc.id})`],
          ['CRN', a.vpc.crn],
          ['Region', a.region],
          ['Account', a.account_id],
          ['Severity', a.severity ?? 'none'],
          ['Assessed at', a.assessed_at],
          ['Trigger', triggerLine(event)],
        ]),
      affected: affectedCrns(a),
      changed: guardSays(
        `the network findings for VPC ${a.vpc.name} changed (severity now ${a.severity ?? 'none'}).`,
      ),
      resolved: (reason) =>
        reason === 'compliant'
          ? `VPC ${a.vpc.name} has no network finding any more.`
          : `VPC ${a.vpc.name} is exempt. ${exemptionLine(a) ?? ''}`,
      tracks: `the network posture of VPC ${a.vpc.name} (${a.marker})`,
      lifecycle: { clean: 'no network rule fires', noun: 'VPC' },
    },
  );

const renderNetworkTicket = (a: NetworkAssessment, event?: TriggerEvent): RenderedTicket =>
  networkTicketable(a).texts.render(event);

export { networkTicketable, networkTicketTitle, renderNetworkTicket };
