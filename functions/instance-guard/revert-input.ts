// Revert's record reader and the checks every record must pass before any IBM call: a record is input
// from a file anyone may have edited, so revert trusts nothing in it — not the function that wrote it,
// not the CRN's account or resource type, not the `before` values it would send to IBM.
import * as v from 'valibot';
import { isDecisionLine } from '#shared/audit/decision.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';

/** Records of these functions remediate instances or templates; profile-guard and revert records do not. */
const REVERTIBLE_FNS = ['instance-guard', 'sweep', 'scan'] as const;

/** `crn:v1:bluemix:public:is:<region or zone>:a/<account>::<type>:<id>`, nothing else. */
const VPC_CRN =
  /^crn:v1:bluemix:public:is:([a-z]{2}-[a-z]+(?:-[1-9])?):a\/([0-9a-f]{32})::(instance|instance-template):([0-9a-z]{4}[-_][0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** VPC ids are zone-prefixed UUIDs (`0717_…` instances, `0717-…` templates and groups). */
const VpcId = v.pipe(
  v.string(),
  v.regex(/^[0-9a-z]{4}[-_][0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'is not a VPC id'),
);

/** IBM's ranges (ibm-api-facts §1): what a PATCH may carry; anything else IBM would refuse. */
const Metadata = v.object({
  enabled: v.boolean('must be true or false'),
  protocol: v.picklist(['http', 'https'], 'must be http or https'),
  response_hop_limit: v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number from 1 to 64'),
    v.minValue(1, 'must be a whole number from 1 to 64'),
    v.maxValue(64, 'must be a whole number from 1 to 64'),
  ),
});

const InstanceStates = v.object({ before: Metadata, after: Metadata });

const TemplateStates = v.object({
  before: v.object({ template: v.object({ id: VpcId }) }),
  after: v.object({ instance_groups: v.pipe(v.array(VpcId), v.maxLength(1000)) }),
});

interface VpcTarget {
  crn: string;
  region: string;
  account: string;
  type: 'instance' | 'instance-template';
  id: string;
}

/** A record that passed every check but the account one (which needs the guard's own identity). */
type Checked =
  | {
      ok: true;
      kind: 'instance';
      target: VpcTarget;
      before: InstanceMetadataService;
      after: InstanceMetadataService;
    }
  | { ok: true; kind: 'instance-template'; target: VpcTarget; original: string; groups: string[] }
  | { ok: false; outcome: 'ignored' | 'refused'; reason: string };

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A value for a reason line: short, one line, never a whole payload. */
const shown = (x: unknown): string => {
  let text: string;
  try {
    text = typeof x === 'string' ? x : (JSON.stringify(x) ?? typeof x);
  } catch {
    // Too deep to print (JSON.stringify recurses): say what it is instead.
    text = Array.isArray(x) ? 'a deeply nested array' : typeof x;
  }
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
};

const issueText = (issues: readonly v.BaseIssue<unknown>[]): string => {
  const issue = issues[0];
  const path = issue ? (v.getDotPath(issue) ?? 'record') : 'record';
  return `${path} ${issue?.message ?? 'is invalid'} (got ${shown(issue?.input)})`;
};

const parseTarget = (crn: unknown): VpcTarget | undefined => {
  const m = typeof crn === 'string' ? VPC_CRN.exec(crn) : null;
  if (!m) return undefined;
  const [, location = '', account = '', type, id = ''] = m;
  return {
    crn: crn as string,
    region: location.replace(/-\d$/, ''),
    account,
    type: type === 'instance' ? 'instance' : 'instance-template',
    id,
  };
};

const refuse = (reason: string): Checked => ({ ok: false, outcome: 'refused', reason });

/** Every check that needs no IBM call, in the order a reader would ask. */
const checkRecord = (record: unknown): Checked => {
  if (!isObject(record)) return refuse('not a decision record (not a JSON object)');
  if (record.outcome !== 'remediated')
    return {
      ok: false,
      outcome: 'ignored',
      reason: `outcome ${shown(record.outcome)}: nothing was changed, nothing to revert`,
    };
  if (!(REVERTIBLE_FNS as readonly unknown[]).includes(record.fn))
    return refuse(
      `a ${shown(record.fn)} record is not an instance or template remediation (revert restores ${REVERTIBLE_FNS.join(', ')} records)`,
    );
  const target = parseTarget(record.target_crn);
  if (!target)
    return refuse(
      `target_crn ${shown(record.target_crn)} is not a public-cloud VPC instance or instance template CRN`,
    );
  const kind =
    isObject(record.detail) && record.detail.kind === 'instance-template' ? 'instance-template' : 'instance';
  if (kind !== target.type)
    return refuse(`the record is about an ${kind} but its target_crn names an ${target.type}`);
  if (kind === 'instance') {
    const states = v.safeParse(InstanceStates, record);
    if (!states.success) return refuse(`cannot restore: ${issueText(states.issues)}`);
    return { ok: true, kind, target, before: states.output.before, after: states.output.after };
  }
  const states = v.safeParse(TemplateStates, record);
  if (!states.success) return refuse(`cannot restore: ${issueText(states.issues)}`);
  return {
    ok: true,
    kind,
    target,
    original: states.output.before.template.id,
    groups: states.output.after.instance_groups,
  };
};

/** A string field of an untrusted record, for the revert record that answers it. */
const textField = (record: unknown, key: string): string | null => {
  const value = isObject(record) ? record[key] : undefined;
  return typeof value === 'string' ? value.slice(0, 512) : null;
};

/** Decision records from JSON lines (or one pretty-printed record); other lines are reported, not fatal. */
const readRecords = (text: string): { records: Json[]; problems: string[] } => {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
    try {
      const one: unknown = JSON.parse(trimmed);
      if (isObject(one) && isDecisionLine(one)) return { records: [one], problems: [] };
      return { records: [], problems: ['not a decision record'] };
    } catch {
      // Not one document: read it line by line.
    }
  }
  const records: Json[] = [];
  const problems: string[] = [];
  let others = 0;
  trimmed.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      return;
    }
    if (isObject(value) && isDecisionLine(value)) records.push(value);
    else others += 1;
  });
  // A log holds other lines too: say how many were skipped, once.
  if (others > 0)
    problems.push(`${others} JSON line${others === 1 ? ' is' : 's are'} not decision records (skipped)`);
  return { records, problems };
};

export type { Checked, VpcTarget };
export { checkRecord, REVERTIBLE_FNS, readRecords, textField };
