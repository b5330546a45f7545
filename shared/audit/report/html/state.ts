// "State now": how many instances comply, where the rest are (region, resource group, VPC, rule), the
// ones that need a change with the rule that wants it, trusted profiles by their worst open finding,
// and any other kind of finding the records carry (network findings…), shown generically.
import type { ReportSummary } from '../aggregate.ts';
import { meter } from '../charts/bar-list.ts';
import { fragment, h, type Markup } from '../markup.ts';
import {
  type GroupRow,
  type KindCounts,
  type Posture,
  SEVERITIES,
  type StateRow,
} from '../posture-summary.ts';
import { formatCount, formatPercent, formatUtc } from '../units.ts';
import { card, empty, kpi, kpiStrip, legend, pill, STATUS_STYLE, scrollTable, section } from './parts.ts';
import {
  kindLabel,
  linkOf,
  metadataText,
  ruleText,
  STATUS_LABELS,
  wantText,
  whereText,
  whyOf,
} from './rows.ts';

const GROUP_ROWS = 12;
const LISTED = 25;

const compliantOf = (c: KindCounts): number => c.compliant + c.exempt;

const basisText = (p: Posture): string => {
  const b = p.basis;
  switch (b.kind) {
    case 'run': {
      const done = b.complete === true ? 'complete' : 'completeness not recorded';
      return `From the latest ${b.fn ?? 'scan'} run (${done}), started ${formatUtc(Date.parse(b.started_at ?? ''))}, and every decision since; ${formatCount(b.runs_seen)} run${b.runs_seen === 1 ? '' : 's'} in the input.`;
    }
    case 'events':
      return 'No scan or sweep in the input: this is the latest decision on each resource the guard saw change. Run `imds-guard scan` (or let the sweep run) for the whole account.';
    case 'none':
      return 'No decision on any resource in the input.';
  }
};

const resourceCell = (r: StateRow): Markup =>
  h(
    'td',
    { class: 'res' },
    h('strong', {}, r.name ?? r.id ?? r.crn),
    h('span', { class: 'crn mono', title: r.crn }, `${kindLabel(r.kind)} · ${r.id ?? ''}`),
  );

const whereCell = (r: StateRow): Markup => {
  const w = whereText(r);
  return h('td', {}, w.main, w.sub ? h('span', { class: 'sub' }, w.sub) : null);
};

const statusCell = (r: StateRow): Markup =>
  h(
    'td',
    {},
    pill(STATUS_LABELS[r.status], r.status),
    metadataText(r) ? h('span', { class: 'sub' }, metadataText(r)) : null,
  );

const detailCell = (r: StateRow): Markup =>
  h(
    'td',
    { class: 'reason' },
    wantText(r) ? h('strong', {}, wantText(r)) : null,
    h('span', { class: 'sub' }, whyOf(r.reason)),
  );

const linkCell = (r: StateRow): Markup => {
  const url = linkOf(r);
  return h(
    'td',
    {},
    url
      ? h('a', { class: 'ext', href: url, rel: 'noopener noreferrer', target: '_blank' }, 'Console ↗')
      : '–',
  );
};

/** One resource as a table row: the same cells the drill-down's script builds. */
const stateRow = (r: StateRow): Markup =>
  h(
    'tr',
    { 'data-status': r.status },
    resourceCell(r),
    whereCell(r),
    statusCell(r),
    h('td', { class: 'mono' }, ruleText(r) || '–'),
    detailCell(r),
    linkCell(r),
  );

const stateColumns = (): Markup =>
  fragment(
    h(
      'colgroup',
      {},
      ['d-res', 'd-where', 'd-status', 'd-rule', 'd-why', 'd-link'].map((c) => h('col', { class: c })),
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Resource'),
        h('th', {}, 'Where'),
        h('th', {}, 'Status'),
        h('th', {}, 'Rule / findings'),
        h('th', {}, 'Wanted, and why'),
        h('th', {}, 'Console'),
      ),
    ),
  );

const groupTable = (id: string, title: string, rows: readonly GroupRow[]): Markup => {
  const shown = rows.slice(0, GROUP_ROWS);
  const max = Math.max(1, ...shown.map((r) => r.total));
  const body = shown.map((g) =>
    h(
      'tr',
      {},
      h(
        'td',
        { class: 'bar' },
        h('span', { class: 'row-label', title: g.key }, g.key),
        meter(
          g.key,
          `${formatCount(g.noncompliant)} need a change, ${formatCount(g.exempt)} exempt, ${formatCount(g.compliant)} compliant`,
          [
            { key: 'noncompliant', value: g.noncompliant, color: STATUS_STYLE.noncompliant.color },
            { key: 'exempt', value: g.exempt, color: STATUS_STYLE.exempt.color },
            { key: 'compliant', value: g.compliant, color: STATUS_STYLE.compliant.color },
          ],
          max,
        ),
      ),
      h('td', { class: 'num' }, `${formatCount(compliantOf(g))}/${formatCount(g.total)}`),
      h('td', { class: 'num' }, g.noncompliant > 0 ? pill(formatCount(g.noncompliant), 'noncompliant') : '0'),
      h('td', { class: 'num' }, formatCount(g.on_http)),
    ),
  );
  const head = h(
    'tr',
    {},
    h('th', {}, title.charAt(0).toUpperCase() + title.slice(1)),
    h('th', { class: 'num' }, 'Comply'),
    h('th', { class: 'num' }, 'Change'),
    h('th', { class: 'num' }, 'On http'),
  );
  return card(
    `by-${id}`,
    `By ${title}`,
    rows.length > GROUP_ROWS
      ? `${formatCount(rows.length)} in all · ${GROUP_ROWS} with the most to fix shown`
      : null,
    rows.length === 0
      ? empty('None recorded.')
      : scrollTable({ class: 'group-table' }, h('thead', {}, head), body),
  );
};

