// The exposure-window histogram: log-spaced bins, a bar and a count per non-empty bin, and dashed
// percentile markers whose labels are placed in rows so that no two overlap.
import { h, type Markup } from '../markup.ts';
import { formatCount } from '../units.ts';
import {
  axisOf,
  FONT,
  frame,
  INK,
  type Labelled,
  leftMargin,
  niceScale,
  textWidth,
  xLabel,
  yGrid,
  yScale,
} from './frame.ts';

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

const W = 1100;
const H = 300;
const ROW_HEIGHT = 16;
const MAX_ROWS = 3;

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

interface Placed {
  x: number;
  /** Label box, after clamping into the chart. */
  left: number;
  right: number;
  anchor: 'start' | 'middle' | 'end';
  textX: number;
  row: number;
}

/** Each label goes into the first row where it clears every label already there (by 8 px). */
const placeLabels = (
  xs: readonly number[],
  texts: readonly string[],
  bounds: { left: number; right: number },
): Placed[] => {
  const rows: { left: number; right: number }[][] = [];
  return xs.map((x, i) => {
    const w = textWidth(texts[i] ?? '') + 4;
    let left = x - w / 2;
    let anchor: Placed['anchor'] = 'middle';
    if (left < bounds.left) {
      left = Math.max(bounds.left, x - 2);
      anchor = 'start';
    } else if (left + w > bounds.right) {
      left = Math.min(bounds.right, x + 2) - w;
      anchor = 'end';
    }
    const right = left + w;
    let row = rows.findIndex((r) => r.every((o) => right + 8 <= o.left || left >= o.right + 8));
    if (row === -1) row = Math.min(rows.length, MAX_ROWS - 1);
    rows[row] = [...(rows[row] ?? []), { left, right }];
    const textX = anchor === 'middle' ? left + w / 2 : anchor === 'start' ? left : right;
    return { x, left, right, anchor, textX, row };
  });
};

interface BinPlot {
  left: number;
  band: number;
  /** Baseline of the x labels. */
  labelY: number;
  y: (v: number) => number;
  color: string;
}

/** One bin: its bar and count (when not empty) and its label under the axis. */
const binMark = (b: HistBin, i: number, p: BinPlot): Markup => {
  const barW = p.band * 0.82;
  const x = p.left + i * p.band + (p.band - barW) / 2;
  return h(
    'g',
    { class: 'bin' },
    h('title', {}, `${b.label}: ${formatCount(b.count)} remediations`),
    b.count > 0
      ? h('rect', {
          class: 'bar',
          x,
          y: p.y(b.count),
          width: barW,
          height: p.y(0) - p.y(b.count),
          fill: p.color,
        })
      : null,
    b.count > 0
      ? h(
          'text',
          {
            x: x + barW / 2,
            y: p.y(b.count) - 5,
            'text-anchor': 'middle',
            'font-size': FONT.small,
            fill: INK,
            class: 'bin-count',
          },
          formatCount(b.count),
        )
      : null,
    xLabel(p.left + i * p.band + p.band / 2, p.labelY, 'middle', b.label),
  );
};

/** A percentile marker: a dashed line down to `bottom` under its label, in the label's row. */
const markerMark = (mk: Marker, p: Placed, text: string, bottom: number): Markup => {
  const labelY = 14 + p.row * ROW_HEIGHT;
  return h(
    'g',
    { class: 'marker' },
    h('title', {}, `${mk.label}: ${mk.text}`),
    h('line', {
      x1: p.x,
      x2: p.x,
      y1: labelY + 4,
      y2: bottom,
      stroke: INK,
      'stroke-width': 1.25,
      'stroke-dasharray': '4 3',
    }),
    h(
      'text',
      {
        x: p.textX,
        y: labelY,
        'text-anchor': p.anchor,
        'font-size': FONT.small,
        'font-weight': 600,
        fill: INK,
        class: 'marker-label',
      },
      text,
    ),
  );
};

const histogram = (c: Labelled & { bins: HistBin[]; markers: Marker[]; color: string }): Markup => {
  const axis = axisOf(niceScale(Math.max(0, ...c.bins.map((b) => b.count))), formatCount);
  const left = leftMargin(axis.ticks.map((t) => t.label));
  const band = (W - left - 12) / Math.max(1, c.bins.length);
  const xs = c.markers.map((mk) => left + binPosition(c.bins, mk.value) * band);
  const texts = c.markers.map((mk) => `${mk.label} ${mk.text}`);
  const placed = placeLabels(xs, texts, { left, right: W - 12 });
  const rowsUsed = Math.max(1, ...placed.map((p) => p.row + 1));
  const m = { left, right: 12, top: 14 + rowsUsed * ROW_HEIGHT, bottom: 32 };
  const ph = H - m.top - m.bottom;
  const y = yScale(m.top, ph, axis.max);
  const plot: BinPlot = { left: m.left, band, labelY: H - m.bottom + 18, y, color: c.color };
  return frame(
    c,
    W,
    H,
    'exposure',
    ...yGrid(axis, { left: m.left, right: W - m.right }, y),
    ...c.bins.map((b, i) => binMark(b, i, plot)),
    ...c.markers.map((mk, i) => markerMark(mk, placed[i] as Placed, texts[i] ?? '', m.top + ph)),
  );
};

export type { HistBin, Marker };
export { binPosition, histogram, placeLabels };
