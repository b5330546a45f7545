#!/usr/bin/env node
// Builds the CLI (dist/cli) and one CommonJS bundle per deployable component (dist/functions, …).
// `--cli` builds only the CLI (what `npm ci` runs through `prepare`).
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The instance guard's acting code and the ticketing it loads on first use (a plain remediation never
 * parses the ticket sink): one pair wherever the acting code is its own file, `prefix` naming both.
 */
const instanceGuardActing = (prefix) => [
  { name: `${prefix}act`, file: 'functions/instance-guard/act.ts' },
  { name: `${prefix}act-ticketing`, file: 'functions/instance-guard/ticketing.ts' },
];

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
      ...instanceGuardActing(''),
      { name: 'policy-manifest', file: 'shared/policy/load.ts' },
      { name: 'trail-s3', file: 'shared/audit/trail/s3.ts' },
      { name: 'trail-iam', file: 'shared/audit/trail/iam-bearer.ts' },
    ],
  },
  {
    name: 'profile-guard',
    out: 'functions/profile-guard',
    entries: [
      { name: 'index', file: 'functions/profile-guard/index.ts' },
      { name: 'act', file: 'functions/profile-guard/act.ts' },
      { name: 'policy-manifest', file: 'shared/policy/load.ts' },
      { name: 'trail-s3', file: 'shared/audit/trail/s3.ts' },
      { name: 'trail-iam', file: 'shared/audit/trail/iam-bearer.ts' },
    ],
  },
  {
    // The Kafka-subscription app (Code Engine apps run `node index.js`): both guards, each acting
    // bundle required only when an event needs it.
    name: 'app',
    out: 'apps/events',
    entries: [
      { name: 'index', file: 'functions/app/main.ts' },
      ...instanceGuardActing('instance-guard-'),
      { name: 'profile-guard-act', file: 'functions/profile-guard/act.ts' },
      { name: 'policy-manifest', file: 'shared/policy/load.ts' },
      { name: 'trail-s3', file: 'shared/audit/trail/s3.ts' },
      { name: 'trail-iam', file: 'shared/audit/trail/iam-bearer.ts' },
    ],
  },
  {
    // The cron sweep: a small entry; the bulk engine (both guards' acting code) loads on a ping.
    name: 'sweep',
    out: 'functions/sweep',
    entries: [
      { name: 'index', file: 'functions/sweep/index.ts' },
      { name: 'run', file: 'functions/sweep/run.ts' },
      { name: 'policy-manifest', file: 'shared/policy/load.ts' },
    ],
  },
  {
    // The Code Engine job (array shards): `node index.js` runs JOB_INDEX of JOB_ARRAY_SIZE and exits.
    name: 'sweep-job',
    out: 'jobs/sweep',
    entries: [
      { name: 'index', file: 'functions/sweep/job.ts' },
      { name: 'policy-manifest', file: 'shared/policy/load.ts' },
    ],
  },
  {
    // The COS job (a COS subscription's destination): `node index.js` reads the notified Activity
    // Tracker object and runs its events through both guards; the S3 client is its own file.
    name: 'cos-job',
    out: 'jobs/cos',
    entries: [
      { name: 'index', file: 'functions/cos-job/index.ts' },
      ...instanceGuardActing('instance-guard-'),
      { name: 'profile-guard-act', file: 'functions/profile-guard/act.ts' },
      { name: 'policy-manifest', file: 'shared/policy/load.ts' },
      { name: 'trail-s3', file: 'shared/audit/trail/s3.ts' },
      { name: 'trail-iam', file: 'shared/audit/trail/iam-bearer.ts' },
    ],
  },
];

/**
 * A dynamic import of another entry of the same component (e.g. `import('./act.ts')`, or the policy's
 * YAML reader) stays a runtime require of that entry's own output file, so it is parsed only when used.
 */
const lazyEntries = (entries) => ({
  name: 'lazy-entries',
  setup(build) {
    const byFile = new Map(entries.map((e) => [join(root, e.file), e.name]));
    build.onResolve({ filter: /\.ts$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const file = args.path.startsWith('#shared/')
        ? join(root, 'shared', args.path.slice('#shared/'.length))
        : join(args.resolveDir, args.path);
      const name = byFile.get(file);
      return name ? { path: `./${name}.js`, external: true } : undefined;
    });
  },
});

