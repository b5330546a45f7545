// instance-guard's I/O: fresh reads, the minimal PATCH with If-Match, template replacement, and the
// decision records. Loaded on demand (its own bundle file) so ignored events never pay for the SDK.
// `guardInstance` and `guardTemplate` are also what bulk scans and the sweep call: one code path.

import { dedupeKey } from '#events/decode.ts';
import type { Outcome } from '#shared/audit/decision.ts';
import { type ChangeLog, type ChangeResult, loggedChanges } from '#shared/audit/intent.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { loadCases, loadIdentity, loadTagging, type ServiceLoaders } from '#shared/cloud/service-loaders.ts';
import type { Instance, InstanceMetadataService, InstanceTemplate, VpcClient } from '#shared/cloud/vpc.ts';
import { type CloudApiError, errorMessage } from '#shared/errors.ts';
import {
  type ActContext,
  actContext,
  actPerAccount,
  asCloudError,
  failureOf,
  ibmReason,
  mayActIn,
  readOr404,
} from '#shared/runtime/acting.ts';
import { countCalls } from '#shared/runtime/call-counter.ts';
import type { Actionable, Decided, GuardRuntime } from '#shared/runtime/guard.ts';
import { cannotAuthenticate, recordFor } from '#shared/runtime/guard.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import {
  type DesiredState,
  decideInstance,
  decideTemplate,
  IBM_DEFAULT_METADATA,
  type InstanceDecision,
  instanceSnapshot,
  type TagRead,
  type TemplateDecision,
  type TemplateReplacement,
  tagTypesNeeded,
} from './decide.ts';
import { gateImage } from './image-gate.ts';
import { settleStopped } from './image-ticket.ts';
import { type RolloutOptions, rolloutFor } from './rollout-act.ts';
import { gateTemplateImage } from './template-image-gate.ts';

/** The result of guarding one resource, before it becomes a decision record. */
interface Guarded {
  outcome: Outcome;
  reason: string;
  before: unknown;
  after: unknown;
  detail?: Record<string, unknown>;
  /** The platform should deliver the event again (IBM kept failing with 429/5xx). */
  retry?: boolean;
}

interface VpcRef {
  region: string;
  type: string;
  id: string;
  crn: string;
}

// Only the services instance-guard calls, so its bundle carries only those SDK modules: tags, and for
// the staged rollout and on_image_requires_metadata: ticket, the tickets (Case Management) and the trusted profiles' links (IAM Identity).
const SERVICES = {
  tagging: loadTagging,
  cases: loadCases,
  identity: loadIdentity,
} satisfies Partial<ServiceLoaders>;

/** The one acting context (shared/runtime/acting.ts) with instance-guard's services. */
const instanceContext = (rt: GuardRuntime, budgetMs?: number, account?: string): Promise<ActContext> =>
  actContext(rt, { services: SERVICES, ...(budgetMs !== undefined ? { budgetMs } : {}) }, account);

/** `crn:v1:bluemix:public:is:us-south-1:a/<acct>::instance:<id>` → region, resource type, id. */
const parseVpcCrn = (crn: string): VpcRef | undefined => {
  const c = parseCrn(crn);
  if (c?.service !== 'is' || !c.location) return undefined;
  return { region: c.region, type: c.type, id: c.id, crn };
};

const reasonText = (reasons: string[]): string => reasons.join('; ');

// ---- Reads ---------------------------------------------------------------------------------------

/** GET with the 404 of a just-created resource retried a few times (it may not be visible yet). */
const readFresh = async <T>(
  ctx: ActContext,
  get: () => Promise<{ result: T; headers: Record<string, string> }>,
  notFoundRetries: number,
): Promise<{ value: T; etag: string | undefined } | 'gone'> =>
  // Under 2 s in all: by the time an event arrives, a 404 nearly always means "deleted since"
  // (instance-group churn), and every event of a delivery shares the function's time limit.
  (await readOr404(ctx, get, notFoundRetries, { baseDelayMs: 200, maxDelayMs: 600 })) ?? 'gone';

