// The check's report as SARIF 2.1.0 for code-scanning UIs: one rule per check, one result per finding or
// "cannot tell", located by the Terraform resource address (a logical location). A plan's JSON does not
// say which .tf file and line a resource comes from, so results carry no physical location; the plan
// file itself is listed as the analysed artifact. Exemptions are SARIF suppressions.
import { createHash } from 'node:crypto';
import type * as Sarif from 'sarif';
import { BREADTH_RULES } from '#functions/profile-guard/rules/index.ts';
import { PROFILE_RULE_IDS, type Severity } from '#shared/policy/profiles.ts';
import { exitCodeFor } from './check.ts';
import { actionWord, metadataBlock, type ReportMeta } from './render.ts';
import type { CheckId, CheckReport, CheckResult } from './types.ts';

const LEVEL = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
} as const satisfies Record<Severity, 'error' | 'warning' | 'note'>;

/** GitHub code scanning reads `security-severity` (0–10) to rank security results. */
const SECURITY_SEVERITY = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
} as const satisfies Record<Severity, string>;

const SECURE_EXAMPLE = metadataBlock({ enabled: true, protocol: 'https', response_hop_limit: 1 }, '  ');
const DISABLED_EXAMPLE = metadataBlock({ enabled: false }, '  ');

interface CheckText {
  name: string;
  title: string;
  explanation: string;
  help: string;
  severity: Severity;
}

const METADATA_HELP = `Write the metadata_service block the policy wants for this resource (each result says which), e.g.\n\n${DISABLED_EXAMPLE}\n\nor, for workloads that read metadata:\n\n${SECURE_EXAMPLE}\n\nA resource the policy exempts carries the exemption access tag (access_tags) or is listed in policy.instances.exemptions.`;

const METADATA_CHECKS = {
  'instance-metadata': {
    name: 'InstanceMetadataService',
    title: 'Instance metadata service not as the policy wants',
    explanation:
      "After apply the instance guard would change this instance's metadata service (disable it, or switch it to secure access with the policy's hop limit), and Terraform would change it back on the next apply.",
    help: METADATA_HELP,
    severity: 'high',
  },
  'template-metadata': {
    name: 'InstanceTemplateMetadataService',
    title: 'Instance template metadata service not as the policy wants',
    explanation:
      'Instances created from this template would not get the metadata settings the policy wants. Templates cannot be changed in place, so the guard would replace it with a compliant copy.',
    help: METADATA_HELP,
    severity: 'high',
  },
  'profile-breadth': {
    name: 'TrustedProfileBreadth',
    title: 'Trusted profile breadth that cannot be judged before apply',
    explanation:
      'Something the profile guard judges (roles, resource attributes, claim rule conditions, linked instances) is known only after apply.',
    help: 'Run `imds-guard scan --include profiles` after apply, or write the values as constants so the plan shows them.',
    severity: 'medium',
  },
} as const satisfies Record<Exclude<CheckId, (typeof PROFILE_RULE_IDS)[number]>, CheckText>;

const pascal = (id: string): string => id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

const textOf = (id: CheckId): CheckText => {
  if (Object.hasOwn(METADATA_CHECKS, id)) return METADATA_CHECKS[id as keyof typeof METADATA_CHECKS];
  const rule = BREADTH_RULES[id as (typeof PROFILE_RULE_IDS)[number]];
  return {
    name: pascal(rule.id),
    title: rule.title,
    explanation: rule.explanation,
    help: `${rule.advice}\n\nFix: ${rule.fix}`,
    severity: rule.severity,
  };
};

const CHECK_IDS: CheckId[] = [
  'instance-metadata',
  'template-metadata',
  ...PROFILE_RULE_IDS,
  'profile-breadth',
];

const ruleOf = (id: CheckId): Sarif.ReportingDescriptor => {
  const t = textOf(id);
  return {
    id,
    name: t.name,
    shortDescription: { text: t.title },
    fullDescription: { text: t.explanation },
    help: {
      text: t.help,
      markdown: t.help.replace(/\n\n( {2}metadata_service[\s\S]*?\n {2}\})/g, '\n\n```hcl\n$1\n```'),
    },
    defaultConfiguration: { level: LEVEL[t.severity] },
    properties: {
      tags: ['security', 'terraform', 'ibm-cloud'],
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[t.severity],
    },
  };
};

const fingerprint = (r: CheckResult): string =>
  createHash('sha256')
    .update(JSON.stringify([r.check, r.address, r.finding_id ?? '']))
    .digest('hex')
    .slice(0, 32);

const messageOf = (r: CheckResult): Sarif.Message => {
  const head = `${r.address} (${actionWord(r.actions)}): ${r.summary}`;
  const wanted = r.wanted ? `\nWanted in the configuration:\n${metadataBlock(r.wanted)}` : '';
  return { text: `${head}${wanted}` };
};

const resultOf = (r: CheckResult, ruleIndex: number): Sarif.Result => ({
  ruleId: r.check,
  ruleIndex,
  // SARIF §3.27.9/§3.27.10: a result that is not a failure has level "none".
  ...(r.verdict === 'unknown'
    ? { kind: 'open', level: 'none' }
    : { kind: 'fail', level: r.verdict === 'audit' ? 'warning' : LEVEL[r.severity ?? 'high'] }),
  message: messageOf(r),
  locations: [
    {
      logicalLocations: [
        { fullyQualifiedName: r.address, name: r.address.split('.').at(-1) ?? r.address, kind: 'resource' },
      ],
    },
  ],
  partialFingerprints: { 'imdsGuardCheck/v1': fingerprint(r) },
  ...(r.verdict === 'exempt'
    ? {
        suppressions: [{ kind: 'external', status: 'accepted', justification: r.reasons.at(-1) ?? 'exempt' }],
      }
    : {}),
  properties: {
    verdict: r.verdict,
    resource_type: r.type,
    actions: r.actions,
    reasons: r.reasons,
    ...(r.rule ? { policy_rule: r.rule } : {}),
    ...(r.wanted ? { wanted_metadata_service: r.wanted, wanted_hcl: metadataBlock(r.wanted) } : {}),
    ...(r.related && r.related.length > 0 ? { related: r.related } : {}),
    ...(r.finding_id ? { finding_id: r.finding_id } : {}),
  },
});

/** Passes are left out; an exempt instance has no finding to suppress (the guard never evaluates it). */
const reported = (r: CheckResult): boolean =>
  r.verdict !== 'pass' && !(r.verdict === 'exempt' && r.finding_id === undefined);

const toSarif = (report: CheckReport, meta: ReportMeta & { toolVersion: string }): Sarif.Log => {
  const index = new Map(CHECK_IDS.map((id, i) => [id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'imds-guard', semanticVersion: meta.toolVersion, rules: CHECK_IDS.map(ruleOf) },
        },
        invocations: [{ executionSuccessful: true, exitCode: exitCodeFor(report) }],
        ...(meta.planFile !== 'stdin'
          ? {
              artifacts: [
                {
                  location: { uri: encodeURI(meta.planFile) },
                  roles: ['analysisTarget'],
                  description: { text: 'terraform show -json output' },
                },
              ],
            }
          : {}),
        results: report.results.filter(reported).map((r) => resultOf(r, index.get(r.check) ?? 0)),
        properties: {
          plan_format_version: meta.formatVersion,
          terraform_version: meta.terraformVersion ?? null,
          policy_source: meta.policySource,
          not_judged: report.not_judged,
          notes: report.notes,
        },
      },
    ],
  };
};

export { CHECK_IDS, toSarif };
