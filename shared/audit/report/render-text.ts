// The summary for a terminal: aligned tables, a few bars, the failures. Record text is untrusted, so
// control characters (terminal escapes) are replaced before anything is printed.
import { OUTCOMES } from '#shared/audit/decision.ts';
import type { Breakdown, Distribution, ReportSummary } from './aggregate.ts';
import {
  formatBucket,
  formatCount,
  formatDuration,
  formatPercent,
  formatUtc,
  formatUtcLong,
} from './units.ts';

type Align = 'left' | 'right';

interface Column {
  header: string;
  align?: Align;
  /** Longest cell; longer text is cut with "…". */
  max?: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Untrusted text made safe and short for one terminal cell. */
const clean = (s: string, max = 80): string => {
  const flat = s.replace(CONTROL, ' ');
  return flat.length > max ? `${flat.slice(0, Math.max(1, max - 1))}…` : flat;
};

const table = (columns: readonly Column[], rows: readonly string[][], indent = '  '): string[] => {
  const cells = rows.map((r) => columns.map((c, i) => clean(r[i] ?? '', c.max ?? 60)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => [...(r[i] ?? '')].length)),
  );
  const line = (values: readonly string[]): string =>
    (
      indent +
      values
        .map((v, i) => {
          const w = widths[i] ?? 0;
          const pad = ' '.repeat(Math.max(0, w - [...v].length));
          return columns[i]?.align === 'right' ? pad + v : v + pad;
        })
        .join('  ')
    ).trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '─'.repeat(w))),
    ...cells.map((r) => line(r)),
  ];
};

