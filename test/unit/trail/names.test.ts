// Object names of the trail and of the COS job's completion markers.
import { describe, expect, test } from 'vitest';
import { markerKey, renameKey, trailObjectKey } from '#shared/audit/trail/names.ts';

describe('trailObjectKey', () => {
  test.each([
    {
      prefix: 'imds-guard/decisions',
      gzip: false,
      want: 'imds-guard/decisions/2026/01/02/03/instance-guard-20260102T030405006Z-00112233aabbccdd.jsonl',
    },
    {
      prefix: '',
      gzip: true,
      want: '2026/01/02/03/instance-guard-20260102T030405006Z-00112233aabbccdd.jsonl.gz',
    },
  ])('prefix "$prefix", gzip $gzip → $want', ({ prefix, gzip, want }) => {
    // Prepare
    const at = new Date('2026-01-02T03:04:05.006Z');

    // Act
    const key = trailObjectKey(prefix, 'instance-guard', at, { gzip, random: '00112233aabbccdd' });

    // Assess
    expect(key).toBe(want);
  });

  test('names sort by time, and two names in the same millisecond differ', () => {
    // Prepare
    const at = new Date('2026-01-02T03:04:05.006Z');
    const later = new Date('2026-01-02T03:04:05.007Z');

    // Act
    const a = trailObjectKey('p', 'cos-job', at);
    const b = trailObjectKey('p', 'cos-job', at);
    const c = trailObjectKey('p', 'cos-job', later);

    // Assess
    expect(a).not.toBe(b);
    expect([c, a].sort()).toEqual([a, c]);
  });
});

describe('renameKey', () => {
  test('keeps the time and extension, replaces the random part', () => {
    // Prepare
    const key = 'p/2026/01/02/03/instance-guard-20260102T030405006Z-00112233aabbccdd.jsonl.gz';

    // Act
    const renamed = renameKey(key, 'ffffffffffffffff');

    // Assess
    expect(renamed).toBe('p/2026/01/02/03/instance-guard-20260102T030405006Z-ffffffffffffffff.jsonl.gz');
  });
});

describe('markerKey', () => {
  test('<prefix>/<bucket>/<key>@<etag>, the ETag unquoted', () => {
    // Act
    const key = markerKey(
      'imds-guard/processed',
      'at-logs',
      'acct/us-south/2026-01-02T03/1767323045+0000_abc.log',
      '"D41D8CD98F00B204E9800998ECF8427E"',
    );

    // Assess
    expect(key).toBe(
      'imds-guard/processed/at-logs/acct/us-south/2026-01-02T03/1767323045+0000_abc.log@d41d8cd98f00b204e9800998ecf8427e',
    );
  });
});
