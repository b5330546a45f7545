// Instance templates: one call per region lists them all (the API takes no paging parameters, facts
// §1.8, and no VPC filter), and the region's instance groups are listed once and handed to every
// template's guard; each template the shard owns goes through guardTemplate with what was listed.
import type { InstanceTemplate } from '#shared/cloud/vpc.ts';
import { cloudCall, withRetry } from '#shared/runtime/retry.ts';
import { type GroupRef, guardTemplate, listGroups } from '../../instance-guard/act.ts';
import { runListing } from '../listing.ts';
import { type Decided, giveBack, heldBack, type Pass, takeSlot, type Work } from '../pass.ts';
import { failedResult } from '../run-context.ts';

const templateWork =
  (pass: Pass, region: string, t: InstanceTemplate, groups: () => Promise<GroupRef[]>): Work =>
  async (mode) => {
    const { run } = pass;
    const slot = mode === 'apply' && takeSlot(pass);
    const use = slot ? run.apply : run.plan;
    let result: Decided['result'];
    try {
      const ref = { region, type: 'instance-template', id: t.id, crn: t.crn };
      result = await guardTemplate(use, ref, { known: t, groups: await groups(), changes: run.o.changes });
    } catch (err) {
      result = failedResult(err);
    }
    if (slot) giveBack(pass, result);
    const held = mode === 'apply' && !slot;
    return {
      kind: 'instance-template',
      crn: t.crn,
      result: held ? heldBack(pass, result) : result,
      ctxRt: use.rt,
    };
  };

const startTemplatesIn = (pass: Pass, region: string): Promise<void> => {
  const { run } = pass;
  let groups: Promise<GroupRef[]> | undefined;
  const groupsOnce = async (): Promise<GroupRef[]> => {
    groups ??= run.apply.clients.vpc(region).then(listGroups);
    return groups;
  };
  return runListing<InstanceTemplate>(pass, {
    state: pass.stats.listing(region, 'templates'),
    lane: run.lanes.region(region),
    from: null,
    what: 'instance templates',
    region,
    fetch: async () => {
      const vpc = await run.apply.clients.vpc(region);
      const res = await withRetry(() => cloudCall(vpc.listInstanceTemplates()), {
        attempts: 3,
        deadline: run.apply.deadline,
      });
      return { items: res.result.templates, next: undefined, total: res.result.templates.length };
    },
    owns: (t) => run.assignment.ownsTemplate(t, region),
    share: 1,
    handle: (t) => templateWork(pass, region, t, groupsOnce),
    onIncomplete: () => {
      pass.resume.templates = [...(pass.resume.templates ?? []), region];
    },
  });
};

/** This shard's template listings (resumed ones only when their region is named). */
const startTemplates = (pass: Pass): Promise<void>[] => {
  const { resume } = pass.run.o;
  return pass.run.assignment.templateRegions
    .filter((region) => !resume || resume.templates?.includes(region))
    .map((region) => startTemplatesIn(pass, region));
};

export { startTemplates };
