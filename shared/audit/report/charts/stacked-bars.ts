// Stacked bars over time (decisions per bucket by category). The y labels decide the left margin, so
// "12,345" is never clipped; ticks thin out so they never collide.
import { h, type Markup } from '../markup.ts';
import { formatCount } from '../units.ts';
import {
  axisOf,
  frame,
  type Labelled,
  leftMargin,
  niceScale,
  textWidth,
  xLabel,
  yGrid,
  yScale,
} from './frame.ts';

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

const W = 680;
const H = 330;

/** Every n-th tick, so that labels (with a gap) fit their bands. */
const tickEvery = (labels: readonly string[], band: number): number => {
  const widest = Math.max(0, ...labels.map((l) => textWidth(l) + 12));
  return Math.max(1, Math.ceil(widest / Math.max(1, band)));
};

const stackedBars = (c: Labelled & { series: StackSeries[]; buckets: StackBucket[] }): Markup => {
  const totals = c.buckets.map((b) => c.series.reduce((n, s) => n + (b.values[s.key] ?? 0), 0));
  const axis = axisOf(niceScale(Math.max(0, ...totals)), formatCount);
  const m = { left: leftMargin(axis.ticks.map((t) => t.label)), right: 6, top: 10, bottom: 30 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const band = pw / Math.max(1, c.buckets.length);
  const barW = Math.max(1, Math.min(48, band * 0.74));
  const y = yScale(m.top, ph, axis.max);
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
  const every = tickEvery(
    c.buckets.map((b) => b.label),
    band,
  );
  const ticks = c.buckets.flatMap((b, i) => {
    if (i % every !== 0) return [];
    // A label that would run past either edge is anchored to it instead.
    const x = m.left + i * band + band / 2;
    const w = textWidth(b.label);
    const anchor = x + w / 2 > W - 2 ? 'end' : x - w / 2 < 2 ? 'start' : 'middle';
    const at = anchor === 'end' ? W - 2 : anchor === 'start' ? 2 : x;
    return [xLabel(at, H - m.bottom + 18, anchor, b.label)];
  });
  return frame(
    c,
    W,
    H,
    'timeline',
    ...yGrid(axis, { left: m.left, right: W - m.right }, y),
    ...bars,
    ...ticks,
  );
};

export type { StackBucket, StackSeries };
export { stackedBars, tickEvery };
