// Flow logs: IBM's guidance is a collector on the VPC. A collector counts only while it collects
// (active, and stable or updating); one on a subnet, instance or interface covers just that.
import type { FlowLogCollector } from '#shared/cloud/vpc-network.ts';
import type { FlowLogFinding, NetworkRule, PostureInstance, VpcPosture } from '../types.ts';
import { NETWORK_ADVICE } from './advice.ts';

type Collector = VpcPosture['flow_log_collectors'][number];

const COLLECTING_STATES = new Set(['stable', 'updating']);

const collecting = (c: Collector): boolean => c.active && COLLECTING_STATES.has(c.lifecycle_state);

/** IBM's instance target has no `resource_type` (vpc-node-sdk FlowLogCollectorTargetInstanceReference). */
const targetKind = (t: FlowLogCollector['target']): string =>
  t.resource_type ?? (t.crn?.includes('::instance:') ? 'instance' : 'unknown');

const covers = (c: Collector, vpcId: string, i: PostureInstance): boolean => {
  const t = c.target;
  if (targetKind(t) === 'vpc') return t.id === vpcId;
  return t.id === i.id || i.nic_ids.includes(t.id) || i.subnet_ids.includes(t.id);
};

const uncoveredOf = (p: VpcPosture): PostureInstance[] => {
  const active = p.flow_log_collectors.filter(collecting);
  return p.instances.filter((i) => !active.some((c) => covers(c, p.vpc.id, i)));
};

const collectorsOf = (p: VpcPosture): FlowLogFinding['collectors'] =>
  p.flow_log_collectors.map((c) => ({
    id: c.id,
    name: c.name,
    active: c.active,
    lifecycle_state: c.lifecycle_state,
    target: `${targetKind(c.target)} ${c.target.name ?? c.target.id}`,
  }));

const finding = (
  p: VpcPosture,
  rule: FlowLogFinding['rule_id'],
  severity: FlowLogFinding['severity'],
  summary: string,
  uncovered: PostureInstance[],
): FlowLogFinding => ({
  kind: 'flow-logs',
  id: `${rule}:${p.vpc.id}`,
  rule_id: rule,
  severity,
  summary,
  region: p.region,
  vpc: p.vpc,
  collectors: collectorsOf(p),
  uncovered: uncovered.map((i) => ({ crn: i.crn, name: i.name })),
  affected_crns: [p.vpc.crn, ...uncovered.map((i) => i.crn)],
});

const notCollecting = (p: VpcPosture): string => {
  const idle = p.flow_log_collectors.filter((c) => !collecting(c));
  if (p.flow_log_collectors.length === 0) return 'it has no flow log collector';
  return `its ${idle.length} collector(s) (${idle.map((c) => `${c.name}: ${c.active ? c.lifecycle_state : 'not active'}`).join(', ')}) collect nothing for them`;
};

const flowLogRules = {
  'flow-logs-missing': {
    id: 'flow-logs-missing',
    check: 'flow-logs',
    severity: 'medium',
    title: 'No flow logs for the VPC',
    explanation:
      'Without flow logs there is no record of who talked to the instances: a compromise through the network, or a token taken from the metadata service and used from elsewhere, leaves no network trace to investigate.',
    advice: NETWORK_ADVICE.flowLogs,
    fix: 'Create a flow log collector with the VPC as its target (active: true) writing to a Cloud Object Storage bucket; grant the flow logs service Writer on the bucket.',
    evaluate: (p) => {
      const uncovered = uncoveredOf(p);
      if (uncovered.length === 0 || uncovered.length < p.instances.length) return [];
      return [
        finding(
          p,
          'flow-logs-missing',
          'medium',
          `VPC ${p.vpc.name}: none of its ${p.instances.length} guarded instance(s) is covered by flow logs; ${notCollecting(p)}.`,
          uncovered,
        ),
      ];
    },
  },
  'flow-logs-partial': {
    id: 'flow-logs-partial',
    check: 'flow-logs',
    severity: 'low',
    title: 'Flow logs cover only part of the VPC',
    explanation:
      'Collectors on single subnets or instances leave the rest of the VPC unrecorded; the instances outside them are the ones an investigation will miss.',
    advice: NETWORK_ADVICE.flowLogs,
    fix: 'Target the collector at the VPC instead of single subnets or instances, or add collectors for the uncovered ones.',
    evaluate: (p) => {
      const uncovered = uncoveredOf(p);
      if (uncovered.length === 0 || uncovered.length === p.instances.length) return [];
      return [
        finding(
          p,
          'flow-logs-partial',
          'low',
          `VPC ${p.vpc.name}: ${uncovered.length} of ${p.instances.length} guarded instance(s) are not covered by any collecting flow log collector (${uncovered.map((i) => i.name).join(', ')}).`,
          uncovered,
        ),
      ];
    },
  },
} satisfies Record<FlowLogFinding['rule_id'], NetworkRule>;

export { flowLogRules, targetKind };
