// Policy text → validated Policy, with `file:line:col` on every error and warning.
// Sources: the `policy:` section of manifest.yaml (CLI, local runs) or IMDS_GUARD_POLICY (JSON,
// deployed functions). Other manifest sections belong to other loaders and are ignored here.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Config } from '../config.ts';
import { errorMessage } from '../errors.ts';
import {
  formatIssue,
  type IssuesErrorClass,
  type LoadedPolicy,
  type LoadOptions,
  type Locator,
  PolicyError,
  type PolicyIssue,
  parsePolicyJson,
  tighten,
  validate,
} from './issues.ts';
import type { DocPath } from './schema.ts';

/** Where a path points: the key for an unknown option, else the deepest node that exists. */
const yamlLocator =
  (doc: Document, lines: LineCounter): Locator =>
  (path: DocPath, atKey: boolean) => {
    const at = (offset: number) => lines.linePos(offset);
    const last = path.at(-1);
    if (atKey && last !== undefined) {
      const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        if (pair && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
      }
    }
    for (let n = path.length; n >= 0; n -= 1) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return at(node.range[0]);
    }
    return undefined;
  };

/** The text of a manifest file; a failed read is one issue, thrown as the caller's error. */
const readManifestText = async (file: string, Fail: IssuesErrorClass): Promise<string> => {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new Fail(
      file,
      [{ severity: 'error', message: `cannot read the manifest: ${errorMessage(cause)}`, path: '' }],
      { cause },
    );
  }
};

/**
 * Manifest YAML → its document, thrown as the caller's error when the YAML is broken or its top level
 * is not a mapping (`notMapping` says what it should be).
 */
const parseManifestYaml = (
  text: string,
  file: string,
  Fail: IssuesErrorClass,
  notMapping: string,
): { doc: Document; lines: LineCounter } => {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new Fail(
      file,
      doc.errors.slice(0, 20).map((e) => ({
        severity: 'error',
        message: e.message.split('\n')[0] ?? e.message,
        path: '',
        ...lines.linePos(e.pos[0]),
      })),
    );
  }
  const top = doc.contents;
  if (top !== null && !isMap(top)) {
    const pos = isNode(top) && top.range ? lines.linePos(top.range[0]) : undefined;
    throw new Fail(file, [{ severity: 'error', message: notMapping, path: '', ...pos }]);
  }
  return { doc, lines };
};

/** Reads the `policy:` section of a manifest; a manifest without one gets the (audit-only) defaults. */
const loadPolicyFromManifest = (
  text: string,
  file = 'manifest.yaml',
  options: LoadOptions = {},
): LoadedPolicy => {
  const { doc, lines } = parseManifestYaml(
    text,
    file,
    PolicyError,
    'a manifest is a mapping of sections (policy:, …)',
  );
  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const section = (raw as Record<string, unknown>).policy;
  const loaded = validate(section, file, ['policy'], yamlLocator(doc, lines), options.now ?? new Date());
  if (section !== undefined) return loaded;
  return {
    ...loaded,
    warnings: [
      {
        severity: 'warning',
        message: 'no policy: section; using the defaults (audit only, nothing is changed)',
        path: '',
      },
      ...loaded.warnings,
    ],
  };
};

/**
 * Reads a policy given as JSON (IMDS_GUARD_POLICY). Accepts the policy object itself, or
 * `{"policy": {…}}` as cut from a manifest converted to JSON.
 */
const loadPolicyFromJson = (
  text: string,
  file = 'IMDS_GUARD_POLICY',
  options: LoadOptions = {},
): LoadedPolicy => {
  const { policy, base } = parsePolicyJson(text, file);
  // JSON is YAML, so the YAML parser gives positions for schema errors at no extra cost.
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const locate = doc.errors.length === 0 ? yamlLocator(doc, lines) : undefined;
  return validate(policy, file, base, locate, options.now ?? new Date());
};

/**
 * The process policy: IMDS_GUARD_POLICY if set (deployed functions), else the manifest at
 * IMDS_GUARD_MANIFEST, else ./manifest.yaml, else the defaults. The environment can only tighten it:
 * IMDS_GUARD_DRY_RUN turns dry-run on, IMDS_GUARD_SELF_IDS adds initiator ids.
 */
const loadPolicy = async (
  config: Pick<Config, 'policyJson' | 'manifestPath' | 'dryRun' | 'selfIds'>,
  options: LoadOptions & { cwd?: string } = {},
): Promise<LoadedPolicy> => {
  const loaded = await (async (): Promise<LoadedPolicy> => {
    if (config.policyJson !== undefined && config.policyJson.trim() !== '') {
      return loadPolicyFromJson(config.policyJson, 'IMDS_GUARD_POLICY', options);
    }
    const file = config.manifestPath ?? resolve(options.cwd ?? process.cwd(), 'manifest.yaml');
    if (config.manifestPath !== undefined || existsSync(file)) {
      return loadPolicyFromManifest(await readManifestText(file, PolicyError), file, options);
    }
    const fallback = validate({}, 'defaults', [], undefined, options.now ?? new Date());
    return {
      ...fallback,
      warnings: [
        {
          severity: 'warning',
          message:
            'no IMDS_GUARD_POLICY and no manifest.yaml; using the defaults (audit only, nothing is changed)',
          path: '',
        },
      ],
    };
  })();
  return tighten(loaded, config);
};

export type { LoadedPolicy, LoadOptions, PolicyIssue };
export {
  formatIssue,
  loadPolicy,
  loadPolicyFromJson,
  loadPolicyFromManifest,
  PolicyError,
  parseManifestYaml,
  readManifestText,
  yamlLocator,
};
