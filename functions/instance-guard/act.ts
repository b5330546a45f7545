// instance-guard's I/O: fresh reads, the minimal PATCH with If-Match, template replacement, and the
// decision records. Loaded on demand (its own bundle file) so ignored events never pay for the SDK.
// `guardInstance` and `guardTemplate` are also what bulk scans and the sweep call: one code path.

import { dedupeKey } from '#events/decode.ts';
import type { Outcome } from '#shared/audit/decision.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { loadTagging, type ServiceLoaders } from '#shared/cloud/service-loaders.ts';
import type { Instance, InstanceMetadataService, InstanceTemplate, VpcClient } from '#shared/cloud/vpc.ts';
import { errorMessage } from '#shared/errors.ts';
import {
  type ActContext,
  actContext,
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
  decideInstance,
  decideTemplate,
  IBM_DEFAULT_METADATA,
  type InstanceDecision,
  instanceSnapshot,
  type TagRead,
  tagTypesNeeded,
} from './decide.ts';

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

// Only the services instance-guard calls, so its bundle carries only those SDK modules.
const SERVICES = { tagging: loadTagging } satisfies Partial<ServiceLoaders>;

/** The one acting context (shared/runtime/acting.ts) with instance-guard's services. */
const instanceContext = (rt: GuardRuntime, budgetMs?: number): Promise<ActContext> =>
  actContext(rt, { services: SERVICES, ...(budgetMs !== undefined ? { budgetMs } : {}) });

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
    const access = types.includes('access') ? await read('access') : [];
    const user = types.includes('user') ? await read('user') : [];
    return { ok: true, user, access };
  } catch (err) {
    return { ok: false, error: errorMessage(err) };
  }
};

// ---- Instances -----------------------------------------------------------------------------------

const sameMetadata = (a: InstanceMetadataService, b: Partial<InstanceMetadataService>): boolean =>
  (Object.keys(b) as (keyof InstanceMetadataService)[]).every((k) => a[k] === b[k]);

/**
 * Brings one instance in line with the policy: read, decide, PATCH only what differs with the read's
 * ETag, re-read and re-decide on 412 (bounded), retry 429/5xx honouring Retry-After, verify from the
 * PATCH response. `known` lets bulk runs skip the read for instances that need nothing; `tags` lets
 * them skip the tag lookup where it cannot change the outcome.
 */