/**
 * Dependencies each in its own output file, required by every entry that uses them: one copy per
 * component (the acting code, the trail's IAM client, the services share one sdk-core and its token
 * cache), parsed only when first required. axios (with follow-redirects and the proxy agents, ~100 KB)
 * sends only for sdk-core's own pipeline (REWRITES load it on first use): an instance remediation's
 * token, GET and PATCH go out through node:http, so its process never parses it. The platform-services
 * clients load only when their service is called (tags, tickets, trusted profiles). Files no entry
 * requires are left out (`dropUnusedVendor`).
 */
const VENDOR = [
  { name: 'axios', specifier: 'axios', file: 'node_modules/axios/dist/node/axios.cjs' },
  { name: 'sdk-core', specifier: 'ibm-cloud-sdk-core', file: 'node_modules/ibm-cloud-sdk-core/index.js' },
  ...[
    'iam-identity/v1',
    'iam-policy-management/v1',
    'iam-access-groups/v2',
    'global-tagging/v1',
    'case-management/v1',
  ].map((s) => ({
    name: `ibm-${s.replace('/', '-')}`,
    specifier: `@ibm-cloud/platform-services/${s}.js`,
    file: `node_modules/@ibm-cloud/platform-services/${s}.js`,
  })),
];

const vendor = {
  name: 'vendor-files',
  setup(build) {
    const bySpecifier = new Map(VENDOR.map((v) => [v.specifier, v.name]));
    const filter = new RegExp(
      `^(${VENDOR.map((v) => v.specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`,
    );
    build.onResolve({ filter }, (args) => ({ path: `./${bySpecifier.get(args.path)}.js`, external: true }));
  },
};

/**
 * Dependencies of ibm-cloud-sdk-core that the functions never exercise: cookie jars (tough-cookie and
 * its 130 KB public-suffix list), file uploads (mime-types and its 134 KB database) and multipart
 * forms (form-data). They are evaluated at load time, so the function bundles (and the CLI's bundled
 * sdk-core) get inert stand-ins that fail loudly if ever used. The e2e bundle test runs token, GET,
 * PATCH and tag calls through them.
 */
const STUBS = {
  'tough-cookie':
    'class CookieJar { constructor() { throw new Error("cookie jars are not available in imds-guard bundles"); } }\nmodule.exports = { CookieJar };',
  'mime-types': 'module.exports = { lookup: () => false, contentType: () => false, extension: () => false };',
  'form-data':
    'class FormData { append() { throw new Error("multipart forms are not available in imds-guard bundles"); } getHeaders() { return {}; } }\nmodule.exports = FormData;',
};

const stubs = {
  name: 'sdk-stubs',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STUBS).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'imds-guard-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'imds-guard-stub' }, (args) => ({
      contents: STUBS[args.path],
      loader: 'js',
    }));
  },
};

/**
 * The S3 client's SigV4a signer (never used: no multi-region access points) says in an error message
 * how to `require("@aws-sdk/signature-v4-crt")`; that text is not a dependency, so it is reworded
 * to keep the bundles' "requires nothing but built-ins and siblings" check meaningful.
 */
const sdkMessages = {
  name: 'sdk-messages',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]signature-v4-multi-region[\\/].*\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll(
        'require("@aws-sdk/signature-v4-crt")',
        "require('@aws-sdk/signature-v4-crt')",
      ),
      loader: 'js',
    }));
  },
};

/** A CommonJS binding whose module is required when a property is first read (REWRITES). */
const requiredOnUse = (specifier) =>
  `new Proxy({}, { get: (_, key) => require(${JSON.stringify(specifier)})[key] })`;

