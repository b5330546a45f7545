// `imds-guard demo`: the emulator, the functions behind a local Code Engine host, Activity Tracker
// subscriptions between them, and the story's users making changes. Prints a timeline and a summary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '#emulator/index.ts';
import { packageRoot } from '#emulator/scenarios/index.ts';
import { actionsFor } from '#events/routes.ts';
import { EVENT_FUNCTIONS, type FunctionName, loadFunction } from '#functions/registry.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { createLogger } from '#shared/audit/logger.ts';
import { loadPolicyFromManifest } from '#shared/policy/load.ts';
import type { CeParams } from '#shared/runtime/ce-params.ts';
import { startLocalHost } from '#shared/runtime/local-host.ts';
import { actorFor, STORY, type Step, type Who, type World } from './story.ts';

interface DemoOptions {
  json: boolean;
  color: boolean;
  write: (line: string) => void;
}

interface Invocation {
  fn: FunctionName;
  at: number;
  status: number;
  decisions: DecisionRecord[];
}

interface StepResult {
  step: Step;
  at: number;
  invocations: Invocation[];
  error?: string;
}

const paint = (on: boolean) => {
  const c = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { dim: c(2), bold: c(1), green: c(32), yellow: c(33), red: c(31), cyan: c(36), magenta: c(35) };
};

const OUTCOME_COLOR = {
  remediated: 'green',
  compliant: 'green',
  exempt: 'cyan',
  planned: 'yellow',
  ignored: 'dim',
  refused: 'yellow',
  gone: 'dim',
  failed: 'red',
  ticket_opened: 'magenta',
  ticket_updated: 'magenta',
  ticket_resolved: 'green',
} as const;

/** What a decision did, in a few words. */
const summary = (r: DecisionRecord): string => {
  const d = (r.detail ?? {}) as Record<string, unknown>;
  const profile = d.profile as { name?: string } | undefined;
  const name = typeof d.name === 'string' ? d.name : (profile?.name ?? r.target_crn?.split(':').pop() ?? '');
  const ticket = d.ticket as { id?: string; sink?: string } | undefined;
  const findings = (d.findings as { rule_id?: string; severity?: string }[] | undefined) ?? [];
  if (ticket?.id && r.outcome.startsWith('ticket_')) {
    const what = findings.map((f) => `${f.rule_id} (${f.severity})`).join(', ');
    const verb = { ticket_opened: 'opened', ticket_updated: 'updated', ticket_resolved: 'resolved' }[
      r.outcome as 'ticket_opened'
    ];
    return `${name}: ${ticket.sink} ticket ${ticket.id} ${verb}${what ? `: ${what}` : ''}`;
  }
  if (ticket?.id && r.outcome === 'ignored')
    return `${name}: findings unchanged, ticket ${ticket.id} already tracks them`;
  const patch = d.patch as Record<string, unknown> | undefined;
  const describe = (p: Record<string, unknown>): string =>
    p.enabled === false
      ? 'metadata service disabled'
      : [
          p.enabled === true ? 'enabled' : '',
          p.protocol ? `protocol ${p.protocol}` : '',
          p.response_hop_limit !== undefined ? `hop limit ${p.response_hop_limit}` : '',
        ]
          .filter(Boolean)
          .join(', ');
  switch (r.outcome) {
    case 'remediated':
      if (d.kind === 'instance-template') return `${name}: replaced by a compliant copy`;
      return `${name}: ${patch ? describe(patch) : 'fixed'} (rule ${String(d.rule ?? 'default')})`;
    case 'compliant':
      return `${name}: already as the policy wants`;
    case 'exempt':
      return `${name}: ${r.reason}`;
    case 'planned':
      return `${name}: ${r.reason.split('; ').slice(-2).join('; ')}`;
    case 'failed':
      return `${name}: ${r.reason}`;
    case 'ignored':
      return r.reason.startsWith('own change') ? "the guard's own change came back as an event" : r.reason;
    default:
      return `${name}: ${r.reason}`;
  }
};

