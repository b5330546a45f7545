// `imds-guard demo`: the emulator, the functions behind a local Code Engine host, Activity Tracker
// subscriptions between them, and the story's users making changes. A plan scan before and after the
// story shows the account's state; every decision record goes to a file the report reads, and the demo
// ends with the command that turns it into the HTML report (or writes it, with --report).
import { writeFile } from 'node:fs/promises';
import { startEmulator } from '#emulator/index.ts';
import { packageRoot } from '#emulator/scenarios/index.ts';
import { actionsFor } from '#events/routes.ts';
import { EVENT_FUNCTIONS, loadFunction } from '#functions/registry.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { createLogger } from '#shared/audit/logger.ts';
import type { CeParams } from '#shared/runtime/ce-params.ts';
import { startLocalHost } from '#shared/runtime/local-host.ts';
import { runCheckPlanScene } from './check-plan.ts';
import { openRecordsFile, reportCommand } from './records.ts';
import { demoClock, rolloutScene } from './rollout.ts';
import type { PlanScan } from './scan.ts';
import { actorFor, STORY, type Step, type Who, type World } from './story.ts';
import { accountLines, accountNow } from './summary.ts';
import {
  type DemoOptions,
  demoPolicy,
  type Invocation,
  type Painter,
  paint,
  printStep,
  runScanStage,
  type Stage,
  type StepResult,
} from './timeline.ts';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const makeWorld = (emu: Emulator): World => {
  const account = emu.emulator.state.account.id;
  const actors = new Map<Who, ReturnType<typeof actorFor>>();
  const memory = new Map<string, string>();
  const world: World = {
    url: emu.url,
    account,
    actor: (who) => {
      let a = actors.get(who);
      if (!a) {
        a = actorFor(emu.url, who);
        actors.set(who, a);
      }
      return a;
    },
    profile: async (name) => {
      const res = await world.actor('alice').identity.listProfiles({ accountId: account, name });
      const p = res.result.profiles?.[0];
      if (!p?.id || !p.iam_id) throw new Error(`no trusted profile ${name}`);
      return { id: p.id, iam_id: p.iam_id, name: p.name ?? name };
    },
    remember: (key, value) => {
      memory.set(key, value);
    },
    recall: (key) => memory.get(key) ?? '',
    instance: async (name) => {
      const list = await world.actor('alice').vpc('us-south').listInstances({ name });
      const found = list.result.instances[0];
      if (!found) throw new Error(`no instance ${name} in us-south`);
      return found;
    },
  };
  return world;
};

/** The functions behind a local Code Engine host, each invocation's decisions collected for the timeline. */
const startFunctions = async (
  env: Record<string, string>,
  at: () => number,
  sink: Invocation[][],
  now?: () => Date,
) => {
  // Decision lines go to the timeline and the records file, not to stdout.
  const quiet = createLogger({ sink: () => {} });
  const tapped = Object.fromEntries(
    EVENT_FUNCTIONS.map((fn) => {
      // One warm container per function, as Code Engine keeps one between calls (the rollout's
      // notices live in its memory when no trail bucket is configured).
      const warm = loadFunction(fn, { env, logger: quiet, ...(now ? { now } : {}) });
      return [
        fn,
        async () => {
          const main = await warm;
          return async (params: CeParams) => {
            const res = await main(params);
            const body = res.body as { decisions?: DecisionRecord[] };
            sink[0]?.push({ fn, at: at(), status: res.statusCode, decisions: body.decisions ?? [] });
            return res;
          };
        },
      ];
    }),
  );
  return startLocalHost({ functions: tapped });
};

