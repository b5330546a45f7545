// "What the guard did": outcomes, decisions over time, the exposure window, where decisions happened,
// latency and API calls, and what was read. Record text goes through the escaping markup builder.
import { OUTCOMES } from '#shared/audit/decision.ts';
import { type Breakdown, CATEGORIES, type ReportSummary } from '../aggregate.ts';
import { barList, LIST_COLORS } from '../charts/bar-list.ts';
import { donutChart } from '../charts/donut.ts';
import type { Marker } from '../charts/histogram.ts';
import { histogram } from '../charts/histogram.ts';
import { stackedBars } from '../charts/stacked-bars.ts';
import { h, type Markup } from '../markup.ts';
import { formatBucket, formatCount, formatDuration, formatPercent, formatTick, startsDay } from '../units.ts';
import { inputCard } from './input.ts';
import {
  CATEGORY_STYLE,
  card,
  EXPOSURE_COLOR,
  empty,
  kpi,
  kpiStrip,
  legend,
  type NextId,
  OUTCOME_STYLE,
  pill,
  scrollTable,
  section,
  swatch,
} from './parts.ts';

const TOP = 8;

const outcomesCard = (s: ReportSummary, nextId: NextId): Markup => {
  const total = s.totals.decisions;
  const present = OUTCOMES.filter((o) => s.outcomes[o] > 0);
  const chart = donutChart({
    id: nextId(),
    title: `Outcomes of ${formatCount(total)} decisions`,
    desc: present.map((o) => `${OUTCOME_STYLE[o].label} ${formatCount(s.outcomes[o])}`).join(', '),
    centerLabel: total === 1 ? 'decision' : 'decisions',
    slices: present.map((o) => ({
      key: o,
      label: OUTCOME_STYLE[o].label,
      value: s.outcomes[o],
      color: OUTCOME_STYLE[o].color,
    })),
  });
  const rows = OUTCOMES.map((o) =>
    h(
      'tr',
      { class: s.outcomes[o] === 0 ? 'zero' : null, 'data-outcome': o },
      h('td', {}, swatch(`o-${o}`), OUTCOME_STYLE[o].label),
      h('td', { class: 'num' }, formatCount(s.outcomes[o])),
      h('td', { class: 'num' }, s.outcomes[o] === 0 ? '–' : formatPercent(s.outcomes[o], total)),
    ),
  );
  const head = h(
    'tr',
    {},
    h('th', {}, 'Outcome'),
    h('th', { class: 'num' }, 'Decisions'),
    h('th', { class: 'num' }, 'Share'),
  );
  return card(
    'outcomes',
    'Outcomes',
    `${formatCount(total)} decisions`,
    h(
      'div',
      { class: 'donut' },
      chart,
      h('table', { class: 'outcome-table' }, h('thead', {}, head), h('tbody', {}, rows)),
    ),
  );
};

const timelineCard = (s: ReportSummary, nextId: NextId): Markup => {
  const { unit, step_ms: step, buckets } = s.timeline;
  const series = CATEGORIES.map((c) => ({
    key: c,
    label: CATEGORY_STYLE[c].label,
    color: CATEGORY_STYLE[c].color,
  }));
  const busiest = buckets.reduce(
    (best, b) => (b.total > best.total ? b : best),
    buckets[0] ?? { total: 0, start_ms: 0 },
  );
  const chart = stackedBars({
    id: nextId(),
    title: `Decisions per ${unit}`,
    desc: `${formatCount(buckets.length)} buckets of one ${unit} from ${formatBucket(buckets[0]?.start_ms ?? 0, step)}; busiest ${formatBucket(busiest.start_ms, step)} with ${formatCount(busiest.total)} decisions`,
    series,
    buckets: buckets.map((b, i) => {
      const tick = formatTick(b.start_ms, step);
      // Below a day, the date joins the time where a new day starts.
      const label =
        step < 86_400_000 && step >= 3_600_000 && startsDay(b.start_ms, buckets[i - 1]?.start_ms)
          ? `${formatTick(b.start_ms, 86_400_000)} ${tick}`
          : tick;
      const parts = CATEGORIES.filter((c) => b.by_category[c] > 0).map(
        (c) => `${formatCount(b.by_category[c])} ${CATEGORY_STYLE[c].label.toLowerCase()}`,
      );
      return {
        label,
        title: `${formatBucket(b.start_ms, step)}: ${formatCount(b.total)} decisions${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`,
        values: b.by_category,
      };
    }),
  });
  return card(
    'timeline',
    `Decisions per ${unit}`,
    `UTC · busiest ${formatBucket(busiest.start_ms, step)}: ${formatCount(busiest.total)}`,
    h('div', { class: 'chart-box' }, chart),
    legend(series.map((x) => ({ label: x.label, key: `c-${x.key}` }))),
  );
};

