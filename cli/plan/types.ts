// What `imds-guard check-plan` reports: one result per judged resource (instances, templates) or per
// trusted-profile finding, each with a verdict that says what the guards would do after apply.
import type { InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import type { ProfileRuleId, Severity } from '#shared/policy/profiles.ts';

/**
 * change  — a guard would change it after apply (PATCH an instance, copy a template)
 * ticket  — the profile guard would open a ticket (a breadth finding)
 * audit   — the policy reports it only (mode audit): a finding, not a change
 * unknown — values the decision needs are known only after apply: cannot tell, not a pass
 * exempt  — an exemption applies
 * pass    — compliant
 */
const VERDICTS = ['change', 'ticket', 'audit', 'unknown', 'exempt', 'pass'] as const;
type Verdict = (typeof VERDICTS)[number];

type MetadataCheckId = 'instance-metadata' | 'template-metadata';
/** `profile-breadth` carries a profile's pass, and what about it cannot be told before apply. */
type CheckId = MetadataCheckId | ProfileRuleId | 'profile-breadth';

interface CheckResult {
  /** Terraform resource address, e.g. `module.web.ibm_is_instance.app[0]`. */
  address: string;
  type: string;
  /** The plan's actions for the resource, e.g. `["create"]`, `["delete","create"]`. */
  actions: string[];
  check: CheckId;
  verdict: Verdict;
  severity: Severity | null;
  /** One sentence. */
  summary: string;
  /** Why, in the guards' own words (the same reasons their decision records carry). */
  reasons: string[];
  /** The policy rule that applies (instances and templates). */
  rule?: string;
  /** The metadata_service block the policy wants in the configuration. */
  wanted?: InstanceMetadataServicePatch;
  /** Other resources of the plan the finding involves. */
  related?: string[];
  /** The profile guard's finding id (stable: what its ticket key is made of). */
  finding_id?: string;
}

interface NotJudged {
  address: string;
  type: string;
  why: string;
}

interface CheckReport {
  results: CheckResult[];
  /** Resources of types the guards care about that this check does not judge, and why. */
  not_judged: NotJudged[];
  /** Plan-wide remarks (e.g. no configuration section). */
  notes: string[];
}

/** Process exit codes, in line with `imds-guard scan` (docs/scan.md) where the meaning is the same. */
const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  changes: 3,
  unknown: 4,
} as const;

/** Metadata changes are the guard's core job: reported as high (an enabled http endpoint is SSRF bait). */
const METADATA_SEVERITY: Severity = 'high';

export type { CheckId, CheckReport, CheckResult, MetadataCheckId, NotJudged, Verdict };
export { EXIT, METADATA_SEVERITY, VERDICTS };
