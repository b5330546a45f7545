// `imds-guard validate [--manifest FILE]`: checks manifest.yaml (deployment sections and policy) and prints
// OK with a one-line summary, or every problem as `file:line:col: message` on stderr (exit 2).
import type { Command } from 'commander';
import { formatIssue, loadManifestFile, ManifestError } from '#shared/manifest/load.ts';
import { summarize } from '#shared/manifest/summary.ts';

const registerValidate = (program: Command): void => {
  program
    .command('validate')
    .description('check manifest.yaml: every problem as file:line:col, or OK and what it deploys')
    .option('--manifest <file>', 'the manifest to check', 'manifest.yaml')
    .action(async (opts: { manifest: string }) => {
      try {
        const loaded = await loadManifestFile(opts.manifest);
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
