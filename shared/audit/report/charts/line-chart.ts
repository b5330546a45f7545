// Lines over time with a dot per point (the trend: compliant share per run, exposure percentiles per
// bucket). The x axis is time from the first to the last point, labelled at the caller's ticks; a
// single point sits in the middle.
import { h, type Markup } from '../markup.ts';
import {
  AXIS,
  frame,
  type Labelled,
  leftMargin,
  textWidth,
  xLabel,
  type YAxis,
  yGrid,
  yScale,
} from './frame.ts';

interface LinePoint {
  x: number;
  y: number | null;
  /** Tooltip. */
  title: string;
}

interface LineSeries {
  key: string;
  label: string;
  color: string;
  points: LinePoint[];
  dashed?: boolean;
}

const W = 680;
const H = 260;

type Scale = (v: number) => number;

/** One series: its path (a gap, null, breaks the line: no data is not zero) and a dot per point. */
const seriesMark = (s: LineSeries, x: Scale, y: Scale): Markup => {
  const d = s.points
    .map((p, i) => {
      if (p.y === null) return '';
      const prev = s.points[i - 1];
      return `${prev && prev.y !== null ? 'L' : 'M'}${Math.round(x(p.x) * 10) / 10} ${Math.round(y(p.y) * 10) / 10}`;
    })
    .join('');
  const dots = s.points.flatMap((p) =>
    p.y === null
      ? []
      : [
          h(
            'circle',
            { class: 'dot', cx: x(p.x), cy: y(p.y), r: 3.5, fill: s.color },
            h('title', {}, p.title),
          ),
        ],
  );
  return h(
    'g',
    { class: `series series-${s.key}` },
    d
      ? h('path', {
          class: 'line',
          d,
          fill: 'none',
          stroke: s.color,
          'stroke-width': 2,
          'stroke-dasharray': s.dashed ? '5 4' : null,
        })
      : null,
    ...dots,
  );
};

/** The x ticks and their labels, dropping any that would collide with the previous one kept. */
const xTickMarks = (
  ticks: readonly { x: number; label: string }[],
  x: Scale,
  plot: { left: number; bottom: number; labelY: number },
): Markup[] => {
  let lastRight = Number.NEGATIVE_INFINITY;
  return ticks.flatMap((t) => {
    const cx = x(t.x);
    const w = textWidth(t.label);
    const anchor = cx - w / 2 < plot.left - 8 ? 'start' : cx + w / 2 > W - 2 ? 'end' : 'middle';
    const left = anchor === 'start' ? cx : anchor === 'end' ? cx - w : cx - w / 2;
    if (left < lastRight + 10) return [];
    lastRight = left + w;
    return [
      h('line', { x1: cx, x2: cx, y1: plot.bottom, y2: plot.bottom + 4, stroke: AXIS }),
      xLabel(cx, plot.labelY, anchor, t.label),
    ];
  });
};

const lineChart = (
  c: Labelled & {
    chart: string;
    series: LineSeries[];
    from: number;
    to: number;
    xTicks: { x: number; label: string }[];
    axis: YAxis;
  },
): Markup => {
  const m = { left: leftMargin(c.axis.ticks.map((t) => t.label)), right: 16, top: 12, bottom: 30 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const span = c.to - c.from;
  const x = (t: number): number => m.left + (span <= 0 ? pw / 2 : ((t - c.from) / span) * pw);
  const toY = yScale(m.top, ph, c.axis.max);
  const y = (v: number): number => toY(Math.min(v, c.axis.max));
  return frame(
    c,
    W,
    H,
    c.chart,
    ...yGrid(c.axis, { left: m.left, right: W - m.right }, y),
    ...xTickMarks(c.xTicks, x, { left: m.left, bottom: m.top + ph, labelY: H - m.bottom + 18 }),
    ...c.series.map((s) => seriesMark(s, x, y)),
  );
};

export type { LinePoint, LineSeries };
export { lineChart };
