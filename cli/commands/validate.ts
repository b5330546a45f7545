// `imds-guard validate [FILE | --manifest FILE]`: checks manifest.yaml (deployment sections and policy) and
// prints OK with a one-line summary, or every problem as `file:line:col: message` on stderr (exit 2).
import type { Command } from 'commander';
import { formatIssue, loadManifestFile, ManifestError } from '#shared/manifest/load.ts';
import { summarize } from '#shared/manifest/summary.ts';
import { UsageError } from '../options.ts';

const registerValidate = (program: Command): void => {
  program
    .command('validate')
    .description('check manifest.yaml: every problem as file:line:col, or OK and what it deploys')
    .argument('[file]', 'the manifest to check, like terraform validate (default: manifest.yaml)')
    .option('--manifest <file>', 'the manifest to check (same as the argument)')
    .action(async (positional: string | undefined, opts: { manifest?: string }) => {
      if (positional !== undefined && opts.manifest !== undefined && positional !== opts.manifest)
        throw new UsageError(`two manifests given (${positional} and --manifest ${opts.manifest}); give one`);
      const file = positional ?? opts.manifest ?? 'manifest.yaml';
      try {
        const loaded = await loadManifestFile(file);
        for (const w of loaded.warnings) process.stderr.write(`${formatIssue(loaded.file, w)}\n`);
        process.stdout.write(`OK ${loaded.file}: ${summarize(loaded)}\n`);
        process.exitCode = 0;
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        process.stderr.write(`${err.message}\n`);
        const n = err.errors.length;
        process.stderr.write(`${err.file}: ${n} problem${n === 1 ? '' : 's'}\n`);
        process.exitCode = 2;
      }
    });
};

export { registerValidate };
