// instance-guard's I/O: fresh reads, the minimal PATCH with If-Match, template replacement, and the
// decision records. Loaded on demand (its own bundle file) so ignored events never pay for the SDK.
// `guardInstance` and `guardTemplate` are also what bulk scans and the sweep call: one code path.

import { dedupeKey } from '#events/dedupe.ts';
import type { Outcome } from '#shared/audit/decision.ts';
import type { ChangeLog } from '#shared/audit/intent.ts';
import type { Instance, InstanceMetadataService, VpcClient } from '#shared/cloud/vpc.ts';
import {
  type ActContext,
  actPerAccount,
  asCloudError,
  failureOf,
  ibmReason,
  mayActIn,
} from '#shared/runtime/acting.ts';
import { countCalls } from '#shared/runtime/call-counter.ts';
import type { Actionable, Decided, GuardRuntime } from '#shared/runtime/records.ts';
import { cannotAuthenticate, recordFor } from '#shared/runtime/records.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import {
  changeLogOf,
  type Guarded,
  instanceContext,
  loadTicketing,
  parseVpcCrn,
  type Read,
  readFresh,
  readTags,
  reasonText,
  resultOfError,
  sameMetadata,
  type VpcRef,
} from './act-common.ts';
import {
  type GroupRef,
  guardTemplate,
  type JudgedTemplate,
  judgeTemplate,
  listGroups,
  settleTemplate,
} from './act-template.ts';
import { decideInstance, type InstanceDecision, instanceSnapshot, type TagRead } from './decide.ts';
import { gateImage } from './image-gate.ts';
import { type RolloutOptions, rolloutFor } from './rollout-act.ts';

/** The policy's decision on one read (pure), with the record's detail. */
interface Judged {
  decision: InstanceDecision;
  detail: Record<string, unknown>;
}

/** Decide: policy × the instance as read × its tags; `tags` failing is reported, not thrown. */
const judgeInstance = (rt: GuardRuntime, inst: Instance, tags: TagRead, region: string): Judged => {
  const decision = decideInstance(rt.policy, instanceSnapshot(inst, tags, region), rt.now());
  return {
    decision,
    detail: {
      name: inst.name,
      region,
      resource_group: inst.resource_group,
      vpc: { id: inst.vpc.id, name: inst.vpc.name },
      ...('rule' in decision ? { rule: decision.rule } : {}),
      ...(decision.kind === 'exempt'
        ? { exemption: { ...decision, reasons: undefined, kind: undefined } }
        : {}),
      ...(tags.ok ? {} : { tag_lookup_error: tags.error }),
    },
  };
};

/**
 * What a decision comes to without sending anything — every case but a PATCH to make. `patched` says
 * an earlier PATCH may have landed (then "compliant" on a re-read is this guard's own remediation).
 */
const settleInstance = (
  rt: GuardRuntime,
  { decision, detail }: Judged,
  before: InstanceMetadataService,
  current: InstanceMetadataService,
  patched = false,
): Guarded | undefined => {
  switch (decision.kind) {
    case 'compliant':
      return patched
        ? {
            outcome: 'remediated',
            reason: 'verified on re-read after an interrupted PATCH',
            before,
            after: current,
            detail,
          }
        : { outcome: 'compliant', reason: reasonText(decision.reasons), before, after: before, detail };
    case 'exempt':
      return { outcome: 'exempt', reason: reasonText(decision.reasons), before, after: before, detail };
    case 'audit':
      return {
        outcome: 'planned',
        reason: reasonText(decision.reasons),
        before,
        after: before,
        // Object.assign: a spread followed by keys costs V8 a map per object (bulk runs make 100,000).
        detail: Object.assign({}, detail, { mode: 'audit', patch: decision.patch }),
      };
    case 'patch':
      if (!rt.dryRun) return undefined;
      return {
        outcome: 'planned',
        reason: `dry run: would PATCH ${JSON.stringify(decision.patch)}; ${reasonText(decision.reasons)}`,
        before,
        after: Object.assign({}, current, decision.patch),
        detail: Object.assign({}, detail, { patch: decision.patch }),
      };
  }
};

/** One PATCH attempt (with its retries): a result, or `stale` when the ETag no longer matches. */
type Patched = { done: Guarded } | { stale: true; mayHaveApplied: boolean };

