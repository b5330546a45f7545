// One decision record from untrusted input → the flat view the report counts. The schema is lenient
// where the functions may evolve (extra fields, absent `detail`), strict where counting needs it.

import * as v from 'valibot';
import { isDecisionLine, OUTCOMES, type Outcome } from '#shared/audit/decision.ts';
import { parseCrn } from '../../cloud/crn.ts';
import {
  currentMetadata,
  type Exemption,
  exemptionOf,
  type Finding,
  findingsOf,
  ibmErrorOf,
  isRecord,
  type Metadata,
  patchOf,
  text,
  ticketIdOf,
  vpcOf,
} from './record-detail.ts';

/** What a Cloud Logs wrapper says about the line (metadata / labels), when there is one. */
interface LineMeta {
  /** Epoch ms of the log line as Cloud Logs stored it. */
  timestamp?: number;
  application?: string;
  subsystem?: string;
}

/** A decision, flattened for counting. Strings are untrusted: renderers escape them. */
interface Decision {
  at: number;
  timestamp: string;
  fn: string;
  outcome: Outcome;
  action: string | null;
  target: string | null;
  name: string | null;
  reason: string;
  initiator: string | null;
  dryRun: boolean;
  /** `detail.mode === 'audit'`: planned because the policy only audits. */
  audit: boolean;
  apiCalls: number | null;
  latencyMs: number | null;
  rules: string[];
  region: string | null;
  /** The record's `account`, or (older lines) the account in its target CRN. */
  account: string | null;
  resourceGroup: string | null;
  exposureMs: number | null;
  eventId: string | null;
  /** The run (scan/sweep) or the delivery this decision belongs to. */
  correlationId: string | null;
  /** `instance`, `instance-template`, `profile`, `network`…, from `detail.kind` or the CRN. */
  kind: string;
  /** The CRN's resource id (a profile's `Profile-…`). */
  resourceId: string | null;
  /** The CRN's location (a zone for instances). */
  location: string | null;
  vpc: string | null;
  vpcId: string | null;
  /** The instance's metadata settings after this decision, when the record carries them. */
  metadata: Metadata | null;
  /** The change the rule wants (`detail.patch`). */
  patch: Record<string, unknown> | null;
  exemption: Exemption | null;
  findings: Finding[];
  /** The highest severity among the findings (`detail.severity`). */
  severity: string | null;
  ibmStatus: number | null;
  ibmCode: string | null;
  ticketId: string | null;
}

const OptText = v.optional(v.nullable(v.string()));
const OptNumber = v.optional(v.nullable(v.pipe(v.number(), v.finite())));

const DecisionLine = v.looseObject({
  timestamp: v.optional(v.union([v.string(), v.number()])),
  // `"decision"` in lines written before the message became the human summary.
  message: v.optional(v.string()),
  fn: OptText,
  event_id: OptText,
  action: OptText,
  target_crn: OptText,
  account: OptText,
  outcome: v.picklist(OUTCOMES),
  reason: OptText,
  initiator: OptText,
  correlation_id: OptText,
  dry_run: v.optional(v.nullable(v.boolean())),
  api_calls: OptNumber,
  latency_ms: OptNumber,
  detail: v.optional(v.nullable(v.record(v.string(), v.unknown()))),
  before: v.optional(v.unknown()),
  after: v.optional(v.unknown()),
});

type DecisionLine = v.InferOutput<typeof DecisionLine>;

type Normalized = { ok: true; decision: Decision } | { ok: false; reason: string };

/** A candidate object is a decision record when it says so or has the shape; else another log line. */
const looksLikeDecision = (x: unknown): boolean => isDecisionLine(x);

