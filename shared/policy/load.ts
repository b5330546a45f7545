// Policy text → validated Policy, with `file:line:col` on every error and warning.
// Sources: the `policy:` section of manifest.yaml (CLI, local runs) or IMDS_GUARD_POLICY (JSON,
// deployed functions). Other manifest sections belong to other loaders and are ignored here.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as v from 'valibot';
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Config } from '../config.ts';
import { ConfigError, errorMessage } from '../errors.ts';
import { type DocPath, Policy, policyWarnings } from './schema.ts';

interface PolicyIssue {
  severity: 'error' | 'warning';
  message: string;
  /** Dotted path inside the document, e.g. `policy.instances.rules[0].mode`. */
  path: string;
  line?: number;
  col?: number;
}

interface LoadedPolicy {
  policy: Policy;
  warnings: PolicyIssue[];
  /** Where the policy came from: a file path, `IMDS_GUARD_POLICY`, or `defaults`. */
  source: string;
}

interface LoadOptions {
  /** Clock for "exemption already expired" warnings. */
  now?: Date;
}

const formatIssue = (file: string, i: PolicyIssue): string =>
  `${file}${i.line !== undefined ? `:${i.line}:${i.col ?? 1}` : ''}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}${i.path ? ` (at ${i.path})` : ''}`;

/** A ConfigError, so edges that already map configuration problems handle it with no new case. */
class PolicyError extends ConfigError {
  override name = 'PolicyError';
  constructor(
    readonly file: string,
    readonly issues: PolicyIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'), options);
  }
}

const dotted = (path: DocPath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** Where a path points: the key for an unknown option, else the deepest node that exists. */
const locate = (
  doc: Document,
  lines: LineCounter,
  path: DocPath,
  atKey: boolean,
): { line: number; col: number } | undefined => {
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

interface Located {
  doc: Document;
  lines: LineCounter;
  /** Path of the policy object inside the document (`['policy']` in a manifest). */
  base: DocPath;
}

const toIssues = (
  issues: readonly v.BaseIssue<unknown>[],
  where: Located | undefined,
  base: DocPath,
): PolicyIssue[] =>
  issues.slice(0, 50).map((issue) => {
    const path = [...base, ...(issue.path ?? []).map((p) => p.key as string | number)];
    // An unknown option is best shown at its key; anything else at its value.
    const unknownKey = issue.type === 'strict_object' && issue.expected === 'never';
    const pos = where ? locate(where.doc, where.lines, path, unknownKey) : undefined;
    return { severity: 'error', message: issue.message, path: dotted(path), ...(pos ?? {}) };
  });

/** Validates the policy object; semantic errors come from the schema, warnings from the clock. */
const validate = (raw: unknown, file: string, base: DocPath, where: Located | undefined, now: Date) => {
  const result = v.safeParse(Policy, raw ?? {});
  if (!result.success) throw new PolicyError(file, toIssues(result.issues, where, base));
  const warnings = policyWarnings(result.output, now).map((w): PolicyIssue => {
    const path = [...base, ...w.path];
    const pos = where ? locate(where.doc, where.lines, path, false) : undefined;
    return { severity: 'warning', message: w.message, path: dotted(path), ...(pos ?? {}) };
  });
  return { policy: result.output, warnings, source: file };
};

const parseYaml = (text: string, file: string): { doc: Document; lines: LineCounter } => {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PolicyError(
      file,
      doc.errors.slice(0, 20).map((e) => ({
        severity: 'error',
        message: e.message.split('\n')[0] ?? e.message,
        path: '',
        ...lines.linePos(e.pos[0]),
      })),
    );
  }
  return { doc, lines };
};

/** Reads the `policy:` section of a manifest; a manifest without one gets the (audit-only) defaults. */
const loadPolicyFromManifest = (
  text: string,
  file = 'manifest.yaml',
  options: LoadOptions = {},
): LoadedPolicy => {
  const { doc, lines } = parseYaml(text, file);
  const where = { doc, lines, base: ['policy'] };
  const top = doc.contents;
  if (top !== null && !isMap(top)) {
    const pos = isNode(top) && top.range ? lines.linePos(top.range[0]) : undefined;
    throw new PolicyError(file, [
      { severity: 'error', message: 'a manifest is a mapping of sections (policy:, …)', path: '', ...pos },
    ]);
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const section = (raw as Record<string, unknown>).policy;
  const loaded = validate(section, file, ['policy'], where, options.now ?? new Date());
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

/** Line and column of a character offset, for JSON.parse's "at position N". */
const positionOf = (text: string, offset: number): { line: number; col: number } => {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    const message = errorMessage(cause);
    const at = /position (\d+)/.exec(message);
    const offset = at?.[1] ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const pos = offset !== undefined ? positionOf(text, offset) : undefined;
    const plain = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
    throw new PolicyError(
      file,
      [{ severity: 'error', message: `not valid JSON: ${plain}`, path: '', ...pos }],
      {
        cause,
      },
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyError(file, [
      { severity: 'error', message: 'the policy must be a JSON object', path: '' },
    ]);
  }
  const keys = Object.keys(raw);
  const wrapped = keys.length === 1 && keys[0] === 'policy';
  const base: DocPath = wrapped ? ['policy'] : [];
  // JSON is YAML, so the YAML parser gives positions for schema errors at no extra cost.
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const where = doc.errors.length === 0 ? { doc, lines, base } : undefined;
  const policy = wrapped ? (raw as { policy: unknown }).policy : raw;
  return validate(policy, file, base, where, options.now ?? new Date());
};

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

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
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (cause) {
        throw new PolicyError(
          file,
          [{ severity: 'error', message: `cannot read the manifest: ${errorMessage(cause)}`, path: '' }],
          {
            cause,
          },
        );
      }
      return loadPolicyFromManifest(text, file, options);
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
  const { policy } = loaded;
  return {
    ...loaded,
    policy: {
      ...policy,
      dry_run: policy.dry_run || config.dryRun,
      self_ids: unique([...policy.self_ids, ...config.selfIds]),
    },
  };
};

export type { LoadedPolicy, LoadOptions, PolicyIssue };
export { formatIssue, loadPolicy, loadPolicyFromJson, loadPolicyFromManifest, PolicyError };
