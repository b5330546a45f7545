// "Trend": is the account getting better? The compliant share of instances at each scan or sweep run,
// and the exposure-window percentiles per time bucket. Both time axes fit the span of the data.
import type { ReportSummary } from '../aggregate.ts';
import { axisOf, niceScale } from '../charts/frame.ts';
import { lineChart } from '../charts/line-chart.ts';
import { h, type Markup } from '../markup.ts';
import { timeTicks } from '../time-buckets.ts';
import { formatBucket, formatCount, formatDuration, formatTick } from '../units.ts';
import { card, empty, legend, type NextId, PALETTE, section } from './parts.ts';

const pct = (x: number): string => `${Math.round(x * 100)}%`;

const ticksOf = (from: number, to: number): { x: number; label: string }[] => {
  const { step, ticks } = timeTicks(from, to);
  return ticks.map((t) => ({ x: t, label: formatTick(t, step) }));
};

const shareCard = (s: ReportSummary, nextId: NextId): Markup => {
  const runs = s.trend.runs;
  if (runs.length === 0)
    return card(
      'trend-share',
      'Instances that comply, per run',
      null,
      empty('No scan or sweep run in the input: the share needs one (imds-guard scan, or the cron sweep).'),
    );
  const from = runs[0]?.at_ms ?? 0;
  const to = runs[runs.length - 1]?.at_ms ?? from;
  const step = timeTicks(from, to).step;
  const chart = lineChart({
    id: nextId(),
    chart: 'trend-share',
    title: 'Share of instances that comply, per scan or sweep run',
    desc: runs
      .map(
        (r) =>
          `${formatBucket(r.at_ms, step)}: ${r.share === null ? 'none' : pct(r.share)} of ${formatCount(r.instances)}`,
      )
      .join('; '),
    from,
    to,
    xTicks: ticksOf(from, to),
    axis: axisOf({ max: 1, step: 0.25 }, pct),
    series: [
      {
        key: 'share',
        label: 'Comply (exempt included)',
        color: PALETTE.share ?? '#198038',
        points: runs.map((r) => ({
          x: r.at_ms,
          y: r.share,
          title: `${r.fn} ${r.run_id.slice(0, 8)} at ${formatBucket(r.at_ms, step)}: ${formatCount(r.compliant + r.exempt)} of ${formatCount(r.instances)} comply (${r.share === null ? '–' : pct(r.share)})${r.complete === false ? ', incomplete run' : ''}`,
        })),
      },
    ],
  });
  const last = runs[runs.length - 1];
  return card(
    'trend-share',
    'Instances that comply, per run',
    `${formatCount(runs.length)} run${runs.length === 1 ? '' : 's'}${last?.share !== null && last ? ` · latest ${pct(last.share ?? 0)}` : ''}`,
    h('div', { class: 'chart-box' }, chart),
  );
};

const exposureTrendCard = (s: ReportSummary, nextId: NextId): Markup => {
  const e = s.trend.exposure;
  const points = e.points;
  if (points.every((p) => p.count === 0))
    return card(
      'trend-exposure',
      'Exposure window over time',
      null,
      empty('No remediations with a known event time.'),
    );
  const half = e.step_ms / 2;
  const from = (points[0]?.start_ms ?? 0) + half;
  const to = (points[points.length - 1]?.start_ms ?? 0) + half;
  const max = Math.max(1, ...points.map((p) => p.p99 ?? 0));
  const series = (['p50', 'p90', 'p99'] as const).map((q) => ({
    key: q,
    label: q,
    color: PALETTE[q] ?? '#161616',
    dashed: q === 'p99',
    // Sparse buckets are joined: a percentile of no remediations is unknown, not zero.
    points: points
      .filter((p) => p.count > 0)
      .map((p) => ({
        x: p.start_ms + half,
        y: p[q],
        title: `${formatBucket(p.start_ms, e.step_ms)} (${e.unit}): ${q} ${formatDuration(p[q])} over ${formatCount(p.count)} remediations`,
      })),
  }));
  const chart = lineChart({
    id: nextId(),
    chart: 'trend-exposure',
    title: `Exposure-window percentiles per ${e.unit}`,
    desc: points
      .filter((p) => p.count > 0)
      .map(
        (p) =>
          `${formatBucket(p.start_ms, e.step_ms)}: p50 ${formatDuration(p.p50)}, p90 ${formatDuration(p.p90)}`,
      )
      .join('; '),
    from,
    to,
    xTicks: ticksOf(from, to),
    axis: axisOf(niceScale(max), formatDuration),
    series,
  });
  return card(
    'trend-exposure',
    'Exposure window over time',
    `p50, p90 and p99 per ${e.unit} · UTC`,
    h('div', { class: 'chart-box' }, chart),
    legend(series.map((x) => ({ label: x.label, key: x.key }))),
  );
};

const trendSection = (s: ReportSummary, nextId: NextId): Markup =>
  section(
    'trend',
    'Trend',
    'Whether things are getting better: the share of instances that comply at each run, and how long resources stay exposed before the guard fixes them.',
    h('div', { class: 'grid halves' }, shareCard(s, nextId), exposureTrendCard(s, nextId)),
  );

export { trendSection };
