import { describe, expect, test } from 'vitest';
import { CloudApiError, InvalidInputError } from '#shared/errors.ts';
import { parseRetryAfter, toCloudError, withRetry } from '#shared/runtime/retry.ts';

const fakeSleep = () => {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
};

describe('withRetry', () => {
  test('retries retryable errors and honours Retry-After as a floor', async () => {
    // Prepare
    const { waits, sleep } = fakeSleep();
    let n = 0;
    // Act
    const result = await withRetry(
      async () => {
        n += 1;
        if (n === 1) throw new CloudApiError('throttled', { status: 429, retryAfterMs: 2000 });
        if (n === 2) throw new CloudApiError('unavailable', { status: 503 });
        return 'ok';
      },
      { sleep, random: () => 0, baseDelayMs: 100 },
    );
    // Assess
    expect(result).toBe('ok');
    expect(waits).toEqual([2000, 100]);
  });

  test('gives up after the attempt budget and rethrows the last error', async () => {
    const { waits, sleep } = fakeSleep();
    await expect(
      withRetry(
        async () => {
          throw new CloudApiError('down', { status: 500 });
        },
        { attempts: 3, sleep },
      ),
    ).rejects.toThrow('down');
    expect(waits).toHaveLength(2);
  });

  test.each([
    ['a 400', new CloudApiError('bad', { status: 400 })],
    ['a 501', new CloudApiError('nope', { status: 501 })],
    ['invalid input', new InvalidInputError('x')],
  ])('does not retry %s', async (_label, error) => {
    const { waits, sleep } = fakeSleep();
    await expect(withRetry(async () => Promise.reject(error), { sleep })).rejects.toBe(error);
    expect(waits).toEqual([]);
  });

  test('does not wait for a Retry-After longer than allowed', async () => {
    const { waits, sleep } = fakeSleep();
    const err = new CloudApiError('later', { status: 429, retryAfterMs: 600_000 });
    await expect(withRetry(async () => Promise.reject(err), { sleep })).rejects.toBe(err);
    expect(waits).toEqual([]);
  });

  test('stops before a wait that would pass the deadline', async () => {
    const { waits, sleep } = fakeSleep();
    const err = new CloudApiError('busy', { status: 503, retryAfterMs: 5000 });
    await expect(
      withRetry(async () => Promise.reject(err), { sleep, deadline: Date.now() + 1000 }),
    ).rejects.toBe(err);
    expect(waits).toEqual([]);
  });
});

describe('parseRetryAfter', () => {
  test.each([
    ['2', 2000],
    ['0', 0],
    ['', undefined],
    [undefined, undefined],
    ['-1', undefined],
    ['soon', undefined],
  ])('%s → %s', (raw, ms) => {
    expect(parseRetryAfter(raw)).toBe(ms);
  });

  test('HTTP-date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
  });
});

describe('toCloudError', () => {
  test("keeps IBM's code, message and trace from an sdk-core error", () => {
    const sdkErr = Object.assign(new Error('Access is denied due to invalid credentials.'), {
      status: 403,
      headers: { 'retry-after': '1' },
      result: { errors: [{ code: 'not_authorized', message: 'missing Editor role' }], trace: 't-1' },
    });
    const e = toCloudError(sdkErr);
    expect(e).toMatchObject({
      status: 403,
      code: 'not_authorized',
      message: 'missing Editor role',
      trace: 't-1',
      retryAfterMs: 1000,
    });
    expect(e.retryable).toBe(false);
  });

  test('a network failure (no status) is retryable', () => {
    expect(toCloudError(new Error('socket hang up')).retryable).toBe(true);
  });
});
