// Failures grouped by cause — IBM's error code (or what else failed) and the rule — each with its count,
// a few examples and the fix the product recommends. Memory: one entry per distinct cause.
import type { Decision } from './record.ts';

interface CauseExample {
  at: string;
  name: string | null;
  target: string | null;
  reason: string;
}

interface Cause {
  /** IBM's error code, `HTTP 403`, `servicenow 401`, … */
  code: string;
  rule: string | null;
  kind: string;
  count: number;
  /** Distinct resources that failed this way. */
  targets: number;
  first_at: string;
  last_at: string;
  examples: CauseExample[];
  fix: string;
}

const EXAMPLES = 3;
const TARGETS_TRACKED = 10_000;

// ---- What to do about each cause (the product's advice) ----------------------------------------

const ALLOWED_USE =
  "The image's allowed-use expression needs the metadata service, so IBM refuses to disable it. Let the guard fall back to secure access (https with the rule's hop limit; the default for this conflict in current releases), or exempt the instance in the policy's exemption list with an approver, a ticket and an expiry.";

/** By IBM error code (VPC, IAM, Global Tagging, Case Management). */
const FIX_BY_CODE = {
  instance_allowed_use_violation: ALLOWED_USE,
  instance_metadata_service_disable_not_supported: ALLOWED_USE,
  not_authorized:
    "The guard's identity lacks a role on this resource: `imds-guard deploy` grants what the manifest needs (Editor on VPC Infrastructure Services for instances); check the trusted profile's policies and any access group that narrows them.",
  forbidden:
    "The guard's identity lacks a role on this resource: re-run `imds-guard deploy` (it derives the grants from the manifest) or add the missing policy by hand.",
  too_many_requests:
    'IBM rate-limited the guard. The next sweep retries; for bulk runs lower --region-concurrency (it also halves itself on 429).',
  not_found: 'The resource disappeared while the guard worked on it; nothing to do.',
  instance_not_found: 'The resource disappeared while the guard worked on it; nothing to do.',
  validation_invalid_argument:
    'IBM refused the change as invalid: check the rule (a hop limit between 1 and 64) with `imds-guard validate`.',
} satisfies Record<string, string>;

/** By HTTP status when there is no code (or an unknown one). */
const FIX_BY_STATUS = {
  400: 'IBM refused the change as invalid for this resource: read the example, check the rule with `imds-guard validate`, or exempt the resource.',
  401: 'The credential was refused: check the API key or the trusted profile link of the Code Engine component.',
  403: "The guard's identity lacks a role on this resource: `imds-guard deploy` grants what the manifest needs.",
  404: 'The resource disappeared while the guard worked on it; nothing to do.',
  409: 'IBM reported a conflict (the resource is busy or in a state that refuses the change); the next sweep retries.',
  412: 'The resource changed while the guard worked on it (its ETag moved); the next event or sweep retries.',
  429: 'IBM rate-limited the guard; the next sweep retries. For bulk runs lower --region-concurrency.',
  500: 'IBM failed on its side; the next sweep retries. If it persists, open a case with the trace id from the example.',
  503: 'The service was unavailable; the next sweep retries.',
} satisfies Record<number, string>;

/** Causes that are not an IBM answer, recognised from the reason. */
const OTHER_CAUSES = [
  {
    test: /^(case-management|servicenow|webhook|log) answered (\d{3})/,
    code: (m: RegExpExecArray) => `${m[1]} ${m[2]}`,
    fix: 'The ticket sink refused or failed: check its credentials and URL (`imds-guard doctor`); the next event or sweep tickets again.',
  },
  {
    test: /kept changing under us|412/,
    code: () => 'HTTP 412',
    fix: FIX_BY_STATUS[412],
  },
  {
    test: /^PATCH answered/,
    code: () => 'verification mismatch',
    fix: 'IBM accepted the change but the instance reads back differently (another actor, or an image constraint): look at who else changes it; the next event or sweep retries.',
  },
] as const;

const DEFAULT_FIX = 'Read the example reason; the next event or sweep retries.';

/** Long IDs and trace ids vary per failure; the cause does not. */
const normalizeReason = (reason: string): string =>
  reason
    .replace(/\(trace [^)]*\)/g, '')
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, '…')
    .replace(/\d+/g, '#')
    .slice(0, 60)
    .trim();

const causeOf = (d: Decision): { code: string; fix: string } => {
  const code = d.ibmCode;
  const status = d.ibmStatus;
  if (code || status !== null) {
    const byCode = code ? (FIX_BY_CODE as Record<string, string>)[code] : undefined;
    const byStatus = status !== null ? (FIX_BY_STATUS as Record<number, string>)[status] : undefined;
    return {
      code: code ?? `HTTP ${status}`,
      fix: byCode ?? byStatus ?? (status !== null && status >= 500 ? FIX_BY_STATUS[500] : DEFAULT_FIX),
    };
  }
  for (const c of OTHER_CAUSES) {
    const m = c.test.exec(d.reason);
    if (m) return { code: c.code(m), fix: c.fix };
  }
  return { code: normalizeReason(d.reason) || 'unknown', fix: DEFAULT_FIX };
};

interface Entry {
  cause: Omit<Cause, 'targets' | 'first_at' | 'last_at'>;
  first: number;
  last: number;
  targets: Set<string>;
}

const createCauses = () => {
  const entries = new Map<string, Entry>();
  return {
    add(d: Decision): void {
      if (d.outcome !== 'failed') return;
      const { code, fix } = causeOf(d);
      const rule = d.rules[0] ?? null;
      const key = `${code}\u0000${rule ?? ''}\u0000${d.kind}`;
      let e = entries.get(key);
      if (!e) {
        e = {
          cause: { code, rule, kind: d.kind, count: 0, examples: [], fix },
          first: d.at,
          last: d.at,
          targets: new Set(),
        };
        entries.set(key, e);
      }
      e.cause.count += 1;
      if (d.at < e.first) e.first = d.at;
      if (d.at > e.last) e.last = d.at;
      if (d.target && e.targets.size < TARGETS_TRACKED) e.targets.add(d.target);
      const known = e.cause.examples.some((x) => x.target !== null && x.target === d.target);
      if (e.cause.examples.length < EXAMPLES && !known)
        e.cause.examples.push({ at: d.timestamp, name: d.name, target: d.target, reason: d.reason });
    },
    summary(): Cause[] {
      return [...entries.values()]
        .map((e) => ({
          ...e.cause,
          targets: e.targets.size,
          first_at: new Date(e.first).toISOString(),
          last_at: new Date(e.last).toISOString(),
        }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    },
  };
};

export type { Cause, CauseExample };
export { causeOf, createCauses, FIX_BY_CODE, FIX_BY_STATUS };