const exposureCard = (s: ReportSummary, nextId: NextId): Markup => {
  const e = s.exposure;
  if (e.count === 0)
    return card(
      'exposure',
      'Exposure window',
      null,
      empty('No remediations with a known event time in this period.'),
    );
  const markers: Marker[] = [
    { label: 'p50', value: e.p50 ?? 0, text: formatDuration(e.p50) },
    { label: 'p90', value: e.p90 ?? 0, text: formatDuration(e.p90) },
    { label: 'p99', value: e.p99 ?? 0, text: formatDuration(e.p99) },
  ];
  const chart = histogram({
    id: nextId(),
    title: 'Exposure window: Activity Tracker event time to verified fix',
    desc: `${formatCount(e.count)} remediations; median ${formatDuration(e.p50)}, 90th percentile ${formatDuration(e.p90)}, 99th percentile ${formatDuration(e.p99)}, longest ${formatDuration(e.max)}`,
    color: EXPOSURE_COLOR,
    markers,
    bins: e.histogram.map((b) => ({ label: b.label, from: b.from_ms, to: b.to_ms, count: b.count })),
  });
  const stats: [string, string][] = [
    ['Remediations', formatCount(e.count)],
    ['p50', formatDuration(e.p50)],
    ['p90', formatDuration(e.p90)],
    ['p99', formatDuration(e.p99)],
    ['Longest', formatDuration(e.max)],
  ];
  return card(
    'exposure',
    'Exposure window',
    `From the Activity Tracker event to the verified fix${e.approximate ? ' · percentiles ±1%' : ''}`,
    h(
      'dl',
      { class: 'stats spaced' },
      stats.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
    h('div', { class: 'chart-box' }, chart),
  );
};

const listCard = (key: string, title: string, b: Breakdown, noun: string, nextId: NextId): Markup => {
  const items = b.items.slice(0, TOP);
  const more = b.distinct - items.length;
  const note = [
    `${formatCount(b.distinct)} ${noun}`,
    more > 0 ? `top ${items.length} shown` : '',
    b.missing > 0 ? `${formatCount(b.missing)} decisions without` : '',
  ]
    .filter((x) => x !== '')
    .join(' · ');
  return h(
    'article',
    { class: 'card', id: `top-${key}` },
    h('header', { class: 'stacked' }, h('h3', {}, title), h('p', {}, note)),
    items.length === 0
      ? empty('None recorded.')
      : barList({
          id: nextId(),
          chart: `top-${key}`,
          title: `${title} by decisions`,
          desc: items.map((i) => `${i.key}: ${formatCount(i.count)}`).join('; '),
          items: items.map((i) => ({
            label: i.key,
            count: i.count,
            remediated: i.remediated,
            failed: i.failed,
          })),
        }),
  );
};

const smallTable = (b: Breakdown, header: string, limit = 12): Markup => {
  if (b.items.length === 0) return empty('None recorded.');
  const head = h(
    'tr',
    {},
    h('th', {}, header),
    h('th', { class: 'num' }, 'Decisions'),
    h('th', { class: 'num' }, 'Remediated'),
    h('th', { class: 'num' }, 'Failed'),
  );
  const rows = b.items
    .slice(0, limit)
    .map((c) =>
      h(
        'tr',
        {},
        h('td', { class: 'mono' }, c.key),
        h('td', { class: 'num' }, formatCount(c.count)),
        h('td', { class: 'num' }, formatCount(c.remediated)),
        h('td', { class: 'num' }, c.failed > 0 ? pill(formatCount(c.failed), 'failed') : '0'),
      ),
    );
  return scrollTable({ class: 'keys' }, h('thead', {}, head), rows);
};

const performanceCard = (s: ReportSummary): Markup => {
  const l = s.latency_ms;
  const a = s.api_calls;
  const dl = (pairs: [string, string][]): Markup =>
    h(
      'dl',
      { class: 'stats' },
      pairs.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    );
  const calls = (n: number | null): string => (n === null ? '–' : formatCount(n));
  return card(
    'performance',
    'Latency and API calls',
    'Per decision, as the functions measured them',
    h('p', { class: 'note flush' }, 'Decision latency'),
    dl([
      ['p50', formatDuration(l.p50)],
      ['p90', formatDuration(l.p90)],
      ['p99', formatDuration(l.p99)],
      ['Max', formatDuration(l.max)],
    ]),
    h('p', { class: 'note flush gap' }, 'IBM Cloud API calls'),
    dl([
      ['Total', formatCount(a.total)],
      ['Mean', a.mean === null ? '–' : a.mean.toFixed(2)],
      ['p90', calls(a.p90)],
      ['Max', calls(a.max)],
    ]),
    h(
      'p',
      { class: 'note' },
      `Dry run: ${formatCount(s.dry_run.records)} decisions; ${formatCount(s.dry_run.planned)} planned (${formatCount(s.dry_run.planned_dry_run)} in dry run, ${formatCount(s.dry_run.planned_audit)} in audit mode).`,
    ),
  );
};

const activityKpis = (s: ReportSummary): Markup => {
  const t = s.totals;
  const e = s.exposure;
  return kpiStrip(
    'Totals',
    kpi(
      'decisions',
      'Decisions',
      formatCount(t.decisions),
      `over ${formatDuration(s.period.span_ms)}`,
      'ink',
    ),
    kpi(
      'remediated',
      'Remediated',
      formatCount(t.remediated),
      `${formatPercent(t.remediated, t.decisions)} of decisions`,
      'o-remediated',
    ),
    kpi(
      'failed',
      'Failed',
      formatCount(t.failed),
      t.remediation_attempts > 0
        ? `${formatPercent(t.failed, t.remediation_attempts)} of remediation attempts`
        : 'no remediation attempts',
      'o-failed',
      t.failed > 0,
    ),
    kpi(
      'exposure',
      'Exposure p50 / p90',
      e.count > 0 ? formatDuration(e.p50) : '–',
      e.count > 0 ? `p90 ${formatDuration(e.p90)} · max ${formatDuration(e.max)}` : 'no remediations',
      'exposure',
    ),
    kpi(
      'planned',
      'Planned',
      formatCount(t.planned),
      `${formatCount(s.dry_run.planned_dry_run)} dry run · ${formatCount(s.dry_run.planned_audit)} audit`,
      'o-planned',
    ),
    kpi(
      'tickets',
      'Ticket actions',
      formatCount(t.tickets),
      `${formatCount(s.outcomes.ticket_opened)} opened`,
      'o-ticket_updated',
    ),
  );
};

/** Top lists worth showing: initiators only when some decision has one (scans and sweeps have none). */
const whereCards = (s: ReportSummary, nextId: NextId): Markup[] => {
  const cards = [listCard('rules', 'Top rules', s.by.rule, 'rules', nextId)];
  if (s.by.initiator.items.length > 0)
    cards.push(listCard('initiators', 'Top initiators', s.by.initiator, 'initiators', nextId));
  else cards.push(listCard('functions', 'By function', s.by.function, 'functions', nextId));
  cards.push(
    listCard('resource-groups', 'Top resource groups', s.by.resource_group, 'resource groups', nextId),
    listCard('regions', 'Top regions', s.by.region, 'regions', nextId),
  );
  return cards;
};

const activitySection = (s: ReportSummary, nextId: NextId): Markup =>
  section(
    'activity',
    'What the guard did',
    'Every decision in the input: outcomes, when they happened, how long resources stayed exposed, and where.',
    activityKpis(s),
    h('div', { class: 'grid split' }, outcomesCard(s, nextId), timelineCard(s, nextId)),
    exposureCard(s, nextId),
    h(
      'div',
      { class: 'section-head' },
      h('h3', {}, 'Where decisions happened'),
      legend([
        { label: 'Failed', key: 'l-failed' },
        { label: 'Remediated', key: 'l-remediated' },
        { label: 'Other decisions', key: 'l-other' },
      ]),
    ),
    h('div', { class: 'grid lists' }, ...whereCards(s, nextId)),
    h(
      'div',
      { class: 'grid halves' },
      card('functions', 'Functions', null, smallTable(s.by.function, 'Function')),
      card('actions', 'Activity Tracker actions', null, smallTable(s.by.action, 'Action')),
    ),
    h('div', { class: 'grid halves' }, performanceCard(s), inputCard(s)),
  );

export { activitySection, LIST_COLORS };
