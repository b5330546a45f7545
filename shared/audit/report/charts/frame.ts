// What every inline SVG chart shares: an accessible frame (`role="img"`, `<title>`, `<desc>`) that
// scales with its container (viewBox, width 100%), round axis scales, and a y-axis whose left margin
// fits its longest label (so labels are never clipped).
import { type Child, h, type Markup } from '../markup.ts';

interface Labelled {
  id: string;
  title: string;
  desc: string;
}

const FONT = { small: 12, body: 13, big: 30 } as const;
const INK = '#161616';
const INK_2 = '#525252';
const GRID = '#e0e0e0';
const AXIS = '#8d8d8d';

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

/** A round axis maximum and its tick step (1, 2, 2.5 or 5 × 10ⁿ); `whole`: never a step below 1. */
const niceScale = (max: number, ticks = 4, whole = true): { max: number; step: number } => {
  if (max <= 0) return { max: 1, step: whole ? 1 : 0.25 };
  const rough = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(rough));
  // Whole counts never get a 2.5 step (ticks would read 2.5, 7.5).
  const multiples = whole ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = (multiples.find((m) => m * pow >= rough) ?? 10) * pow;
  const s = whole ? Math.max(Math.round(step), 1) : step;
  return { max: Math.ceil(max / s - 1e-9) * s, step: s };
};

/** Width of a label in the chart's font, generously (digits and narrow capitals ≈ 0.6 em). */
const textWidth = (text: string, size: number = FONT.small): number => Math.ceil(text.length * size * 0.62);

/** The left margin that fits every y label plus a gap. */
const leftMargin = (labels: readonly string[], min = 28): number =>
  Math.max(min, ...labels.map((l) => textWidth(l) + 10));

interface YAxis {
  ticks: { value: number; label: string }[];
  max: number;
}

/** Horizontal grid lines with their labels, right-aligned against the plot. */
const yGrid = (axis: YAxis, plot: { left: number; right: number }, y: (v: number) => number): Markup[] =>
  axis.ticks.flatMap((t) => [
    h('line', {
      x1: plot.left,
      x2: plot.right,
      y1: y(t.value),
      y2: y(t.value),
      stroke: t.value === 0 ? AXIS : GRID,
      'stroke-width': 1,
    }),
    h(
      'text',
      {
        class: 'y-label',
        x: plot.left - 6,
        y: y(t.value) + 4,
        'text-anchor': 'end',
        'font-size': FONT.small,
        fill: INK_2,
      },
      t.label,
    ),
  ]);

/** Value → y within a plot `height` tall starting at `top`, 0 at the bottom and `max` at the top. */
const yScale =
  (top: number, height: number, max: number) =>
  (v: number): number =>
    top + height - (v / max) * height;

/** A label under the x axis, its baseline at `y`. */
const xLabel = (x: number, y: number, anchor: 'start' | 'middle' | 'end', label: string): Markup =>
  h('text', { class: 'tick', x, y, 'text-anchor': anchor, 'font-size': FONT.small, fill: INK_2 }, label);

/** Ticks every `step` from 0 to `max`, labelled by `format`. */
const axisOf = (scale: { max: number; step: number }, format: (v: number) => string): YAxis => {
  const ticks: YAxis['ticks'] = [];
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) ticks.push({ value: v, label: format(v) });
  return { ticks, max: scale.max };
};

export type { Labelled, YAxis };
export {
  AXIS,
  axisOf,
  FONT,
  frame,
  GRID,
  INK,
  INK_2,
  leftMargin,
  niceScale,
  textWidth,
  xLabel,
  yGrid,
  yScale,
};
