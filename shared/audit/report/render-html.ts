// The report as one self-contained page: inline CSS, inline SVG, no script, no network (a CSP meta
// forbids every fetch). Every string from the records goes through the escaping markup builder.

import { OUTCOMES, type Outcome } from '#shared/audit/decision.ts';
import { parseCrn } from '../../cloud/crn.ts';
import {
  type Breakdown,
  CATEGORIES,
  type Category,
  type FailureRow,
  type ReportSummary,
} from './aggregate.ts';
import { barList, donutChart, histogram, LIST_COLORS, type Marker, stackedBars } from './charts.ts';
import { type Child, fragment, h, type Markup, raw } from './markup.ts';
import {
  formatBucket,
  formatCount,
  formatDuration,
  formatPercent,
  formatUtc,
  formatUtcLong,
} from './units.ts';

/** IBM Carbon palette; each graphic colour is ≥ 3:1 against white except the neutral "ignored". */
const OUTCOME_COLORS = {
  remediated: '#198038',
  compliant: '#009d9a',
  exempt: '#005d5d',
  ignored: '#8d8d8d',
  refused: '#8a3800',
  gone: '#525252',
  planned: '#0f62fe',
  ticket_opened: '#d02670',
  ticket_updated: '#9f1853',
  ticket_resolved: '#740937',
  failed: '#da1e28',
} as const satisfies Record<Outcome, string>;

const CATEGORY_STYLE = {
  remediated: { label: 'Remediated', color: '#198038' },
  failed: { label: 'Failed', color: '#da1e28' },
  planned: { label: 'Planned', color: '#0f62fe' },
  tickets: { label: 'Tickets', color: '#9f1853' },
  compliant: { label: 'Compliant / exempt', color: '#009d9a' },
  other: { label: 'Ignored / refused / gone', color: '#8d8d8d' },
} as const satisfies Record<Category, { label: string; color: string }>;

const OUTCOME_LABELS = {
  remediated: 'Remediated',
  compliant: 'Compliant',
  exempt: 'Exempt',
  ignored: 'Ignored',
  refused: 'Refused',
  gone: 'Gone',
  planned: 'Planned',
  ticket_opened: 'Ticket opened',
  ticket_updated: 'Ticket updated',
  ticket_resolved: 'Ticket resolved',
  failed: 'Failed',
} as const satisfies Record<Outcome, string>;

const TOP = 8;
/** Carbon purple 70: time at risk, apart from the outcome colours. */
const EXPOSURE_COLOR = '#6929c4';

