// The report as one self-contained page: the state of the account now, what failed and what to do,
// the exemptions, the trend, what the guard did, and every resource to drill into. Inline CSS and SVG,
// one small inline script for the drill-down; a Content-Security-Policy (`default-src 'none'`) allows
// exactly those two by their SHA-256 and forbids every fetch. Record text is always escaped.
import { createHash } from 'node:crypto';
import type { ReportSummary } from './aggregate.ts';
import { activitySection } from './html/activity.ts';
import { DRILLDOWN_SCRIPT, drilldownSection } from './html/drilldown.ts';
import { exemptionsSection } from './html/exemptions.ts';
import { failuresSection } from './html/failures.ts';
import { inputCard } from './html/input.ts';
import { idSequence } from './html/parts.ts';
import { stateSection } from './html/state.ts';
import { CSS } from './html/style.ts';
import { trendSection } from './html/trend.ts';
import { fragment, h, type Markup, raw } from './markup.ts';
import { formatCount, formatDuration, formatUtc, formatUtcLong } from './units.ts';

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only the page's own stylesheet and script run; nothing is fetched, no form posts, no base URL. */
const CSP = `default-src 'none'; style-src ${sha256(CSS)}; script-src ${sha256(DRILLDOWN_SCRIPT)}; base-uri 'none'; form-action 'none'`;

const periodText = (s: ReportSummary): string =>
  s.period.from && s.period.to
    ? `${formatUtcLong(Date.parse(s.period.from))} – ${formatUtcLong(Date.parse(s.period.to))} UTC`
    : 'No decisions';

const TOC = [
  ['state', 'State now'],
  ['what-failed', 'What failed'],
  ['exemptions', 'Exemptions'],
  ['trend', 'Trend'],
  ['activity', 'What the guard did'],
  ['resources', 'Every resource'],
] as const;

const intro = (s: ReportSummary, has: boolean): Markup =>
  h(
    'section',
    { class: 'intro' },
    h('h1', {}, 'Posture report'),
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
    has
      ? h(
          'nav',
          { 'aria-label': 'Sections' },
          h(
            'ul',
            { class: 'toc' },
            TOC.map(([id, label]) => h('li', {}, h('a', { href: `#${id}` }, label))),
          ),
        )
      : null,
  );

const titleOf = (s: ReportSummary, has: boolean): string => {
  if (!has) return 'imds-guard report';
  const day = (iso: string | null): string => formatUtcLong(Date.parse(iso ?? '')).split(',')[0] ?? '';
  return `imds-guard report · ${day(s.period.from)} – ${day(s.period.to)}`;
};

/** The whole page, as one string. */
const renderHtml = (s: ReportSummary): string => {
  const nextId = idSequence();
  const has = s.totals.decisions > 0;
  const rows = s.posture.rows.length > 0;
  const body = has
    ? fragment(
        stateSection(s),
        failuresSection(s),
        exemptionsSection(s.exemptions),
        trendSection(s, nextId),
        activitySection(s, nextId),
        drilldownSection(s),
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
        h('meta', { 'http-equiv': 'Content-Security-Policy', content: CSP }),
        h('meta', { name: 'color-scheme', content: 'light' }),
        h('meta', { name: 'referrer', content: 'no-referrer' }),
        h('meta', { name: 'generator', content: 'imds-guard report' }),
        h('title', {}, titleOf(s, has)),
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
          h('span', { class: 'page' }, 'Posture report'),
        ),
        h('main', {}, intro(s, has), body),
        h(
          'footer',
          {},
          'imds-guard · from the decision records the guard functions, sweeps and scans wrote; times in UTC. Self-contained: no request leaves this page; console links open IBM Cloud.',
        ),
        has && rows ? h('script', {}, raw(DRILLDOWN_SCRIPT)) : null,
      ),
    ),
  );
  return `${page.html}\n`;
};

export { CSP, renderHtml };
