// Undo a remediation from its decision record, for the day a change breaks a workload: put the
// instance's `before` metadata settings back (or point instance groups back at the original
// template). Refuses when the resource changed since the record, unless forced. Dry-run aware.
import { type DecisionRecord, decisionRecord, type Outcome } from '#shared/audit/decision.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';
import { CloudApiError, errorMessage } from '#shared/errors.ts';
import { accountAllowed } from '#shared/policy/match.ts';
import type { ActContext } from '#shared/runtime/acting.ts';
import { countCalls } from '#shared/runtime/call-counter.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { instanceContext } from './act.ts';
import { type Checked, checkRecord, textField } from './revert-input.ts';

interface RevertOptions {
  dryRun: boolean;
  /** Revert even if the resource changed since the record was written. */
  force: boolean;
  /** Attach this access tag first, so the guard does not undo the revert on the next event. */
  exemptTag?: string;
}

type MetadataState = InstanceMetadataService;
type Valid<K extends 'instance' | 'instance-template'> = Extract<Checked, { ok: true; kind: K }>;

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
  record: Valid<'instance'>,
  o: RevertOptions,
): Promise<Reverted> => {
  const ref = record.target;
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
  // The id was looked up in the guard's own account: it must be the very resource the record names.
  if (res.result.crn !== ref.crn)
    return {
      outcome: 'refused',
      reason: `instance ${ref.id} is ${res.result.crn}, not the record's ${ref.crn}`,
      before: null,
      after: null,
    };
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
  record: Valid<'instance-template'>,
  o: RevertOptions,
): Promise<Reverted> => {
  const { target: ref, original, groups } = record;
  const before = { template: { id: original } };
  const after = { instance_groups: groups };
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

/** The whole check for one record: the static ones, then the account (needs the guard's identity). */
const admit = async (
  record: unknown,
  context: () => Promise<ActContext>,
): Promise<Extract<Checked, { ok: true }> | Reverted> => {
  const checked = checkRecord(record);
  if (!checked.ok) return { outcome: checked.outcome, reason: checked.reason, before: null, after: null };
  const ctx = await context();
  if (!accountAllowed(ctx.rt.policy, checked.target.account, ctx.self.account?.bss))
    return {
      outcome: 'refused',
      reason: `account ${checked.target.account} is not the guard's own account and the policy lists no others`,
      before: null,
      after: null,
    };
  return checked;
};

const revertOne = async (
  record: unknown,
  context: () => Promise<ActContext>,
  o: RevertOptions,
): Promise<Reverted> => {
  const admitted = await admit(record, context);
  if (!('ok' in admitted)) return admitted;
  const ctx = await context();
  try {
    return await (admitted.kind === 'instance-template'
      ? revertTemplate(ctx, admitted, o)
      : revertInstance(ctx, admitted, o));
  } catch (err) {
    return { outcome: 'failed', reason: errorMessage(err), before: null, after: null };
  }
};

/**
 * Reverts each `remediated` record; returns one decision record (fn `revert`) per input record.
 * Records are untrusted input: each is checked before any IBM call and refused with its reason.
 */
const revertRecords = async (
  rt: GuardRuntime,
  records: readonly unknown[],
  o: RevertOptions,
): Promise<DecisionRecord[]> => {
  // Only a record that passes the static checks needs the guard's identity (an IAM token).
  let ctx: Promise<ActContext> | undefined;
  const context = (): Promise<ActContext> => {
    ctx ??= instanceContext(rt, 120_000);
    return ctx;
  };
  const out: DecisionRecord[] = [];
  for (const record of records) {
    const started = performance.now();
    const { result, tally } = await countCalls(() => revertOne(record, context, o));
    const reverts = {
      timestamp: textField(record, 'timestamp'),
      fn: textField(record, 'fn'),
      outcome: textField(record, 'outcome'),
    };
    out.push(
      decisionRecord({
        fn: 'revert',
        event_id: textField(record, 'event_id'),
        action: 'revert',
        target_crn: textField(record, 'target_crn'),
        outcome: result.outcome,
        reason: result.reason,
        before: result.before,
        after: result.after,
        initiator: ctx ? ((await ctx).self.iam_id ?? null) : null,
        correlation_id: textField(record, 'correlation_id'),
        dry_run: o.dryRun,
        api_calls: tally.calls,
        latency_ms: Math.round(performance.now() - started),
        detail: { reverts },
      }),
    );
  }
  return out;
};

export type { RevertOptions };
export { revertRecords };
