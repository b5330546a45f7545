// `imds-guard doctor [--json] [--manifest FILE] [--account ID]`: a read-only preflight against the account
// the manifest deploys to (shared/doctor). Exit 0 when everything the manifest needs holds (warnings
// allowed), 1 when something needed does not, 2 for bad input (a manifest that does not load or names no
// such account, credentials that do not resolve or belong to another account) — one line, nothing read.
import type { Command } from 'commander';
import { loadConfig } from '#shared/config.ts';
import { renderJson, renderText } from '#shared/doctor/render.ts';
import { AccountMismatchError, runDoctor } from '#shared/doctor/run.ts';
import { ConfigError, errorMessage } from '#shared/errors.ts';
import { formatIssue, type LoadedManifest, loadManifestFile, ManifestError } from '#shared/manifest/load.ts';
import type { Account, Deployment } from '#shared/manifest/schema.ts';

interface DoctorOptions {
  json?: boolean;
  manifest: string;
  account?: string;
}

class UsageError extends Error {
  override name = 'UsageError';
}

const load = async (file: string): Promise<LoadedManifest> => {
  try {
    return await loadManifestFile(file);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    const [first] = err.errors;
    const more =
      err.errors.length > 1
        ? ` (and ${err.errors.length - 1} more: imds-guard validate --manifest ${file})`
        : '';
    throw new UsageError(`${first ? formatIssue(err.file, first) : err.message.split('\n')[0]}${more}`, {
      cause: err,
    });
  }
};

const accountOf = (loaded: LoadedManifest, d: Deployment, wanted: string | undefined): Account => {
  if (wanted === undefined) return d.accounts[0];
  const found = d.accounts.find((a) => a.id === wanted || a.name === wanted);
  if (!found)
    throw new UsageError(
      `${loaded.file} lists no account ${wanted} (it lists ${d.accounts.map((a) => a.id + (a.name ? ` (${a.name})` : '')).join(', ')})`,
    );
  return found;
};

/** The environment the deployed code sees: the manifest's configmaps, then this shell's variables. */
const environment = (d: Deployment): Record<string, string | undefined> => ({
  ...Object.assign({}, ...d.configmaps.map((c) => c.data)),
  ...process.env,
});

const doctor = async (opts: DoctorOptions): Promise<number> => {
  const loaded = await load(opts.manifest);
  const d = loaded.deployment;
  if (!d)
    throw new UsageError(
      `${loaded.file} has no deployment sections (project:, accounts:, identity:, …): doctor checks a deployment`,
    );
  const account = accountOf(loaded, d, opts.account);
  const config = loadConfig(environment(d));
  const report = await runDoctor({
    manifestFile: loaded.file,
    deployment: d,
    policy: loaded.policy,
    account,
    config,
  });
  const tty = process.stdout.isTTY === true;
  process.stdout.write(
    opts.json ? renderJson(report) : renderText(report, { tty, color: tty && !process.env.NO_COLOR }),
  );
  return report.ok ? 0 : 1;
};

const registerDoctor = (program: Command): void => {
  program
    .command('doctor')
    .description(
      'read-only preflight of the account the manifest deploys to: credentials, access, regions, event route, deployment, ticket sink, exemptions',
    )
    .option('--json', 'print the report as JSON (checks[]: id, status ok|fail|warn|skip, title, detail, fix)')
    .option('--manifest <file>', 'the manifest to check against', 'manifest.yaml')
    .option('--account <id>', "the manifest account to check (default: the manifest's first)")
    .action(async (opts: DoctorOptions) => {
      try {
        process.exitCode = await doctor(opts);
      } catch (err) {
        const usage =
          err instanceof UsageError || err instanceof ConfigError || err instanceof AccountMismatchError;
        process.stderr.write(`doctor: ${errorMessage(err).split('\n')[0]}\n`);
        process.exitCode = usage ? 2 : 1;
      }
    });
};

export { registerDoctor };
