// `terraform show -json PLANFILE` text → a typed plan, or one clear line saying what the input is instead.
// Terraform's JSON output format (developer.hashicorp.com/terraform/internals/json-format): objects may
// gain properties in minor versions (so they are read loosely), a new major version is refused.
import { readFile } from 'node:fs/promises';
import * as v from 'valibot';
import { errorMessage, InvalidInputError } from '#shared/errors.ts';

/** The plan file is not a Terraform JSON plan (or cannot be read): exit 2, nothing written. */
class PlanInputError extends InvalidInputError {
  override name = 'PlanInputError';
}

const Json = v.unknown();

const Change = v.looseObject({
  actions: v.array(v.string('change.actions lists strings such as "create"')),
  before: v.optional(Json),
  after: v.optional(Json),
  after_unknown: v.optional(Json),
});

const ResourceChange = v.looseObject({
  address: v.string('resource_changes[].address must be text'),
  mode: v.optional(v.string()),
  type: v.string('resource_changes[].type must be text'),
  name: v.optional(v.string()),
  index: v.optional(Json),
  module_address: v.optional(v.string()),
  deposed: v.optional(v.string()),
  change: Change,
});

const Plan = v.looseObject({
  format_version: v.string('format_version must be text such as "1.2"'),
  terraform_version: v.optional(v.string()),
  planned_values: v.optional(Json),
  prior_state: v.optional(Json),
  configuration: v.optional(Json),
  resource_changes: v.optional(v.array(ResourceChange)),
});

type Plan = v.InferOutput<typeof Plan>;
type ResourceChange = v.InferOutput<typeof ResourceChange>;
type Change = v.InferOutput<typeof Change>;

/** The majors this reader understands (1.0 since Terraform 1.1; 0.x before it has the same shape). */
const SUPPORTED_MAJORS = new Set(['0', '1']);

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Says what the text is when it is JSON but not a plan: the usual mix-ups get their fix named. */
const notAPlan = (raw: unknown): string => {
  if (!isRecord(raw)) return 'not a Terraform JSON plan (expected a JSON object with format_version)';
  if ('values' in raw && !('planned_values' in raw))
    return 'this is Terraform state JSON, not a plan: run `terraform plan -out tfplan && terraform show -json tfplan > plan.json`';
  if ('@level' in raw || '@message' in raw)
    return 'this is `terraform plan -json` log output, not a plan: run `terraform show -json tfplan` on a saved plan';
  if ('provider_schemas' in raw) return 'this is `terraform providers schema -json` output, not a plan';
  return 'not a Terraform JSON plan (no format_version and planned_values/resource_changes)';
};

const firstIssue = (issues: readonly v.BaseIssue<unknown>[]): string => {
  const issue = issues[0];
  if (!issue) return 'not a Terraform JSON plan';
  const path = (issue.path ?? []).map((p) =>
    typeof p.key === 'number' ? `[${p.key}]` : `.${String(p.key)}`,
  );
  return `not a Terraform JSON plan: ${path.join('').replace(/^\./, '') || 'document'}: ${issue.message}`;
};

/** Parses and validates plan JSON text; `file` names it in errors. */
const parsePlan = (text: string, file: string): Plan => {
  if (text.startsWith('PK'))
    throw new PlanInputError(
      `${file}: this is a binary plan file; convert it with \`terraform show -json ${file} > plan.json\``,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    // `terraform plan -json` writes one JSON object per line: parsing the whole text fails.
    const firstLine = text.split('\n', 1)[0] ?? '';
    if (/^\{"@level"/.test(firstLine))
      throw new PlanInputError(`${file}: ${notAPlan({ '@level': true })}`, { cause });
    throw new PlanInputError(`${file}: not JSON (${errorMessage(cause)})`, { cause });
  }
  if (!isRecord(raw) || !('format_version' in raw) || !('planned_values' in raw || 'resource_changes' in raw))
    throw new PlanInputError(`${file}: ${notAPlan(raw)}`);
  const result = v.safeParse(Plan, raw);
  if (!result.success) throw new PlanInputError(`${file}: ${firstIssue(result.issues)}`);
  const major = result.output.format_version.split('.')[0] ?? '';
  if (!SUPPORTED_MAJORS.has(major))
    throw new PlanInputError(
      `${file}: plan format_version ${result.output.format_version} is not supported (this reader knows 0.x and 1.x)`,
    );
  return result.output;
};

/** Reads a plan file (`-` = stdin). */
const readPlanFile = async (file: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Plan> => {
  let text: string;
  try {
    text = file === '-' ? await readStream(stdin) : await readFile(file, 'utf8');
  } catch (cause) {
    throw new PlanInputError(`${file}: cannot read the plan: ${errorMessage(cause)}`, { cause });
  }
  return parsePlan(text, file === '-' ? 'stdin' : file);
};

const readStream = async (stream: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
};

export type { Change, Plan, ResourceChange };
export { isRecord, PlanInputError, parsePlan, readPlanFile };
