// The network rule registry: one entry per rule id the policy knows (shared/policy/network.ts), and the
// pure decision over one VPC's posture. Findings only: nothing here (or anywhere) changes the network.
import { NETWORK_RULE_IDS, type NetworkRuleId } from '#shared/policy/network.ts';
import { compareFindings } from '../../profile-guard/rules/order.ts';
import type { NetworkFinding, NetworkPolicy, NetworkRule, VpcPosture } from '../types.ts';
import { flowLogRules } from './flow-logs.ts';
import { inboundRules } from './inbound.ts';
import { privatePathRules } from './private-paths.ts';

const NETWORK_RULES = {
  ...flowLogRules,
  ...inboundRules,
  ...privatePathRules,
} satisfies Record<NetworkRuleId, NetworkRule>;

/** Every rule of every enabled check, with the policy's severities; empty when the section is off. */
const decideNetwork = (policy: NetworkPolicy, posture: VpcPosture): NetworkFinding[] => {
  if (!policy.enabled) return [];
  const findings = NETWORK_RULE_IDS.flatMap((id) => {
    const rule = NETWORK_RULES[id];
    if (!policy.checks.includes(rule.check)) return [];
    const severity = policy.severities[id] ?? rule.severity;
    return rule.evaluate(posture, policy).map((f): NetworkFinding => ({ ...f, severity }));
  });
  // Most severe first, then by id: the one order profiles' findings take too.
  return findings.sort(compareFindings);
};

export { compareFindings, decideNetwork, NETWORK_RULES };
