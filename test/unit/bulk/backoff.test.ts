// Adaptive backoff: AIMD on a lane's concurrency and a lane-wide pause honouring Retry-After, on an
// injected clock; then the lane itself (its p-queue pauses and resumes) with short real waits.
import { describe, expect, test } from 'vitest';
import { createAimd } from '#functions/sweep/backoff.ts';
import { createLane } from '#functions/sweep/lanes.ts';

const clock = (start = 1_000_000) => {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number): void => {
      t += ms;
    },
  };
};

describe('AIMD', () => {
  test('starts at the configured concurrency', () => {
    expect(createAimd({ max: 8 }).limit).toBe(8);
  });

  test('a 429 halves the limit and pauses the lane for Retry-After', () => {
    // Prepare
    const c = clock();
    const aimd = createAimd({ max: 8, now: c.now });
    // Act
    const changed = aimd.throttled(1_000);
    // Assess
    expect(changed).toBe(true);
    expect(aimd.limit).toBe(4);
    expect(aimd.waitMs()).toBe(1_000);
    expect(aimd.pausedUntil).toBe(c.now() + 1_000);
  });

  test('a storm of 429s from requests already in flight cuts once per pause window', () => {
    // Prepare
    const c = clock();
    const aimd = createAimd({ max: 16, now: c.now });
    // Act: eight answers arrive within the same second
    for (let i = 0; i < 8; i += 1) {
      aimd.throttled(1_000);
      c.advance(10);
    }
    // Assess
    expect(aimd.limit).toBe(8);
    expect(aimd.stats()).toMatchObject({ throttled: 8, cuts: 1 });
    // …and they report the same overrun: the pause runs from the first one, not extended
    expect(aimd.waitMs()).toBe(1_000 - 80);
  });

  test('a 429 after the pause cuts again, down to the minimum and no further', () => {
    const c = clock();
    const aimd = createAimd({ max: 8, min: 2, now: c.now });
    for (let i = 0; i < 5; i += 1) {
      aimd.throttled(500);
      c.advance(600);
    }
    expect(aimd.limit).toBe(2);
  });

  test('without Retry-After the pause doubles per throttle in a row, and resets on success', () => {
    // Prepare
    const c = clock();
    const aimd = createAimd({ max: 4, fallbackMs: 100, now: c.now });
    // Act / Assess
    aimd.throttled();
    expect(aimd.waitMs()).toBe(100);
    c.advance(100);
    aimd.throttled();
    expect(aimd.waitMs()).toBe(200);
    c.advance(200);
    aimd.throttled();
    expect(aimd.waitMs()).toBe(400);
    c.advance(400);
    aimd.succeeded();
    aimd.throttled();
    expect(aimd.waitMs()).toBe(100);
  });

  test('unpaced until IBM pushes back; then paced just under the rate achieved since', () => {
    // Prepare: 30 successes in 2 s (15/s), then a 429 with Retry-After 1 s.
    const c = clock();
    const aimd = createAimd({ max: 4, now: c.now });
    expect(aimd.reserve()).toBe(0);
    expect(aimd.reserve()).toBe(0);
    for (let i = 0; i < 30; i += 1) {
      aimd.succeeded();
      c.advance(2_000 / 30);
    }
    // Act
    aimd.throttled(1_000);
    // Assess: the pause first, then one request every 1/(0.95 × 15) s
    expect(aimd.reserve()).toBe(1_000);
    expect(aimd.reserve()).toBeCloseTo(1_000 + 1_000 / (0.95 * 15), 0);
    expect(aimd.stats().rate).toBeCloseTo(0.95 * 15, 1);
  });

  test('the pace grows by 5 % of its base per second without a throttle', () => {
    const c = clock();
    const aimd = createAimd({ max: 4, now: c.now });
    for (let i = 0; i < 20; i += 1) {
      aimd.succeeded();
      c.advance(100);
    }
    aimd.throttled(500);
    const base = aimd.rate;
    c.advance(500 + 10_000);
    expect(aimd.rate).toBeCloseTo(base * 1.5, 5);
  });

  test('a burst too short to be a rate sets no pace', () => {
    const c = clock();
    const aimd = createAimd({ max: 4, now: c.now });
    for (let i = 0; i < 15; i += 1) aimd.succeeded();
    c.advance(50);
    aimd.throttled(1_000);
    expect(aimd.rate).toBe(Number.POSITIVE_INFINITY);
    expect(aimd.stats().rate).toBeNull();
  });

  test('a 429 after a handful of successes (a stray, or a storm after a pause) leaves the pace alone', () => {
    // Prepare: paced at ~14/s
    const c = clock();
    const aimd = createAimd({ max: 4, now: c.now });
    for (let i = 0; i < 30; i += 1) {
      aimd.succeeded();
      c.advance(2_000 / 30);
    }
    aimd.throttled(1_000);
    const before = aimd.rate;
    c.advance(1_000);
    // Act: two successes, then another 429
    aimd.succeeded();
    aimd.succeeded();
    c.advance(50);
    aimd.throttled(1_000);
    // Assess: the pace only grew a little meanwhile; it was not cut to ~2/s
    expect(aimd.rate).toBeGreaterThanOrEqual(before);
  });

  test('a window with enough evidence never cuts the pace by more than half', () => {
    const c = clock();
    const aimd = createAimd({ max: 4, now: c.now });
    for (let i = 0; i < 100; i += 1) {
      aimd.succeeded();
      c.advance(10);
    }
    aimd.throttled(100);
    const first = aimd.rate;
    c.advance(100);
    for (let i = 0; i < 12; i += 1) {
      aimd.succeeded();
      c.advance(500);
    }
    aimd.throttled(100);
    expect(aimd.rate).toBeGreaterThanOrEqual(first / 2);
  });

  test('a Retry-After of minutes is capped (a sweep must not stall)', () => {
    const c = clock();
    const aimd = createAimd({ max: 4, maxPauseMs: 60_000, now: c.now });
    aimd.throttled(300_000);
    expect(aimd.waitMs()).toBe(60_000);
  });

  test('additive increase: +1 per window of `limit` successes, up to the configured maximum', () => {
    // Prepare
    const c = clock();
    const aimd = createAimd({ max: 4, now: c.now });
    aimd.throttled(100);
    aimd.throttled(100);
    c.advance(100);
    expect(aimd.limit).toBe(2);
    // Act / Assess
    aimd.succeeded();
    expect(aimd.limit).toBe(2);
    aimd.succeeded();
    expect(aimd.limit).toBe(3);
    for (let i = 0; i < 3; i += 1) aimd.succeeded();
    expect(aimd.limit).toBe(4);
    for (let i = 0; i < 20; i += 1) aimd.succeeded();
    expect(aimd.limit).toBe(4);
  });

  test('successes during a pause (requests sent before it) do not grow the limit', () => {
    const c = clock();
    const aimd = createAimd({ max: 8, now: c.now });
    aimd.throttled(1_000);
    for (let i = 0; i < 50; i += 1) aimd.succeeded();
    expect(aimd.limit).toBe(4);
  });
});

