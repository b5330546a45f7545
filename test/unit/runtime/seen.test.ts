import { expect, test } from 'vitest';
import { createSeenCache } from '#shared/runtime/seen.ts';

test('claims a key once within the TTL, again after it', () => {
  const seen = createSeenCache({ ttlMs: 1000 });
  expect(seen.claim('a', 0)).toBe(true);
  expect(seen.claim('a', 500)).toBe(false);
  expect(seen.claim('a', 1500)).toBe(true);
});

test('stays bounded, dropping the oldest keys', () => {
  const seen = createSeenCache({ max: 3 });
  for (const k of ['a', 'b', 'c', 'd']) seen.claim(k, 0);
  expect(seen.size).toBe(3);
  expect(seen.claim('a', 1)).toBe(true);
  expect(seen.claim('d', 1)).toBe(false);
});

test('a released key can be processed again', () => {
  const seen = createSeenCache();
  seen.claim('x', 0);
  seen.release('x');
  expect(seen.claim('x', 1)).toBe(true);
});
