// "Every resource": the drill-down table with search and filters. Rows travel as compact JSON (every
// string once, rows as indexes) so 20,000 resources stay a few megabytes; the hashed inline script
// (drilldown-script.ts) filters and draws them without any request. The first page is rendered here
// too, so the table reads without JavaScript.
import type { ReportSummary } from '../aggregate.ts';
import { h, type Markup, raw } from '../markup.ts';
import type { StateRow } from '../posture-summary.ts';
import { formatCount } from '../units.ts';
import { CONSOLE_URLS } from './console-links.ts';
import { DRILLDOWN_SCRIPT } from './drilldown-script.ts';
import { card, empty, scrollTable, section } from './parts.ts';
import { kindLabel, metadataText, ruleText, STATUS_LABELS, wantText, whereText, whyOf } from './rows.ts';
import { stateColumns, stateRow } from './state.ts';

const PAGE = 100;

/** Strings interned once; a row is a list of indexes (-1: empty). */
const encodeRows = (rows: readonly StateRow[]) => {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (x: string | null | undefined): number => {
    if (x === null || x === undefined || x === '') return -1;
    let i = index.get(x);
    if (i === undefined) {
      i = strings.length;
      strings.push(x);
      index.set(x, i);
    }
    return i;
  };
  const encoded = rows.map((r) => {
    const w = whereText(r);
    return [
      intern(r.kind),
      intern(r.name),
      intern(r.id ?? r.crn),
      intern(w.main),
      intern(w.sub),
      intern(r.status),
      intern(metadataText(r)),
      intern(ruleText(r)),
      intern(wantText(r)),
      intern(whyOf(r.reason)),
    ];
  });
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return {
    s: strings,
    r: encoded,
    page: PAGE,
    l: CONSOLE_URLS,
    k: Object.fromEntries(kinds.map((k) => [k, kindLabel(k)])),
    t: STATUS_LABELS,
  };
};

/** JSON that cannot end its <script> element or open a comment. */
const dataBlock = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const select = (id: string, label: string, all: string, options: readonly [string, string][]): Markup =>
  h(
    'label',
    {},
    label,
    h(
      'select',
      { id },
      h('option', { value: '' }, all),
      options.map(([v, text]) => h('option', { value: v }, text)),
    ),
  );

const filters = (rows: readonly StateRow[]): Markup => {
  const kinds = [...new Set(rows.map((r) => r.kind))].sort();
  const regions = [...new Set(rows.map((r) => r.region).filter((x): x is string => x !== null))].sort();
  return h(
    'div',
    { class: 'filters', role: 'search' },
    h(
      'label',
      { class: 'q' },
      'Search',
      h('input', { id: 'f-q', type: 'search', placeholder: 'name, id, rule, reason…', autocomplete: 'off' }),
    ),
    select(
      'f-kind',
      'Kind',
      'All kinds',
      kinds.map((k) => [k, kindLabel(k)]),
    ),
    select('f-status', 'Status', 'Any status', Object.entries(STATUS_LABELS)),
    select(
      'f-region',
      'Region',
      'All regions',
      regions.map((r) => [r, r]),
    ),
  );
};

const drilldownSection = (s: ReportSummary): Markup => {
  const rows = s.posture.rows;
  return section(
    'resources',
    'Every resource',
    'Each instance, template and trusted profile the records know of, with its latest decision. Search and filter work offline: this page makes no request.',
    card(
      'drilldown',
      'Resources',
      `${formatCount(rows.length)} · those needing a change first`,
      rows.length === 0
        ? empty('No resource was decided in the input.')
        : [
            filters(rows),
            h(
              'p',
              { class: 'count', id: 'f-count', 'aria-live': 'polite' },
              `Showing ${formatCount(Math.min(PAGE, rows.length))} of ${formatCount(rows.length)} resources`,
            ),
            scrollTable({ class: 'drill', id: 'rows' }, stateColumns(), rows.slice(0, PAGE).map(stateRow)),
            h(
              'button',
              { type: 'button', class: 'more', id: 'f-more', hidden: rows.length <= PAGE },
              `Show ${PAGE} more`,
            ),
            h('script', { type: 'application/json', id: 'rows-data' }, raw(dataBlock(encodeRows(rows)))),
          ],
    ),
  );
};

export { DRILLDOWN_SCRIPT, drilldownSection, encodeRows };