const admin = async (url: string, method: string, path: string, body?: unknown): Promise<unknown> => {
  const res = await fetch(`${url}/_emulator${path}`, {
    method,
    ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return res.json();
};

const playStory = async (
  stage: Stage,
  emu: Emulator,
  world: World,
  current: Invocation[][],
  steps: readonly Step[] = STORY,
): Promise<StepResult[]> => {
  const results: StepResult[] = [];
  for (const step of steps) {
    if (step.needs && !(EVENT_FUNCTIONS as readonly string[]).includes(step.needs)) continue;
    current[0] = [];
    const started = stage.at();
    let error: string | undefined;
    try {
      await step.run(world);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    await admin(emu.url, 'POST', '/deliveries/flush?timeout_ms=15000');
    const invocations = current[0] ?? [];
    const result: StepResult = { step, at: started, invocations, ...(error ? { error } : {}) };
    results.push(result);
    stage.file.write(invocations.flatMap((i) => i.decisions));
    printStep(stage, result);
  }
  return results;
};

interface Ending {
  results: StepResult[];
  after: PlanScan;
  world: World;
  emu: Emulator;
  elapsed: number;
  report: string;
}

const summaryOf = async (stage: Stage, e: Ending) => {
  const all = e.results.flatMap((r) => r.invocations.flatMap((i) => i.decisions));
  const counts = new Map<string, number>();
  for (const d of all) counts.set(d.outcome, (counts.get(d.outcome) ?? 0) + 1);
  const exposures = all
    .map((d) => d.detail?.exposure_ms)
    .filter((x): x is number => typeof x === 'number')
    .sort((a, b) => a - b);
  const vpc = e.world.actor('alice').vpc('us-south');
  const onHttp = (await vpc.listInstances({ limit: 100 })).result.instances.filter(
    (i) => i.metadata_service.enabled && i.metadata_service.protocol === 'http',
  );
  const state = (await admin(e.emu.url, 'GET', '/state?full=1')) as {
    cases: { number: string; status: string }[];
  };
  const now = accountNow(e.after.records);
  return {
    event: 'summary',
    steps: e.results.length,
    deliveries: e.results.reduce((n, r) => n + r.invocations.length, 0),
    outcomes: Object.fromEntries(counts),
    api_calls: all.reduce((n, d) => n + d.api_calls, 0),
    exposure_ms: exposures.length
      ? { p50: exposures[Math.floor(exposures.length / 2)], max: exposures.at(-1) }
      : null,
    still_on_http_in_us_south: onHttp.map((i) => i.name),
    account_now: {
      instances: now.instances,
      comply: now.comply,
      needs_change: now.needsChange.map((n) => n.name),
      exempt: now.exempt.map((x) => x.name),
    },
    case_management: state.cases.map((c) => `${c.number} (${c.status})`),
    step_errors: e.results.filter((r) => r.error).length,
    function_5xx: e.results.flatMap((r) => r.invocations).filter((i) => i.status >= 500).length,
    records: stage.file.path,
    report_command: e.report,
    report_html: stage.options.report ? stage.file.html : null,
    seconds: e.elapsed,
  };
};

const printSummary = (
  stage: Stage,
  s: Awaited<ReturnType<typeof summaryOf>>,
  after: PlanScan,
  p: Painter,
): void => {
  const w = stage.options.write;
  w(p.bold('summary'));
  w(
    `  ${s.steps} user changes → ${s.deliveries} Activity Tracker deliveries → ${Object.entries(s.outcomes)
      .map(([o, n]) => `${n} ${o}`)
      .join(', ')}`,
  );
  if (s.case_management.length > 0)
    w(
      `  Case Management: ${s.case_management.length} ticket(s) ever opened: ${s.case_management.join(', ')}`,
    );
  w(
    `  ${s.api_calls} IBM API calls by the guard${s.exposure_ms ? `; exposure window (event → verified fix) p50 ${s.exposure_ms.p50} ms, max ${s.exposure_ms.max} ms` : ''}`,
  );
  for (const line of accountLines(accountNow(after.records), p)) w(line);
  w(`  Decision records: ${s.records}`);
  if (s.report_html) w(`  Report: ${s.report_html} (open it in a browser)`);
  else w(`  The report on them (state now, failures by cause, exemptions, trend):\n    ${s.report_command}`);
  w(p.dim(`  done in ${s.seconds.toFixed(1)} s`));
};

const writeReport = async (path: string, html: string): Promise<void> => {
  const [{ buildReport }, { renderHtml }] = await Promise.all([
    import('#shared/audit/report/report.ts'),
    import('#shared/audit/report/render-html.ts'),
  ]);
  await writeFile(html, renderHtml(await buildReport([path])));
};

const runDemo = async (options: DemoOptions): Promise<number> => {
  const t0 = performance.now();
  const at = (): number => Math.round(performance.now() - t0) / 1000;
  const p = paint(options.color && !options.json);
  const file = openRecordsFile(options.out);
  const stage: Stage = { options, p, at, file };
  const emu = await startEmulator({});
  const env = {
    IMDS_GUARD_ENDPOINT: emu.url,
    IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
    IMDS_GUARD_POLICY: JSON.stringify(demoPolicy(new Date())),
  };
  const current: Invocation[][] = [[]];
  const clock = demoClock();
  const host = await startFunctions(env, at, current, clock.now);
  try {
    for (const fn of EVENT_FUNCTIONS)
      await admin(emu.url, 'POST', '/subscriptions', {
        name: fn,
        url: `${host.url}/functions/${fn}`,
        envelope: 'at',
        actions: actionsFor(fn),
      });
    if (!options.json) {
      options.write(
        p.bold('imds-guard demo') +
          p.dim(` — a local IBM Cloud at ${emu.url}, the guard on a local Code Engine host`),
      );
      options.write(
        p.dim(
          `functions: ${EVENT_FUNCTIONS.join(', ')} · policy: manifest.yaml · events: Activity Tracker → subscriptions`,
        ),
      );
      options.write('');
    }
    const world = makeWorld(emu);
    await runScanStage(stage, env, 'before');
    const results = await playStory(stage, emu, world, current, [...STORY, ...rolloutScene(clock)]);
    const after = await runScanStage(stage, env, 'after');
    runCheckPlanScene(stage);
    if (options.report) await writeReport(file.path, file.html);
    const report = reportCommand(file, { cwd: options.cwd ?? process.cwd(), root: packageRoot() });
    const summary = await summaryOf(stage, { results, after, world, emu, elapsed: at(), report });
    if (options.json) options.write(JSON.stringify(summary));
    else printSummary(stage, summary, after, p);
    return summary.step_errors > 0 || summary.function_5xx > 0 ? 1 : 0;
  } finally {
    await host.close();
    await emu.close();
  }
};

export type { DemoOptions };
export { runDemo };
