// The function bundles rewrite a few load-time lines of axios and sdk-core (scripts/build.mjs
// REWRITES, issue 12). Each rewrite must still find its line in the installed dependency, and a
// dependency whose text moved must fail the build instead of silently loading what it used to.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { type DependencyRewrite, REWRITES, rewriteSource } from '../../../scripts/build.mjs';

const require = createRequire(import.meta.url);
const sdkRequire = createRequire(require.resolve('ibm-cloud-sdk-core'));
/** The files the bundles load: axios as sdk-core resolves it (its Node CommonJS build), sdk-core's own. */
const FILES = [
  sdkRequire.resolve('axios').replace(/[\\/]index\.js$/, '/dist/node/axios.cjs'),
  require.resolve('ibm-cloud-sdk-core/auth/token-managers/jwt-token-manager.js'),
  require.resolve('ibm-cloud-sdk-core/lib/request-wrapper.js'),
  require.resolve('ibm-cloud-sdk-core/lib/cookie-support.js'),
  require.resolve('ibm-cloud-sdk-core/lib/get-new-logger.js'),
];

type Rule = DependencyRewrite;
const rulesFor = (file: string): Rule[] => REWRITES.filter((r) => r.file.test(file));

describe('dependency rewrites', () => {
  test('every rewrite applies exactly once to the installed dependency', () => {
    const used = new Set<Rule>();
    for (const file of FILES) {
      const rules = rulesFor(file);
      const out = rewriteSource(readFileSync(file, 'utf8'), rules, file);
      for (const r of rules) {
        expect(out).toContain(r.replace);
        used.add(r);
      }
    }
    expect(used.size).toBe(REWRITES.length);
  });

  test("sdk-core's loggers: off without DEBUG (debug never loaded), the debug package's own with it", () => {
    const file = FILES[4] as string;
    const source = rewriteSource(readFileSync(file, 'utf8'), rulesFor(file), file);
    const loaded: string[] = [];
    const fakeDebug = (ns: string) => Object.assign(() => undefined, { enabled: true, namespace: ns });
    const load = (env: Record<string, string>) => {
      const module = {
        exports: {} as { getNewLogger: (name: string) => Record<string, { enabled: boolean }> },
      };
      const req = (id: string) => {
        loaded.push(id);
        return fakeDebug;
      };
      new Function('exports', 'require', 'module', 'process', source)(module.exports, req, module, { env });
      return module.exports.getNewLogger('ibm-cloud-sdk-core');
    };
    const quiet = load({});
    expect(Object.values(quiet).map((l) => l.enabled)).toEqual([false, false, false, false, false]);
    expect(loaded).toEqual([]);
    expect(load({ DEBUG: 'ibm-cloud-sdk-core*' }).error?.enabled).toBe(true);
    expect(load({ NODE_DEBUG: 'axios' }).debug?.enabled).toBe(true);
    expect(loaded).toContain('debug');
  });

  test('a dependency whose line moved fails the build, naming the rewrite', () => {
    const [file] = FILES as [string];
    const rules = rulesFor(file);
    const text = readFileSync(file, 'utf8').replace(rules[0]?.find ?? '', '/* moved */');
    expect(() => rewriteSource(text, rules, file)).toThrow(/REWRITES: ".*" matched 0 times \(want 1\)/);
  });

  test('sdk-core using more of jsonwebtoken than decode fails the build', () => {
    const file = FILES[1] as string;
    const text = `${readFileSync(file, 'utf8')}\n(0, jsonwebtoken_1.verify)(token);\n`;
    expect(() => rewriteSource(text, rulesFor(file), file)).toThrow(/also uses verify/);
  });
});