const CSS = `
:root{--text:#161616;--text-2:#525252;--text-3:#6f6f6f;--bg:#f4f4f4;--layer:#fff;--border:#e0e0e0;--blue:#0f62fe;--red:#da1e28;--green:#198038}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 "IBM Plex Sans",system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
.shell{background:#161616;color:#f4f4f4;height:48px;display:flex;align-items:center;gap:12px;padding:0 24px;font-size:14px}
.shell .product{font-weight:600;letter-spacing:.01em}.shell .sep{color:#6f6f6f}.shell .page{color:#c6c6c6}
main{max-width:1240px;margin:0 auto;padding:32px 24px 56px}
h1{font-size:32px;line-height:1.25;font-weight:300;margin:0 0 6px}
h2{font-size:16px;line-height:1.4;font-weight:600;margin:0}
.lede{margin:0;color:var(--text-2);font-size:16px}
.lede strong{color:var(--text);font-weight:600}
.meta{margin:6px 0 0;color:var(--text-3);font-size:12px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:1px;background:var(--border);border:1px solid var(--border);margin:24px 0 16px}
.kpi{background:var(--layer);padding:16px 16px 14px;border-top:3px solid var(--accent,#8d8d8d)}
.kpi .label{display:block;font-size:12px;color:var(--text-2);letter-spacing:.02em}
.kpi .value{display:block;font-size:32px;line-height:1.2;font-weight:300;margin:6px 0 2px;white-space:nowrap}
.kpi .hint{display:block;font-size:12px;color:var(--text-3)}
.kpi.alert .value{color:var(--red)}
.grid{display:grid;gap:16px;margin-bottom:16px}
.grid.split{grid-template-columns:minmax(0,1fr) minmax(0,1.2fr)}
.grid.lists{grid-template-columns:repeat(2,minmax(0,1fr))}
.grid.halves{grid-template-columns:repeat(auto-fit,minmax(340px,1fr))}
.card{background:var(--layer);border:1px solid var(--border);padding:20px;min-width:0;break-inside:avoid}
.card>header{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap;margin-bottom:14px}
.card>header p{margin:0;color:var(--text-3);font-size:12px}
.card>header.stacked{display:block}.card>header.stacked p{margin-top:2px}
section.card{margin-bottom:16px}
.grid>.card{margin-bottom:0}
.chart{display:block;width:100%;height:auto;overflow:visible}
.chart-box{overflow-x:auto}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.bars{list-style:none;margin:0;padding:0}
.bars .row{margin:0 0 12px}
.bars .row:last-child{margin-bottom:0}
.row-head{display:flex;justify-content:space-between;gap:12px;font-size:13px;margin-bottom:4px}
.row-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;min-width:0}
.row-count{white-space:nowrap;color:var(--text-2)}
.row-failed{color:var(--red);font-weight:600}
.meter{display:block;width:100%;height:10px}
.section-head{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:8px 24px;margin:28px 0 12px}
.section-head h2{font-size:20px;font-weight:400}
.section-head .legend{margin:0}
details{margin-top:4px}
summary{cursor:pointer;color:var(--blue);padding:10px 8px;font-size:13px}
.outcome-table td{white-space:nowrap;padding:5px 8px}
.outcome-table td:first-child{padding-left:0}
.outcome-table th:first-child{padding-left:0}
.chart text{font-family:inherit}
.chart .bin-count,.chart .marker-label{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.donut{display:grid;grid-template-columns:minmax(130px,190px) minmax(0,1fr);gap:24px;align-items:center}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;padding:0;margin:12px 0 0;font-size:12px;color:var(--text-2)}
.sw{display:inline-block;width:10px;height:10px;margin-right:6px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;font-size:12px;color:var(--text-2);padding:6px 8px;border-bottom:1px solid #c6c6c6;white-space:nowrap}
td{padding:7px 8px;border-bottom:1px solid var(--border);vertical-align:top}
td.num,th.num{text-align:right}
tr.zero td{color:var(--text-3)}
.keys td.mono{overflow-wrap:anywhere}
.mono{font-family:"IBM Plex Mono",ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.crn{display:block;color:var(--text-3);overflow-wrap:anywhere}
.reason{overflow-wrap:anywhere}
table.failures{table-layout:fixed}
table.failures td.when{white-space:nowrap}
col.c-when{width:9.5em}col.c-target{width:26%}col.c-fn{width:16%}
table.failures td.target strong{font-weight:600;overflow-wrap:anywhere}
details table.failures{border-top:0}
.scroll{overflow-x:auto}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(92px,1fr));gap:12px;margin:0}
.stats div{border-left:2px solid var(--border);padding-left:10px}
.stats dt{font-size:12px;color:var(--text-2)}
.stats dd{margin:2px 0 0;font-size:20px;font-weight:300;white-space:nowrap}
.pill{display:inline-block;padding:0 8px;border-radius:12px;font-size:12px;line-height:20px;background:#e0e0e0;color:#161616;white-space:nowrap}
.pill.failed{background:#ffd7d9;color:#750e13}
.empty{color:var(--text-3);margin:8px 0}
.note{color:var(--text-3);font-size:12px;margin:10px 0 0}
footer{max-width:1240px;margin:0 auto;padding:0 24px 32px;color:var(--text-3);font-size:12px}
@media (max-width:860px){.grid.split,.grid.lists{grid-template-columns:minmax(0,1fr)}}
@media (max-width:700px){.chart-box .chart-wide{min-width:600px}}
@media (max-width:560px){main{padding:20px 12px 40px}h1{font-size:26px}.donut{grid-template-columns:minmax(0,1fr)}.donut .chart{max-width:220px;margin:0 auto}.kpi .value{font-size:26px}.shell{padding:0 12px}}
@media print{.chart-box{overflow:visible}.chart-box .chart-wide{min-width:0}summary{display:none}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}body{background:#fff;font-size:11pt}.shell{background:#fff;color:#161616;border-bottom:2px solid #161616;height:auto;padding:0 0 6px}.shell .page{color:#525252}main{max-width:none;padding:12px 0}.card,.kpis{border-color:#c6c6c6}.card,.kpi,tr{break-inside:avoid}.scroll{overflow:visible}footer{padding:0}}
`;

