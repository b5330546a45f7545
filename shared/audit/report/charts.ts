// Inline SVG charts for the HTML report: donut, stacked time bars, histogram with percentile markers,
// ranked bar lists. Each is an accessible image (`role="img"`, `<title>`, `<desc>`) that scales with
// its container (viewBox, width 100%). Labels are record text: the markup builder escapes them.
import { type Child, h, type Markup } from './markup.ts';
import { formatCount } from './units.ts';

interface Labelled {
  id: string;
  title: string;
  desc: string;
}

const FONT = { small: 12, body: 13, big: 30 } as const;
const INK = '#161616';
const INK_2 = '#525252';
const GRID = '#e0e0e0';

const frame = (c: Labelled, width: number, height: number, chart: string, ...children: Child[]): Markup =>
  h(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': `${c.id}-title ${c.id}-desc`,
      'data-chart': chart,
      class: `chart chart-${chart}${width >= 600 ? ' chart-wide' : ''}`,
      preserveAspectRatio: 'xMidYMid meet',
    },
    h('title', { id: `${c.id}-title` }, c.title),
    h('desc', { id: `${c.id}-desc` }, c.desc),
    ...children,
  );

/** A round axis maximum and its tick step (1, 2, 2.5 or 5 × 10ⁿ). */
const niceScale = (max: number, ticks = 4): { max: number; step: number } => {
  if (max <= 0) return { max: 1, step: 1 };
  const rough = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * pow >= rough) ?? 10) * pow;
  // Counts are whole numbers: never a tick step below 1.
  const stepInt = Math.max(step, 1);
  return { max: Math.ceil(max / stepInt) * stepInt, step: stepInt };
};

// ---- Donut ------------------------------------------------------------------------------------

interface Slice {
  key: string;
  label: string;
  value: number;
  color: string;
}

const point = (cx: number, cy: number, r: number, a: number): [number, number] => [
  cx + r * Math.cos(a),
  cy + r * Math.sin(a),
];

const arcPath = (cx: number, cy: number, r: number, r0: number, a0: number, a1: number): string => {
  const large = a1 - a0 > Math.PI ? 1 : 0;
  const [x0, y0] = point(cx, cy, r, a0);
  const [x1, y1] = point(cx, cy, r, a1);
  const [x2, y2] = point(cx, cy, r0, a1);
  const [x3, y3] = point(cx, cy, r0, a0);
  const f = (n: number): string => (Math.round(n * 100) / 100).toString();
  return `M${f(x0)} ${f(y0)}A${r} ${r} 0 ${large} 1 ${f(x1)} ${f(y1)}L${f(x2)} ${f(y2)}A${r0} ${r0} 0 ${large} 0 ${f(x3)} ${f(y3)}Z`;
};

const donutChart = (c: Labelled & { slices: Slice[]; centerLabel: string }): Markup => {
  const size = 240;
  const cx = size / 2;
  const r = 110;
  const r0 = 70;
  const slices = c.slices.filter((s) => s.value > 0);
  const total = slices.reduce((n, s) => n + s.value, 0);
  let a = -Math.PI / 2;
  const paths = slices.map((s) => {
    const sweep = (s.value / total) * Math.PI * 2;
    // A full ring cannot be one arc: draw it as two halves.
    const d =
      sweep >= Math.PI * 2 - 1e-9
        ? `${arcPath(cx, cx, r, r0, a, a + Math.PI)} ${arcPath(cx, cx, r, r0, a + Math.PI, a + 2 * Math.PI)}`
        : arcPath(cx, cx, r, r0, a, a + sweep);
    a += sweep;
    const share = `${(Math.round((s.value / total) * 1000) / 10).toFixed(1)}%`;
    return h(
      'path',
      { class: 'slice', d, fill: s.color, stroke: '#ffffff', 'stroke-width': slices.length > 1 ? 1.5 : 0 },
      h('title', {}, `${s.label}: ${formatCount(s.value)} (${share})`),
    );
  });
  return frame(
    c,
    size,
    size,
    'donut',
    ...paths,
    h(
      'text',
      {
        x: cx,
        y: cx + 4,
        'text-anchor': 'middle',
        'font-size': FONT.big,
        'font-weight': 300,
        class: 'donut-total',
      },
      formatCount(total),
    ),
    h(
      'text',
      { x: cx, y: cx + 24, 'text-anchor': 'middle', 'font-size': FONT.body, fill: INK_2 },
      c.centerLabel,
    ),
  );
};

// ---- Stacked bars over time ------------------------------------------------------------------

