// What was seen in a browser, fixed and kept fixed: y labels that fit their margin, percentile labels
// that never overlap, whole-number axes, bucket sizes that fit the span, and drill-down data that
// round-trips; plus the console links.
import { describe, expect, test } from 'vitest';
import { axisOf, leftMargin, niceScale, textWidth } from '#shared/audit/report/charts/frame.ts';
import { placeLabels } from '#shared/audit/report/charts/histogram.ts';
import { consoleUrl } from '#shared/audit/report/html/console-links.ts';
import { chooseStep, createBucketStore, stepLabel, timeTicks } from '#shared/audit/report/time-buckets.ts';
import { formatCount } from '#shared/audit/report/units.ts';
import { DAY, HOUR, MIN, T0 } from './fixtures.ts';

describe('axes', () => {
  test('the left margin fits the widest y label (no clipped "12,500")', () => {
    const axis = axisOf(niceScale(12_345), formatCount);
    const labels = axis.ticks.map((t) => t.label);
    expect(labels.at(-1)).toBe('15,000');
    expect(leftMargin(labels)).toBeGreaterThanOrEqual(Math.max(...labels.map((l) => textWidth(l))) + 6);
  });

  test('counts get whole steps (never 2.5)', () => {
    for (const max of [3, 7, 10, 23, 96, 1_234]) {
      const { step } = niceScale(max);
      expect(Number.isInteger(step), `max ${max}`).toBe(true);
    }
    expect(niceScale(10)).toEqual({ max: 10, step: 5 });
  });
});

describe('percentile labels', () => {
  test('labels that would touch go to different rows; no two in a row overlap', () => {
    const texts = ['p50 1.2 s', 'p90 1.3 s', 'p99 1.4 s'];
    const placed = placeLabels([100, 104, 108], texts, { left: 40, right: 1000 });
    expect(new Set(placed.map((p) => p.row)).size).toBe(3);
    for (const a of placed)
      for (const b of placed)
        if (a !== b && a.row === b.row) expect(a.right <= b.left || b.right <= a.left).toBe(true);
  });

  test('labels far apart share the first row; a label at the edge stays inside', () => {
    const placed = placeLabels([100, 500, 998], ['p50 1 s', 'p90 10 s', 'p99 5 m 00 s'], {
      left: 40,
      right: 1000,
    });
    expect(placed.map((p) => p.row)).toEqual([0, 0, 0]);
    expect(placed[2]?.right).toBeLessThanOrEqual(1000);
    expect(placed[2]?.anchor).toBe('end');
  });
});

describe('time buckets fit the span', () => {
  test.each([
    [800, 100, '100 ms'],
    [MIN, 2_000, '2 s'],
    [HOUR, 2 * MIN, '2 min'],
    [DAY, HOUR, 'hour'],
    [7 * DAY, 6 * HOUR, '6 h'],
    [30 * DAY, DAY, 'day'],
    [365 * DAY, 7 * DAY, 'week'],
  ])('a span of %i ms → %i ms buckets (%s)', (span, step, label) => {
    expect(chooseStep(T0, T0 + span)).toBe(step);
    expect(stepLabel(step)).toBe(label);
  });

  test('many records: neighbours merge, totals stay exact, memory stays bounded', () => {
    const store = createBucketStore<{ n: number }>(
      {
        zero: () => ({ n: 0 }),
        merge: (a, b) => {
          a.n += b.n;
        },
      },
      50,
    );
    for (let i = 0; i < 10_000; i += 1) store.at(T0 + i * 997).n += 1;
    expect(store.resolution).toBeGreaterThan(100);
    const series = store.series(chooseStep(T0, T0 + 9_999 * 997, store.resolution));
    expect(series.length).toBeLessThanOrEqual(40);
    expect(series.reduce((n, b) => n + b.value.n, 0)).toBe(10_000);
  });

  test('axis ticks: at most six, at whole steps, one when there is a single point', () => {
    const { step, ticks } = timeTicks(T0 + 7 * MIN, T0 + 3 * HOUR);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect(ticks.every((t) => t % step === 0)).toBe(true);
    expect(timeTicks(T0, T0).ticks).toEqual([T0]);
  });
});

describe('IBM Cloud console links', () => {
  test('instances by region and id; trusted profiles by IAM id; unknown kinds have none', () => {
    expect(consoleUrl('instance', 'us-south', '0717_abc')).toBe(
      'https://cloud.ibm.com/vpc-ext/compute/vs/us-south~0717_abc/overview',
    );
    expect(consoleUrl('profile', 'global', 'Profile-1')).toBe(
      'https://cloud.ibm.com/iam/trusted-profiles/iam-Profile-1',
    );
    expect(consoleUrl('instance', null, '0717_abc')).toBeNull();
    expect(consoleUrl('network', 'us-south', 'x')).toBeNull();
    expect(consoleUrl('instance', 'us-south', 'a/../b?c')).toBe(
      'https://cloud.ibm.com/vpc-ext/compute/vs/us-south~a%2F..%2Fb%3Fc/overview',
    );
  });
});
