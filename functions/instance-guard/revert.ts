// Undo a remediation from its decision record, for the day a change breaks a workload: put the
// instance's `before` metadata settings back (or point instance groups back at the original
// template). Refuses when the resource changed since the record, unless forced. Dry-run aware.
import { type DecisionRecord, decisionRecord, type Outcome } from '#shared/audit/decision.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';
import { CloudApiError, errorMessage } from '#shared/errors.ts';
import type { ActContext } from '#shared/runtime/acting.ts';
import { countCalls } from '#shared/runtime/call-counter.ts';
import type { GuardRuntime } from '#shared/runtime/guard.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { instanceContext, parseVpcCrn } from './act.ts';

interface RevertOptions {
  dryRun: boolean;
  /** Revert even if the resource changed since the record was written. */
  force: boolean;
  /** Attach this access tag first, so the guard does not undo the revert on the next event. */
  exemptTag?: string;
}

type MetadataState = InstanceMetadataService;

const isMetadata = (x: unknown): x is MetadataState =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as MetadataState).enabled === 'boolean' &&
  typeof (x as MetadataState).protocol === 'string' &&
  typeof (x as MetadataState).response_hop_limit === 'number';

/** Only the fields that differ, so the PATCH is minimal (same rule as remediation). */
const diff = (from: MetadataState, to: MetadataState): Partial<MetadataState> => {
  const out: Partial<MetadataState> = {};
  if (from.enabled !== to.enabled) out.enabled = to.enabled;
  if (to.enabled || from.enabled) {
    if (from.protocol !== to.protocol) out.protocol = to.protocol;
    if (from.response_hop_limit !== to.response_hop_limit) out.response_hop_limit = to.response_hop_limit;
  }
  return out;
};

interface Reverted {
  outcome: Outcome;
  reason: string;
  before: unknown;
  after: unknown;
}

const revertInstance = async (
  ctx: ActContext,
  record: DecisionRecord,
  o: RevertOptions,
): Promise<Reverted> => {
  const ref = record.target_crn ? parseVpcCrn(record.target_crn) : undefined;
  if (ref?.type !== 'instance')
    return {
      outcome: 'refused',
      reason: 'the record does not name a VPC instance',
      before: null,
      after: null,
    };
  if (!isMetadata(record.before) || !isMetadata(record.after)) {
    return {
      outcome: 'refused',
      reason: 'the record has no before/after metadata settings to restore',
      before: null,
      after: null,
    };
  }
  const wanted = record.before;
  const vpc = await ctx.clients.vpc(ref.region);
  let res: Awaited<ReturnType<typeof vpc.getInstance>>;
  try {
    res = await cloudCall(vpc.getInstance({ id: ref.id }));
  } catch (err) {
    if (err instanceof CloudApiError && err.status === 404)
      return { outcome: 'gone', reason: 'the instance no longer exists', before: null, after: null };
    throw err;
  }
  const now = res.result.metadata_service;
  const patch = diff(now, wanted);
  if (Object.keys(patch).length === 0)
    return { outcome: 'compliant', reason: 'already in the recorded before state', before: now, after: now };
  if (Object.keys(diff(now, record.after)).length > 0 && !o.force) {
    return {
      outcome: 'refused',
      reason: `the instance changed since the record (now ${JSON.stringify(now)}, recorded after ${JSON.stringify(record.after)}); use --force to restore anyway`,
      before: now,
      after: now,
    };
  }
  if (o.dryRun)
    return {
      outcome: 'planned',
      reason: `would PATCH ${JSON.stringify(patch)}`,
      before: now,
      after: { ...now, ...patch },
    };
  if (o.exemptTag) {
    const tagging = await ctx.clients.tagging();
    await cloudCall(
      tagging.attachTag({
        resources: [{ resource_id: res.result.crn }],
        tagNames: [o.exemptTag],
        tagType: 'access',
      }),
    );
  }
  const etag = res.headers.etag;
  const patched = await withRetry(
    () =>
      cloudCall(
        vpc.updateInstance({ id: ref.id, metadataService: patch, ...(etag ? { ifMatch: etag } : {}) }),
      ),
    { attempts: 4, deadline: ctx.deadline },
  );
  return {
    outcome: 'remediated',
    reason: `restored the recorded before state${o.exemptTag ? ` and attached ${o.exemptTag}` : ''}`,
    before: now,
    after: patched.result.metadata_service,
  };
};

const revertTemplate = async (
  ctx: ActContext,
  record: DecisionRecord,
  o: RevertOptions,
): Promise<Reverted> => {
  const before = record.before as { template?: { id?: string }; instance_groups?: string[] } | null;
  const after = record.after as { template?: { id?: string }; instance_groups?: string[] } | null;
  const ref = record.target_crn ? parseVpcCrn(record.target_crn) : undefined;
  const original = before?.template?.id;
  const groups = after?.instance_groups ?? [];
  if (!ref || !original)
    return {
      outcome: 'refused',
      reason: 'the record does not name the original template',
      before: null,
      after: null,
    };
  if (groups.length === 0)
    return {
      outcome: 'compliant',
      reason: 'no instance group was repointed; the original template was never changed',
      before,
      after,
    };
  if (o.dryRun)
    return {
      outcome: 'planned',
      reason: `would point ${groups.join(', ')} back at ${original}`,
      before: after,
      after: before,
    };
  const vpc = await ctx.clients.vpc(ref.region);
  for (const id of groups) {
    await withRetry(() => cloudCall(vpc.updateInstanceGroup({ id, instanceTemplate: { id: original } })), {
      attempts: 4,
      deadline: ctx.deadline,
    });
  }
  return {
    outcome: 'remediated',
    reason: `pointed ${groups.join(', ')} back at the original template (the copy is kept)`,
    before: after,
    after: before,
  };
};

/** Reverts each `remediated` record; returns one decision record (fn `revert`) per input record. */
const revertRecords = async (
  rt: GuardRuntime,
  records: DecisionRecord[],
  o: RevertOptions,
): Promise<DecisionRecord[]> => {
  const ctx = await instanceContext(rt, 120_000);
  const out: DecisionRecord[] = [];
  for (const record of records) {
    const started = performance.now();
    const { result, tally } = await countCalls(async (): Promise<Reverted> => {
      if (record.outcome !== 'remediated')
        return {
          outcome: 'ignored',
          reason: `outcome ${record.outcome}: nothing was changed, nothing to revert`,
          before: null,
          after: null,
        };
      const isTemplate = (record.detail as { kind?: string } | undefined)?.kind === 'instance-template';
      try {
        return await (isTemplate ? revertTemplate(ctx, record, o) : revertInstance(ctx, record, o));
      } catch (err) {
        return { outcome: 'failed', reason: errorMessage(err), before: null, after: null };
      }
    });
    out.push(
      decisionRecord({
        fn: 'revert',
        event_id: record.event_id,
        action: 'revert',
        target_crn: record.target_crn,
        outcome: result.outcome,
        reason: result.reason,
        before: result.before,
        after: result.after,
        initiator: ctx.self.iam_id ?? null,
        correlation_id: record.correlation_id,
        dry_run: o.dryRun,
        api_calls: tally.calls,
        latency_ms: Math.round(performance.now() - started),
        detail: { reverts: { timestamp: record.timestamp, fn: record.fn, outcome: record.outcome } },
      }),
    );
  }
  return out;
};

export type { RevertOptions };
export { revertRecords };
