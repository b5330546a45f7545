// The demo's timeline: each user step with what the guard decided, the plan scans before and after,
// in colour on a terminal or as JSON lines (`--json`); and the demo's policy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '#emulator/scenarios/index.ts';
import type { FunctionName } from '#functions/registry.ts';
import type { DecisionRecord, Outcome } from '#shared/audit/decision.ts';
import { describeDecision } from '#shared/audit/decision-message.ts';
import { loadPolicyFromManifest } from '#shared/policy/load.ts';
import type { Policy } from '#shared/policy/schema.ts';
import type { RecordsFile } from './records.ts';
import { type PlanScan, planScan } from './scan.ts';
import type { Step } from './story.ts';
import { accountNow } from './summary.ts';

interface DemoOptions {
  json: boolean;
  color: boolean;
  write: (line: string) => void;
  /** Directory for decisions.jsonl (and report.html); default a fresh one under the temp dir. */
  out?: string;
  /** Also write the HTML report. */
  report?: boolean;
  /** Where the printed report command will be run from (it picks `npx imds-guard` there). */
  cwd?: string;
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

type Painter = ReturnType<typeof paint>;

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
  deferred: 'yellow',
} as const satisfies Record<Outcome, keyof Painter>;

const EXEMPTION_DAYS = 10;

/**
 * The repository's manifest policy, with profile tickets going to (emulated) IBM Case Management and
 * one approved, time-boxed exemption that ends soon — so the report's exemption inventory has one to
 * highlight.
 */
const demoPolicy = (now: Date): Policy => {
  const manifest = join(packageRoot(), 'manifest.yaml');
  const { policy } = loadPolicyFromManifest(readFileSync(manifest, 'utf8'), manifest);
  const expires = new Date(now.getTime() + EXEMPTION_DAYS * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const entry = {
    match: { name: 'batch-01', region: 'us-south' },
    expires,
    approver: 'security-team@example.com',
    ticket: 'CHG0099001',
    reason: 'nightly batch reads its credentials over http until the image is rebuilt',
  };
  return {
    ...policy,
    instances: {
      ...policy.instances,
      exemptions: { ...policy.instances.exemptions, list: [...policy.instances.exemptions.list, entry] },
    },
    profiles: { ...policy.profiles, ticket: { ...policy.profiles.ticket, sink: 'case-management' } },
  };
};

/** A timeline line for one decision, or null for the noise (events that are not ours). */
const decisionLine = (inv: Invocation, d: DecisionRecord, p: Painter): string | null => {
  const shown =
    d.reason.startsWith('own change') || (d.detail as { ticket?: unknown } | undefined)?.ticket !== undefined;
  if (d.outcome === 'ignored' && !shown) return null;
  const color = p[OUTCOME_COLOR[d.outcome]];
  const cost = d.api_calls > 0 ? p.dim(` · ${d.api_calls} API calls`) : '';
  const exposure =
    typeof d.detail?.exposure_ms === 'number' ? p.dim(` · exposed ${d.detail.exposure_ms} ms`) : '';
  return `${p.dim(`${inv.at.toFixed(2).padStart(6)}s`)}  ${p.dim('→')} ${p.dim(inv.fn.padEnd(15))} ${color(d.outcome.padEnd(14))} ${describeDecision(d)}${cost}${exposure}`;
};

const scanLine = (at: number, label: string, scan: PlanScan, p: Painter): string => {
  const now = accountNow(scan.records);
  return `${p.dim(`${at.toFixed(2).padStart(6)}s`)}  ${p.bold('scan ')} ${label}: ${now.comply} of ${now.instances} instances comply, ${now.needsChange.length} need a change, ${now.exempt.length} exempt ${p.dim(`(${scan.records.length} records, nothing changed)`)}`;
};

interface Stage {
  options: DemoOptions;
  p: Painter;
  at: () => number;
  file: RecordsFile;
}

const runScanStage = async (
  stage: Stage,
  env: Record<string, string>,
  phase: 'before' | 'after',
): Promise<PlanScan> => {
  const started = stage.at();
  const scan = await planScan(env);
  stage.file.write([...scan.records, scan.summaryLine]);
  const label =
    phase === 'before'
      ? 'plan of the whole account before the story'
      : 'plan of the whole account after the story';
  if (stage.options.json)
    stage.options.write(
      JSON.stringify({ event: 'scan', at: started, phase, complete: scan.complete, decisions: scan.records }),
    );
  else {
    stage.options.write(scanLine(started, label, scan, stage.p));
    stage.options.write('');
  }
  return scan;
};

const printStep = (stage: Stage, result: StepResult): void => {
  const { options, p } = stage;
  const { step, at: started, error } = result;
  if (options.json) {
    options.write(
      JSON.stringify({
        event: 'step',
        at: started,
        who: step.who,
        did: step.did,
        expect: step.expect,
        ...(error ? { error } : {}),
        decisions: result.invocations.flatMap((i) =>
          i.decisions.map((d) => ({ ...d, at: i.at, status: i.status })),
        ),
      }),
    );
    return;
  }
  options.write(`${p.dim(`${started.toFixed(2).padStart(6)}s`)}  ${p.bold(step.who.padEnd(5))} ${step.did}`);
  options.write(`${' '.repeat(15)}${p.dim(`expect: ${step.expect}`)}`);
  if (error) options.write(`${' '.repeat(15)}${p.red(`the step failed: ${error}`)}`);
  for (const inv of result.invocations)
    for (const d of inv.decisions) {
      const line = decisionLine(inv, d, p);
      if (line) options.write(line);
    }
  options.write('');
};

export type { DemoOptions, Invocation, Painter, Stage, StepResult };
export { demoPolicy, paint, printStep, runScanStage };
