// "What failed": failures grouped by cause (IBM's error code, or what else failed, and the rule) with
// the count, a few examples and the fix the product recommends; then the most recent failures.

import { parseCrn } from '../../../cloud/crn.ts';
import type { FailureRow, ReportSummary } from '../aggregate.ts';
import type { Cause } from '../causes.ts';
import { h, type Markup } from '../markup.ts';
import { formatCount, formatUtc } from '../units.ts';
import { card, empty, pill, scrollTable, section } from './parts.ts';
import { kindLabel } from './rows.ts';

const FAILURES_OPEN = 12;

/** `crn:…::instance:0717_…` → `instance 0717_…` (full CRN on hover). */
const shortCrn = (crn: string): string => {
  const c = parseCrn(crn);
  if (!c) return crn;
  return `${c.type || c.service} ${c.id.length > 28 ? `${c.id.slice(0, 27)}…` : c.id}`;
};

const causeRow = (c: Cause): Markup =>
  h(
    'tr',
    { 'data-cause': c.code },
    h(
      'td',
      {},
      h('strong', { class: 'mono' }, c.code),
      h('span', { class: 'sub' }, `${kindLabel(c.kind)}${c.rule ? ` · rule ${c.rule}` : ''}`),
    ),
    h(
      'td',
      { class: 'num' },
      pill(formatCount(c.count), 'failed'),
      h('span', { class: 'sub' }, `${formatCount(c.targets)} resource${c.targets === 1 ? '' : 's'}`),
    ),
    h(
      'td',
      { class: 'reason' },
      c.examples.map((e) =>
        h(
          'span',
          { class: 'sub' },
          h('strong', {}, e.name ?? (e.target ? shortCrn(e.target) : '–')),
          `: ${e.reason}`,
        ),
      ),
      h('span', { class: 'sub' }, `last ${formatUtc(Date.parse(c.last_at))}`),
    ),
    h('td', { class: 'fix' }, c.fix),
  );

const causesCard = (causes: readonly Cause[]): Markup =>
  card(
    'causes',
    'Failures by cause',
    causes.length === 0
      ? 'None in this period'
      : `${formatCount(causes.length)} cause${causes.length === 1 ? '' : 's'} · most frequent first`,
    causes.length === 0
      ? empty('Nothing failed.')
      : scrollTable(
          { class: 'causes' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Cause'),
              h('th', { class: 'num' }, 'Failures'),
              h('th', {}, 'Examples'),
              h('th', {}, 'What to do'),
            ),
          ),
          causes.map(causeRow),
        ),
  );

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

const recentCard = (s: ReportSummary): Markup => {
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
    'Recent failures',
    note,
    f.count === 0
      ? empty('Nothing failed.')
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

const failuresSection = (s: ReportSummary): Markup =>
  section(
    'what-failed',
    'What failed, and what to do',
    'Failed decisions grouped by IBM’s error code (or the sink that failed) and the rule, with the fix the guard recommends.',
    causesCard(s.failures.by_cause),
    recentCard(s),
  );

export { failuresSection };