interface StackSeries {
  key: string;
  label: string;
  color: string;
}

interface StackBucket {
  label: string;
  /** Tooltip: the bucket's full description. */
  title: string;
  values: Record<string, number>;
}

const stackedBars = (
  c: Labelled & { series: StackSeries[]; buckets: StackBucket[]; tickEvery?: number },
): Markup => {
  const W = 680;
  const H = 330;
  const m = { left: 44, right: 6, top: 10, bottom: 30 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const totals = c.buckets.map((b) => c.series.reduce((n, s) => n + (b.values[s.key] ?? 0), 0));
  const scale = niceScale(Math.max(0, ...totals));
  const band = pw / Math.max(1, c.buckets.length);
  const barW = Math.max(1, Math.min(48, band * 0.74));
  const y = (v: number): number => m.top + ph - (v / scale.max) * ph;
  const grid: Markup[] = [];
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
    grid.push(
      h('line', {
        x1: m.left,
        x2: W - m.right,
        y1: y(v),
        y2: y(v),
        stroke: v === 0 ? '#8d8d8d' : GRID,
        'stroke-width': 1,
      }),
      h(
        'text',
        { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': FONT.small, fill: INK_2 },
        formatCount(v),
      ),
    );
  }
  const every = c.tickEvery ?? Math.max(1, Math.ceil(c.buckets.length / 8));
  const bars = c.buckets.map((b, i) => {
    const x = m.left + i * band + (band - barW) / 2;
    let acc = 0;
    const segs = c.series.flatMap((s) => {
      const v = b.values[s.key] ?? 0;
      if (v <= 0) return [];
      const top = y(acc + v);
      const seg = h('rect', {
        class: 'seg',
        x,
        y: top,
        width: barW,
        height: Math.max(0.5, y(acc) - top),
        fill: s.color,
      });
      acc += v;
      return [seg];
    });
    return h('g', { class: 'bucket' }, h('title', {}, b.title), ...segs);
  });
  const ticks = c.buckets.flatMap((b, i) =>
    i % every === 0
      ? [
          h(
            'text',
            {
              class: 'tick',
              x: m.left + i * band + band / 2,
              y: H - m.bottom + 18,
              'text-anchor': 'middle',
              'font-size': FONT.small,
              fill: INK_2,
            },
            b.label,
          ),
        ]
      : [],
  );
  return frame(c, W, H, 'timeline', ...grid, ...bars, ...ticks);
};

// ---- Histogram with percentile markers ---------------------------------------------------------

interface HistBin {
  label: string;
  from: number;
  /** null: open-ended. */
  to: number | null;
  count: number;
}

interface Marker {
  label: string;
  value: number;
  text: string;
}

/** Where a value sits on the bin axis: log-interpolated within its bin (bins are log-spaced). */
const binPosition = (bins: readonly HistBin[], v: number): number => {
  const i = bins.findIndex((b) => b.to === null || v < b.to);
  if (i === -1) return bins.length;
  const b = bins[i];
  if (!b) return 0;
  if (v < b.from) return i;
  const hi = b.to ?? b.from * 4;
  const frac = b.from <= 0 ? v / hi : Math.log(v / b.from) / Math.log(hi / b.from);
  return i + Math.min(1, Math.max(0, frac));
};

const histogram = (c: Labelled & { bins: HistBin[]; markers: Marker[]; color: string }): Markup => {
  const W = 1100;
  const H = 300;
  const m = { left: 48, right: 12, top: 46, bottom: 32 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const scale = niceScale(Math.max(0, ...c.bins.map((b) => b.count)));
  const band = pw / Math.max(1, c.bins.length);
  const barW = band * 0.82;
  const y = (v: number): number => m.top + ph - (v / scale.max) * ph;
  const grid: Markup[] = [];
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
    grid.push(
      h('line', {
        x1: m.left,
        x2: W - m.right,
        y1: y(v),
        y2: y(v),
        stroke: v === 0 ? '#8d8d8d' : GRID,
        'stroke-width': 1,
      }),
      h(
        'text',
        { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': FONT.small, fill: INK_2 },
        formatCount(v),
      ),
    );
  }
  const bars = c.bins.map((b, i) => {
    const x = m.left + i * band + (band - barW) / 2;
    return h(
      'g',
      { class: 'bin' },
      h('title', {}, `${b.label}: ${formatCount(b.count)} remediations`),
      b.count > 0
        ? h('rect', { class: 'bar', x, y: y(b.count), width: barW, height: y(0) - y(b.count), fill: c.color })
        : null,
      b.count > 0
        ? h(
            'text',
            {
              x: x + barW / 2,
              y: y(b.count) - 5,
              'text-anchor': 'middle',
              'font-size': FONT.small,
              fill: INK,
              class: 'bin-count',
            },
            formatCount(b.count),
          )
        : null,
      h(
        'text',
        {
          class: 'tick',
          x: m.left + i * band + band / 2,
          y: H - m.bottom + 18,
          'text-anchor': 'middle',
          'font-size': FONT.small,
          fill: INK_2,
        },
        b.label,
      ),
    );
  });
  // Marker labels sit in rows above the plot; a label too close to the previous one drops a row.
  let lastX = Number.NEGATIVE_INFINITY;
  let row = 0;
  const markers = c.markers.map((mk) => {
    const x = m.left + binPosition(c.bins, mk.value) * band;
    row = x - lastX < 120 ? row + 1 : 0;
    lastX = x;
    const labelY = 14 + (row % 2) * 16;
    return h(
      'g',
      { class: 'marker' },
      h('title', {}, `${mk.label}: ${mk.text}`),
      h('line', {
        x1: x,
        x2: x,
        y1: labelY + 4,
        y2: m.top + ph,
        stroke: INK,
        'stroke-width': 1.25,
        'stroke-dasharray': '4 3',
      }),
      h(
        'text',
        {
          x: Math.min(W - m.right, Math.max(m.left, x)),
          y: labelY,
          'text-anchor': x > W - 90 ? 'end' : x < m.left + 40 ? 'start' : 'middle',
          'font-size': FONT.small,
          'font-weight': 600,
          fill: INK,
          class: 'marker-label',
        },
        `${mk.label} ${mk.text}`,
      ),
    );
  });
  return frame(c, W, H, 'exposure', ...grid, ...bars, ...markers);
};

// ---- Ranked bar list ---------------------------------------------------------------------------

interface ListItem {
  label: string;
  count: number;
  remediated: number;
  failed: number;
}

const LIST_COLORS = { remediated: '#198038', failed: '#da1e28', other: '#4589ff' } as const;

/**
 * Ranked rows: the label and count stay HTML text (crisp and readable at any width), each bar is a
 * small SVG meter stretched to the row (failed, remediated, other decisions).
 */
const barList = (c: Labelled & { items: ListItem[]; chart: string }): Markup => {
  const max = Math.max(1, ...c.items.map((i) => i.count));
  const W = 1000;
  const rows = c.items.map((item) => {
    const parts = [
      { key: 'failed', w: (item.failed / max) * W, color: LIST_COLORS.failed },
      { key: 'remediated', w: (item.remediated / max) * W, color: LIST_COLORS.remediated },
      { key: 'other', w: ((item.count - item.failed - item.remediated) / max) * W, color: LIST_COLORS.other },
    ];
    let x = 0;
    const segs = parts.flatMap((p) => {
      if (p.w <= 0) return [];
      const seg = h('rect', {
        class: `seg seg-${p.key}`,
        x,
        y: 0,
        width: Math.max(2, p.w),
        height: 10,
        fill: p.color,
      });
      x += p.w;
      return [seg];
    });
    const detail = [
      `${formatCount(item.count)} decisions`,
      item.remediated > 0 ? `${formatCount(item.remediated)} remediated` : '',
      item.failed > 0 ? `${formatCount(item.failed)} failed` : '',
    ]
      .filter((s) => s !== '')
      .join(', ');
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
      h(
        'svg',
        {
          xmlns: 'http://www.w3.org/2000/svg',
          class: 'meter',
          viewBox: `0 0 ${W} 10`,
          preserveAspectRatio: 'none',
          role: 'img',
          'aria-label': `${item.label}: ${detail}`,
        },
        h('title', {}, `${item.label}: ${detail}`),
        h('rect', { class: 'track', x: 0, y: 0, width: W, height: 10, fill: '#e8e8e8' }),
        ...segs,
      ),
    );
  });
  return h(
    'ol',
    { class: 'bars', 'data-chart': c.chart, 'aria-labelledby': `${c.id}-title` },
    h('li', { class: 'sr-only', id: `${c.id}-title` }, `${c.title}: ${c.desc}`),
    ...rows,
  );
};

export type { HistBin, Labelled, ListItem, Marker, Slice, StackBucket, StackSeries };
export { barList, binPosition, donutChart, histogram, LIST_COLORS, niceScale, stackedBars };
