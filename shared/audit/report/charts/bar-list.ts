// Ranked rows: the label and count stay HTML text (crisp and readable at any width), each bar is a
// small SVG meter stretched to the row. Used for the top lists (failed / remediated / other decisions)
// and the state tables (non-compliant / exempt / compliant resources).
import { h, type Markup } from '../markup.ts';
import { formatCount } from '../units.ts';
import type { Labelled } from './frame.ts';

interface MeterPart {
  key: string;
  value: number;
  color: string;
}

const LIST_COLORS = { remediated: '#198038', failed: '#da1e28', other: '#4589ff' } as const;

const W = 1000;

/** One row's meter: the parts side by side, scaled to `max`. */
const meter = (label: string, detail: string, parts: readonly MeterPart[], max: number): Markup => {
  let x = 0;
  const segs = parts.flatMap((p) => {
    const w = (p.value / Math.max(1, max)) * W;
    if (w <= 0) return [];
    const seg = h('rect', {
      class: `seg seg-${p.key}`,
      x,
      y: 0,
      width: Math.max(2, w),
      height: 10,
      fill: p.color,
    });
    x += w;
    return [seg];
  });
  return h(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      class: 'meter',
      viewBox: `0 0 ${W} 10`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `${label}: ${detail}`,
    },
    h('title', {}, `${label}: ${detail}`),
    h('rect', { class: 'track', x: 0, y: 0, width: W, height: 10, fill: '#e8e8e8' }),
    ...segs,
  );
};

interface ListItem {
  label: string;
  count: number;
  remediated: number;
  failed: number;
}

const barList = (c: Labelled & { items: ListItem[]; chart: string }): Markup => {
  const max = Math.max(1, ...c.items.map((i) => i.count));
  const rows = c.items.map((item) => {
    const detail = [
      `${formatCount(item.count)} decisions`,
      item.remediated > 0 ? `${formatCount(item.remediated)} remediated` : '',
      item.failed > 0 ? `${formatCount(item.failed)} failed` : '',
    ]
      .filter((s) => s !== '')
      .join(', ');
    const parts: MeterPart[] = [
      { key: 'failed', value: item.failed, color: LIST_COLORS.failed },
      { key: 'remediated', value: item.remediated, color: LIST_COLORS.remediated },
      { key: 'other', value: item.count - item.failed - item.remediated, color: LIST_COLORS.other },
    ];
    return h(
      'li',
      { class: 'row' },
      h(
        'div',
        { class: 'row-head' },
        h('span', { class: 'row-label', title: item.label }, item.label),
        h(
          'span',
          { class: 'row-count' },
          formatCount(item.count),
          item.failed > 0
            ? h('span', { class: 'row-failed' }, ` · ${formatCount(item.failed)} failed`)
            : null,
        ),
      ),
      meter(item.label, detail, parts, max),
    );
  });
  return h(
    'ol',
    { class: 'bars', 'data-chart': c.chart, 'aria-labelledby': `${c.id}-title` },
    h('li', { class: 'sr-only', id: `${c.id}-title` }, `${c.title}: ${c.desc}`),
    ...rows,
  );
};

export type { ListItem, MeterPart };
export { barList, LIST_COLORS, meter };