/** ISO text (a zone-less one is UTC, as Cloud Logs metadata writes it) or epoch ms/s → epoch ms. */
const toEpochMs = (x: unknown): number | null => {
  if (typeof x === 'number' && Number.isFinite(x)) return x < 1e11 ? x * 1000 : x;
  if (typeof x !== 'string' || x.trim() === '') return null;
  const s = x.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return toEpochMs(Number(s));
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(s) || !/T\d{2}:/.test(s) ? s : `${s}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
};

/** `crn:v1:bluemix:public:is:us-south-1:…` → `us-south`; an empty location is `global` (IAM). */
const regionOfCrn = (crn: string | null): string | null => {
  const c = crn ? parseCrn(crn) : undefined;
  if (!c) return null;
  return c.location === '' ? 'global' : c.region;
};

/** Rule ids: `detail.rule`, and the rules behind `detail.findings` / `detail.finding_ids`. */
const rulesOf = (detail: Record<string, unknown>, findings: readonly Finding[]): string[] => {
  const rule = text(detail.rule);
  return [...new Set([...(rule ? [rule] : []), ...findings.map((f) => f.rule)])];
};

const resourceGroupOf = (rg: unknown): string | null => {
  if (typeof rg === 'string') return text(rg);
  if (isRecord(rg)) return text(rg.name) ?? text(rg.id);
  return null;
};

const nonNegative = (x: unknown): number | null =>
  typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : null;

const firstIssue = (issues: readonly v.BaseIssue<unknown>[]): string => {
  const issue = issues[0];
  if (!issue) return 'not a decision record';
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
  const received = issue.received.length > 60 ? `${issue.received.slice(0, 57)}...` : issue.received;
  if (path === 'outcome') return `outcome: ${received} is not a decision outcome`;
  const expected = (issue.expected ?? 'a valid value').replace(/"/g, '');
  return `${path || 'record'}: got ${received}, expected ${expected.length > 48 ? `${expected.slice(0, 47)}…` : expected}`;
};

/** `detail.kind`, else the CRN's resource type, else what the function guards. */
const kindOf = (detail: Record<string, unknown>, crnType: string | undefined, fn: string | null): string => {
  const kind = text(detail.kind) ?? text(crnType);
  if (kind) return kind;
  if (fn === 'profile-guard' || isRecord(detail.profile)) return 'profile';
  return 'unknown';
};

/** Validates a candidate decision record and flattens it; `meta` fills what a wrapper knows better. */
const normalizeDecision = (candidate: unknown, meta: LineMeta = {}): Normalized => {
  const parsed = v.safeParse(DecisionLine, candidate);
  if (!parsed.success) return { ok: false, reason: firstIssue(parsed.issues) };
  const r: DecisionLine = parsed.output;
  const at = toEpochMs(r.timestamp) ?? meta.timestamp ?? null;
  if (at === null) return { ok: false, reason: 'timestamp: missing or not a time' };
  const detail = r.detail ?? {};
  const target = text(r.target_crn);
  const crn = target ? parseCrn(target) : undefined;
  const reason = r.reason ?? '';
  const vpc = vpcOf(detail);
  const ibm = r.outcome === 'failed' ? ibmErrorOf(detail, reason) : { status: null, code: null };
  const profile = isRecord(detail.profile) ? detail.profile : {};
  const findings = findingsOf(detail);
  const eventTime = toEpochMs(detail.event_time);
  const exposureMs =
    r.outcome !== 'remediated'
      ? null
      : (nonNegative(detail.exposure_ms) ?? (eventTime !== null && at >= eventTime ? at - eventTime : null));
  return {
    ok: true,
    decision: {
      at,
      timestamp: new Date(at).toISOString(),
      fn: text(r.fn) ?? text(meta.subsystem) ?? 'unknown',
      outcome: r.outcome,
      action: text(r.action),
      target,
      // A network record names its VPC (detail.vpc), not a resource of its own.
      name:
        text(detail.name) ??
        text(profile.name) ??
        (detail.kind === 'vpc-network' ? (vpc.name ?? null) : null),
      reason,
      initiator: text(r.initiator),
      dryRun: r.dry_run === true,
      audit: detail.mode === 'audit',
      apiCalls: nonNegative(r.api_calls),
      latencyMs: nonNegative(r.latency_ms),
      rules: rulesOf(detail, findings),
      region: text(detail.region) ?? regionOfCrn(target),
      account: text(r.account) ?? text(crn?.account) ?? null,
      resourceGroup: resourceGroupOf(detail.resource_group),
      exposureMs,
      eventId: text(r.event_id),
      correlationId: text(r.correlation_id),
      kind: kindOf(detail, crn?.type, text(r.fn)),
      resourceId: text(crn?.id) ?? text(profile.id),
      location: crn ? crn.location || 'global' : null,
      vpc: vpc.name ?? vpc.id,
      vpcId: vpc.id,
      metadata: currentMetadata(r.outcome, r.before, r.after),
      patch: patchOf(detail),
      exemption: r.outcome === 'exempt' ? exemptionOf(detail, reason) : null,
      findings,
      severity: text(detail.severity),
      ibmStatus: ibm.status,
      ibmCode: ibm.code,
      ticketId: ticketIdOf(detail),
    },
  };
};

export type { Decision, LineMeta, Normalized };
export { isRecord, looksLikeDecision, normalizeDecision, regionOfCrn, toEpochMs };
