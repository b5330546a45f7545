import { expect, test } from 'vitest';
import { InvalidSinceError, parseSince } from '#shared/audit/report/since.ts';

const NOW = new Date('2025-03-20T12:00:00.000Z');

test.each([
  { raw: '90s', want: '2025-03-20T11:58:30.000Z' },
  { raw: '30m', want: '2025-03-20T11:30:00.000Z' },
  { raw: '24h', want: '2025-03-19T12:00:00.000Z' },
  { raw: '1.5h', want: '2025-03-20T10:30:00.000Z' },
  { raw: '7d', want: '2025-03-13T12:00:00.000Z' },
  { raw: '7D', want: '2025-03-13T12:00:00.000Z' },
  { raw: '2w', want: '2025-03-06T12:00:00.000Z' },
  { raw: ' 12h ', want: '2025-03-20T00:00:00.000Z' },
])('relative $raw is $want', ({ raw, want }) => {
  expect(parseSince(raw, NOW).toISOString()).toBe(want);
});

test.each([
  { raw: '2025-03-01', want: '2025-03-01T00:00:00.000Z' },
  { raw: '2025-03-01T08:30:00Z', want: '2025-03-01T08:30:00.000Z' },
  { raw: '2025-03-01T08:30:00.250Z', want: '2025-03-01T08:30:00.250Z' },
  { raw: '2025-03-01T08:30:00+02:00', want: '2025-03-01T06:30:00.000Z' },
  { raw: '2025-03-01T08:30', want: '2025-03-01T08:30:00.000Z' },
  { raw: '2025-03-01 08:30:00', want: '2025-03-01T08:30:00.000Z' },
])('ISO $raw is $want (no zone means UTC)', ({ raw, want }) => {
  expect(parseSince(raw, NOW).toISOString()).toBe(want);
});

test.each(['yesterday', '', '7', 'd7', '-3h', '2025-13-01', '2025-02-30T25:00', '7 days'])(
  '"%s" is refused with a hint',
  (raw) => {
    expect(() => parseSince(raw, NOW)).toThrow(InvalidSinceError);
    expect(() => parseSince(raw, NOW)).toThrow(/ISO date.*30m, 24h, 7d/);
  },
);
