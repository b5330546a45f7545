// Pure: a VPC's network findings as a ticket subject — what its ticket and comments say. The one ticket
// per VPC (opened, kept current, resolved, duplicates closed) is the lifecycle every subject shares
// (functions/profile-guard/ticket-subject.ts); only the texts are the network's own.
import { tagLines as formatTags, TAG_MARKER, type TicketText } from '#shared/tickets/tags.ts';
import {
  code,
  type FindingsChange,
  md,
  type RenderedTicket,
  type Ticketable,
  type TriggerEvent,
  tagBlockMarkdown,
  tagBlockText,
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

const findingText = (f: NetworkFinding, n: number): string[] => {
  const rule = NETWORK_RULES[f.rule_id];
  return [
    `${n}. [${f.severity.toUpperCase()}] ${rule.title} (${f.rule_id})`,
    `   ${f.summary}`,
    `   Why it matters: ${rule.explanation}`,
    `   Fix: ${rule.fix}`,
    `   IBM guidance: "${rule.advice}"`,
    ...evidenceOf(f).map(([label, value]) => `   Evidence, ${label}: ${value}`),
    `   Affected: ${f.affected_crns.join(', ')}`,
    `   Finding id: ${f.id}`,
  ];
};

const findingMarkdown = (f: NetworkFinding, n: number): string[] => {
  const rule = NETWORK_RULES[f.rule_id];
  return [
    `### ${n}. ${f.severity.toUpperCase()}: ${md(rule.title)} (${code(f.rule_id)})`,
    '',
    md(f.summary),
    '',
    `- **Why it matters:** ${md(rule.explanation)}`,
    `- **Fix:** ${md(rule.fix)}`,
    `- **IBM guidance:** \u201c${md(rule.advice)}\u201d`,
    ...evidenceOf(f).map(([label, value]) => `- **Evidence, ${label}:** ${code(value)}`),
    `- **Affected:** ${f.affected_crns.map(code).join(', ')}`,
    `- **Finding id:** ${code(f.id)}`,
    '',
  ];
};

const findingsText = (a: NetworkAssessment): string[] =>
  a.findings.length === 0 ? ['(none)'] : a.findings.flatMap((f, i) => [...findingText(f, i + 1), '']);

const findingsMarkdown = (a: NetworkAssessment): string[] =>
  a.findings.length === 0 ? ['(none)', ''] : a.findings.flatMap((f, i) => findingMarkdown(f, i + 1));

const tagLines = (a: NetworkAssessment, withFindings = true): string[] =>
  formatTags(a.marker, a.key, withFindings ? a.finding_ids : []);

const exemptionLine = (a: NetworkAssessment): string | undefined => {
  const e = a.exempt ?? a.expired_exemption;
  if (!e) return undefined;
  return a.exempt
    ? `Exempt until ${e.expires} (approved by ${e.approver}, ticket ${e.ticket}).`
    : `An exemption (approved by ${e.approver}, ticket ${e.ticket}) expired at ${e.expires} and no longer applies.`;
};

const affectedCrns = (a: NetworkAssessment): string[] => [
  ...new Set([a.vpc.crn, ...a.findings.flatMap((f) => f.affected_crns)]),
];

/** `[imds-guard] Network posture of VPC <name> (<marker>)`: searchable by marker in any sink. */
const networkTicketTitle = (a: NetworkAssessment): string =>
  `[imds-guard] Network posture of VPC ${a.vpc.name} needs attention (${a.marker})`;

const INTRO =
  'IBM advises, beside the metadata service settings, flow logs for every VPC, no inbound access from the whole internet, and private paths (VPE, VPN) to IBM services. imds-guard reports these and never changes the network itself.';

const renderNetworkTicket = (a: NetworkAssessment, event?: TriggerEvent): RenderedTicket => {
  const exemption = exemptionLine(a);
  const head: [string, string][] = [
    ['VPC', `${a.vpc.name} (${a.vpc.id})`],
    ['CRN', a.vpc.crn],
    ['Region', a.region],
    ['Account', a.account_id],
    ['Severity', a.severity ?? 'none'],
    ['Assessed at', a.assessed_at],
    ['Trigger', triggerLine(event)],
  ];
  const text = [
    `imds-guard found network posture findings in VPC ${a.vpc.name}, which holds guarded instances.`,
    INTRO,
    '',
    ...head.map(([k, v]) => `${k}: ${v}`),
    ...(exemption ? [exemption] : []),
    '',
    `Findings (${a.findings.length}):`,
    '',
    ...findingsText(a),
    'Affected resources:',
    ...affectedCrns(a).map((c) => `- ${c}`),
    '',
    ...tagBlockText(tagLines(a)),
  ].join('\n');
  const markdown = [
    `## Network posture of VPC ${md(a.vpc.name)} needs attention`,
    '',
    `imds-guard found network posture findings in VPC **${md(a.vpc.name)}**, which holds guarded instances. ${md(INTRO)}`,
    '',
    ...head.map(([k, v]) => `- **${k}:** ${k === 'Trigger' ? md(v) : code(v)}`),
    ...(exemption ? [`- **Exemption:** ${md(exemption)}`] : []),
    '',
    `## Findings (${a.findings.length})`,
    '',
    ...findingsMarkdown(a),
    '## Affected resources',
    '',
    ...affectedCrns(a).map((c) => `- ${code(c)}`),
    '',
    ...tagBlockMarkdown(tagLines(a)),
  ].join('\n');
  return { title: networkTicketTitle(a), text, markdown };
};

const listOf = (ids: readonly string[], wrap: (s: string) => string = (s) => s): string =>
  ids.length > 0 ? ids.map(wrap).join(', ') : '(none)';

const changeComment = (a: NetworkAssessment, change: FindingsChange, event?: TriggerEvent): TicketText => {
  const addedLabel = change.known ? 'Added' : 'Current (the previous findings could not be read)';
  const head = `the network findings for VPC ${a.vpc.name} changed (severity now ${a.severity ?? 'none'}).`;
  const text = [
    `imds-guard: ${head}`,
    `Trigger: ${triggerLine(event)}`,
    `${addedLabel}: ${listOf(change.added)}`,
    ...(change.known ? [`Removed: ${listOf(change.removed)}`] : []),
    '',
    `Current findings (${a.findings.length}):`,
    '',
    ...findingsText(a),
    ...tagBlockText(tagLines(a)),
  ].join('\n');
  const markdown = [
    `**imds-guard:** ${md(head)}`,
    '',
    `- **Trigger:** ${md(triggerLine(event))}`,
    `- **${addedLabel}:** ${listOf(change.added, code)}`,
    ...(change.known ? [`- **Removed:** ${listOf(change.removed, code)}`] : []),
    '',
    `### Current findings (${a.findings.length})`,
    '',
    ...findingsMarkdown(a),
    ...tagBlockMarkdown(tagLines(a)),
  ].join('\n');
  return { text, markdown };
};

const resolveComment = (
  a: NetworkAssessment,
  reason: 'compliant' | 'exempt',
  event?: TriggerEvent,
): TicketText => {
  const why =
    reason === 'compliant'
      ? `VPC ${a.vpc.name} has no network finding any more.`
      : `VPC ${a.vpc.name} is exempt. ${exemptionLine(a) ?? ''}`;
  const lines = (block: string[], t: string) => [t, '', ...block];
  return {
    text: lines(
      tagBlockText(tagLines(a)),
      `imds-guard: ${why} Resolving.\nTrigger: ${triggerLine(event)}`,
    ).join('\n'),
    markdown: lines(
      tagBlockMarkdown(tagLines(a)),
      `**imds-guard:** ${md(why)} Resolving.\n\n- **Trigger:** ${md(triggerLine(event))}`,
    ).join('\n'),
  };
};

const duplicateComment = (a: NetworkAssessment, survivorId: string): TicketText => {
  const why = `duplicate of ticket ${survivorId}, which tracks the network posture of VPC ${a.vpc.name} (${a.marker}). Closing this one; follow ${survivorId}.`;
  const tag = [`${TAG_MARKER}: ${a.marker}`];
  return {
    text: [`imds-guard: ${why}`, '', ...tagBlockText(tag)].join('\n'),
    markdown: [`**imds-guard:** ${md(why)}`, '', ...tagBlockMarkdown(tag)].join('\n'),
  };
};

/** The VPC as a ticket subject: one ticket per VPC, keyed by its finding set. */
const networkTicketable = (a: NetworkAssessment): Ticketable => ({
  subject: { id: a.vpc.id, crn: a.vpc.crn, name: a.vpc.name, account_id: a.account_id },
  marker: a.marker,
  key: a.key,
  finding_ids: a.finding_ids,
  severity: a.severity,
  compliant: a.compliant,
  ...(a.exempt ? { exempt: a.exempt } : {}),
  affected_crns: affectedCrns(a),
  texts: {
    render: (event) => renderNetworkTicket(a, event),
    change: (change, event) => changeComment(a, change, event),
    resolve: (reason, event) => resolveComment(a, reason, event),
    duplicate: (survivorId) => duplicateComment(a, survivorId),
  },
  words: { clean: 'no network rule fires', noun: 'VPC' },
});

export { networkTicketable, networkTicketTitle, renderNetworkTicket };
