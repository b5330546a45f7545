// instance-guard's template path: resolve (read, tags) → decide → act (a compliant copy, groups repointed),
// also what bulk scans and the sweep call for templates.
import type { ChangeLog } from '#shared/audit/intent.ts';
import type { InstanceMetadataService, InstanceTemplate, VpcClient } from '#shared/cloud/vpc.ts';
import { type ActContext, asCloudError, ibmReason } from '#shared/runtime/acting.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import {
  changeLogOf,
  type Guarded,
  loadTicketing,
  readFresh,
  readTags,
  reasonText,
  resultOfError,
  sameMetadata,
  type VpcRef,
} from './act-common.ts';
import {
  type DesiredState,
  decideTemplate,
  IBM_DEFAULT_METADATA,
  type TagRead,
  type TemplateDecision,
  type TemplateReplacement,
} from './decide.ts';
import { gateTemplateImage } from './template-image-gate.ts';

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
  if (judged.blocked) {
    const { settleStopped } = await loadTicketing();
    return settleStopped(ctx, stopped, judged.blocked, judged.before);
  }
  const settled = settleTemplate(rt, judged);
  if (settled) return settled;
  const replacing = judged as JudgedTemplate & { decision: { kind: 'replace' } };
  return replaceTemplate(ctx, vpc, ref.region, t, replacing, changeLogOf(ctx, options.changes));
};

export {
  copyOf,
  type GroupRef,
  guardTemplate,
  type JudgedTemplate,
  judgeTemplate,
  listGroups,
  replaceTemplate,
  settleTemplate,
};
