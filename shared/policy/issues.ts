// Policy problems and validation, without the YAML parser: the deployed functions read their policy
// as JSON (IMDS_GUARD_POLICY) and must not pay for parsing YAML at cold start.
import * as v from 'valibot';
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

/** Finds the line and column of a path in the source text (YAML-aware callers provide one). */
type Locator = (path: DocPath, atKey: boolean) => { line: number; col: number } | undefined;

const formatIssue = (file: string, i: PolicyIssue): string =>
  `${file}${i.line !== undefined ? `:${i.line}:${i.col ?? 1}` : ''}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}${i.path ? ` (at ${i.path})` : ''}`;

/**
 * Problems with one file, one `file:line:col` line each. A ConfigError, so edges that already map
 * configuration problems handle it with no new case. The policy's and the manifest's errors are these.
 */
class IssuesError extends ConfigError {
  constructor(
    readonly file: string,
    readonly issues: PolicyIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'), options);
  }
}

/** Which error a shared step throws: the policy loader's or the manifest loader's. */
type IssuesErrorClass = new (
  file: string,
  issues: PolicyIssue[],
  options?: { cause?: unknown },
) => IssuesError;

class PolicyError extends IssuesError {
  override name = 'PolicyError';
}

const dotted = (path: DocPath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

const toIssues = (
  issues: readonly v.BaseIssue<unknown>[],
  locate: Locator | undefined,
  base: DocPath,
): PolicyIssue[] =>
  issues.slice(0, 50).map((issue) => {
    const path = [...base, ...(issue.path ?? []).map((p) => p.key as string | number)];
    // An unknown option is best shown at its key; anything else at its value.
    const unknownKey = issue.type === 'strict_object' && issue.expected === 'never';
    const pos = locate?.(path, unknownKey);
    return { severity: 'error', message: issue.message, path: dotted(path), ...(pos ?? {}) };
  });

/** Validates the policy object; semantic errors come from the schema, warnings from the clock. */
const validate = (
  raw: unknown,
  file: string,
  base: DocPath,
  locate: Locator | undefined,
  now: Date,
): LoadedPolicy => {
  const result = v.safeParse(Policy, raw ?? {});
  if (!result.success) throw new PolicyError(file, toIssues(result.issues, locate, base));
  const warnings = policyWarnings(result.output, now).map((w): PolicyIssue => {
    const path = [...base, ...w.path];
    const pos = locate?.(path, false);
    return { severity: 'warning', message: w.message, path: dotted(path), ...(pos ?? {}) };
  });
  return { policy: result.output, warnings, source: file };
};

/** Line and column of a character offset, for JSON.parse's "at position N". */
const positionOf = (text: string, offset: number): { line: number; col: number } => {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
};

/** Parses policy JSON: the policy object itself, or `{"policy": {…}}` as cut from a manifest. */
const parsePolicyJson = (text: string, file: string): { policy: unknown; base: DocPath } => {
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
  return { policy: wrapped ? (raw as { policy: unknown }).policy : raw, base: wrapped ? ['policy'] : [] };
};

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** The environment can only tighten a policy: IMDS_GUARD_DRY_RUN turns dry-run on, IMDS_GUARD_SELF_IDS adds ids. */
const tighten = (loaded: LoadedPolicy, config: Pick<Config, 'dryRun' | 'selfIds'>): LoadedPolicy => ({
  ...loaded,
  policy: {
    ...loaded.policy,
    dry_run: loaded.policy.dry_run || config.dryRun,
    self_ids: unique([...loaded.policy.self_ids, ...config.selfIds]),
  },
});

export type { IssuesErrorClass, LoadedPolicy, LoadOptions, Locator, PolicyIssue };
export { dotted, formatIssue, IssuesError, PolicyError, parsePolicyJson, tighten, validate };
