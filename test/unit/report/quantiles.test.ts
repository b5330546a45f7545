import { describe, expect, test } from 'vitest';
import { createQuantiles } from '#shared/audit/report/quantiles.ts';
import { prng } from '../../helpers/records.ts';

describe('exact percentiles (nearest rank)', () => {
  test.each([
    { q: 0.5, want: 50 },
    { q: 0.9, want: 90 },
    { q: 0.99, want: 99 },
    { q: 1, want: 100 },
    { q: 0, want: 1 },
  ])('p$q of 1..100 (shuffled) is $want', ({ q, want }) => {
    // Prepare
    const quantiles = createQuantiles();
    const rand = prng(7);
    const values = Array.from({ length: 100 }, (_, i) => i + 1).sort(() => rand() - 0.5);
    // Act
    for (const v of values) quantiles.add(v);
    // Assess
    expect(quantiles.quantile(q)).toBe(want);
    expect(quantiles.approximate).toBe(false);
  });

  test('small sets: p50 of [10, 20] is 10, p90 is 20', () => {
    const quantiles = createQuantiles();
    quantiles.add(20);
    quantiles.add(10);
    expect(quantiles.quantile(0.5)).toBe(10);
    expect(quantiles.quantile(0.9)).toBe(20);
    expect(quantiles.mean).toBe(15);
    expect([quantiles.min, quantiles.max, quantiles.count]).toEqual([10, 20, 2]);
  });

  test('empty: null everywhere, count 0', () => {
    const quantiles = createQuantiles();
    expect(quantiles.quantile(0.5)).toBeNull();
    expect([quantiles.min, quantiles.max, quantiles.mean, quantiles.count]).toEqual([null, null, null, 0]);
  });

  test('ignores NaN and infinities', () => {
    const quantiles = createQuantiles();
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, 5]) quantiles.add(v);
    expect(quantiles.count).toBe(1);
    expect(quantiles.quantile(0.99)).toBe(5);
  });
});

test('past the exact limit, answers stay within 1% and memory stays bucketed', () => {
  // Prepare: log-normal values like exposure windows, far more than the exact limit
  const rand = prng(11);
  const exact = createQuantiles({ exactLimit: 1_000_000 });
  const sketch = createQuantiles({ exactLimit: 500 });
  // Act
  for (let i = 0; i < 20_000; i += 1) {
    const v = Math.exp(
      Math.log(5_000) + 1.2 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()),
    );
    exact.add(v);
    sketch.add(v);
  }
  // Assess
  expect(sketch.approximate).toBe(true);
  for (const q of [0.5, 0.9, 0.99]) {
    const truth = exact.quantile(q) ?? 0;
    expect(Math.abs((sketch.quantile(q) ?? 0) - truth) / truth).toBeLessThan(0.011);
  }
  expect(sketch.max).toBe(exact.max);
  expect(sketch.quantile(1)).toBe(exact.max);
});

test('zero values survive the histogram (a fix verified in the same millisecond)', () => {
  const sketch = createQuantiles({ exactLimit: 2 });
  for (const v of [0, 0, 0, 10]) sketch.add(v);
  expect(sketch.quantile(0.5)).toBe(0);
  expect(sketch.quantile(1)).toBe(10);
});
