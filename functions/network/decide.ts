// Pure: one fresh read of a VPC's network posture × the policy → an assessment. The same function serves
// `scan`, the sweep and bulk runs; the one ticket per VPC is planned from its result.

import { exemptionInForce } from '#shared/policy/match.ts';
import type { NetworkExemption } from '#shared/policy/network.ts';
import type { Severity } from '#shared/policy/profiles.ts';
import { ticketKey, ticketMarker } from '#shared/tickets/ids.ts';
import { decideNetwork } from './rules/index.ts';
import type { NetworkFinding, NetworkPolicy, VpcPosture, VpcRef } from './types.ts';

interface NetworkAssessment {
  account_id: string;
  region: string;
  vpc: VpcRef;
  /** Most severe first, then by id. */
  findings: NetworkFinding[];
  severity: Severity | null;
  compliant: boolean;
  exempt?: NetworkExemption;
  expired_exemption?: NetworkExemption;
  /** Sorted finding ids: what the key is made of. */
  finding_ids: string[];
  /** Changes exactly when the findings (by id) change: one open ticket per key. */
  key: string;
  /** From account and VPC only: finds the VPC's ticket again whatever its findings. */
  marker: string;
  assessed_at: string;
}

const networkKey = (accountId: string, vpcId: string, findingIds: readonly string[]): string =>
  ticketKey('imds-guard/network-findings/v1', accountId, vpcId, findingIds);

const networkMarker = (accountId: string, vpcId: string): string => ticketMarker('network', accountId, vpcId);

const exemptionMatches = (e: NetworkExemption, p: VpcPosture): boolean =>
  e.id !== undefined
    ? e.id === p.vpc.id
    : e.name === p.vpc.name && (e.region === undefined || e.region === p.region);

const assessNetwork = (posture: VpcPosture, policy: NetworkPolicy, now: Date): NetworkAssessment => {
  const findings = decideNetwork(policy, posture);
  const findingIds = findings.map((f) => f.id).sort();
  const { active, expired } = exemptionInForce(policy.exempt_vpcs, (e) => exemptionMatches(e, posture), now);
  return {
    account_id: posture.account_id,
    region: posture.region,
    vpc: posture.vpc,
    findings,
    severity: findings[0]?.severity ?? null,
    compliant: findings.length === 0,
    ...(active ? { exempt: active } : {}),
    ...(expired ? { expired_exemption: expired } : {}),
    finding_ids: findingIds,
    key: networkKey(posture.account_id, posture.vpc.id, findingIds),
    marker: networkMarker(posture.account_id, posture.vpc.id),
    assessed_at: now.toISOString(),
  };
};

export type { NetworkAssessment };
export { assessNetwork, networkKey, networkMarker };
