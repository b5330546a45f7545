// The demo's check-plan scene: before anything exists, a Terraform plan that creates two instances —
// one the policy accepts, one on plain http — is judged with the same policy and decisions as the guards
// (`imds-guard check-plan`). The plan and the SARIF report are written next to the decision records, so
// the printed command runs as is.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPlan, exitCodeFor } from '#cli/plan/check.ts';
import { parsePlan } from '#cli/plan/read.ts';
import { renderTable, summaryLine } from '#cli/plan/render.ts';
import { toSarif } from '#cli/plan/sarif.ts';
import { shellQuote } from './records.ts';
import { demoPolicy, type Stage } from './timeline.ts';

const PROVIDER = 'registry.terraform.io/ibm-cloud/ibm';
const IMAGE = 'r010-5a9a3a0f-6a8b-4a0b-b0f5-6f3a1f0c2d11';

/** What `terraform show -json` gives for an instance this plan creates (values known before apply). */
const instance = (name: string, vsi: string, metadata: Record<string, unknown>) => {
  const after = {
    name: vsi,
    image: IMAGE,
    profile: 'bx2-2x8',
    zone: 'eu-de-1',
    metadata_service: [metadata],
    tags: [],
    access_tags: [],
    user_data: null,
  };
  const constants = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { constant_value: v }]));
  const { metadata_service: _, user_data: __, ...plain } = after;
  return {
    configured: {
      address: `ibm_is_instance.${name}`,
      mode: 'managed',
      type: 'ibm_is_instance',
      name,
      provider_config_key: 'ibm',
      expressions: { ...constants(plain), metadata_service: [constants(metadata)] },
    },
    planned: {
      address: `ibm_is_instance.${name}`,
      mode: 'managed',
      type: 'ibm_is_instance',
      name,
      values: after,
    },
    change: {
      address: `ibm_is_instance.${name}`,
      mode: 'managed',
      type: 'ibm_is_instance',
      name,
      provider_name: PROVIDER,
      change: {
        actions: ['create'],
        before: null,
        after,
        after_unknown: { id: true, crn: true, vpc: true, resource_group: true, status: true },
      },
    },
  };
};

/** A plan with a compliant instance (metadata service off) and a non-compliant one (on, over http). */
const demoPlan = () => {
  const db = instance('db', 'eu-db-02', { enabled: false });
  const web = instance('web', 'eu-web-02', { enabled: true, protocol: 'http', response_hop_limit: 2 });
  return {
    format_version: '1.2',
    terraform_version: '1.9.8',
    planned_values: { root_module: { resources: [db.planned, web.planned] } },
    resource_changes: [db.change, web.change],
    configuration: { root_module: { resources: [db.configured, web.configured] } },
  };
};

interface CheckPlanScene {
  exit: number;
  /** Addresses the guards would change after apply. */
  findings: string[];
}

/** Runs check-plan on the demo plan and prints what it found (or one JSON line with --json). */
const runCheckPlanScene = (stage: Stage): CheckPlanScene => {
  const { options, p } = stage;
  const started = stage.at();
  const planFile = join(stage.file.dir, 'plan.json');
  const sarifFile = join(stage.file.dir, 'check-plan.sarif');
  const text = `${JSON.stringify(demoPlan(), null, 2)}\n`;
  writeFileSync(planFile, text);
  const plan = parsePlan(text, planFile);
  const now = new Date();
  const report = checkPlan(plan, demoPolicy(now), now);
  const exit = exitCodeFor(report);
  const meta = { planFile, formatVersion: plan.format_version, terraformVersion: plan.terraform_version };
  const sarif = toSarif(report, { ...meta, policySource: 'manifest.yaml', toolVersion: '0.1.0' });
  writeFileSync(sarifFile, `${JSON.stringify(sarif, null, 2)}\n`);
  const findings = report.results.filter((r) => r.verdict === 'change').map((r) => r.address);
  const command = `imds-guard check-plan ${shellQuote(planFile)} --sarif ${shellQuote(sarifFile)}`;
  if (options.json) {
    const results = report.results.map((r) => ({
      address: r.address,
      verdict: r.verdict,
      summary: r.summary,
    }));
    options.write(
      JSON.stringify({ event: 'check-plan', at: started, command, exit, results, sarif: sarifFile }),
    );
    return { exit, findings };
  }
  options.write(
    `${p.dim(`${started.toFixed(2).padStart(6)}s`)}  ${p.bold('check-plan')} a Terraform plan, before apply: ${p.dim(command)}`,
  );
  for (const line of renderTable(report).split('\n')) options.write(`${' '.repeat(15)}${line}`.trimEnd());
  for (const line of summaryLine(report).split('\n')) options.write(`${' '.repeat(15)}${p.yellow(line)}`);
  options.write('');
  return { exit, findings };
};

export type { CheckPlanScene };
export { demoPlan, runCheckPlanScene };