const bar = (value: number, max: number, width = 24): string => {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + (['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8] ?? '');
};

const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** One character per bucket (merged when there are more than `width`). */
const sparkline = (values: readonly number[], width = 72): string => {
  const per = Math.max(1, Math.ceil(values.length / width));
  const merged: number[] = [];
  for (let i = 0; i < values.length; i += per)
    merged.push(values.slice(i, i + per).reduce((a, b) => a + b, 0));
  const max = Math.max(0, ...merged);
  return merged
    .map((v) => (v === 0 || max === 0 ? ' ' : (SPARK[Math.min(7, Math.floor((v / max) * 7.999))] ?? '█')))
    .join('');
};

const percentiles = (d: Distribution, fmt: (n: number | null) => string): string =>
  d.count === 0
    ? 'none'
    : `p50 ${fmt(d.p50)} · p90 ${fmt(d.p90)} · p99 ${fmt(d.p99)} · max ${fmt(d.max)}${d.approximate ? ' (±1%)' : ''}`;

const breakdownTable = (title: string, b: Breakdown, limit = 10): string[] => {
  if (b.items.length === 0) return [];
  const shown = b.items.slice(0, limit);
  const rest = b.distinct - shown.length;
  const notes = [
    rest > 0 ? `${formatCount(rest)} more` : '',
    b.missing > 0 ? `${formatCount(b.missing)} decisions without one` : '',
  ].filter((s) => s !== '');
  return [
    ...table(
      [
        { header: title, max: 56 },
        { header: 'Decisions', align: 'right' },
        { header: 'Remediated', align: 'right' },
        { header: 'Failed', align: 'right' },
      ],
      shown.map((c) => [c.key, formatCount(c.count), formatCount(c.remediated), formatCount(c.failed)]),
    ),
    ...(notes.length > 0 ? [`  (${notes.join('; ')})`] : []),
    '',
  ];
};

/** The account now, what failed by cause, and exemptions ending soon: the first thing to read. */
const postureLines = (s: ReportSummary): string[] => {
  const p = s.posture;
  if (p.basis.kind === 'none') return [];
  const i = p.instances;
  const basis =
    p.basis.kind === 'run'
      ? `from the latest ${p.basis.fn ?? 'scan'} run (${p.basis.complete === true ? 'complete' : 'completeness not recorded'}) and every decision since`
      : 'from events only (no scan or sweep in the input)';
  const out = [
    `State now, ${basis}:`,
    `  ${formatCount(i.compliant + i.exempt)} of ${formatCount(i.total)} instances comply (${formatPercent(i.compliant + i.exempt, i.total)}, ${formatCount(i.exempt)} exempt) · ${formatCount(i.noncompliant)} need a change, ${formatCount(i.noncompliant_on_http)} of them on plain http`,
    `  ${formatCount(p.templates.noncompliant)} of ${formatCount(p.templates.total)} templates to replace · ${formatCount(p.profiles.with_findings)} of ${formatCount(p.profiles.total)} trusted profiles with open findings (${formatCount(p.profiles.by_severity.critical)} critical, ${formatCount(p.profiles.by_severity.high)} high)`,
    '',
  ];
  const causes = s.failures.by_cause;
  if (causes.length > 0)
    out.push(
      ...table(
        [
          { header: 'Failure cause', max: 40 },
          { header: 'Rule' },
          { header: 'Count', align: 'right' },
          { header: 'What to do', max: 100 },
        ],
        causes.slice(0, 8).map((c) => [c.code, c.rule ?? '–', formatCount(c.count), c.fix]),
      ),
      '',
    );
  const soon = s.exemptions.rows.filter((e) => e.expiring_soon);
  if (soon.length > 0) {
    out.push(`Exemptions ending within ${s.exemptions.window_days} days:`);
    for (const e of soon)
      out.push(
        `  ${clean(e.name ?? e.crn, 60)} · ${e.expires?.slice(0, 10) ?? ''} · ticket ${clean(e.ticket ?? '–', 40)} · approved by ${clean(e.approver ?? '–', 60)}`,
      );
    out.push('');
  }
  return out;
};

/** The title, the period and what was read. */
const headerLines = (s: ReportSummary): string[] => {
  const period =
    s.period.from && s.period.to
      ? `${formatUtcLong(Date.parse(s.period.from))} → ${formatUtcLong(Date.parse(s.period.to))} UTC (${formatDuration(s.period.span_ms)})`
      : 'no decisions';
  const out = [`imds-guard report · ${period}`];
  if (s.period.since) out.push(`Since ${formatUtc(Date.parse(s.period.since))}`);
  const inp = s.input;
  const read = [
    `${formatCount(inp.lines)} lines`,
    `${formatCount(inp.decisions)} decisions`,
    inp.skipped > 0 ? `${formatCount(inp.skipped)} other lines skipped` : '',
    inp.before_since > 0 ? `${formatCount(inp.before_since)} before --since` : '',
    inp.malformed > 0 ? `${formatCount(inp.malformed)} malformed` : '',
  ].filter((x) => x !== '');
  out.push(`Read ${inp.sources.map((x) => clean(x, 60)).join(', ')}: ${read.join(' · ')}`, '');
  return out;
};

/** Decisions by outcome with bars, the totals and the dry-run line. */
const outcomeLines = (s: ReportSummary): string[] => {
  const t = s.totals;
  return [
    ...table(
      [
        { header: 'Outcome' },
        { header: 'Decisions', align: 'right' },
        { header: 'Share', align: 'right' },
        { header: '' },
      ],
      OUTCOMES.filter((o) => s.outcomes[o] > 0).map((o) => [
        o,
        formatCount(s.outcomes[o]),
        formatPercent(s.outcomes[o], t.decisions),
        bar(s.outcomes[o], Math.max(...Object.values(s.outcomes))),
      ]),
    ),
    `  ${formatCount(t.decisions)} decisions · ${formatCount(t.failed)} failed of ${formatCount(t.remediation_attempts)} remediation attempts (${formatPercent(t.failed, t.remediation_attempts)}) · ${formatCount(t.tickets)} ticket actions`,
    `  Dry run: ${formatCount(s.dry_run.records)} decisions · planned ${formatCount(s.dry_run.planned)} (${formatCount(s.dry_run.planned_dry_run)} dry run, ${formatCount(s.dry_run.planned_audit)} audit mode)`,
    '',
  ];
};

/** The exposure window's percentiles and histogram, then latency and API calls. */
const timingLines = (s: ReportSummary): string[] => {
  const e = s.exposure;
  const out = [`Exposure window (event time → verified fix), ${formatCount(e.count)} remediations`];
  if (e.count === 0) out.push('  none with a known event time', '');
  else {
    out.push(`  ${percentiles(e, formatDuration)}`);
    const maxBin = Math.max(...e.histogram.map((b) => b.count));
    out.push(
      ...table(
        [{ header: 'Window' }, { header: 'Remediations', align: 'right' }, { header: '' }],
        e.histogram.map((b) => [b.label, formatCount(b.count), bar(b.count, maxBin)]),
      ),
      '',
    );
  }
  out.push(
    `Latency     ${percentiles(s.latency_ms, formatDuration)}`,
    `API calls   ${formatCount(s.api_calls.total)} in all · ${s.api_calls.mean === null ? '–' : s.api_calls.mean.toFixed(2)} per decision · ${percentiles(s.api_calls, (n) => (n === null ? '–' : formatCount(n)))}`,
    '',
  );
  return out;
};

/** Decisions per time bucket as a sparkline. */
const timelineLines = (s: ReportSummary): string[] => {
  const tl = s.timeline;
  const values = tl.buckets.map((b) => b.total);
  const first = tl.buckets[0];
  const last = tl.buckets[tl.buckets.length - 1];
  if (!first || !last) return [];
  return [
    `Decisions per ${tl.unit} (${formatBucket(first.start_ms, tl.step_ms)} → ${formatBucket(last.start_ms, tl.step_ms)}, busiest ${formatCount(Math.max(...values))})`,
    `  ${sparkline(values)}`,
    '',
  ];
};

/** The most recent failures, up to `limit`. */
const failureLines = (s: ReportSummary, limit: number): string[] => {
  if (s.failures.count === 0) return [];
  const out = [`Failures (${formatCount(s.failures.count)}, most recent first)`];
  out.push(
    ...table(
      [
        { header: 'Time' },
        { header: 'Function' },
        { header: 'Target', max: 48 },
        { header: 'Reason', max: 90 },
      ],
      s.failures.recent
        .slice(0, limit)
        .map((f) => [formatUtc(Date.parse(f.timestamp)), f.fn, f.name ?? f.target ?? '–', f.reason]),
    ),
  );
  if (s.failures.count > limit)
    out.push(`  (${formatCount(s.failures.count - limit)} more: --json or --html lists up to 100)`);
  out.push('');
  return out;
};

/** The first malformed lines, to point at. */
const malformedLines = (s: ReportSummary): string[] => {
  const inp = s.input;
  if (inp.malformed === 0) return [];
  const out = [`Malformed lines (${formatCount(inp.malformed)}; skipped)`];
  for (const m of inp.malformed_samples)
    out.push(`  ${clean(m.source, 60)}:${m.line}  ${clean(m.reason, 100)}`);
  if (inp.malformed > inp.malformed_samples.length)
    out.push(`  (${formatCount(inp.malformed - inp.malformed_samples.length)} more)`);
  out.push('');
  return out;
};

const renderText = (s: ReportSummary, options: { failures?: number } = {}): string => {
  const out = headerLines(s);
  if (s.totals.decisions === 0) {
    out.push('No decision records found.');
    return `${out.join('\n')}\n`;
  }
  out.push(
    ...postureLines(s),
    ...outcomeLines(s),
    ...timingLines(s),
    ...timelineLines(s),
    ...breakdownTable('Rule', s.by.rule),
    ...breakdownTable('Initiator', s.by.initiator),
    ...breakdownTable('Resource group', s.by.resource_group),
    ...breakdownTable('Region', s.by.region),
    ...breakdownTable('Function', s.by.function),
    ...breakdownTable('Action', s.by.action),
    ...failureLines(s, options.failures ?? 10),
    ...malformedLines(s),
  );
  return `${out.join('\n').trimEnd()}\n`;
};

export { clean, renderText, sparkline, table };
