// Reconciling what a killed run left in its change journal: each intent without an outcome (or with an
// `unknown` one) is read again and recorded as what it is now — the change landed (`remediated`), it
// did not (`failed`, and this run decides the resource afresh), or the resource is `gone`. Records
// carry the interrupted run's id as `correlation_id` and `detail.reconciled`.
import type { DecisionRecord, Outcome } from '#shared/audit/decision.ts';
import type { Clients } from '#shared/cloud/clients.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';
import { CloudApiError, errorMessage } from '#shared/errors.ts';
import { type GuardRuntime, recordFor } from '#shared/runtime/records.ts';
import { cloudCall } from '#shared/runtime/retry.ts';
import type { PendingIntent } from './journal.ts';

interface Reconciled {
  intents: number;
  landed: number;
  not_landed: number;
  gone: number;
  /** Could not be read now: their journals are kept for the next run. */
  kept: number;
}

interface Finding {
  outcome: Outcome;
  reason: string;
  after: unknown;
}

type Check = (clients: Clients, intent: PendingIntent, region: string, id: string) => Promise<Finding>;

const matches = (current: Record<string, unknown>, wanted: Record<string, unknown>): boolean =>
  Object.entries(wanted).every(([k, v]) => current[k] === v);

const asRecord = (x: unknown): Record<string, unknown> =>
  typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {};

const notFound = (err: unknown): boolean => err instanceof CloudApiError && err.status === 404;

const checkInstance: Check = async (clients, intent, region, id) => {
  const vpc = await clients.vpc(region);
  try {
    const now: InstanceMetadataService = (await cloudCall(vpc.getInstance({ id }))).result.metadata_service;
    const landed = matches(asRecord(now), asRecord(intent.change));
    return {
      outcome: landed ? 'remediated' : 'failed',
      reason: landed
        ? `reconciled: the PATCH ${JSON.stringify(intent.change)} of interrupted run ${intent.run_id} landed`
        : `reconciled: the PATCH ${JSON.stringify(intent.change)} of interrupted run ${intent.run_id} did not land; the instance is ${JSON.stringify(now)} (this run decides it again)`,
      after: now,
    };
  } catch (err) {
    if (notFound(err))
      return { outcome: 'gone', reason: 'reconciled: the instance no longer exists', after: null };
    throw err;
  }
};

const checkTemplate: Check = async (clients, intent, region) => {
  const vpc = await clients.vpc(region);
  const change = asRecord(intent.change);
  const name = String(asRecord(change.template).name ?? '');
  const groups = Array.isArray(change.instance_groups) ? (change.instance_groups as string[]) : [];
  const copy = (await cloudCall(vpc.listInstanceTemplates())).result.templates.find((t) => t.name === name);
  const repointed: string[] = [];
  for (const g of copy ? groups : []) {
    const group = (await cloudCall(vpc.getInstanceGroup({ id: g }))).result;
    if (group.instance_template.id === copy?.id) repointed.push(g);
  }
  const landed = copy !== undefined && repointed.length === groups.length;
  return {
    outcome: landed ? 'remediated' : 'failed',
    reason: landed
      ? `reconciled: the copy "${name}" of interrupted run ${intent.run_id} exists and ${repointed.length} instance group(s) use it`
      : `reconciled: the replacement of interrupted run ${intent.run_id} did not finish (copy ${copy ? 'exists' : 'missing'}, ${repointed.length} of ${groups.length} groups repointed; this run decides it again)`,
    after: { template: copy ? { id: copy.id, name: copy.name } : null, instance_groups: repointed },
  };
};

const CHECKS = { instance: checkInstance, 'instance-template': checkTemplate } satisfies Record<
  PendingIntent['kind'],
  Check
>;

/** Reads each pending intent's resource and records what it is; returns the counts and the kept ones. */
const reconcileIntents = async (
  rt: GuardRuntime,
  clients: Clients,
  intents: readonly PendingIntent[],
  emit: (record: DecisionRecord) => void,
): Promise<Reconciled & { keptIntents: PendingIntent[] }> => {
  const out = { intents: intents.length, landed: 0, not_landed: 0, gone: 0, kept: 0 };
  const keptIntents: PendingIntent[] = [];
  for (const intent of intents) {
    const crn = parseCrn(intent.target_crn);
    const started = performance.now();
    let found: Finding;
    try {
      if (!crn) throw new Error(`not a CRN: ${intent.target_crn}`);
      found = await CHECKS[intent.kind](clients, intent, intent.region || crn.region, crn.id);
    } catch (err) {
      out.kept += 1;
      keptIntents.push(intent);
      rt.logger.warn('reconcile postponed', { intent_id: intent.intent_id, error: errorMessage(err) });
      continue;
    }
    if (found.outcome === 'remediated') out.landed += 1;
    else if (found.outcome === 'gone') out.gone += 1;
    else out.not_landed += 1;
    emit(
      recordFor(
        rt,
        undefined,
        {
          fn: 'scan',
          target_crn: intent.target_crn,
          outcome: found.outcome,
          reason: found.reason,
          before: intent.before,
          after: found.after,
          correlation_id: intent.run_id,
          dry_run: false,
          api_calls: 1,
          detail: {
            kind: intent.kind,
            region: intent.region,
            reconciled: { intent_id: intent.intent_id, run_id: intent.run_id },
            change: intent.change,
          },
        },
        started,
      ),
    );
  }
  return { ...out, keptIntents };
};

export type { Reconciled };
export { reconcileIntents };