/** Access/user tags, one Global Tagging call per type the policy uses; failures are reported, not thrown. */
const readTags = async (ctx: ActContext, crn: string): Promise<TagRead> => {
  const types = tagTypesNeeded(ctx.rt.policy);
  if (types.length === 0) return { ok: true, user: [], access: [] };
  try {
    const tagging = await ctx.clients.tagging();
    const read = async (tagType: 'access' | 'user'): Promise<string[]> => {
      // sdk-core already retries this GET on 429/5xx; another loop here doubled an outage's cost.
      const res = await cloudCall(
        tagging.listTags({ attachedTo: crn, tagType, providers: ['ghost'], limit: 1000 }),
      );
      return (res.result.items ?? []).map((i) => i.name ?? '').filter((n) => n !== '');
    };
    const [access, user] = await Promise.all([
      types.includes('access') ? read('access') : [],
      types.includes('user') ? read('user') : [],
    ]);
    return { ok: true, user, access };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
};

// ---- Instances -----------------------------------------------------------------------------------

const sameMetadata = (a: InstanceMetadataService, b: Partial<InstanceMetadataService>): boolean =>
  (Object.keys(b) as (keyof InstanceMetadataService)[]).every((k) => a[k] === b[k]);

/** A failed change request: refused by IBM (4xx), or without a trustworthy answer (none, 5xx). */
const resultOfError = (e: CloudApiError): ChangeResult =>
  e.status === 0 || e.status >= 500 ? 'unknown' : 'not_applied';

/** Where intents and outcomes go: the caller's journal (bulk), else the function's log (events). */
const changeLogOf = (ctx: ActContext, changes: ChangeLog | undefined): ChangeLog =>
  changes ?? loggedChanges(ctx.rt.logger, { fn: ctx.rt.fn });

/** An instance read with the ETag a PATCH must match (none for a listed instance). */
type Read = { value: Instance; etag: string | undefined };

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
    if (judged.blocked) return settleStopped(ctx, stopped, judged.blocked, before, options.rollout?.trigger);
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

// ---- Templates -----------------------------------------------------------------------------------

/** All instance groups of a region, page by page. */
const listGroups = async (vpc: VpcClient): Promise<GroupRef[]> => {
  const out: GroupRef[] = [];
  let start: string | undefined;
  do {
    const res = await cloudCall(vpc.listInstanceGroups(start ? { start } : {}));
    out.push(
      ...res.result.instance_groups.map((g) => ({
        id: g.id,
        name: g.name,
        instance_template: { id: g.instance_template.id },
      })),
    );
    const next = res.result.next?.href;
    start = next ? (new URL(next).searchParams.get('start') ?? undefined) : undefined;
  } while (start);
  return out;
};

type GroupRef = { id: string; name: string; instance_template: { id: string } };

/** A template's decision (pure), the record's `before` and detail. */
interface JudgedTemplate {
  decision: TemplateDecision;
  before: { template: { id: string; name: string; metadata_service: InstanceMetadataService | null } };
  detail: Record<string, unknown>;
}

/** Decide: policy × the template × its tags × the region's instance groups. */
const judgeTemplate = (
  rt: GuardRuntime,
  t: InstanceTemplate,
  region: string,
  tags: TagRead,
  groups: readonly GroupRef[],
  override?: DesiredState,
): JudgedTemplate => {
  const template = {
    id: t.id,
    crn: t.crn,
    name: t.name,
    region,
    zone: t.zone?.name,
    vpc: t.vpc ? { id: t.vpc.id, name: t.vpc.name } : undefined,
    resource_group: { id: t.resource_group.id, name: t.resource_group.name },
    metadata_service: t.metadata_service,
  };
  const decision = decideTemplate(rt.policy, { template, tags, instance_groups: groups }, rt.now(), override);
  return {
    decision,
    before: { template: { id: t.id, name: t.name, metadata_service: t.metadata_service ?? null } },
    detail: {
      name: t.name,
      region,
      resource_group: t.resource_group,
      kind: 'instance-template',
      ...('rule' in decision ? { rule: decision.rule } : {}),
    },
  };
};

/** Every case but a replacement to make. */
const settleTemplate = (
  rt: GuardRuntime,
  { decision, before, detail }: JudgedTemplate,
): Guarded | undefined => {
  switch (decision.kind) {
    case 'compliant':
      return { outcome: 'compliant', reason: reasonText(decision.reasons), before, after: before, detail };
    case 'exempt':
      return { outcome: 'exempt', reason: reasonText(decision.reasons), before, after: before, detail };
    case 'audit':
      return {
        outcome: 'planned',
        reason: reasonText(decision.reasons),
        before,
        after: before,
        detail: { ...detail, mode: 'audit', prototype: decision.prototype },
      };
    case 'replace':
      if (!rt.dryRun) return undefined;
      return {
        outcome: 'planned',
        reason: `dry run: ${reasonText(decision.reasons)}`,
        before,
        after: { template: decision.prototype, instance_groups: decision.repoint_instance_groups },
        detail,
      };
  }
};

/** The compliant copy: an existing one of that name (an earlier or concurrent run), else a new one. */
const copyOf = async (
  vpc: VpcClient,
  prototype: TemplateReplacement,
): Promise<{ copy: InstanceTemplate; existed: boolean }> => {
  const find = async (): Promise<InstanceTemplate | undefined> =>
    (await cloudCall(vpc.listInstanceTemplates())).result.templates.find((x) => x.name === prototype.name);
  const found = await find();
  if (found) return { copy: found, existed: true };
  try {
    const made = await cloudCall(vpc.createInstanceTemplate({ instanceTemplatePrototype: { ...prototype } }));
    return { copy: made.result, existed: false };
  } catch (err) {
    // A concurrent run (or an sdk-core retry of our POST) created it first: use that one.
    const again = await find();
    if (!again) throw err;
    return { copy: again, existed: true };
  }
};

/** Act: the intent, the copy, the groups repointed, the outcome. */
const replaceTemplate = async (
  ctx: ActContext,
  vpc: VpcClient,
  region: string,
  t: InstanceTemplate,
  { decision, before, detail }: JudgedTemplate & { decision: { kind: 'replace' } },
  changes: ChangeLog,
): Promise<Guarded> => {
  const intent = await changes.intent({
    target_crn: t.crn,
    kind: 'instance-template',
    region,
    before: before.template,
    change: { template: decision.prototype, instance_groups: decision.repoint_instance_groups },
  });
  const answer = { intent_id: intent.intent_id, target_crn: t.crn };
  try {
    const { copy, existed } = await copyOf(vpc, decision.prototype);
    // Reuse by name only what the policy wants now: a stale copy (older policy) or a look-alike
    // someone else made must never receive the instance groups.
    const got = copy.metadata_service ?? IBM_DEFAULT_METADATA;
    if (!sameMetadata(got, decision.prototype.metadata_service)) {
      const reason = `a template named "${copy.name}" exists with other settings`;
      changes.outcome({ ...answer, result: existed ? 'not_applied' : 'applied', reason });
      return {
        outcome: 'failed',
        reason: `a template named "${copy.name}" already exists with metadata_service ${JSON.stringify(got)}, not the wanted ${JSON.stringify(decision.prototype.metadata_service)}; rename or delete it so a compliant copy can be made`,
        before,
        after: before,
        detail: { ...detail, conflicting_template: copy.id },
      };
    }
    const repointed: string[] = [];
    for (const groupId of decision.repoint_instance_groups) {
      const to = { id: groupId, instanceTemplate: { id: copy.id } };
      await withRetry(() => cloudCall(vpc.updateInstanceGroup(to)), { attempts: 4, deadline: ctx.deadline });
      repointed.push(groupId);
    }
    const made = { template: { id: copy.id, name: copy.name }, instance_groups: repointed };
    changes.outcome({ ...answer, result: 'applied', after: made });
    const replaced = { ...detail, replacement: copy.id, original_kept: t.id };
    // Replaced on an earlier run and nothing left to repoint: no change now, so not "remediated"
    // again (the original stays, as templates are never deleted).
    if (existed && repointed.length === 0) {
      const reason = `already replaced by "${copy.name}" (${copy.id}) on an earlier run; the original is kept, templates cannot be changed in place`;
      return { outcome: 'compliant', reason, before, after: before, detail: replaced };
    }
    return {
      outcome: 'remediated',
      reason: reasonText(decision.reasons),
      before: { ...before, instance_groups: decision.repoint_instance_groups },
      after: { ...made, template: { ...made.template, metadata_service: copy.metadata_service ?? null } },
      detail: replaced,
    };
  } catch (err) {
    const e = asCloudError(err);
    changes.outcome({ ...answer, result: resultOfError(e), reason: ibmReason(e) });
    return {
      outcome: 'failed',
      reason: ibmReason(e),
      before,
      after: before,
      detail,
      ...(e.retryable ? { retry: true } : {}),
    };
  }
};

/**
 * Templates cannot be patched: a non-compliant one is replaced by a compliant copy (`source_template`),
 * instance groups are repointed when the policy allows, and the original is never deleted. Idempotent:
 * an existing copy with the same name is reused. Resolve (read, the region's groups, tags) → decide →
 * act; bulk runs pass the listed template and the region's groups they listed once.
 */
const guardTemplate = async (
  ctx: ActContext,
  ref: VpcRef,
  options: {
    notFoundRetries?: number;
    changes?: ChangeLog;
    known?: InstanceTemplate;
    groups?: readonly GroupRef[];
  } = {},
): Promise<Guarded> => {
  const { rt } = ctx;
  const vpc = await ctx.clients.vpc(ref.region);
  const tagsRead = readTags(ctx, ref.crn); // alongside the GET: it needs only the CRN
  const read = options.known
    ? { value: options.known }
    : await readFresh(ctx, () => vpc.getInstanceTemplate({ id: ref.id }), options.notFoundRetries ?? 0);
  const tags = await tagsRead;
  if (read === 'gone')
    return { outcome: 'gone', reason: 'instance template not found', before: null, after: null };
  const t: InstanceTemplate = read.value;
  const groups = options.groups ?? (await listGroups(vpc));
  // Decide, then the image gate: no copy IBM must refuse is made (template-image-gate.ts).
  const judge = (override?: DesiredState) => judgeTemplate(rt, t, ref.region, tags, groups, override);
  const choice = rt.policy.instances.on_image_requires_metadata;
  const judged = await gateTemplateImage(vpc, t, judge(), choice, judge);
  const stopped = { ...ref, name: t.name, kind: 'instance-template' as const };
  if (judged.blocked) return settleStopped(ctx, stopped, judged.blocked, judged.before);
  const settled = settleTemplate(rt, judged);
  if (settled) return settled;
  const replacing = judged as JudgedTemplate & { decision: { kind: 'replace' } };
  return replaceTemplate(ctx, vpc, ref.region, t, replacing, changeLogOf(ctx, options.changes));
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
