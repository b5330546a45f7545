#!/usr/bin/env node
// Builds the CLI (dist/cli) and one CommonJS bundle per deployable component (dist/functions, …).
// `--cli` builds only the CLI (what `npm ci` runs through `prepare`).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Deployable components: entry files and their lazily required second entries (style rule 9: the
 * acting code is its own output file, required on demand, so the entry file stays small).
 */
const COMPONENTS = [
  {
    name: 'instance-guard',
    out: 'functions/instance-guard',
    entries: [
      { name: 'index', file: 'functions/instance-guard/index.ts' },
      { name: 'act', file: 'functions/instance-guard/act.ts' },
    ],
  },
];

const buildCli = async () => {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { 'cli/main': 'cli/main.ts' },
    outdir: join(root, 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
};

/** Lazy `import('./act.ts')` stays a runtime require of the sibling bundle `act.js`. */
const lazySiblings = (siblings) => ({
  name: 'lazy-siblings',
  setup(build) {
    build.onResolve({ filter: /^\.\/[\w-]+\.ts$/ }, (args) => {
      const name = args.path.slice(2, -3);
      if (args.kind === 'dynamic-import' && siblings.includes(name))
        return { path: `./${name}.js`, external: true };
      return undefined;
    });
  },
});

const buildComponents = async () => {
  const report = [];
  for (const c of COMPONENTS) {
    const outdir = join(root, 'dist', c.out);
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(c.entries.map((e) => [e.name, e.file])),
      outdir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      keepNames: true,
      sourcemap: false,
      metafile: true,
      legalComments: 'none',
      logLevel: 'warning',
      plugins: [lazySiblings(c.entries.map((e) => e.name))],
    });
    await writeFile(
      join(outdir, 'package.json'),
      `${JSON.stringify({ type: 'commonjs', main: 'index.js' }, null, 2)}\n`,
    );
    for (const [file, out] of Object.entries(result.metafile.outputs)) {
      report.push({ component: c.name, file: relative(root, join(root, file)), bytes: out.bytes });
    }
  }
  await writeFile(join(root, 'dist', 'sizes.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
};

const main = async () => {
  const cliOnly = process.argv.includes('--cli');
  await buildCli();
  if (cliOnly) return;
  const report = await buildComponents();
  for (const r of report)
    console.log(
      `${r.component.padEnd(18)} ${r.file.padEnd(48)} ${(r.bytes / 1024).toFixed(1).padStart(8)} KiB`,
    );
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

export { buildCli, buildComponents, COMPONENTS };
