// What a deploy plan is made of (steps, sections, files, the state read beforehand) and the names its steps share.

type ResourceKind =
  | 'target'
  | 'project'
  | 'identity'
  | 'link'
  | 'iam-policy'
  | 'secret'
  | 'configmap'
  | 'function'
  | 'app'
  | 'job'
  | 'cron'
  | 'kafka'
  | 'authorization'
  | 'at-target'
  | 'at-route';

type Verb = 'target' | 'select' | 'read' | 'create' | 'update';

/** What exists already. `probed: false` = nothing was read (no IBM Cloud CLI): everything is missing. */
interface ExistingState {
  probed: boolean;
  /** Why nothing was read, when `probed` is false (default: ibmcloud is not on PATH). */
  unread?: string;
  project: boolean;
  /** The trusted profile or service ID of `identity:`. */
  identity: boolean;
  /** Trusted-profile link names (`ce-fn-<name>`…). */
  links: ReadonlySet<string>;
  /** IAM policies of the identity: scope key (grants.ts `scopeKey`) → policy id. */
  policies: ReadonlyMap<string, string>;
  secrets: ReadonlySet<string>;
  configmaps: ReadonlySet<string>;
  functions: ReadonlySet<string>;
  apps: ReadonlySet<string>;
  jobs: ReadonlySet<string>;
  crons: ReadonlySet<string>;
  kafkas: ReadonlySet<string>;
  /** Service-to-service authorizations, keyed `atracker>messagehub:<instance guid>`. */
  authorizations: ReadonlySet<string>;
  atTargets: ReadonlySet<string>;
  atRoutes: ReadonlySet<string>;
}

/** A file the deploy command writes into a private temporary directory (secrets never reach argv or output). */
type FileContent =
  | { kind: 'env-file'; entries: readonly { key: string; env: string }[] }
  | { kind: 'env-value'; env: string }
  | { kind: 'text'; text: string };

interface FileArg {
  /** Index in argv that becomes `prefix + path` at run time. */
  index: number;
  prefix: string;
  /** Base name of the file (shown as `<name>`). */
  file: string;
  content: FileContent;
}

interface Step {
  kind: ResourceKind;
  name: string;
  verb: Verb;
  /** Lines printed before the command (without `# `). */
  comment: readonly string[];
  /** Arguments after `ibmcloud`; `${NAME}` is a value captured by an earlier step. */
  argv: readonly string[];
  /** Remember a property of the command's JSON output as `${variable}`. */
  capture?: { variable: string; property: string };
  file?: FileArg;
}

interface PlanSection {
  title: string;
  /** Things that need no command (already there, not managed here); printed as comments. */
  notes: readonly string[];
  steps: readonly Step[];
}

interface Plan {
  file: string;
  header: readonly string[];
  sections: readonly PlanSection[];
}

/** Steps and notes a part of a section adds. */
interface Part {
  steps: Step[];
  notes: string[];
}

const EMPTY_STATE: ExistingState = {
  probed: false,
  project: false,
  identity: false,
  links: new Set(),
  policies: new Map(),
  secrets: new Set(),
  configmaps: new Set(),
  functions: new Set(),
  apps: new Set(),
  jobs: new Set(),
  crons: new Set(),
  kafkas: new Set(),
  authorizations: new Set(),
  atTargets: new Set(),
  atRoutes: new Set(),
};

/**
 * A Code Engine resource created, or updated when it exists already:
 * `ce <command…> create|update --name <name> <flags…>` (the flags may differ by verb).
 */
const ceStep = (
  kind: ResourceKind,
  command: readonly string[],
  name: string,
  existing: ReadonlySet<string>,
  flags: (verb: 'create' | 'update') => readonly string[],
  comment: readonly string[] = [],
): Step => {
  const verb = existing.has(name) ? 'update' : 'create';
  return { kind, name, verb, comment, argv: ['ce', ...command, verb, '--name', name, ...flags(verb)] };
};

const PROJECT_CRN = 'PROJECT_CRN';
const GUARD_IAM_ID = 'GUARD_IAM_ID';
const ref = (variable: string): string => `\${${variable}}`;

export type { ExistingState, FileArg, FileContent, Part, Plan, PlanSection, ResourceKind, Step, Verb };
export { ceStep, EMPTY_STATE, GUARD_IAM_ID, PROJECT_CRN, ref };