/** Act: the intent, the PATCH with If-Match (429/5xx retried), its outcome, the verified result. */
const patchInstance = async (
  ctx: ActContext,
  vpc: VpcClient,
  ref: VpcRef,
  read: Read,
  judged: Judged & { decision: { kind: 'patch' } },
  before: InstanceMetadataService,
  changes: ChangeLog,
): Promise<Patched> => {
  const { patch } = judged.decision;
  const detail = { ...judged.detail, patch };
  // Durable before the PATCH is sent: a process killed after it leaves a trace to reconcile.
  const intent = await changes.intent({
    target_crn: read.value.crn,
    kind: 'instance',
    region: ref.region,
    before: read.value.metadata_service,
    change: patch,
  });
  const answer = { intent_id: intent.intent_id, target_crn: read.value.crn };
  let attempts = 0;
  try {
    const res = await withRetry(
      () => {
        attempts += 1;
        const ifMatch = read.etag ? { ifMatch: read.etag } : {};
        return cloudCall(vpc.updateInstance({ id: ref.id, metadataService: patch, ...ifMatch }));
      },
      { attempts: 4, deadline: ctx.deadline },
    );
    const after = res.result.metadata_service;
    changes.outcome({ ...answer, result: 'applied', after });
    if (!sameMetadata(after, patch)) {
      const wanted = JSON.stringify({ ...read.value.metadata_service, ...patch });
      const reason = `PATCH answered ${JSON.stringify(after)}, not the wanted ${wanted}`;
      return { done: { outcome: 'failed', reason, before, after, detail } };
    }
    const reason = reasonText(judged.decision.reasons);
    return { done: { outcome: 'remediated', reason, before, after, detail } };
  } catch (err) {
    const e = asCloudError(err);
    changes.outcome({ ...answer, result: resultOfError(e), reason: ibmReason(e) });
    // Someone changed it since our read: the caller reads again and decides again.
    if (e.status === 412) return { stale: true, mayHaveApplied: attempts > 1 };
    if (e.status === 404)
      return {
        done: { outcome: 'gone', reason: 'instance deleted while remediating', before, after: null, detail },
      };
    // 4xx: IBM refuses this change (e.g. the image's allowed-use needs the metadata service): no retry.
    const ibm = { status: e.status, code: e.code, trace: e.trace };
    return {
      done: {
        outcome: 'failed',
        reason: ibmReason(e),
        before,
        after: before,
        detail: { ...detail, ibm },
        ...(e.retryable ? { retry: true } : {}),
      },
    };
  }
};

const GONE: Guarded = {
  outcome: 'gone',
  reason: 'instance not found (deleted, or never became visible)',
  before: null,
  after: null,
};

/**
 * Brings one instance in line with the policy: resolve (read, tags) → decide → act (PATCH only what
 * differs, with the read's ETag), re-reading and re-deciding on 412 (bounded); 429/5xx retried
 * honouring Retry-After; verified from the PATCH response. `known` lets bulk runs skip the read for
 * instances that need nothing; `tags` lets them skip the tag lookup where it cannot change the outcome.
 */
const guardInstance = async (
  ctx: ActContext,
  ref: VpcRef,
  options: {
    notFoundRetries?: number;
    known?: Instance;
    tags?: TagRead;
    changes?: ChangeLog;
    rollout?: RolloutOptions;
  } = {},
): Promise<Guarded> => {
  const { rt } = ctx;
  const vpc = await ctx.clients.vpc(ref.region);
  const read = async (): Promise<Read | 'gone'> =>
    readFresh(ctx, () => vpc.getInstance({ id: ref.id }), options.notFoundRetries ?? 0);
  // Tags need only the CRN, so they are read alongside the GET: 2 round trips on the critical path.
  // Bulk runs pass the tags they read, or none when tags cannot change the outcome (sweep/tag-rule.ts).
  const tagsRead = options.tags ? Promise.resolve(options.tags) : readTags(ctx, ref.crn);
  let current = options.known ? { value: options.known, etag: undefined } : await read();
  const tags = await tagsRead;
  if (current === 'gone') return GONE;
  const before = current.value.metadata_service;
  // Decide, then the image gate: a disable the image's allowed use forbids is never sent (image-gate.ts).
  const judge = (inst: Instance) =>
    gateImage(
      vpc,
      inst,
      judgeInstance(rt, inst, tags, ref.region),
      rt.policy.instances.on_image_requires_metadata,
    );
  let judged = await judge(current.value);
  // A bulk run decided on listed data; a change needs the ETag of a fresh read (audit changes nothing).
  if (options.known && judged.decision.kind === 'patch' && !rt.dryRun) {
    current = await read();
    if (current === 'gone') return { ...GONE, reason: 'instance not found', before };
    judged = await judge(current.value);
  }
  const rollout = rolloutFor(ctx, ref.region, tags, {
    ...options.rollout,
    bulk: options.known !== undefined,
  });
  let patched = false;
  for (let round = 0; round < 3; round += 1) {
    const stopped = { ...ref, name: current.value.name, kind: 'instance' as const };
    if (judged.blocked) {
      const { settleStopped } = await loadTicketing();
      return settleStopped(ctx, stopped, judged.blocked, before, options.rollout?.trigger);
    }
    const held = await rollout.hold(current.value, judged);
    if (held) return held;
    const settled = settleInstance(rt, judged, before, current.value.metadata_service, patched);
    if (settled) return rollout.done(current.value, settled);
    const changing = judged as Judged & { decision: { kind: 'patch' } };
    const changes = changeLogOf(ctx, options.changes);
    const result = await patchInstance(ctx, vpc, ref, current, changing, before, changes);
    if ('done' in result) return rollout.done(current.value, result.done);
    patched ||= result.mayHaveApplied;
    current = await read();
    if (current === 'gone') return { ...GONE, reason: 'instance deleted while remediating', before };
    judged = await judge(current.value);
  }
  return {
    outcome: 'failed',
    reason: 'the instance kept changing under us (412 three times); a redelivery will try again',
    before,
    after: current.value.metadata_service,
    retry: true,
  };
};

