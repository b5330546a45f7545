// `imds-guard validate [FILE | --manifest FILE] [--json]`: checks manifest.yaml (deployment sections and
// policy) and prints OK with a one-line summary, or every problem as `file:line:col: message` on stderr
// (exit 2); with --json, one object on stdout either way (same exit codes).
import type { Command } from 'commander';
import { formatIssue, type LoadedManifest, loadManifestFile, ManifestError } from '#shared/manifest/load.ts';
import { summarize } from '#shared/manifest/summary.ts';
import { UsageError, type Verbosity, verbosityOf } from '../options.ts';

interface ValidateOptions {
  manifest?: string;
  json?: boolean;
}

const printValid = (loaded: LoadedManifest, o: ValidateOptions, say: Verbosity): void => {
  if (o.json) {
    const result = {
      ok: true,
      file: loaded.file,
      summary: summarize(loaded),
      errors: [],
      warnings: loaded.warnings,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (say !== 'quiet')
    for (const w of loaded.warnings) process.stderr.write(`${formatIssue(loaded.file, w)}\n`);
  if (say !== 'quiet') process.stdout.write(`OK ${loaded.file}: ${summarize(loaded)}\n`);
};

const printInvalid = (err: ManifestError, o: ValidateOptions): void => {
  const errors = err.errors;
  if (o.json) {
    const warnings = err.issues.filter((i) => i.severity !== 'error');
    process.stdout.write(`${JSON.stringify({ ok: false, file: err.file, errors, warnings })}\n`);
    return;
  }
  process.stderr.write(`${err.message}\n`);
  process.stderr.write(`${err.file}: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n`);
};

const registerValidate = (program: Command): void => {
  program
    .command('validate')
    .description('check manifest.yaml: every problem as file:line:col, or OK and what it deploys')
    .argument('[file]', 'the manifest to check, like terraform validate (default: manifest.yaml)')
    .option('--manifest <file>', 'the manifest to check (same as the argument)')
    .option('--json', 'one JSON object on stdout: {ok, file, summary, errors, warnings}')
    .action(async (positional: string | undefined, opts: ValidateOptions, command: Command) => {
      if (positional !== undefined && opts.manifest !== undefined && positional !== opts.manifest)
        throw new UsageError(`two manifests given (${positional} and --manifest ${opts.manifest}); give one`);
      const say = verbosityOf(command);
      try {
        printValid(await loadManifestFile(positional ?? opts.manifest ?? 'manifest.yaml'), opts, say);
        process.exitCode = 0;
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        printInvalid(err, opts);
        process.exitCode = 2;
      }
    });
};

export { registerValidate };
