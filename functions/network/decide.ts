// Pure: one fresh read of a VPC's network posture × the policy → an assessment. The same function serves
// `scan`, the sweep and bulk runs; the one ticket per VPC is planned from its result.

import type { NetworkExemption } from '#shared/policy/network.ts';
import { ticketKey, ticketMarker } from '#shared/tickets/ids.ts';
import { type Assessment, verdictOf } from '../profile-guard/verdict.ts';
import { decideNetwork } from './rules/index.ts';
import type { NetworkFinding, NetworkPolicy, VpcPosture, VpcRef } from './types.ts';

/** The verdict (functions/profile-guard/verdict.ts) on one VPC, with what finds its ticket again. */
interface NetworkAssessment extends Assessment<NetworkFinding, NetworkExemption> {
  region: string;
  vpc: VpcRef;
  /** From account and VPC only: finds the VPC's ticket again whatever its findings. */
  marker: string;
}

const networkKey = (accountId: string, vpcId: string, findingIds: readonly string[]): string =>
  ticketKey('imds-guard/network-findings/v1', accountId, vpcId, findingIds);

const networkMarker = (accountId: string, vpcId: string): string => ticketMarker('network', accountId, vpcId);

const exemptionMatches = (e: NetworkExemption, p: VpcPosture): boolean =>
  e.id !== undefined
    ? e.id === p.vpc.id
    : e.name === p.vpc.name && (e.region === undefined || e.region === p.region);

const assessNetwork = (posture: VpcPosture, policy: NetworkPolicy, now: Date): NetworkAssessment => {
  const matches = (e: NetworkExemption) => exemptionMatches(e, posture);
  const verdict = verdictOf(decideNetwork(policy, posture), policy.exempt_vpcs, matches, now);
  return {
    account_id: posture.account_id,
    region: posture.region,
    vpc: posture.vpc,
    ...verdict,
    key: networkKey(posture.account_id, posture.vpc.id, verdict.finding_ids),
    marker: networkMarker(posture.account_id, posture.vpc.id),
    assessed_at: now.toISOString(),
  };
};

export type { NetworkAssessment };
export { assessNetwork, networkKey, networkMarker };
