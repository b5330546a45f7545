// The bulk engine behind `imds-guard scan`, the cron sweep and the job. A run lists (a lister per
// resource kind, listers/), decides each resource through the same judge/settle/guard pieces as the
// event path (instance-guard's and profile-guard's act.ts), schedules requests in lanes with AIMD,
// counts, and emits one decision record per resource. Nothing here decides anything itself.
import { randomUUID } from 'node:crypto';
import { loggedChanges } from '#shared/audit/intent.ts';
import type { GuardRuntime } from '#shared/runtime/records.ts';
import { scanAccounts } from './accounts.ts';
import { LISTERS } from './listers/index.ts';
import { keepMallocHeap } from './malloc-heap.ts';
import { createPass, finishPass, listingFailed, type PassOptions } from './pass.ts';
import { reconcileIntents } from './reconcile.ts';
import { openRun, type Progress, type Run, type ScanOptions, shortenOnAbort } from './run-context.ts';
import type { ScanSummary } from './summary.ts';

/** One pass over everything this shard owns: start the listers, wait for every lane to drain. */
const runPass = async (run: Run, opts: PassOptions): Promise<ScanSummary> => {
  const pass = createPass(run, opts);
  if (!Array.isArray(run.regions)) {
    const state = pass.stats.listing('*', 'instances');
    pass.listings.push(state);
    listingFailed(pass, state, 'regions', undefined, new Error(run.regions.error));
  }
  const listers = run.o.include.flatMap((kind) => LISTERS[kind].start(pass));
  await Promise.all(listers);
  // Listers finish enqueueing before the lanes drain; a lane paused by a 429 is waited out.
  await Promise.all(run.lanes.all().map((l) => l.queue.onIdle()));
  await pass.overall.onIdle();
  return finishPass(pass);
};

/**
 * A plan, or an apply. With `maxChanges`, a counting plan comes first and the apply happens only if
 * the plan stays within the limit (otherwise nothing is changed and `refused` is set).
 */
const runPasses = async (run: Run): Promise<ScanSummary> => {
  const { rt, o } = run;
  const applying = o.apply && !rt.dryRun;
  if (!applying || o.maxChanges === undefined) return runPass(run, { applying, emit: true });
  const plan = await runPass(run, { applying: false, emit: false });
  if (plan.changes.planned > o.maxChanges) {
    const refused = {
      max_changes: o.maxChanges,
      planned_changes: plan.changes.planned,
      plan_complete: plan.complete,
    };
    return { ...plan, refused };
  }
  const applied = await runPass(run, { applying: true, emit: true, cap: { max: o.maxChanges, used: 0 } });
  return { ...applied, elapsed_ms: Date.now() - run.started };
};

/** One bulk run: intents an interrupted run left are reconciled first, then the passes. */
const runScan = async (rt: GuardRuntime, o: ScanOptions): Promise<ScanSummary> => {
  keepMallocHeap();
  // Intents and outcomes: the caller's journal (scan), else log lines next to the records (sweep, job).
  const runId = o.runId ?? randomUUID();
  const changes = o.changes ?? loggedChanges(rt.logger, { fn: o.fn, correlation_id: runId });
  // IMDS_GUARD_ACCOUNTS: each listed account with its own credentials (./accounts.ts).
  if (rt.config.accounts.length > 0) return scanAccounts(rt, { ...o, runId, changes }, runPass);
  const run = await openRun(rt, { ...o, runId, changes });
  shortenOnAbort(run);
  try {
    const reconciled = o.reconcile?.length
      ? await reconcileIntents(rt, run.apply.clients, o.reconcile, (r) => o.onRecord?.(r))
      : undefined;
    const summary = await runPasses(run);
    if (!reconciled) return summary;
    const { keptIntents: _kept, ...counts } = reconciled;
    return { ...summary, reconciled: counts };
  } finally {
    run.lanes.close();
  }
};

export type { Progress, ScanOptions };
export { runScan };
