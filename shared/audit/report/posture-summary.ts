// The state now as the report shows it: X of Y instances compliant, by region, resource group, VPC and
// rule; the rows to drill into (non-compliant first); trusted profiles by their worst open finding.
import { describePatch } from '#shared/audit/decision-message.ts';
import {
  basisRun,
  completeness,
  isCurrent,
  type PostureState,
  type Run,
  type Status,
  type Target,
} from './posture.ts';
import type { Exemption } from './record-detail.ts';

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
type Severity = (typeof SEVERITIES)[number];

interface KindCounts {
  total: number;
  compliant: number;
  exempt: number;
  noncompliant: number;
  /** Metadata service enabled on plain http (instances whose settings the records carry). */
  on_http: number;
  /** Of those needing a change, the ones on plain http. */
  noncompliant_on_http: number;
}

interface GroupRow extends KindCounts {
  key: string;
}

type GroupBy = 'region' | 'resource_group' | 'vpc' | 'rule';

interface StateRow {
  kind: string;
  crn: string;
  id: string | null;
  name: string | null;
  region: string | null;
  location: string | null;
  resource_group: string | null;
  vpc: string | null;
  vpc_id: string | null;
  rule: string | null;
  status: Status;
  outcome: string;
  reason: string;
  at: string;
  fn: string;
  metadata: { enabled: boolean; protocol: string | null; hop_limit: number | null } | null;
  /** What the rule wants changed, in words ("metadata service disabled"). */
  change: string | null;
  audit: boolean;
  /** As the record says it (record-detail.ts), passed through unchanged. */
  exemption: Exemption | null;
  findings: { rule: string; severity: string | null }[];
  severity: string | null;
  ticket: string | null;
}

interface Basis {
  /** `run`: the latest complete scan/sweep plus decisions since; `events`: no run in the input. */
  kind: 'run' | 'events' | 'none';
  fn: string | null;
  run_id: string | null;
  started_at: string | null;
  ended_at: string | null;
  /** null: no summary line says whether the run finished (a scan's --output file has none). */
  complete: boolean | null;
  runs_seen: number;
}

interface Posture {
  basis: Basis;
  instances: KindCounts;
  templates: KindCounts;
  by: Record<GroupBy, GroupRow[]>;
  profiles: {
    total: number;
    compliant: number;
    exempt: number;
    with_findings: number;
    /** Profiles with open findings, by their worst finding. */
    by_severity: Record<Severity, number>;
    /** Open findings by rule, with the profiles that have them. */
    by_rule: { rule: string; severity: string | null; profiles: number }[];
  };
  /** Other kinds the records carry (network findings…), counted the same way. */
  other: (KindCounts & { kind: string })[];
  rows: StateRow[];
}

const zero = (): KindCounts => ({
  total: 0,
  compliant: 0,
  exempt: 0,
  noncompliant: 0,
  on_http: 0,
  noncompliant_on_http: 0,
});

const onHttp = (t: Target): boolean => t.metadata?.enabled === true && t.metadata.protocol === 'http';

const count = (c: KindCounts, t: Target): void => {
  if (t.status === 'gone') return;
  c.total += 1;
  c[t.status] += 1;
  if (onHttp(t)) {
    c.on_http += 1;
    if (t.status === 'noncompliant') c.noncompliant_on_http += 1;
  }
};

const severityRank = (s: string | null): number => {
  const i = SEVERITIES.indexOf((s ?? '') as Severity);
  return i === -1 ? SEVERITIES.length : i;
};

const worst = (t: Target): string | null => {
  const all = [t.severity, ...t.findings.map((f) => f.severity)].filter((s): s is string => s !== null);
  return all.sort((a, b) => severityRank(a) - severityRank(b))[0] ?? null;
};

const toRow = (t: Target): StateRow => ({
  kind: t.kind,
  crn: t.crn,
  id: t.id,
  name: t.name,
  region: t.region,
  location: t.location,
  resource_group: t.resourceGroup,
  vpc: t.vpc,
  vpc_id: t.vpcId,
  rule: t.kind === 'profile' ? null : (t.rules[0] ?? null),
  status: t.status === 'gone' ? 'compliant' : t.status,
  outcome: t.outcome,
  reason: t.reason,
  at: new Date(t.at).toISOString(),
  fn: t.fn,
  metadata: t.metadata
    ? { enabled: t.metadata.enabled, protocol: t.metadata.protocol, hop_limit: t.metadata.hopLimit }
    : null,
  change: t.status === 'noncompliant' && t.patch ? describePatch(t.patch) : null,
  audit: t.audit,
  exemption: t.exemption,
  findings: t.findings.map((f) => ({ rule: f.rule, severity: f.severity })),
  severity: t.kind === 'profile' ? worst(t) : t.severity,
  ticket: t.ticketId,
});