type NextId = () => string;

/** Chart ids (for aria-labelledby), unique within one page. */
const idSequence = (): NextId => {
  let n = 0;
  return () => {
    n += 1;
    return `c${n}`;
  };
};

const kpi = (
  key: string,
  label: string,
  value: string,
  hint: string,
  accent: string,
  alert = false,
): Markup =>
  h(
    'div',
    { class: alert ? 'kpi alert' : 'kpi', 'data-kpi': key, style: `--accent:${accent}` },
    h('span', { class: 'label' }, label),
    h('span', { class: 'value' }, value),
    h('span', { class: 'hint' }, hint),
  );

const card = (id: string, title: string, note: Child, ...body: Child[]): Markup =>
  h(
    'section',
    { class: 'card', id },
    h('header', {}, h('h2', {}, title), note ? h('p', {}, note) : null),
    ...body,
  );

const legend = (entries: { label: string; color: string }[]): Markup =>
  h(
    'ul',
    { class: 'legend' },
    entries.map((e) => h('li', {}, h('span', { class: 'sw', style: `background:${e.color}` }), e.label)),
  );

const outcomesCard = (s: ReportSummary, nextId: NextId): Markup => {
  const total = s.totals.decisions;
  const present = OUTCOMES.filter((o) => s.outcomes[o] > 0);
  const chart = donutChart({
    id: nextId(),
    title: `Outcomes of ${formatCount(total)} decisions`,
    desc: present.map((o) => `${OUTCOME_LABELS[o]} ${formatCount(s.outcomes[o])}`).join(', '),
    centerLabel: total === 1 ? 'decision' : 'decisions',
    slices: present.map((o) => ({
      key: o,
      label: OUTCOME_LABELS[o],
      value: s.outcomes[o],
      color: OUTCOME_COLORS[o],
    })),
  });
  const rows = OUTCOMES.map((o) =>
    h(
      'tr',
      { class: s.outcomes[o] === 0 ? 'zero' : null, 'data-outcome': o },
      h('td', {}, h('span', { class: 'sw', style: `background:${OUTCOME_COLORS[o]}` }), OUTCOME_LABELS[o]),
      h('td', { class: 'num' }, formatCount(s.outcomes[o])),
      h('td', { class: 'num' }, s.outcomes[o] === 0 ? '–' : formatPercent(s.outcomes[o], total)),
    ),
  );
  return card(
    'outcomes',
    'Outcomes',
    `${formatCount(total)} decisions`,
    h(
      'div',
      { class: 'donut' },
      chart,
      h(
        'table',
        { class: 'outcome-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Outcome'),
            h('th', { class: 'num' }, 'Decisions'),
            h('th', { class: 'num' }, 'Share'),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
};

const timelineCard = (s: ReportSummary, nextId: NextId): Markup => {
  const { unit, buckets } = s.timeline;
  const series = CATEGORIES.map((c) => ({
    key: c,
    label: CATEGORY_STYLE[c].label,
    color: CATEGORY_STYLE[c].color,
  }));
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  const busiest = buckets.reduce(
    (best, b) => (b.total > best.total ? b : best),
    buckets[0] ?? { total: 0, start_ms: 0 },
  );
  const chart = stackedBars({
    id: nextId(),
    title: `Decisions per ${unit}`,
    desc: `${formatCount(buckets.length)} ${unit}s from ${formatUtc(buckets[0]?.start_ms ?? 0)}; busiest ${formatBucket(busiest.start_ms, unit)} with ${formatCount(busiest.total)} decisions`,
    series,
    tickEvery: every,
    buckets: buckets.map((b, i) => {
      const d = new Date(b.start_ms);
      const label =
        unit === 'day' || i === 0 || d.getUTCHours() === 0
          ? formatBucket(b.start_ms, 'day')
          : `${String(d.getUTCHours()).padStart(2, '0')}:00`;
      const parts = CATEGORIES.filter((c) => b.by_category[c] > 0).map(
        (c) => `${formatCount(b.by_category[c])} ${CATEGORY_STYLE[c].label.toLowerCase()}`,
      );
      return {
        label,
        title: `${formatBucket(b.start_ms, unit)}${unit === 'hour' ? ' UTC' : ''}: ${formatCount(b.total)} decisions${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`,
        values: b.by_category,
      };
    }),
  });
  return card(
    'timeline',
    `Decisions per ${unit}`,
    `UTC · busiest ${formatBucket(busiest.start_ms, unit)}: ${formatCount(busiest.total)}`,
    h('div', { class: 'chart-box' }, chart),
    legend(series),
  );
};

const exposureCard = (s: ReportSummary, nextId: NextId): Markup => {
  const e = s.exposure;
  if (e.count === 0)
    return card(
      'exposure',
      'Exposure window',
      null,
      h('p', { class: 'empty' }, 'No remediations with a known event time in this period.'),
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
      { class: 'stats', style: 'margin-bottom:16px' },
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
    h('header', { class: 'stacked' }, h('h2', {}, title), h('p', {}, note)),
    items.length === 0
      ? h('p', { class: 'empty' }, 'None recorded.')
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
  if (b.items.length === 0) return h('p', { class: 'empty' }, 'None recorded.');
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
        h(
          'td',
          { class: 'num' },
          c.failed > 0 ? h('span', { class: 'pill failed' }, formatCount(c.failed)) : '0',
        ),
      ),
    );
  return h(
    'div',
    { class: 'scroll' },
    h('table', { class: 'keys' }, h('thead', {}, head), h('tbody', {}, rows)),
  );
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
    h('h3', { class: 'note', style: 'margin:0 0 8px' }, 'Decision latency'),
    dl([
      ['p50', formatDuration(l.p50)],
      ['p90', formatDuration(l.p90)],
      ['p99', formatDuration(l.p99)],
      ['Max', formatDuration(l.max)],
    ]),
    h('h3', { class: 'note', style: 'margin:18px 0 8px' }, 'IBM Cloud API calls'),
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

/** `crn:v1:bluemix:public:is:us-south-1:a/…::instance:0717_…` → `instance 0717_…` (full CRN on hover). */
const shortCrn = (crn: string): string => {
  const c = parseCrn(crn);
  if (!c) return crn;
  return `${c.type || c.service} ${c.id.length > 28 ? `${c.id.slice(0, 27)}…` : c.id}`;
};

const FAILURES_OPEN = 12;

const failureRow = (r: FailureRow): Markup =>
  h(
    'tr',
    {},
    h('td', { class: 'when' }, formatUtc(Date.parse(r.timestamp)).replace(' UTC', '')),
    h(
      'td',
      { class: 'target' },
      h('strong', {}, r.name ?? (r.target ? shortCrn(r.target) : '–')),
      r.target ? h('span', { class: 'crn mono', title: r.target }, shortCrn(r.target)) : null,
    ),
    h('td', {}, r.fn, h('span', { class: 'crn' }, [r.region, r.rule].filter((x) => x).join(' · ') || '–')),
    h('td', { class: 'reason' }, r.reason || '–'),
  );

const failuresTable = (rows: readonly FailureRow[], head: boolean): Markup =>
  h(
    'table',
    { class: 'failures' },
    h(
      'colgroup',
      {},
      h('col', { class: 'c-when' }),
      h('col', { class: 'c-target' }),
      h('col', { class: 'c-fn' }),
      h('col', {}),
    ),
    head
      ? h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Time (UTC)'),
            h('th', {}, 'Target'),
            h('th', {}, 'Function'),
            h('th', {}, 'Reason'),
          ),
        )
      : null,
    h('tbody', {}, rows.map(failureRow)),
  );

const failuresCard = (s: ReportSummary): Markup => {
  const f = s.failures;
  const note =
    f.count === 0
      ? 'None in this period'
      : f.count > f.recent.length
        ? `${formatCount(f.count)} in all · the ${formatCount(f.recent.length)} most recent below (--json lists them too)`
        : `${formatCount(f.count)} · most recent first`;
  const open = f.recent.slice(0, FAILURES_OPEN);
  const folded = f.recent.slice(FAILURES_OPEN);
  return card(
    'failures',
    'Failures',
    note,
    f.count === 0
      ? h('p', { class: 'empty' }, 'Nothing failed.')
      : h(
          'div',
          { class: 'scroll' },
          failuresTable(open, true),
          folded.length > 0
            ? h(
                'details',
                {},
                h('summary', {}, `Show ${formatCount(folded.length)} earlier failures`),
                failuresTable(folded, false),
              )
            : null,
        ),
  );
};

const FORMAT_LABELS: Record<string, string> = {
  decision: 'function log lines',
  'cloud-logs-query': 'Cloud Logs query API',
  'cloud-logs-archive': 'Cloud Logs archive rows',
  'cloud-logs-ingest': 'Cloud Logs ingestion entries',
  dataprime: 'DataPrime rows',
  wrapped: 'wrapped lines',
};

const inputCard = (s: ReportSummary): Markup => {
  const i = s.input;
  const formats = Object.entries(i.formats)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${formatCount(n ?? 0)} from ${FORMAT_LABELS[k] ?? k}`)
    .join(' · ');
  return card(
    'input',
    'Input',
    `${formatCount(i.lines)} lines from ${i.sources.length} ${i.sources.length === 1 ? 'source' : 'sources'}`,
    h(
      'p',
      { style: 'margin:0' },
      `${formatCount(i.decisions)} decision records${formats ? ` (${formats})` : ''}; ${formatCount(i.skipped)} other lines skipped`,
      i.before_since > 0 ? `; ${formatCount(i.before_since)} records before --since left out` : '',
      '.',
    ),
    h('p', { class: 'note mono' }, i.sources.join(' · ')),
    i.malformed === 0
      ? null
      : fragment(
          h(
            'p',
            { style: 'margin:14px 0 6px' },
            h('span', { class: 'pill failed' }, `${formatCount(i.malformed)} malformed`),
            ' lines were skipped',
            i.malformed > i.malformed_samples.length ? ` (first ${i.malformed_samples.length} listed)` : '',
            ':',
          ),
          h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              { class: 'malformed' },
              h('thead', {}, h('tr', {}, h('th', {}, 'Where'), h('th', {}, 'Problem'))),
              h(
                'tbody',
                {},
                i.malformed_samples.map((m) =>
                  h(
                    'tr',
                    {},
                    h('td', { class: 'mono' }, `${m.source}:${m.line}`),
                    h('td', { class: 'reason' }, m.reason),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
};

const periodText = (s: ReportSummary): string =>
  s.period.from && s.period.to
    ? `${formatUtcLong(Date.parse(s.period.from))} – ${formatUtcLong(Date.parse(s.period.to))} UTC`
    : 'No decisions';

/** The whole page, as one string. */
const renderHtml = (s: ReportSummary): string => {
  const nextId = idSequence();
  const t = s.totals;
  const e = s.exposure;
  const has = t.decisions > 0;
  const title = has
    ? `imds-guard report · ${formatUtcLong(Date.parse(s.period.from ?? '')).split(',')[0]} – ${formatUtcLong(Date.parse(s.period.to ?? '')).split(',')[0]}`
    : 'imds-guard report';
  const kpis = h(
    'section',
    { class: 'kpis', 'aria-label': 'Totals' },
    kpi(
      'decisions',
      'Decisions',
      formatCount(t.decisions),
      `over ${formatDuration(s.period.span_ms)}`,
      '#161616',
    ),
    kpi(
      'remediated',
      'Remediated',
      formatCount(t.remediated),
      `${formatPercent(t.remediated, t.decisions)} of decisions`,
      OUTCOME_COLORS.remediated,
    ),
    kpi(
      'failed',
      'Failed',
      formatCount(t.failed),
      t.remediation_attempts > 0
        ? `${formatPercent(t.failed, t.remediation_attempts)} of remediation attempts`
        : 'no remediation attempts',
      OUTCOME_COLORS.failed,
      t.failed > 0,
    ),
    kpi(
      'exposure',
      'Exposure p50 / p90',
      e.count > 0 ? `${formatDuration(e.p50)}` : '–',
      e.count > 0 ? `p90 ${formatDuration(e.p90)} · max ${formatDuration(e.max)}` : 'no remediations',
      EXPOSURE_COLOR,
    ),
    kpi(
      'planned',
      'Planned',
      formatCount(t.planned),
      `${formatCount(s.dry_run.planned_dry_run)} dry run · ${formatCount(s.dry_run.planned_audit)} audit`,
      OUTCOME_COLORS.planned,
    ),
    kpi(
      'tickets',
      'Ticket actions',
      formatCount(t.tickets),
      `${formatCount(s.outcomes.ticket_opened)} opened`,
      OUTCOME_COLORS.ticket_updated,
    ),
  );
  const body = has
    ? fragment(
        kpis,
        h('div', { class: 'grid split' }, outcomesCard(s, nextId), timelineCard(s, nextId)),
        exposureCard(s, nextId),
        h(
          'div',
          { class: 'section-head' },
          h('h2', {}, 'Where decisions happened'),
          legend([
            { label: 'Failed', color: LIST_COLORS.failed },
            { label: 'Remediated', color: LIST_COLORS.remediated },
            { label: 'Other decisions', color: LIST_COLORS.other },
          ]),
        ),
        h(
          'div',
          { class: 'grid lists' },
          listCard('rules', 'Top rules', s.by.rule, 'rules', nextId),
          listCard('initiators', 'Top initiators', s.by.initiator, 'initiators', nextId),
          listCard('resource-groups', 'Top resource groups', s.by.resource_group, 'resource groups', nextId),
          listCard('regions', 'Top regions', s.by.region, 'regions', nextId),
        ),
        h(
          'div',
          { class: 'grid halves' },
          card('functions', 'Functions', null, smallTable(s.by.function, 'Function')),
          card('actions', 'Activity Tracker actions', null, smallTable(s.by.action, 'Action')),
        ),
        h('div', { class: 'grid halves' }, performanceCard(s), inputCard(s)),
        failuresCard(s),
      )
    : fragment(
        h(
          'section',
          { class: 'card' },
          h('p', { class: 'empty' }, 'No decision records were found in the input.'),
        ),
        inputCard(s),
      );
  const page = fragment(
    raw('<!doctype html>'),
    h(
      'html',
      { lang: 'en' },
      h(
        'head',
        {},
        h('meta', { charset: 'utf-8' }),
        h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
        h('meta', {
          'http-equiv': 'Content-Security-Policy',
          content:
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
        }),
        h('meta', { name: 'color-scheme', content: 'light' }),
        h('meta', { name: 'generator', content: 'imds-guard report' }),
        h('title', {}, title),
        h('style', {}, raw(CSS)),
      ),
      h(
        'body',
        {},
        h(
          'header',
          { class: 'shell' },
          h('span', { class: 'product' }, 'imds-guard'),
          h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'),
          h('span', { class: 'page' }, 'Decision report'),
        ),
        h(
          'main',
          {},
          h(
            'section',
            { class: 'intro' },
            h('h1', {}, 'Decision report'),
            h(
              'p',
              { class: 'lede' },
              h('strong', {}, periodText(s)),
              has ? ` · ${formatDuration(s.period.span_ms)}` : '',
            ),
            h(
              'p',
              { class: 'meta' },
              s.period.since ? `Since ${formatUtc(Date.parse(s.period.since))} · ` : '',
              `${formatCount(s.input.lines)} lines from ${s.input.sources.length === 1 ? (s.input.sources[0] ?? '') : `${s.input.sources.length} sources`}`,
              s.input.malformed > 0 ? ` · ${formatCount(s.input.malformed)} malformed` : '',
              ` · generated ${formatUtc(Date.parse(s.generated_at))}`,
            ),
          ),
          body,
        ),
        h(
          'footer',
          {},
          'imds-guard · decision records as written by the guard functions; times in UTC. This page is self-contained: no scripts, no network.',
        ),
      ),
    ),
  );
  return `${page.html}\n`;
};

export { CATEGORY_STYLE, OUTCOME_COLORS, OUTCOME_LABELS, renderHtml };
