// The demo's plan scans: the whole demo account against the policy through the bulk engine, changing
// nothing — once before the story (the baseline) and once after (the state now). They give the report
// its "state now" and its trend, and they tell which old instances a bulk run would bring into line.
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { createLogger } from '#shared/audit/logger.ts';

interface PlanScan {
  records: DecisionRecord[];
  /** The line a bulk run logs when it ends (`scan summary`), so the report knows the run finished. */
  summaryLine: Record<string, unknown>;
  complete: boolean;
}

/** Plans every instance, template and trusted profile of the account; nothing is changed. */
const planScan = async (env: Record<string, string>): Promise<PlanScan> => {
  const [{ runtimeLoader }, { runScan }, { DEFAULTS }] = await Promise.all([
    import('#shared/runtime/guard.ts'),
    import('#functions/sweep/engine.ts'),
    import('#functions/sweep/options.ts'),
  ]);
  const logger = createLogger({ sink: () => {}, level: 'error' });
  const rt = await runtimeLoader('instance-guard', { env, logger })();
  const records: DecisionRecord[] = [];
  const summary = await runScan(rt, {
    fn: 'scan',
    apply: false,
    include: ['instances', 'templates', 'profiles'],
    concurrency: DEFAULTS.concurrency,
    regionConcurrency: DEFAULTS.regionConcurrency,
    onRecord: (r) => {
      records.push(r);
    },
  });
  const summaryLine = {
    timestamp: new Date().toISOString(),
    level: 'info',
    message: 'scan summary',
    app: 'imds-guard',
    subsystem: 'scan',
    fn: 'scan',
    run_id: summary.run_id,
    mode: summary.mode,
    complete: summary.complete,
    decided: summary.decided,
    outcomes: summary.outcomes,
    changes: summary.changes,
    failures: summary.failures,
  };
  return { records, summaryLine, complete: summary.complete };
};

export type { PlanScan };
export { planScan };
