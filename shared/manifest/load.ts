// manifest.yaml text → validated deployment sections and policy, with `file:line:col` on every problem:
// YAML syntax, the deployment schema (schema.ts), the policy (shared/policy/load.ts, reused as is) and
// references between sections (references.ts). All problems are reported at once, in file order.
import * as v from 'valibot';
import type { Document } from 'yaml';
import {
  dotted,
  formatIssue,
  IssuesError,
  type Locator,
  PolicyError,
  type PolicyIssue,
} from '../policy/issues.ts';
import { loadPolicyFromManifest, parseManifestYaml, readManifestText, yamlLocator } from '../policy/load.ts';
import type { DocPath, Policy } from '../policy/schema.ts';
import { isDeployment, type ManifestProblem, manifestProblems } from './references.ts';
import { type Deployment, Manifest } from './schema.ts';

/** Same shape as the policy loader's issues, so both print through one `formatIssue`. */
type ManifestIssue = PolicyIssue;

interface LoadedManifest {
  file: string;
  manifest: Manifest;
  /** The deployment sections, when the manifest has them (a `policy:`-only manifest deploys nothing). */
  deployment: Deployment | undefined;
  policy: Policy;
  warnings: ManifestIssue[];
}

interface LoadOptions {
  /** Clock for "exemption already expired" warnings. */
  now?: Date;
}

const byPosition = (a: ManifestIssue, b: ManifestIssue): number =>
  (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);

/** A ConfigError, so the CLI edge maps it like every other configuration problem. */
class ManifestError extends IssuesError {
  override name = 'ManifestError';
  get errors(): ManifestIssue[] {
    return this.issues.filter((i) => i.severity === 'error');
  }
}

interface Located {
  doc: Document;
  locate: Locator;
}

const issueAt = (
  where: Located,
  severity: ManifestIssue['severity'],
  path: DocPath,
  message: string,
  atKey = false,
): ManifestIssue => ({ severity, message, path: dotted(path), ...(where.locate(path, atKey) ?? {}) });

const schemaIssues = (issues: readonly v.BaseIssue<unknown>[], where: Located): ManifestIssue[] =>
  issues.slice(0, 50).map((issue) => {
    const path = (issue.path ?? []).map((p) => p.key as string | number);
    // An unknown option is best shown at its key; anything else at its value.
    const unknownKey = issue.type === 'strict_object' && issue.expected === 'never';
    return issueAt(where, 'error', path, issue.message, unknownKey);
  });

const parse = (text: string, file: string): Located => {
  const { doc, lines } = parseManifestYaml(
    text,
    file,
    ManifestError,
    'a manifest is a mapping of sections (project:, functions:, policy:, …)',
  );
  return { doc, locate: yamlLocator(doc, lines) };
};

/** The policy through its own loader; its problems join the manifest's instead of stopping them. */
const loadPolicySection = (
  text: string,
  file: string,
  options: LoadOptions,
): { policy: Policy | undefined; issues: ManifestIssue[] } => {
  try {
    const loaded = loadPolicyFromManifest(text, file, options);
    return { policy: loaded.policy, issues: loaded.warnings };
  } catch (err) {
    if (err instanceof PolicyError) return { policy: undefined, issues: err.issues };
    throw err;
  }
};

/** Validates a whole manifest; throws ManifestError listing every error (and warning) in file order. */
const loadManifest = (text: string, file = 'manifest.yaml', options: LoadOptions = {}): LoadedManifest => {
  const where = parse(text, file);
  const raw: unknown = where.doc.toJS({ maxAliasCount: 100 }) ?? {};
  const shape = v.safeParse(Manifest, raw);
  const { policy, issues: policyIssues } = loadPolicySection(text, file, options);
  const problems: ManifestProblem[] = shape.success ? manifestProblems(shape.output, policy) : [];
  const issues = [
    ...(shape.success ? [] : schemaIssues(shape.issues, where)),
    ...policyIssues,
    ...problems.map((p) => issueAt(where, p.severity, p.path, p.message)),
  ].sort(byPosition);
  if (!shape.success || policy === undefined || issues.some((i) => i.severity === 'error')) {
    throw new ManifestError(file, issues);
  }
  const manifest = shape.output;
  return {
    file,
    manifest,
    deployment: isDeployment(manifest) ? manifest : undefined,
    policy,
    warnings: issues,
  };
};

const loadManifestFile = async (file: string, options: LoadOptions = {}): Promise<LoadedManifest> =>
  loadManifest(await readManifestText(file, ManifestError), file, options);

export type { LoadedManifest, LoadOptions, ManifestIssue };
export { formatIssue, loadManifest, loadManifestFile, ManifestError };
