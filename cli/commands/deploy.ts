// `imds-guard deploy [--manifest FILE] [--dry-run [--json] | --terraform DIR]`: manifest.yaml → the `ibmcloud` commands that deploy it
// (shared/manifest/deploy-plan.ts), run in order with output streamed, stopping at the first failure with
// its exit code. What exists is read first, so a re-run updates and never duplicates. --dry-run prints the
// commands instead; without the IBM Cloud CLI it assumes nothing exists and says so. --terraform DIR writes
// the Terraform module and its inputs instead (deploy-terraform.ts).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { errorMessage } from '#shared/errors.ts';
import { EMPTY_STATE, type ExistingState, planDeploy } from '#shared/manifest/deploy-plan.ts';
import { ProbeError, probeState } from '#shared/manifest/deploy-probe.ts';
import { commandLine, planJson, renderPlan } from '#shared/manifest/deploy-render.ts';
import { envProblems, findOnPath, runPlan, spawnExec } from '#shared/manifest/deploy-run.ts';
import { formatIssue, type LoadedManifest, loadManifestFile, ManifestError } from '#shared/manifest/load.ts';
import type { Deployment } from '#shared/manifest/schema.ts';
import { UsageError, type Verbosity, verbosityOf } from '../options.ts';
import { writeTerraform } from './deploy-terraform.ts';

interface DeployOptions {
  manifest: string;
  dryRun?: boolean;
  json?: boolean;
  terraform?: string;
}

const NO_CLI = `imds-guard deploy runs the IBM Cloud CLI, and ibmcloud is not on PATH.
Install it with the Code Engine and Activity Tracker Event Routing plugins, then log in:
  curl -fsSL https://clis.cloud.ibm.com/install/linux | sh    (macOS: .../install/osx; https://cloud.ibm.com/docs/cli)
  ibmcloud plugin install code-engine
  ibmcloud plugin install atracker
  ibmcloud login
Or print the commands without running anything: imds-guard deploy --dry-run
`;

const fail = (message: string, code = 2): void => {
  process.stderr.write(`${message.endsWith('\n') ? message : `${message}\n`}`);
  process.exitCode = code;
};

const load = async (file: string): Promise<LoadedManifest | undefined> => {
  try {
    const loaded = await loadManifestFile(file);
    for (const w of loaded.warnings) process.stderr.write(`${formatIssue(loaded.file, w)}\n`);
    return loaded;
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    fail(`${err.message}\n${err.file}: not deployed; run imds-guard validate after fixing it`);
    return undefined;
  }
};

/** What must be true on this machine before anything runs: built code, secret values in the environment. */
const preflight = (d: Deployment, loaded: LoadedManifest): string[] => {
  const sources = [
    ...d.functions.map((f) => ({ what: `function ${f.name}`, dir: f.build_source })),
    ...(d.app ? [{ what: `app ${d.app.name}`, dir: d.app.build_source }] : []),
    ...(d.job ? [{ what: `job ${d.job.name}`, dir: d.job.build_source }] : []),
  ];
  const missingBuilds = sources.flatMap(({ what, dir }) =>
    dir !== undefined && !existsSync(dir)
      ? [`${dir} does not exist (${what}); build it first: npm run build`]
      : [],
  );
  const env = envProblems(planDeploy(d, loaded.policy, EMPTY_STATE, loaded.file), process.env);
  return [
    ...missingBuilds,
    ...env.map((p) => `${p}: secret values are read from the environment when deploying`),
  ];
};

const missingExisting = (d: Deployment, state: ExistingState): string[] =>
  d.secrets
    .filter((s) => s.from === 'existing' && !state.secrets.has(s.name))
    .map(
      (s) =>
        `secret ${s.name} is declared from: existing but is not in project ${d.project.name}; create it first`,
    );

const deploy = async (opts: DeployOptions, say: Verbosity): Promise<void> => {
  if (opts.terraform !== undefined && opts.dryRun) {
    fail('--terraform writes a Terraform module and runs nothing; leave out --dry-run');
    return;
  }
  const loaded = await load(opts.manifest);
  if (!loaded) return;
  if (opts.terraform !== undefined) {
    process.exitCode = await writeTerraform(loaded, opts.terraform);
    return;
  }
  const d = loaded.deployment;
  if (!d) {
    fail(
      `${loaded.file} has no deployment sections (project:, accounts:, identity:, functions: …); nothing to deploy. See docs/deploy.md.`,
    );
    return;
  }
  const bin = findOnPath('ibmcloud');
  if (opts.dryRun) {
    let state: ExistingState = EMPTY_STATE;
    if (bin) {
      try {
        state = await probeState(d, spawnExec(bin, process.stderr));
      } catch (err) {
        if (!(err instanceof ProbeError)) throw err;
        state = { ...EMPTY_STATE, unread: `ibmcloud could not read it: ${err.message}` };
      }
    }
    const plan = planDeploy(d, loaded.policy, state, loaded.file);
    process.stdout.write(opts.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : renderPlan(plan));
    process.exitCode = 0;
    return;
  }
  if (!bin) {
    fail(NO_CLI);
    return;
  }
  const problems = preflight(d, loaded);
  if (problems.length > 0) {
    fail(`${problems.join('\n')}\nnothing was deployed`);
    return;
  }
  let state: ExistingState;
  try {
    state = await probeState(d, spawnExec(bin, process.stderr));
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    fail(`${err.message}\nnothing was deployed`);
    return;
  }
  const absent = missingExisting(d, state);
  if (absent.length > 0) {
    fail(`${absent.join('\n')}\nnothing was deployed`);
    return;
  }
  const plan = planDeploy(d, loaded.policy, state, loaded.file);
  const result = await runPlan(plan, {
    exec: spawnExec(bin),
    env: process.env,
    log: (line) => {
      if (say !== 'quiet') process.stderr.write(`${line}\n`);
    },
  });
  if (!result.ok) {
    fail(
      `deploy stopped at: ${commandLine(result.step)}\n${result.reason}. Fix the cause and run imds-guard deploy again: what exists is updated, nothing is duplicated.`,
      result.code,
    );
    return;
  }
  process.stderr.write(`deployed ${d.project.name}: ${result.ran} commands ran\n`);
  process.exitCode = 0;
};

const registerDeploy = (program: Command): void => {
  program
    .command('deploy')
    .description('deploy manifest.yaml to IBM Cloud Code Engine with ibmcloud; --dry-run prints the commands')
    .option('--manifest <file>', 'the manifest to deploy', 'manifest.yaml')
    .option('--dry-run', 'print the ibmcloud commands in order and run nothing')
    .option('--json', 'with --dry-run: the plan as JSON (sections, steps and the command of each)')
    .option(
      '--terraform <dir>',
      'write a Terraform module for the manifest into DIR instead (deploy/terraform/README.md)',
    )
    .action(async (opts: DeployOptions, command: Command) => {
      if (opts.json && !opts.dryRun)
        throw new UsageError('--json goes with --dry-run (a deploy prints its progress)');
      const say = verbosityOf(command);
      try {
        await deploy(opts, say);
      } catch (err) {
        fail(`deploy failed: ${errorMessage(err)}`, 1);
      }
    });
};

export { registerDeploy };