const stateKpis = (s: ReportSummary): Markup => {
  const p = s.posture;
  const i = p.instances;
  const bySev = p.profiles.by_severity;
  return kpiStrip(
    'State now',
    kpi(
      'compliant',
      'Instances that comply',
      `${formatCount(compliantOf(i))} / ${formatCount(i.total)}`,
      `${formatPercent(compliantOf(i), i.total)} · exempt ones included`,
      's-compliant',
    ),
    kpi(
      'noncompliant',
      'Need a change',
      formatCount(i.noncompliant),
      `${formatCount(i.noncompliant_on_http)} of them on plain http`,
      's-noncompliant',
      i.noncompliant > 0,
    ),
    kpi(
      'exempt',
      'Exempt',
      formatCount(i.exempt + p.templates.exempt + p.profiles.exempt),
      `${formatCount(s.exemptions.expiring_soon)} end within ${s.exemptions.window_days} days`,
      's-exempt',
    ),
    kpi(
      'templates',
      'Templates to replace',
      formatCount(p.templates.noncompliant),
      `of ${formatCount(p.templates.total)} instance templates`,
      'o-planned',
    ),
    kpi(
      'profiles',
      'Profiles with findings',
      formatCount(p.profiles.with_findings),
      `${formatCount(bySev.critical)} critical · ${formatCount(bySev.high)} high of ${formatCount(p.profiles.total)}`,
      'v-high',
      bySev.critical > 0,
    ),
  );
};

/** The first LISTED rows, in the drill-down's columns. */
const listedRows = (rows: readonly StateRow[]): Markup =>
  scrollTable({ class: 'drill' }, stateColumns(), rows.slice(0, LISTED).map(stateRow));

const nonCompliantCard = (p: Posture): Markup => {
  const rows = p.rows.filter((r) => r.status === 'noncompliant' && r.kind !== 'profile');
  return card(
    'needs-change',
    'Resources that need a change',
    rows.length > LISTED
      ? `${formatCount(rows.length)} in all · the first ${LISTED} here, every one in the drill-down below`
      : `${formatCount(rows.length)} · with the rule that wants the change`,
    rows.length === 0 ? empty('Every instance and template complies (or is exempt).') : listedRows(rows),
  );
};

const profilesCard = (p: Posture): Markup => {
  const pr = p.profiles;
  const rows = p.rows.filter((r) => r.kind === 'profile' && r.status === 'noncompliant');
  const stats = h(
    'dl',
    { class: 'stats spaced' },
    SEVERITIES.map((sv) => h('div', {}, h('dt', {}, sv), h('dd', {}, formatCount(pr.by_severity[sv])))),
  );
  const byRule = pr.by_rule.map((r) =>
    h(
      'tr',
      {},
      h('td', { class: 'mono' }, r.rule),
      h('td', {}, r.severity ? pill(r.severity, r.severity) : '–'),
      h('td', { class: 'num' }, formatCount(r.profiles)),
    ),
  );
  return card(
    'profiles',
    'Trusted profiles with open findings',
    `${formatCount(pr.with_findings)} of ${formatCount(pr.total)} profiles · by their worst finding`,
    pr.total === 0 ? empty('No trusted profile was decided in the input.') : stats,
    byRule.length > 0
      ? scrollTable(
          {},
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'Rule'), h('th', {}, 'Severity'), h('th', { class: 'num' }, 'Profiles')),
          ),
          byRule,
        )
      : null,
    rows.length > 0 ? listedRows(rows) : null,
  );
};

/** Kinds this report does not know by name (network findings…): counts and the rows that need a change. */
const otherCard = (p: Posture): Markup | null => {
  if (p.other.length === 0) return null;
  const rows = p.rows.filter((r) => p.other.some((o) => o.kind === r.kind) && r.status === 'noncompliant');
  return card(
    'other-findings',
    'Other findings',
    p.other
      .map((o) => `${o.kind}: ${formatCount(o.noncompliant)} of ${formatCount(o.total)} need a change`)
      .join(' · '),
    rows.length === 0 ? empty('Nothing open.') : listedRows(rows),
  );
};

const stateSection = (s: ReportSummary): Markup => {
  const p = s.posture;
  const i = p.instances;
  return section(
    'state',
    'State now',
    basisText(p),
    h(
      'p',
      { class: 'headline', 'data-headline': 'instances' },
      h('strong', {}, `${formatCount(compliantOf(i))} of ${formatCount(i.total)}`),
      ` instances comply with the policy (${formatPercent(compliantOf(i), i.total)})`,
      i.noncompliant > 0
        ? ` · ${formatCount(i.noncompliant)} need a change, ${formatCount(i.noncompliant_on_http)} of them on plain http`
        : '',
    ),
    stateKpis(s),
    h(
      'div',
      { class: 'section-head' },
      h('h3', {}, 'Where the instances are'),
      legend([
        { label: STATUS_STYLE.noncompliant.label, key: 's-noncompliant' },
        { label: STATUS_STYLE.exempt.label, key: 's-exempt' },
        { label: STATUS_STYLE.compliant.label, key: 's-compliant' },
      ]),
    ),
    h(
      'div',
      { class: 'grid lists' },
      groupTable('region', 'region', p.by.region),
      groupTable('resource-group', 'resource group', p.by.resource_group),
      groupTable('vpc', 'VPC', p.by.vpc),
      groupTable('rule', 'rule', p.by.rule),
    ),
    nonCompliantCard(p),
    profilesCard(p),
    otherCard(p),
  );
};

export { stateColumns, stateRow, stateSection };
