// The check's report for people (a table and the wanted metadata_service blocks) and for machines (one
// JSON document). SARIF is in sarif.ts.
import type { InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import { countVerdicts, exitCodeFor } from './check.ts';
import type { CheckReport, CheckResult, Verdict } from './types.ts';

interface ReportMeta {
  /** The plan file as given (`stdin` for `-`). */
  planFile: string;
  formatVersion: string;
  terraformVersion: string | undefined;
  policySource: string;
}

/** The block to write in the configuration, aligned like `terraform fmt` does. */
const metadataBlock = (wanted: InstanceMetadataServicePatch, indent = ''): string => {
  const lines: [string, string][] = [];
  if (wanted.enabled !== undefined) lines.push(['enabled', String(wanted.enabled)]);
  if (wanted.protocol !== undefined) lines.push(['protocol', `"${wanted.protocol}"`]);
  if (wanted.response_hop_limit !== undefined)
    lines.push(['response_hop_limit', String(wanted.response_hop_limit)]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return [
    `${indent}metadata_service {`,
    ...lines.map(([k, v]) => `${indent}  ${k.padEnd(width)} = ${v}`),
    `${indent}}`,
  ].join('\n');
};

const actionWord = (actions: readonly string[]): string => {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  return actions.join('+') || '-';
};

const RESULT_WORD = {
  change: 'CHANGE',
  ticket: 'TICKET',
  audit: 'audit',
  unknown: 'cannot tell',
  exempt: 'exempt',
  pass: 'pass',
} as const satisfies Record<Verdict, string>;

const MAX_DETAIL = 120;
const cut = (s: string): string => (s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s);

const columns = (rows: string[][]): string => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

const wantedSection = (results: CheckResult[]): string[] => {
  const changes = results.filter((r) => r.wanted && (r.verdict === 'change' || r.verdict === 'audit'));
  if (changes.length === 0) return [];
  return [
    '',
    'What the policy wants in the configuration:',
    ...changes.flatMap((r) => [
      `  # ${r.address}${r.rule ? ` (rule ${r.rule})` : ''}`,
      metadataBlock(r.wanted ?? {}, '  '),
    ]),
  ];
};

/** The human report: one row per result, then the blocks to write. */
const renderTable = (report: CheckReport): string => {
  if (report.results.length === 0)
    return 'No instances, instance templates or trusted profiles are created or changed by this plan.';
  const rows = [
    ['RESOURCE', 'ACTION', 'CHECK', 'RESULT', 'DETAIL'],
    ...report.results.map((r) => [
      r.address,
      actionWord(r.actions),
      r.check,
      RESULT_WORD[r.verdict],
      cut(r.summary),
    ]),
  ];
  const extra = [
    ...report.not_judged.map((n) => `not judged: ${n.address}: ${n.why}`),
    ...report.notes.map((n) => `note: ${n}`),
  ];
  return [columns(rows), ...wantedSection(report.results), ...(extra.length > 0 ? ['', ...extra] : [])].join(
    '\n',
  );
};

const EXIT_WORDS: Record<number, string> = {
  0: 'nothing the guards would change',
  3: 'after apply the guards would change or ticket something this plan creates or changes',
  4: 'nothing to change found, but some resources cannot be judged before apply',
};

/** One line for stderr: counts and what the exit code means. */
const summaryLine = (report: CheckReport): string => {
  const counts = countVerdicts(report);
  const parts = (Object.entries(counts) as [Verdict, number][])
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${RESULT_WORD[v]}`);
  const code = exitCodeFor(report);
  return `imds-guard check-plan: ${report.results.length} result(s)${parts.length > 0 ? ` — ${parts.join(' · ')}` : ''}\nexit ${code}: ${EXIT_WORDS[code] ?? ''}`;
};

/** The machine report (`--json`). */
const toJson = (report: CheckReport, meta: ReportMeta) => ({
  tool: 'imds-guard check-plan',
  version: 1,
  plan: {
    file: meta.planFile,
    format_version: meta.formatVersion,
    terraform_version: meta.terraformVersion ?? null,
  },
  policy: { source: meta.policySource },
  exit_code: exitCodeFor(report),
  summary: countVerdicts(report),
  results: report.results.map((r) => (r.wanted ? { ...r, wanted_hcl: metadataBlock(r.wanted) } : r)),
  not_judged: report.not_judged,
  notes: report.notes,
});

export type { ReportMeta };
export { actionWord, metadataBlock, renderTable, summaryLine, toJson };