const STATUS_ORDER: Record<Status, number> = { noncompliant: 0, exempt: 1, compliant: 2 };

const groupRows = (current: readonly Target[], keyOf: (t: Target) => string | null): GroupRow[] => {
  const groups = new Map<string, GroupRow>();
  for (const t of current) {
    const key = keyOf(t) ?? '(unknown)';
    let g = groups.get(key);
    if (!g) {
      g = { key, ...zero() };
      groups.set(key, g);
    }
    count(g, t);
  }
  return [...groups.values()].sort(
    (a, b) => b.noncompliant - a.noncompliant || b.total - a.total || a.key.localeCompare(b.key),
  );
};

const basisOf = (runs: readonly Run[], basis: Run | undefined, targets: number): Basis => ({
  kind: basis ? 'run' : targets > 0 ? 'events' : 'none',
  fn: basis?.fn ?? null,
  run_id: basis?.runId ?? null,
  started_at: basis ? new Date(basis.first).toISOString() : null,
  ended_at: basis ? new Date(basis.last).toISOString() : null,
  complete: basis ? completeness(basis) : null,
  runs_seen: runs.length,
});

const profilesOf = (profiles: readonly Target[]): Posture['profiles'] => {
  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  const byRule = new Map<string, { rule: string; severity: string | null; profiles: number }>();
  let withFindings = 0;
  for (const p of profiles) {
    if (p.status !== 'noncompliant' || p.findings.length === 0) continue;
    withFindings += 1;
    const w = worst(p);
    if (w && w in bySeverity) bySeverity[w as Severity] += 1;
    for (const rule of new Set(p.findings.map((f) => f.rule))) {
      const sev = p.findings.find((f) => f.rule === rule)?.severity ?? null;
      const entry = byRule.get(rule) ?? { rule, severity: sev, profiles: 0 };
      entry.profiles += 1;
      byRule.set(rule, entry);
    }
  }
  return {
    total: profiles.length,
    compliant: profiles.filter((p) => p.status === 'compliant').length,
    exempt: profiles.filter((p) => p.status === 'exempt').length,
    with_findings: withFindings,
    by_severity: bySeverity,
    by_rule: [...byRule.values()].sort(
      (a, b) => severityRank(a.severity) - severityRank(b.severity) || b.profiles - a.profiles,
    ),
  };
};

const KNOWN_KINDS: ReadonlySet<string> = new Set(['instance', 'instance-template', 'profile']);

const summarizePosture = (state: PostureState): Posture => {
  const runs = state.runs();
  const basis = basisRun(runs);
  const current = [...state.targets().values()].filter((t) => isCurrent(t, basis));
  const instances = current.filter((t) => t.kind === 'instance');
  const templates = zero();
  const counts = zero();
  for (const t of instances) count(counts, t);
  for (const t of current) if (t.kind === 'instance-template') count(templates, t);
  const others = new Map<string, KindCounts & { kind: string }>();
  for (const t of current) {
    if (KNOWN_KINDS.has(t.kind)) continue;
    const o = others.get(t.kind) ?? { kind: t.kind, ...zero() };
    count(o, t);
    others.set(t.kind, o);
  }
  const rows = current
    .map(toRow)
    .sort(
      (a, b) =>
        STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
        a.kind.localeCompare(b.kind) ||
        (a.name ?? a.crn).localeCompare(b.name ?? b.crn),
    );
  return {
    basis: basisOf(runs, basis, current.length),
    instances: counts,
    templates,
    by: {
      region: groupRows(instances, (t) => t.region),
      resource_group: groupRows(instances, (t) => t.resourceGroup),
      vpc: groupRows(instances, (t) => t.vpc),
      rule: groupRows(instances, (t) => (t.status === 'exempt' ? '(exempt)' : (t.rules[0] ?? null))),
    },
    profiles: profilesOf(current.filter((t) => t.kind === 'profile')),
    other: [...others.values()],
    rows,
  };
};

export type { Basis, GroupBy, GroupRow, KindCounts, Posture, Severity, StateRow };
export { SEVERITIES, severityRank, summarizePosture };