describe('lane', () => {
  test('a 429 pauses the whole queue and halves its concurrency; it resumes after Retry-After', async () => {
    // Prepare
    const lane = createLane('vpc:test', 4);
    const started: number[] = [];
    const t0 = Date.now();
    // Act: the lane is throttled while six tasks wait
    lane.throttled(150);
    const tasks = Array.from({ length: 6 }, () =>
      lane.queue.add(async () => {
        started.push(Date.now() - t0);
        await lane.gate();
      }),
    );
    expect(lane.queue.isPaused).toBe(true);
    expect(lane.queue.concurrency).toBe(2);
    await Promise.all(tasks);
    lane.close();
    // Assess: nothing started before the pause ended
    expect(Math.min(...started)).toBeGreaterThanOrEqual(140);
    expect(lane.queue.isPaused).toBe(false);
  });

  test("once paced, the lane's send slots are spaced", () => {
    // Prepare: 20 successes over 1 s, then a short throttle → paced at 19/s
    let t = 1_000_000;
    const lane = createLane('vpc:paced', 4, () => t);
    for (let i = 0; i < 20; i += 1) {
      lane.succeeded();
      t += 50;
    }
    lane.throttled(1);
    lane.close();
    // Act / Assess: slots 1/19 s apart
    const waits = [lane.aimd.reserve(), lane.aimd.reserve(), lane.aimd.reserve()];
    expect(waits[1]! - waits[0]!).toBeCloseTo(1000 / 19, 0);
    expect(waits[2]! - waits[1]!).toBeCloseTo(1000 / 19, 0);
  });

  test('the gate holds every request of the lane until the pause ends', async () => {
    const lane = createLane('tagging', 2);
    lane.throttled(100);
    const t0 = Date.now();
    await lane.gate();
    lane.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  });
});
