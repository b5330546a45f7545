// The network guard's I/O for one VPC: a fresh posture (read.ts) × the policy → the assessment, its one
// ticket through the policy's sink (the lifecycle profiles use), and the result a decision record is
// made of. Findings only: nothing here writes to the VPC. `scan`, the sweep and the demo share it.
import type { Outcome } from '#shared/audit/decision.ts';
import { type ActContext, mayActIn } from '#shared/runtime/acting.ts';
import { tryTicketFor } from '../profile-guard/sink.ts';
import { assessNetwork, type NetworkAssessment } from './decide.ts';
import { networkTicketable } from './ticket.ts';
import type { VpcPosture } from './types.ts';

/** What guarding one VPC's network gives, before it becomes a decision record. */
interface NetworkGuarded {
  outcome: Outcome;
  reason: string;
  target_crn: string;
  before: unknown;
  after: unknown;
  detail: Record<string, unknown>;
  level?: 'info';
  retry?: boolean;
}

/** Per finding, what a record reader needs to group and count (the ticket has the rest). */
const findingsDetail = (a: NetworkAssessment) =>
  a.findings.map((f) => ({
    id: f.id,
    rule_id: f.rule_id,
    kind: f.kind,
    severity: f.severity,
    ...(f.kind === 'inbound' ? { exposure: f.exposure } : {}),
  }));

const baseDetail = (ctx: ActContext, a: NetworkAssessment, posture: VpcPosture) => ({
  vpc: { id: a.vpc.id, name: a.vpc.name },
  region: a.region,
  instances: posture.instances.length,
  findings: findingsDetail(a),
  severity: a.severity,
  key: a.key,
  marker: a.marker,
  sink: ctx.rt.policy.profiles.ticket.sink,
  ...(a.exempt ? { exemption: a.exempt } : {}),
  ...(a.expired_exemption ? { expired_exemption: a.expired_exemption } : {}),
});

/** One VPC: assess the posture just read and keep its one ticket current. Sink failures end as failed. */
const guardNetwork = async (ctx: ActContext, posture: VpcPosture): Promise<NetworkGuarded> => {
  const { rt } = ctx;
  const crn = posture.vpc.crn;
  if (!mayActIn(ctx, posture.account_id))
    return {
      outcome: 'refused',
      reason: `VPC ${posture.vpc.name} is in account ${posture.account_id || '(unknown)'}, which the policy does not allow`,
      target_crn: crn,
      before: null,
      after: null,
      detail: { vpc: { id: posture.vpc.id, name: posture.vpc.name }, region: posture.region },
    };
  const a = assessNetwork(posture, rt.policy.network, rt.now());
  const detail = baseDetail(ctx, a, posture);
  const run = await tryTicketFor(ctx, networkTicketable(a), { mapSeverity: true });
  if (run.kind === 'sink-failed')
    return {
      outcome: 'failed',
      reason: run.reason,
      target_crn: crn,
      before: null,
      after: { findings: a.finding_ids },
      detail: { ...detail, ticket: run.ticket },
      ...(run.retry ? { retry: true } : {}),
    };
  const { ticket } = run;
  return {
    outcome: ticket.outcome,
    reason: `VPC ${a.vpc.name}: ${ticket.reason}`,
    ...(ticket.level ? { level: ticket.level } : {}),
    target_crn: crn,
    before: null,
    after: { findings: a.finding_ids, ticket: ticket.ticket.id ?? null },
    detail: { ...detail, ticket: ticket.ticket },
  };
};

export type { NetworkGuarded };
export { guardNetwork };