/**
 * Load-time work of dependencies that the functions never use, each a cold start's CPU, moved to first
 * use (or dropped) by rewriting the dependency's text; what the code does when it is used is unchanged.
 * - axios (sdk-core sends the IAM token request with it) reads Node's `FormData`, `Request` and
 *   `Response` globals at load: lazy getters that load all of undici (~45 ms); it probes its fetch
 *   adapter (a Request on a ReadableStream) although Node uses the http adapter; and it requires
 *   `http2` (with fs/promises and readline) for a transport used only with `httpVersion: 2`.
 * - sdk-core's JWT token manager uses only `decode` of jsonwebtoken, whose index also loads sign and
 *   verify (semver, which builds its ranges and regexps at load, lodash helpers).
 * Each pattern must match exactly once, so an upgrade that changes the code fails the build rather than
 * silently paying for it again (then update the rewrite and re-measure: `npm run bench -- remediation`).
 */
const REWRITES = [
  {
    file: /[\\/]node_modules[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/,
    what: 'axios: the FormData global read at load (isFormData: only an object or function can be one)',
    find: "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;\nconst isFormData = thing => {\n  if (!thing) return false;\n",
    replace:
      "const isFormData = thing => {\n  if (!thing) return false;\n  const FormDataCtor = (typeof thing === 'object' || typeof thing === 'function') && typeof G.FormData !== 'undefined' ? G.FormData : undefined;\n",
  },
  {
    file: /[\\/]node_modules[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/,
    what: 'axios: the fetch adapter probed at load (getFetch() builds it, cached, when the adapter is chosen)',
    find: '\ngetFetch();\n',
    replace: '\n',
  },
  {
    file: /[\\/]node_modules[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/,
    what: 'axios: http2 required at load (used only by the httpVersion 2 transport)',
    find: "var http2 = require('http2');\n",
    replace: `var http2 = ${requiredOnUse('http2')};\n`,
  },
  {
    file: /[\\/]node_modules[\\/]ibm-cloud-sdk-core[\\/]lib[\\/]request-wrapper\.js$/,
    what: 'sdk-core: axios and retry-axios required at load (loaded when a request wrapper first uses axios)',
    find: 'var axios_1 = __importDefault(require("axios"));\nvar rax = __importStar(require("retry-axios"));\n',
    replace:
      'var axios_1 = { get default() { return __importDefault(require("axios")).default; } };\nvar rax = new Proxy({}, { get: (_, key) => __importStar(require("retry-axios"))[key] });\n',
    only: [/\baxios_1\.(\w+)/g, ['default']],
  },
  {
    file: /[\\/]node_modules[\\/]ibm-cloud-sdk-core[\\/]lib[\\/]request-wrapper\.js$/,
    what: 'sdk-core: the axios instance built with every request wrapper (built, in the same steps, on first use of axiosInstance)',
    find: `        this.axiosInstance = axios_1.default.create(axiosConfig);
        // axios sets the default Content-Type for \`post\`, \`put\`, and \`patch\` operations
        // to 'application/x-www-form-urlencoded'. This causes problems, so overriding the
        // defaults here
        ['post', 'put', 'patch'].forEach(function (op) {
            _this.axiosInstance.defaults.headers[op]['Content-Type'] = 'application/json';
        });
        // if a cookie jar is provided, register our cookie interceptors with axios
        if (axiosOptions.jar) {
            (0, cookie_support_1.createCookieInterceptor)(axiosOptions.jar)(this.axiosInstance);
        }
`,
    replace: `        var jar = axiosOptions.jar;
        var own = function (value) { Object.defineProperty(_this, 'axiosInstance', { value: value, writable: true, enumerable: true, configurable: true }); };
        Object.defineProperty(this, 'axiosInstance', { enumerable: true, configurable: true, set: own, get: function () {
            own(axios_1.default.create(axiosConfig));
            ['post', 'put', 'patch'].forEach(function (op) {
                _this.axiosInstance.defaults.headers[op]['Content-Type'] = 'application/json';
            });
            if (jar) {
                (0, cookie_support_1.createCookieInterceptor)(jar)(_this.axiosInstance);
            }
            return _this.axiosInstance;
        } });
`,
  },
  {
    file: /[\\/]node_modules[\\/]ibm-cloud-sdk-core[\\/]lib[\\/]request-wrapper\.js$/,
    what: 'sdk-core: https (with tls) and zlib required at load (loaded when the axios pipeline first uses them)',
    find: 'var https_1 = require("https");\nvar isstream_1 = __importDefault(require("isstream"));\nvar querystring_1 = require("querystring");\nvar zlib_1 = require("zlib");\n',
    replace: `var https_1 = ${requiredOnUse('https')};\nvar isstream_1 = __importDefault(require("isstream"));\nvar querystring_1 = require("querystring");\nvar zlib_1 = ${requiredOnUse('zlib')};\n`,
  },
  {
    file: /[\\/]node_modules[\\/]ibm-cloud-sdk-core[\\/]lib[\\/]get-new-logger\.js$/,
    what: 'sdk-core: the debug package (tty, supports-color) loaded for loggers that are off unless DEBUG or NODE_DEBUG=axios is set',
    find: 'var debug_1 = __importDefault(require("debug"));\n',
    replace:
      'var debug_1 = { default: function (ns) { if (process.env.DEBUG || process.env.NODE_DEBUG === "axios") return require("debug")(ns); var off = function () {}; off.enabled = false; off.namespace = ns; return off; } };\n',
  },
  {
    file: /[\\/]node_modules[\\/]ibm-cloud-sdk-core[\\/]lib[\\/]cookie-support\.js$/,
    what: 'sdk-core: axios required at load by the cookie interceptor (for isAxiosError, on an answer)',
    find: 'var axios_1 = require("axios");\n',
    replace: 'var axios_1 = { isAxiosError: (e) => require("axios").isAxiosError(e) };\n',
    only: [/\baxios_1\.(\w+)/g, ['isAxiosError']],
  },
  {
    file: /[\\/]node_modules[\\/]ibm-cloud-sdk-core[\\/]auth[\\/]token-managers[\\/]jwt-token-manager\.js$/,
    what: 'sdk-core: jsonwebtoken, of which the token manager uses decode only',
    find: 'var jsonwebtoken_1 = require("jsonwebtoken");\n',
    replace: 'var jsonwebtoken_1 = { decode: require("jsonwebtoken/decode") };\n',
    // Any other use of the module would find `decode` alone: refuse to build instead.
    only: [/jsonwebtoken_1\.(\w+)/g, ['decode']],
  },
];

/** One dependency file's text with its REWRITES applied; throws when a pattern moved. */
const rewriteSource = (contents, rules, where) => {
  let out = contents;
  for (const r of rules) {
    const found = out.split(r.find).length - 1;
    const other = r.only
      ? [...out.matchAll(r.only[0])].map((m) => m[1]).filter((u) => !r.only[1].includes(u))
      : [];
    if (found !== 1 || other.length > 0)
      throw new Error(
        `scripts/build.mjs REWRITES: "${r.what}" ${found !== 1 ? `matched ${found} times (want 1)` : `also uses ${other.join(', ')}`} in ${where}: the dependency changed; update the rewrite and re-measure`,
      );
    out = out.replace(r.find, () => r.replace);
  }
  return out;
};

/** Applies REWRITES; `applied` collects the ones used, so a build can check none was skipped. */
const rewrites = (applied) => ({
  name: 'dependency-rewrites',
  setup(build) {
    for (const file of new Set(REWRITES.map((r) => r.file.source))) {
      const mine = REWRITES.filter((r) => r.file.source === file);
      build.onLoad({ filter: new RegExp(file) }, async (args) => {
        const contents = rewriteSource(await readFile(args.path, 'utf8'), mine, relative(root, args.path));
        for (const r of mine) applied.add(r);
        return { contents, loader: 'js' };
      });
    }
  },
});

/** A bundle carrying sdk-core must have gone through every rewrite (a moved file would skip one). */
const checkRewrites = (name, inputs, applied) => {
  if (!Object.keys(inputs).some((f) => f.includes('node_modules/ibm-cloud-sdk-core/'))) return;
  const missed = REWRITES.filter((r) => !applied.has(r)).map((r) => r.what);
  if (missed.length > 0)
    throw new Error(
      `scripts/build.mjs REWRITES: bundle ${name} did not load the file of: ${missed.join('; ')}`,
    );
};

/**
 * The CLI keeps its dependencies in node_modules, except IBM's SDKs (sdk-core, platform-services) and
 * what they require: bundled, with the function bundles' STUBS and REWRITES, so a scan does not resolve,
 * read and compile ~90 files of sdk-core's tree (axios, jsonwebtoken, semver, form-data, …) at start.
 */
const BUNDLED_PACKAGES = /^(ibm-cloud-sdk-core|@ibm-cloud\/platform-services)(\/|$)/;

const cliPackages = {
  name: 'cli-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (isBuiltin(args.path)) return undefined;
      const inside = /[\\/]node_modules[\\/]/.test(args.importer);
      return inside || BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * The CLI: its entry, and a chunk per lazily imported module graph (each command, the scan engine, …),
 * so a command parses only what it runs (`scan --help` neither the emulator nor the SDKs).
 */
const cliBuildOptions = (applied) => ({
  absWorkingDir: root,
  entryPoints: { 'cli/main': 'cli/main.ts' },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'cli/chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  // The bundled CommonJS dependencies require Node's built-ins (and their own lazy requires).
  banner: {
    js: "import { createRequire as __cliRequire } from 'node:module';\nconst require = __cliRequire(import.meta.url);",
  },
  plugins: [cliPackages, stubs, rewrites(applied)],
});

const buildCli = async () => {
  const applied = new Set();
  const result = await esbuild.build(cliBuildOptions(applied));
  checkRewrites('cli', result.metafile.inputs, applied);
  // Chunks of earlier builds go once the new ones are written (a CLI already running keeps its own).
  const chunks = join(root, 'dist', 'cli', 'chunks');
  const current = new Set(Object.keys(result.metafile.outputs).map((f) => join(root, f)));
  for (const f of await readdir(chunks))
    if (!current.has(join(chunks, f))) await rm(join(chunks, f), { force: true });
};

/** Removes the VENDOR files no entry of the component requires (directly or through another one). */
const dropUnusedVendor = async (outdir, outputs) => {
  const byName = new Map(
    Object.entries(outputs).map(([file, out]) => [file.replace(/.*\//, ''), [file, out]]),
  );
  const vendorFiles = new Set(VENDOR.map((v) => `${v.name}.js`));
  const used = new Set([...byName.keys()].filter((f) => !vendorFiles.has(f)));
  for (const pending = [...used]; pending.length > 0; ) {
    for (const i of byName.get(pending.pop())?.[1].imports ?? []) {
      const f = i.path.replace(/^\.\//, '');
      if (i.external && vendorFiles.has(f) && !used.has(f)) used.add(f) && pending.push(f);
    }
  }
  for (const f of vendorFiles) if (!used.has(f)) await rm(join(outdir, f), { force: true });
  return Object.fromEntries([...byName].filter(([f]) => used.has(f)).map(([, entry]) => entry));
};

const buildComponents = async () => {
  const report = [];
  for (const c of COMPONENTS) {
    const outdir = join(root, 'dist', c.out);
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    const applied = new Set();
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries([...c.entries, ...VENDOR].map((e) => [e.name, e.file])),
      outdir,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      // No __name() call per function and class at load (~15 ms of a cold start): nothing relies on
      // minified names, and our error classes set `name` themselves.
      keepNames: false,
      sourcemap: false,
      metafile: true,
      legalComments: 'none',
      logLevel: 'warning',
      plugins: [lazyEntries(c.entries), vendor, stubs, sdkMessages, rewrites(applied)],
      // `import('./act.js')` must become `require()`: an ESM import of a CJS file makes Node parse the
      // whole file for named exports first (measured: ~75 ms for the acting bundle).
      supported: { 'dynamic-import': false },
    });
    checkRewrites(c.name, result.metafile.inputs, applied);
    await writeFile(
      join(outdir, 'package.json'),
      `${JSON.stringify({ name: `imds-guard-${c.name}`, private: true, type: 'commonjs', main: 'index.js', scripts: { start: 'node index.js' } }, null, 2)}\n`,
    );
    const outputs = await dropUnusedVendor(outdir, result.metafile.outputs);
    for (const [file, out] of Object.entries(outputs)) {
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

export { buildCli, buildComponents, COMPONENTS, cliBuildOptions, REWRITES, rewriteSource };
