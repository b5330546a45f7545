// A donut of shares (the outcomes): one path per non-empty slice, the total in the middle.
import { h, type Markup } from '../markup.ts';
import { formatCount } from '../units.ts';
import { FONT, frame, INK_2, type Labelled } from './frame.ts';

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

export type { Slice };
export { donutChart };