const guardInstance = async (
  ctx: ActContext,
  ref: VpcRef,
  options: { notFoundRetries?: number; known?: Instance; tags?: TagRead } = {},
): Promise<Guarded> => {
  const { rt } = ctx;
  const vpc = await ctx.clients.vpc(ref.region);
  const read = async (): Promise<{ value: Instance; etag: string | undefined } | 'gone'> =>
    readFresh(ctx, () => vpc.getInstance({ id: ref.id }), options.notFoundRetries ?? 0);

  let current = options.known ? { value: options.known, etag: undefined } : await read();
  if (current === 'gone')
    return {
      outcome: 'gone',
      reason: 'instance not found (deleted, or never became visible)',
      before: null,
      after: null,
    };
  // Bulk runs pass the tags they read, or none when tags cannot change the outcome (sweep/tag-rule.ts).
  const tags = options.tags ?? (await readTags(ctx, current.value.crn));
  const decide = (inst: Instance): InstanceDecision =>
    decideInstance(rt.policy, instanceSnapshot(inst, tags, ref.region), rt.now());
  const before = current.value.metadata_service;
  const detailOf = (inst: Instance, d: InstanceDecision): Record<string, unknown> => ({
    name: inst.name,
    region: ref.region,
    resource_group: inst.resource_group,
    vpc: { id: inst.vpc.id, name: inst.vpc.name },
    ...('rule' in d ? { rule: d.rule } : {}),
    ...(d.kind === 'exempt' ? { exemption: { ...d, reasons: undefined, kind: undefined } } : {}),
    ...(tags.ok ? {} : { tag_lookup_error: tags.error }),
  });
  let decision = decide(current.value);
  // A bulk run decided on listed data; a change needs the ETag of a fresh read (audit changes nothing).
  if (options.known && decision.kind === 'patch' && !rt.dryRun) {
    current = await read();
    if (current === 'gone') return { outcome: 'gone', reason: 'instance not found', before, after: null };
    decision = decide(current.value);
  }
  let patchMayHaveApplied = false;
  for (let round = 0; round < 3; round += 1) {
    const inst = current.value;
    const detail = detailOf(inst, decision);
    switch (decision.kind) {
      case 'compliant':
        return patchMayHaveApplied
          ? {
              outcome: 'remediated',
              reason: 'verified on re-read after an interrupted PATCH',
              before,
              after: inst.metadata_service,
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
          detail: { ...detail, mode: 'audit', patch: decision.patch },
        };
      case 'patch': {
        const wanted = { ...inst.metadata_service, ...decision.patch };
        if (rt.dryRun) {
          return {
            outcome: 'planned',
            reason: `dry run: would PATCH ${JSON.stringify(decision.patch)}; ${reasonText(decision.reasons)}`,
            before,
            after: wanted,
            detail: { ...detail, patch: decision.patch },
          };
        }
        try {
          const res = await withRetry(
            (attempt) => {
              if (attempt > 1) patchMayHaveApplied = true;
              return cloudCall(
                vpc.updateInstance({
                  id: ref.id,
                  metadataService: decision.kind === 'patch' ? decision.patch : {},
                  ...(current !== 'gone' && current.etag ? { ifMatch: current.etag } : {}),
                }),
              );
            },
            { attempts: 4, deadline: ctx.deadline },
          );
          const after = res.result.metadata_service;
          if (!sameMetadata(after, decision.patch)) {
            return {
              outcome: 'failed',
              reason: `PATCH answered ${JSON.stringify(after)}, not the wanted ${JSON.stringify(wanted)}`,
              before,
              after,
              detail: { ...detail, patch: decision.patch },
            };
          }
          return {
            outcome: 'remediated',
            reason: reasonText(decision.reasons),
            before,
            after,
            detail: { ...detail, patch: decision.patch },
          };
        } catch (err) {
          const e = asCloudError(err);
          if (e.status === 412) {
            // Someone changed it since our read: read again and decide again.
            current = await read();
            if (current === 'gone')
              return { outcome: 'gone', reason: 'instance deleted while remediating', before, after: null };
            decision = decide(current.value);
            continue;
          }
          if (e.status === 404)
            return {
              outcome: 'gone',
              reason: 'instance deleted while remediating',
              before,
              after: null,
              detail,
            };
          // 4xx: IBM refuses this change (e.g. the image's allowed-use needs the metadata service): no retry.
          return {
            outcome: 'failed',
            reason: ibmReason(e),
            before,
            after: before,
            detail: {
              ...detail,
              patch: decision.patch,
              ibm: { status: e.status, code: e.code, trace: e.trace },
            },
            ...(e.retryable ? { retry: true } : {}),
          };
        }
      }
    }
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
const listGroups = async (
  vpc: VpcClient,
): Promise<{ id: string; name: string; instance_template: { id: string } }[]> => {
  const out: { id: string; name: string; instance_template: { id: string } }[] = [];
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

/**
 * Templates cannot be patched: a non-compliant one is replaced by a compliant copy (`source_template`),
 * instance groups are repointed when the policy allows, and the original is never deleted. Idempotent:
 * an existing copy with the same name is reused.
 */
const guardTemplate = async (
  ctx: ActContext,
  ref: VpcRef,
  options: { notFoundRetries?: number } = {},
): Promise<Guarded> => {
  const { rt } = ctx;
  const vpc = await ctx.clients.vpc(ref.region);
  const read = await readFresh(
    ctx,
    () => vpc.getInstanceTemplate({ id: ref.id }),
    options.notFoundRetries ?? 0,
  );
  if (read === 'gone')
    return { outcome: 'gone', reason: 'instance template not found', before: null, after: null };
  const t: InstanceTemplate = read.value;
  const groups = await listGroups(vpc);
  const tags = await readTags(ctx, t.crn);
  const decision = decideTemplate(
    rt.policy,
    {
      template: {
        id: t.id,
        crn: t.crn,
        name: t.name,
        region: ref.region,
        zone: t.zone?.name,
        vpc: t.vpc ? { id: t.vpc.id, name: t.vpc.name } : undefined,
        resource_group: { id: t.resource_group.id, name: t.resource_group.name },
        metadata_service: t.metadata_service,
      },
      tags,
      instance_groups: groups,
    },
    rt.now(),
  );
  const before = { template: { id: t.id, name: t.name, metadata_service: t.metadata_service ?? null } };
  const detail = {
    name: t.name,
    region: ref.region,
    resource_group: t.resource_group,
    kind: 'instance-template',
    ...('rule' in decision ? { rule: decision.rule } : {}),
  };
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
    case 'replace': {
      if (rt.dryRun) {
        return {
          outcome: 'planned',
          reason: `dry run: ${reasonText(decision.reasons)}`,
          before,
          after: { template: decision.prototype, instance_groups: decision.repoint_instance_groups },
          detail,
        };
      }
      try {
        const findCopy = async (): Promise<InstanceTemplate | undefined> =>
          (await cloudCall(vpc.listInstanceTemplates())).result.templates.find(
            (x) => x.name === decision.prototype.name,
          );
        let copy = await findCopy();
        const existed = copy !== undefined;
        if (!copy) {
          try {
            copy = (
              await cloudCall(
                vpc.createInstanceTemplate({ instanceTemplatePrototype: { ...decision.prototype } }),
              )
            ).result;
          } catch (err) {
            // A concurrent run (or an sdk-core retry of our POST) created it first: use that one.
            copy = await findCopy();
            if (!copy) throw err;
          }
        }
        // Reuse by name only what the policy wants now: a stale copy (older policy) or a look-alike
        // someone else made must never receive the instance groups.
        const got = copy.metadata_service ?? IBM_DEFAULT_METADATA;
        if (!sameMetadata(got, decision.prototype.metadata_service)) {
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
          await withRetry(
            () => cloudCall(vpc.updateInstanceGroup({ id: groupId, instanceTemplate: { id: copy.id } })),
            {
              attempts: 4,
              deadline: ctx.deadline,
            },
          );
          repointed.push(groupId);
        }
        // Replaced on an earlier run and nothing left to repoint: no change now, so not "remediated"
        // again (the original stays, as templates are never deleted).
        if (existed && repointed.length === 0) {
          return {
            outcome: 'compliant',
            reason: `already replaced by "${copy.name}" (${copy.id}) on an earlier run; the original is kept, templates cannot be changed in place`,
            before,
            after: before,
            detail: { ...detail, replacement: copy.id, original_kept: t.id },
          };
        }
        return {
          outcome: 'remediated',
          reason: reasonText(decision.reasons),
          before: { ...before, instance_groups: decision.repoint_instance_groups },
          after: {
            template: { id: copy.id, name: copy.name, metadata_service: copy.metadata_service ?? null },
            instance_groups: repointed,
          },
          detail: { ...detail, replacement: copy.id, original_kept: t.id },
        };
      } catch (err) {
        const e = asCloudError(err);
        return {
          outcome: 'failed',
          reason: ibmReason(e),
          before,
          after: before,
          detail,
          ...(e.retryable ? { retry: true } : {}),
        };
      }
    }
  }
};

// ---- Events --------------------------------------------------------------------------------------

const GUARDS = {
  instance: guardInstance,
  'instance-template': guardTemplate,
} satisfies Record<
  string,
  (ctx: ActContext, ref: VpcRef, o: { notFoundRetries?: number }) => Promise<Guarded>
>;

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
      return await guard(ctx, ref, { notFoundRetries });
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
const actOnEvents = async (rt: GuardRuntime, items: Actionable[], started: number): Promise<Decided[]> => {
  let ctx: ActContext;
  try {
    ctx = await instanceContext(rt);
  } catch (err) {
    return cannotAuthenticate(rt, items, err, started);
  }
  const out: Decided[] = [];
  for (const item of items) out.push(await handleEvent(ctx, item, started));
  return out;
};

export type { Guarded, VpcRef };
export { actOnEvents, guardInstance, guardTemplate, instanceContext, parseVpcCrn, readTags };
