// Pieces every section of the HTML report uses: the colour registries (IBM Carbon palette), cards,
// KPIs, legends and pills. Colours are CSS classes generated from the registries, never inline styles,
// so the page's Content-Security-Policy can forbid inline style attributes.
import type { Outcome } from '#shared/audit/decision.ts';
import type { Category } from '../aggregate.ts';
import { type Child, h, type Markup } from '../markup.ts';

/** IBM Carbon palette; each graphic colour is ≥ 3:1 against white except the neutral "ignored". */
const OUTCOME_STYLE = {
  remediated: { label: 'Remediated', color: '#198038' },
  compliant: { label: 'Compliant', color: '#009d9a' },
  exempt: { label: 'Exempt', color: '#005d5d' },
  ignored: { label: 'Ignored', color: '#8d8d8d' },
  refused: { label: 'Refused', color: '#8a3800' },
  gone: { label: 'Gone', color: '#525252' },
  planned: { label: 'Planned', color: '#0f62fe' },
  ticket_opened: { label: 'Ticket opened', color: '#d02670' },
  ticket_updated: { label: 'Ticket updated', color: '#9f1853' },
  ticket_resolved: { label: 'Ticket resolved', color: '#740937' },
  failed: { label: 'Failed', color: '#da1e28' },
  deferred: { label: 'Deferred', color: '#8e6a00' },
} as const satisfies Record<Outcome, { label: string; color: string }>;

const CATEGORY_STYLE = {
  remediated: { label: 'Remediated', color: '#198038' },
  failed: { label: 'Failed', color: '#da1e28' },
  planned: { label: 'Planned', color: '#0f62fe' },
  tickets: { label: 'Tickets', color: '#9f1853' },
  compliant: { label: 'Compliant / exempt', color: '#009d9a' },
  other: { label: 'Ignored / refused / gone', color: '#8d8d8d' },
} as const satisfies Record<Category, { label: string; color: string }>;

/** State colours: what needs a change, what is exempt, what complies. */
const STATUS_STYLE = {
  noncompliant: { label: 'Needs change', color: '#da1e28' },
  exempt: { label: 'Exempt', color: '#8a3ffc' },
  compliant: { label: 'Compliant', color: '#198038' },
} as const;

const SEVERITY_COLORS = {
  critical: '#a2191f',
  high: '#da1e28',
  medium: '#b28600',
  low: '#0f62fe',
} as const;

/** Carbon purple 70: time at risk, apart from the outcome colours. */
const EXPOSURE_COLOR = '#6929c4';

/** Every colour a swatch, KPI accent or pill may take, by class suffix. */
const PALETTE: Record<string, string> = {
  ...Object.fromEntries(Object.entries(OUTCOME_STYLE).map(([k, o]) => [`o-${k}`, o.color])),
  ...Object.fromEntries(Object.entries(CATEGORY_STYLE).map(([k, s]) => [`c-${k}`, s.color])),
  ...Object.fromEntries(Object.entries(STATUS_STYLE).map(([k, s]) => [`s-${k}`, s.color])),
  ...Object.fromEntries(Object.entries(SEVERITY_COLORS).map(([k, c]) => [`v-${k}`, c])),
  exposure: EXPOSURE_COLOR,
  ink: '#161616',
  'l-failed': '#da1e28',
  'l-remediated': '#198038',
  'l-other': '#4589ff',
  p50: '#6929c4',
  p90: '#d02670',
  p99: '#161616',
  share: '#198038',
};

/** `.sw-<key>` swatches and `.acc-<key>` KPI accents for every palette entry. */
const paletteCss = (): string =>
  Object.entries(PALETTE)
    .map(([k, c]) => `.sw-${k}{background:${c}}.acc-${k}{border-top-color:${c}}`)
    .join('');

type NextId = () => string;

/** Chart ids (for aria-labelledby), unique within one page. */
const idSequence = (): NextId => {
  let n = 0;
  return () => {
    n += 1;
    return `c${n}`;
  };
};

const kpi = (key: string, label: string, value: string, hint: Child, accent: string, alert = false): Markup =>
  h(
    'div',
    { class: `kpi acc-${accent}${alert ? ' alert' : ''}`, 'data-kpi': key },
    h('span', { class: 'label' }, label),
    h('span', { class: 'value' }, value),
    h('span', { class: 'hint' }, hint),
  );

/** A row of KPIs, named for screen readers. */
const kpiStrip = (label: string, ...kpis: Markup[]): Markup =>
  h('div', { class: 'kpis', role: 'group', 'aria-label': label }, ...kpis);

const card = (id: string, title: string, note: Child, ...body: Child[]): Markup =>
  h(
    'section',
    { class: 'card', id },
    h('header', {}, h('h3', {}, title), note ? h('p', {}, note) : null),
    ...body,
  );

const swatch = (key: string): Markup => h('span', { class: `sw sw-${key}`, 'aria-hidden': 'true' });

const legend = (entries: { label: string; key: string }[]): Markup =>
  h(
    'ul',
    { class: 'legend' },
    entries.map((e) => h('li', {}, swatch(e.key), e.label)),
  );

/** A section of the page: a heading with an anchor, a lede, its cards. */
const section = (id: string, title: string, lede: Child, ...body: Child[]): Markup =>
  h(
    'section',
    { class: 'part', id, 'aria-labelledby': `${id}-h` },
    h(
      'div',
      { class: 'section-head' },
      h('h2', { id: `${id}-h` }, title),
      lede ? h('p', { class: 'section-lede' }, lede) : null,
    ),
    ...body,
  );

const pill = (text: string, kind = ''): Markup => h('span', { class: `pill${kind ? ` ${kind}` : ''}` }, text);

const empty = (text: string): Markup => h('p', { class: 'empty' }, text);

/** A table that scrolls sideways on a narrow screen: `head` its thead (and colgroup), `rows` its body. */
const scrollTable = (attrs: Record<string, string>, head: Child, rows: Child): Markup =>
  h('div', { class: 'scroll' }, h('table', attrs, head, h('tbody', {}, rows)));

export type { NextId };
export {
  CATEGORY_STYLE,
  card,
  EXPOSURE_COLOR,
  empty,
  idSequence,
  kpi,
  kpiStrip,
  legend,
  OUTCOME_STYLE,
  PALETTE,
  paletteCss,
  pill,
  SEVERITY_COLORS,
  STATUS_STYLE,
  scrollTable,
  section,
  swatch,
};
