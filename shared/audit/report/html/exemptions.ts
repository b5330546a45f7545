// "Exemptions": every exempt resource of the state, how (access tag, user tag, the policy's exemption
// list), who approved it under which ticket, and when it ends; those ending within 14 days stand out.
import type { ExemptionInventory, ExemptionRow } from '../exemptions.ts';
import { h, type Markup } from '../markup.ts';
import { formatCount } from '../units.ts';
import { consoleUrl } from './console-links.ts';
import { card, empty, pill, scrollTable, section } from './parts.ts';
import { kindLabel } from './rows.ts';

const HOW = {
  'access-tag': 'access tag',
  'user-tag': 'user tag',
  list: 'exemption list',
  'tag-lookup-failed': 'tags unreadable (fail-open)',
} as const satisfies Record<string, string>;

const howText = (r: ExemptionRow): string =>
  `${(HOW as Record<string, string>)[r.by] ?? r.by}${r.tag ? ` ${r.tag}` : ''}`;

const expiryCell = (r: ExemptionRow): Markup => {
  if (!r.expires)
    return h(
      'td',
      {},
      h('span', { class: 'sub' }, r.by === 'access-tag' ? 'until the tag is removed' : 'no expiry'),
    );
  const days = r.days_left ?? 0;
  const badge =
    days < 0
      ? pill('expired', 'expired')
      : r.expiring_soon
        ? pill(days <= 1 ? 'ends within a day' : `ends in ${days} days`, 'soon')
        : null;
  return h('td', {}, r.expires.slice(0, 10), badge ? h('span', { class: 'sub' }, badge) : null);
};

const exemptionRow = (r: ExemptionRow): Markup => {
  const url = consoleUrl(r.kind, r.region, r.id);
  return h(
    'tr',
    { class: r.expiring_soon ? 'soon' : null, 'data-by': r.by },
    h(
      'td',
      { class: 'res' },
      url
        ? h(
            'a',
            { href: url, rel: 'noopener noreferrer', target: '_blank' },
            h('strong', {}, r.name ?? r.id ?? r.crn),
          )
        : h('strong', {}, r.name ?? r.crn),
      h('span', { class: 'crn mono' }, `${kindLabel(r.kind)}${r.region ? ` · ${r.region}` : ''}`),
    ),
    h('td', {}, howText(r)),
    h('td', {}, r.approver ?? '–'),
    h('td', { class: 'mono' }, r.ticket ?? '–'),
    expiryCell(r),
    h('td', { class: 'reason' }, r.reason ?? ''),
  );
};

const exemptionsSection = (inv: ExemptionInventory): Markup =>
  section(
    'exemptions',
    'Exemptions',
    `Resources the policy leaves alone on purpose. Entries of the policy’s exemption list carry an approver, a ticket and an expiry; access tags last until an administrator removes them.`,
    card(
      'exemption-list',
      'Exemptions in force',
      inv.total === 0
        ? 'None'
        : `${formatCount(inv.total)} · ${Object.entries(inv.by)
            .map(([k, n]) => `${formatCount(n)} by ${(HOW as Record<string, string>)[k] ?? k}`)
            .join(
              ' · ',
            )}${inv.expiring_soon > 0 ? ` · ${formatCount(inv.expiring_soon)} end within ${inv.window_days} days` : ''}`,
      inv.total === 0
        ? empty('No resource is exempt.')
        : scrollTable(
            { class: 'exemptions' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Resource'),
                h('th', {}, 'How'),
                h('th', {}, 'Approver'),
                h('th', {}, 'Ticket'),
                h('th', {}, 'Expires'),
                h('th', {}, 'Why'),
              ),
            ),
            inv.rows.map(exemptionRow),
          ),
    ),
  );

export { exemptionsSection };