const runDemo = async (options: DemoOptions): Promise<number> => {
  const t0 = performance.now();
  const at = (): number => Math.round(performance.now() - t0) / 1000;
  const p = paint(options.color && !options.json);
  const emu = await startEmulator({});
  const account = emu.emulator.state.account.id;
  const deployed = [...EVENT_FUNCTIONS];
  let current: Invocation[] = [];
  // The repository's manifest policy, with profile tickets going to (emulated) IBM Case Management.
  const manifest = join(packageRoot(), 'manifest.yaml');
  const { policy } = loadPolicyFromManifest(readFileSync(manifest, 'utf8'), manifest);
  const demoPolicy = {
    ...policy,
    profiles: { ...policy.profiles, ticket: { ...policy.profiles.ticket, sink: 'case-management' } },
  };
  const env = {
    IMDS_GUARD_ENDPOINT: emu.url,
    IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
    IMDS_GUARD_POLICY: JSON.stringify(demoPolicy),
  };
  // Decision lines go to the timeline, not to stdout: the demo prints its own view of them.
  const quiet = createLogger({ sink: () => {} });
  const tapped = Object.fromEntries(
    deployed.map((fn) => [
      fn,
      async () => {
        const main = await loadFunction(fn, { env, logger: quiet });
        return async (params: CeParams) => {
          const res = await main(params);
          const body = res.body as { decisions?: DecisionRecord[] };
          current.push({ fn, at: at(), status: res.statusCode, decisions: body.decisions ?? [] });
          return res;
        };
      },
    ]),
  );
  const host = await startLocalHost({ functions: tapped });
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${emu.url}/_emulator${path}`, {
      method,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    return res.json();
  };
  try {
    for (const fn of deployed) {
      await admin('POST', '/subscriptions', {
        name: fn,
        url: `${host.url}/functions/${fn}`,
        envelope: 'at',
        actions: actionsFor(fn),
      });
    }
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

    if (!options.json) {
      options.write(
        p.bold('imds-guard demo') +
          p.dim(` — a local IBM Cloud at ${emu.url}, the guard on a local Code Engine host`),
      );
      options.write(
        p.dim(
          `functions: ${deployed.join(', ')} · policy: manifest.yaml · events: Activity Tracker → subscriptions`,
        ),
      );
      options.write('');
    }
    const results: StepResult[] = [];
    for (const step of STORY) {
      if (step.needs && !(deployed as string[]).includes(step.needs)) continue;
      current = [];
      const started = at();
      let error: string | undefined;
      try {
        await step.run(world);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      await admin('POST', '/deliveries/flush?timeout_ms=15000');
      const result: StepResult = { step, at: started, invocations: current, ...(error ? { error } : {}) };
      results.push(result);
      if (options.json) {
        options.write(
          JSON.stringify({
            event: 'step',
            at: started,
            who: step.who,
            did: step.did,
            expect: step.expect,
            ...(error ? { error } : {}),
            decisions: current.flatMap((i) => i.decisions.map((d) => ({ ...d, at: i.at, status: i.status }))),
          }),
        );
        continue;
      }
      options.write(
        `${p.dim(`${started.toFixed(2).padStart(6)}s`)}  ${p.bold(step.who.padEnd(5))} ${step.did}`,
      );
      options.write(`${' '.repeat(15)}${p.dim(`expect: ${step.expect}`)}`);
      if (error) options.write(`${' '.repeat(15)}${p.red(`the step failed: ${error}`)}`);
      for (const inv of current) {
        for (const d of inv.decisions) {
          const shown =
            d.reason.startsWith('own change') ||
            (d.detail as { ticket?: unknown } | undefined)?.ticket !== undefined;
          if (d.outcome === 'ignored' && !shown) continue;
          const color = p[OUTCOME_COLOR[d.outcome]];
          const cost = d.api_calls > 0 ? p.dim(` · ${d.api_calls} API calls`) : '';
          const exposure =
            typeof d.detail?.exposure_ms === 'number' ? p.dim(` · exposed ${d.detail.exposure_ms} ms`) : '';
          options.write(
            `${p.dim(`${inv.at.toFixed(2).padStart(6)}s`)}  ${p.dim('→')} ${p.dim(inv.fn.padEnd(15))} ${color(d.outcome.padEnd(14))} ${summary(d)}${cost}${exposure}`,
          );
        }
      }
      options.write('');
    }

    // Summary: what the guard decided, what it cost, and what no event will ever fix.
    const all = results.flatMap((r) => r.invocations.flatMap((i) => i.decisions));
    const counts = new Map<string, number>();
    for (const d of all) counts.set(d.outcome, (counts.get(d.outcome) ?? 0) + 1);
    const exposures = all
      .map((d) => d.detail?.exposure_ms)
      .filter((x): x is number => typeof x === 'number')
      .sort((a, b) => a - b);
    const apiCalls = all.reduce((n, d) => n + d.api_calls, 0);
    const vpc = world.actor('alice').vpc('us-south');
    const remaining = (await vpc.listInstances({ limit: 100 })).result.instances.filter(
      (i) => i.metadata_service.enabled && i.metadata_service.protocol === 'http',
    );
    const cases = (await fetch(`${emu.url}/_emulator/state?full=1`).then((r) => r.json())) as {
      cases: { number: string; short_description: string; status: string }[];
    };
    const tickets = cases.cases.map((c) => `${c.number} (${c.status})`);
    const stepErrors = results.filter((r) => r.error).length;
    const serverErrors = results.flatMap((r) => r.invocations).filter((i) => i.status >= 500).length;
    const elapsed = at();
    const summaryLine = {
      event: 'summary',
      steps: results.length,
      deliveries: results.reduce((n, r) => n + r.invocations.length, 0),
      outcomes: Object.fromEntries(counts),
      api_calls: apiCalls,
      exposure_ms: exposures.length
        ? { p50: exposures[Math.floor(exposures.length / 2)], max: exposures.at(-1) }
        : null,
      still_on_http_in_us_south: remaining.map((i) => i.name),
      case_management: tickets,
      step_errors: stepErrors,
      function_5xx: serverErrors,
      seconds: elapsed,
    };
    if (options.json) options.write(JSON.stringify(summaryLine));
    else {
      options.write(p.bold('summary'));
      options.write(
        `  ${summaryLine.steps} user changes → ${summaryLine.deliveries} Activity Tracker deliveries → ${[...counts].map(([o, n]) => `${n} ${o}`).join(', ')}`,
      );
      if (tickets.length > 0)
        options.write(`  Case Management: ${tickets.length} ticket(s) ever opened: ${tickets.join(', ')}`);
      options.write(
        `  ${apiCalls} IBM API calls by the guard${exposures.length ? `; exposure window (event → verified fix) p50 ${summaryLine.exposure_ms?.p50} ms, max ${summaryLine.exposure_ms?.max} ms` : ''}`,
      );
      if (remaining.length > 0) {
        options.write(
          `  ${remaining.length} instances in us-south still serve metadata on http: they predate the guard, so no event will come for them (${remaining.map((i) => i.name).join(', ')}).`,
        );
        options.write(
          p.dim(
            '  A bulk run or the cron sweep brings them into line: imds-guard scan --regions all (plan), then --apply.',
          ),
        );
      }
      options.write(p.dim(`  done in ${elapsed.toFixed(1)} s`));
    }
    return stepErrors > 0 || serverErrors > 0 ? 1 : 0;
  } finally {
    await host.close();
    await emu.close();
  }
};

export type { DemoOptions };
export { runDemo };