// ---- Events --------------------------------------------------------------------------------------

const GUARDS = {
  instance: guardInstance,
  'instance-template': guardTemplate,
} satisfies Record<
  string,
  (ctx: ActContext, ref: VpcRef, o: { notFoundRetries?: number }) => Promise<Guarded>
>;

/** The event as the rollout notice's ticket cites it. */
const triggerOf = ({ event, parsed }: Actionable) => ({
  action: event.action,
  time: parsed.eventTime?.toISOString() ?? '',
  ...(event.id ? { id: event.id } : {}),
  ...(event.initiator ? { initiator: { id: event.initiator.id, name: event.initiator.name } } : {}),
});

/** One event: the token-based checks, then the resource's guard, as a decision record. */
const handleEvent = async (ctx: ActContext, item: Actionable, started: number): Promise<Decided> => {
  const { rt } = ctx;
  const { parsed, event, crn, target } = item;
  const skip = (outcome: Outcome, reason: string): Decided => ({
    record: recordFor(rt, parsed, { outcome, reason }, started),
  });
  if (event.initiator?.id !== undefined && event.initiator.id === ctx.self.iam_id) {
    return skip('ignored', `own change (initiator is the guard's own identity ${ctx.self.iam_id})`);
  }
  if (!mayActIn(ctx, target.account)) {
    return skip(
      'refused',
      `account ${target.account} is not the guard's own account and the policy lists no others`,
    );
  }
  const guard = Object.hasOwn(GUARDS, target.type) ? GUARDS[target.type as keyof typeof GUARDS] : undefined;
  if (!guard) return skip('ignored', `target ${crn} is not a VPC instance or instance template`);
  const ref: VpcRef = { region: target.region, type: target.type, id: target.id, crn };
  // Just-created resources may not be readable yet; updates of vanished ones are simply gone.
  const notFoundRetries = item.action.endsWith('.create') ? 4 : 0;
  const { result, tally } = await countCalls(async (): Promise<Guarded> => {
    try {
      return await guard(ctx, ref, { notFoundRetries, rollout: { events: true, trigger: triggerOf(item) } });
    } catch (err) {
      return failureOf(err);
    }
  });
  // A redelivery must be processed again, so forget the id of anything that asks for one.
  if (result.retry) rt.seen.release(dedupeKey(parsed));
  const exposure =
    result.outcome === 'remediated' && parsed.eventTime ? Date.now() - parsed.eventTime.getTime() : undefined;
  const record = recordFor(
    rt,
    parsed,
    {
      outcome: result.outcome,
      reason: result.reason,
      before: result.before,
      after: result.after,
      api_calls: tally.calls,
      detail: {
        ...result.detail,
        delivery_key: parsed.idempotencyKey,
        ...(exposure !== undefined ? { exposure_ms: exposure } : {}),
        ...(parsed.eventTime ? { event_time: parsed.eventTime.toISOString() } : {}),
      },
    },
    started,
  );
  return { record, ...(result.retry ? { retry: true } : {}) };
};

/** Acts on the events that passed screening, one after another (order matters within a delivery). */
const actOnEvents = (rt: GuardRuntime, items: Actionable[], started: number): Promise<Decided[]> =>
  actPerAccount(
    (account) => instanceContext(rt, undefined, account),
    items,
    (ctx, item) => handleEvent(ctx, item, started),
    (failed, err) => cannotAuthenticate(rt, failed, err, started),
  );

export type { GroupRef, Guarded, Judged, JudgedTemplate, VpcRef };
export {
  actOnEvents,
  guardInstance,
  guardTemplate,
  instanceContext,
  judgeInstance,
  judgeTemplate,
  listGroups,
  parseVpcCrn,
  readTags,
  settleInstance,
  settleTemplate,
};
