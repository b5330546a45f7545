// Instances: one listing per unit (a region, or a VPC of it), 100 per page. A listed instance is decided
// from the listing when nothing needs a request (compliant, exempt, audit, a plan), through the same
// judge/settle pieces guardInstance uses; tags are read only where they can change the outcome, and a
// change goes through guardInstance itself (fresh read for the ETag, intent, PATCH, outcome).
import type { Instance, InstanceCollection } from '#shared/cloud/vpc.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { guardInstance, judgeInstance, readTags, settleInstance } from '../../instance-guard/act.ts';
import type { TagRead } from '../../instance-guard/decide.ts';
import type { ListingSpec, Page } from '../listing.ts';
import { runListing, startOf } from '../listing.ts';
import {
  DEFAULT_PAGE,
  type Decided,
  heldBack,
  listingFailed,
  type Pass,
  takeSlot,
  type Work,
} from '../pass.ts';
import { failedResult } from '../run-context.ts';
import { NO_TAGS, tagsCanMatter } from '../tag-rule.ts';
import type { Unit } from '../units.ts';
import { pageReader, type Shape } from './pick-json.ts';

/**
 * What decide/act read of a listed instance: the only part of a page that is decoded (pick-json.ts), so
 * a 5 KB listed instance does not outlive its page; the decoded objects are used as they are (no copy).
 * The image gate reads the image's id before a disable (instance-guard/image-gate.ts).
 */
const KEPT = {
  id: true,
  crn: true,
  href: true,
  name: true,
  created_at: true,
  status: true,
  metadata_service: true,
  vpc: { id: true, crn: true, name: true },
  zone: { name: true },
  resource_group: { id: true, name: true },
  image: { id: true },
} as const satisfies Shape & { [K in keyof Instance]?: unknown };

/** A page of `GET /instances` with only the kept keys of each instance, and `next` and `total_count`. */
const readInstancePage = pageReader<InstanceCollection>({
  items: 'instances',
  item: KEPT,
  page: { next: true, total_count: true },
});

const pageOf = (c: InstanceCollection): Page<Instance> => ({
  items: c.instances,
  next: startOf(c.next?.href, 'start'),
  total: c.total_count,
});

/** Tags read (when they matter), a --max-changes slot taken once, then the guard. */
const instanceWork =
  (pass: Pass, region: string, inst: Instance, tagsMatter: boolean, slot?: boolean): Work =>
  async (mode) => {
    const { run } = pass;
    const ctx = mode === 'apply' ? run.apply : run.plan;
    const tags: TagRead = tagsMatter ? await readTags(ctx, inst.crn) : NO_TAGS;
    if (mode === 'apply' && pass.opts.cap && slot === undefined) {
      const d = judgeInstance(ctx.rt, inst, tags, region).decision;
      slot = d.kind !== 'patch' || takeSlot(pass);
    }
    const use = slot === false ? run.plan : ctx;
    let result: Decided['result'];
    try {
      const ref = { region, type: 'instance', id: inst.id, crn: inst.crn };
      result = await guardInstance(use, ref, { known: inst, tags, changes: run.o.changes });
    } catch (err) {
      result = failedResult(err);
    }
    return {
      kind: 'instance',
      crn: inst.crn,
      result: use === ctx ? result : heldBack(pass, result),
      ctxRt: use.rt,
    };
  };

/** Decided here when nothing needs a request; else the work for the region's lane. */
const handleInstance =
  (pass: Pass, region: string) =>
  (inst: Instance): Decided | Work => {
    const { run } = pass;
    if (tagsCanMatter(run.rt.policy, inst, region, run.rt.now()))
      return instanceWork(pass, region, inst, true);
    const applying = pass.opts.applying;
    const judged = judgeInstance(run.rt, inst, NO_TAGS, region);
    const change = applying && judged.decision.kind === 'patch';
    // A planned disable of an instance with an image goes through guardInstance's image gate too.
    if (
      !applying &&
      judged.decision.kind === 'patch' &&
      judged.decision.patch.enabled === false &&
      inst.image
    )
      return instanceWork(pass, region, inst, false);
    if (change && takeSlot(pass)) return instanceWork(pass, region, inst, false, true);
    // A plan, or a change held back by --max-changes: planned with dry-run semantics.
    const use = applying && !change ? run.apply : run.plan;
    const m = inst.metadata_service;
    const settled = settleInstance(use.rt, judged, m, m) ?? failedResult(new Error('nothing to settle'));
    return {
      kind: 'instance',
      crn: inst.crn,
      result: change ? heldBack(pass, settled) : settled,
      ctxRt: use.rt,
    };
  };

const instanceListing = (pass: Pass, unit: Unit, from: string | null): ListingSpec<Instance> => {
  const { run } = pass;
  const { region } = unit;
  const limit = run.o.pageSize ?? DEFAULT_PAGE;
  return {
    state: pass.stats.listing(region, 'instances', unit.vpc?.id),
    lane: run.lanes.region(region),
    from,
    what: unit.vpc ? `instances of VPC ${unit.vpc.name ?? unit.vpc.id}` : 'instances',
    region,
    fetch: async (token) => {
      const vpc = await run.apply.clients.vpc(region);
      const params = {
        limit,
        ...(token !== null ? { start: token } : {}),
        ...(unit.vpc ? { vpcId: unit.vpc.id } : {}),
      };
      const res = await withRetry(() => cloudCall(vpc.listInstances(params, { decode: readInstancePage })), {
        attempts: 3,
        deadline: run.apply.deadline,
      });
      return pageOf(res.result);
    },
    owns: (i) => run.assignment.ownsInstance(i.id),
    share: run.assignment.instanceShare,
    handle: handleInstance(pass, region),
    onIncomplete: (at) => {
      pass.resume.instances = { ...pass.resume.instances, [unit.key]: at };
    },
  };
};

/** Where a unit's listing starts: its resume token; a VPC of a region left whole starts at the top. */
const startFrom = (
  left: Record<string, string | null> | undefined,
  unit: Unit,
): string | null | undefined => {
  if (!left) return null;
  if (unit.key in left) return left[unit.key];
  return unit.vpc && unit.region in left ? null : undefined;
};

/** A region whose VPCs could not be listed: a failed instance listing, resumed as the whole region. */
const unlistedRegion = (pass: Pass, region: string, error: unknown): void => {
  const state = pass.stats.listing(region, 'instances');
  pass.listings.push(state);
  listingFailed(pass, state, 'VPCs (to split the instances)', region, error);
  pass.finishers.push(() => {
    state.resume_from = null;
    pass.resume.instances = { ...pass.resume.instances, [region]: null };
  });
};

/** This shard's instance listings (resumed ones from their page token). */
const startInstances = (pass: Pass): Promise<void>[] => {
  const { resume } = pass.run.o;
  const { units, unlisted } = pass.run.assignment;
  for (const u of unlisted) unlistedRegion(pass, u.region, u.error);
  return units.flatMap((unit) => {
    const from = startFrom(resume?.instances, unit);
    return from === undefined ? [] : [runListing(pass, instanceListing(pass, unit, from))];
  });
};

export { startInstances };
