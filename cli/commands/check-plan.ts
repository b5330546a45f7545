// `imds-guard check-plan PLAN.json`: the guards' policy and decisions applied to `terraform show -json`
// output before anything exists — a table, `--json`, or SARIF 2.1.0 (`--sarif [FILE]`). Exit codes and CI
// use: docs/check-plan.md.
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Command, CommanderError } from 'commander';
import { checkPlan, exitCodeFor } from '#cli/plan/check.ts';
import { readPlanFile } from '#cli/plan/read.ts';
import { type ReportMeta, renderTable, summaryLine, toJson } from '#cli/plan/render.ts';
import { toSarif } from '#cli/plan/sarif.ts';
import { EXIT } from '#cli/plan/types.ts';
import { loadConfig } from '#shared/config.ts';
import { ConfigError, errorMessage, InvalidInputError } from '#shared/errors.ts';
import { formatIssue, loadPolicy, PolicyError } from '#shared/policy/load.ts';

interface Flags {
  json?: boolean;
  /** true: SARIF on stdout; a string: SARIF to that file (the table or JSON still on stdout). */
  sarif?: boolean | string;
  manifest?: string;
}

const TOOL_VERSION = '0.1.0';

const HELP_AFTER = `
Reads the JSON form of a saved plan:
  terraform plan -out tfplan && terraform show -json tfplan > plan.json
and judges every ibm_is_instance, ibm_is_instance_template and ibm_iam_trusted_profile* the plan creates
or changes with the same policy and decisions as the guards. Values Terraform knows only after apply are
reported as "cannot tell", never as a pass.

Exit codes:
  0  nothing the guards would change (compliant, exempt, audit-only findings, or nothing to judge)
  2  bad input: not a Terraform JSON plan, unreadable file, invalid policy, bad arguments; nothing written
  3  after apply the guards would change or ticket something this plan creates or changes
  4  nothing to change found, but some resources cannot be judged before apply

The policy comes from IMDS_GUARD_POLICY, --manifest, IMDS_GUARD_MANIFEST or ./manifest.yaml.`;

class UsageError extends InvalidInputError {
  override name = 'UsageError';
}

/** Bad input is one line: a policy with several problems names the first and how to see them all. */
const oneLine = (err: unknown): string => {
  if (err instanceof PolicyError) {
    const [first] = err.issues.filter((i) => i.severity === 'error');
    const more = err.issues.length - 1;
    const text = first ? formatIssue(err.file, first) : err.message.split('\n')[0];
    return `invalid policy: ${text}${more > 0 ? ` (and ${more} more; run imds-guard validate)` : ''}`;
  }
  return errorMessage(err).split('\n')[0] ?? '';
};

/** Written whole or not at all: a killed run never leaves half a SARIF file for an uploader. */
const writeAtomically = async (file: string, text: string): Promise<void> => {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UsageError(`cannot write ${file}: ${errorMessage(err)}`, { cause: err });
  }
};

const runCheckPlan = async (file: string, flags: Flags): Promise<number> => {
  if (flags.json && flags.sarif === true)
    throw new UsageError('--json and --sarif both want stdout; give --sarif a file name');
  const env = flags.manifest ? { ...process.env, IMDS_GUARD_MANIFEST: flags.manifest } : process.env;
  const loaded = await loadPolicy(loadConfig(env));
  const plan = await readPlanFile(file);
  for (const w of loaded.warnings) process.stderr.write(`${formatIssue(loaded.source, w)}\n`);
  const report = checkPlan(plan, loaded.policy, new Date());
  const meta: ReportMeta = {
    planFile: file === '-' ? 'stdin' : file,
    formatVersion: plan.format_version,
    terraformVersion: plan.terraform_version,
    policySource: loaded.source,
  };
  const sarif = flags.sarif
    ? `${JSON.stringify(toSarif(report, { ...meta, toolVersion: TOOL_VERSION }), null, 2)}\n`
    : '';
  if (typeof flags.sarif === 'string') await writeAtomically(flags.sarif, sarif);
  if (flags.sarif === true) process.stdout.write(sarif);
  else if (flags.json) process.stdout.write(`${JSON.stringify(toJson(report, meta), null, 2)}\n`);
  else process.stdout.write(`${renderTable(report)}\n`);
  process.stderr.write(`${summaryLine(report)}\n`);
  return exitCodeFor(report);
};

const registerCheckPlan = (program: Command): void => {
  program
    .command('check-plan')
    .description('judge a Terraform plan (terraform show -json) with the guards\u2019 policy before apply')
    .argument('<plan>', 'the output of `terraform show -json tfplan` (- for stdin)')
    .option('--json', 'the report as one JSON document')
    .option('--sarif [file]', 'the report as SARIF 2.1.0: on stdout, or written to <file>')
    .option('--manifest <file>', 'read the policy from this manifest (default: environment, ./manifest.yaml)')
    .addHelpText('after', HELP_AFTER)
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    })
    .action(async (file: string, flags: Flags) => {
      try {
        process.exitCode = await runCheckPlan(file, flags);
      } catch (err) {
        const usage = err instanceof InvalidInputError || err instanceof ConfigError;
        process.stderr.write(`imds-guard check-plan: ${oneLine(err)}\n`);
        process.exitCode = usage ? EXIT.usage : EXIT.failure;
      }
    });
};

export { registerCheckPlan };
