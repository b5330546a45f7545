// The CLI bundles IBM's SDKs (sdk-core, platform-services) and their dependencies with the function
// bundles' STUBS and REWRITES (scripts/build.mjs, issue 12: a scan's start); every other package stays
// in node_modules, and `scan --help` loads none of the SDKs.
import * as esbuild from 'esbuild';
import { describe, expect, test } from 'vitest';
import { cliBuildOptions, type DependencyRewrite, REWRITES } from '../../../scripts/build.mjs';

let built: Promise<{ metafile: esbuild.Metafile; applied: Set<DependencyRewrite> }> | undefined;

/** The CLI built in memory, once for both tests. */
const build = () => {
  built ??= (async () => {
    const applied = new Set<DependencyRewrite>();
    const result = await esbuild.build({ ...cliBuildOptions(applied), write: false, sourcemap: false });
    return { metafile: result.metafile as esbuild.Metafile, applied };
  })();
  return built;
};

describe('CLI bundle', () => {
  test('carries sdk-core through every rewrite, with the stubs, and no other package', async () => {
    const { metafile, applied } = await build();
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((f) => f.includes('node_modules/ibm-cloud-sdk-core/'))).toBe(true);
    expect(inputs.some((f) => f.includes('node_modules/@ibm-cloud/platform-services/'))).toBe(true);
    expect([...applied]).toEqual(expect.arrayContaining(REWRITES));
    for (const stub of ['tough-cookie', 'mime-types', 'form-data']) {
      expect(inputs).toContain(`imds-guard-stub:${stub}`);
      expect(inputs.some((f) => f.includes(`node_modules/${stub}/`))).toBe(false);
    }
    const external = Object.values(metafile.outputs).flatMap((o) =>
      o.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path),
    );
    expect(external.filter((p) => /^(ibm-cloud-sdk-core|@ibm-cloud\/|axios)/.test(p))).toEqual([]);
    expect(external).toContain('commander');
  });

  test('`scan --help` loads no SDK: the scan command and what it imports statically carry none', async () => {
    const { metafile } = await build();
    const { outputs } = metafile;
    const scan = Object.keys(outputs).find((f) => 'cli/commands/scan.ts' in (outputs[f]?.inputs ?? {}));
    expect(scan).toBeDefined();
    const loaded = new Set<string>();
    for (const pending = ['dist/cli/main.mjs', scan as string]; pending.length > 0; ) {
      const f = pending.pop() as string;
      if (loaded.has(f)) continue;
      loaded.add(f);
      for (const i of outputs[f]?.imports ?? [])
        if (i.kind === 'import-statement' && !i.external) pending.push(i.path);
    }
    const inputs = [...loaded].flatMap((f) => Object.keys(outputs[f]?.inputs ?? {}));
    expect(inputs.filter((f) => f.includes('node_modules/'))).toEqual([]);
  });
});
