import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import type { PostResult } from '#emulator/events/http.ts';
import { problemsOf, SubscriptionSpec } from '#emulator/events/schema.ts';
import { backoffMs, globMatcher } from '#emulator/events/subscriptions.ts';

const fail = (retryAfter?: string): PostResult => ({ ok: false, status: 503, retryAfter, body: '' });

describe('action globs', () => {
  test.each([
    [['is.instance.*'], 'is.instance.instance.update', true],
    [['is.instance.*'], 'is.instance-group.instance.create', false],
    [['iam-identity.account-profile.*', 'is.instance.instance.create'], 'is.instance.instance.create', true],
    [['*.delete'], 'iam-identity.account-profile.delete', true],
    [['is.instance.instance.create'], 'is.instance.instance.createX', false],
    [['*'], undefined, true],
    [['is.*'], undefined, false],
  ] as const)('%j matches %s: %s', (globs, action, expected) => {
    expect(globMatcher(globs)(action)).toBe(expected);
  });
});

describe('retry backoff', () => {
  test('100 ms × attempt without Retry-After', () => {
    expect([1, 2, 3].map((n) => backoffMs(n, fail()))).toEqual([100, 200, 300]);
    expect(backoffMs(2, { ok: false, error: 'ECONNREFUSED' })).toBe(200);
  });

  test('Retry-After seconds are honoured, capped at 5 s; an HTTP date counts from now', () => {
    expect(backoffMs(1, fail('1'))).toBe(1000);
    expect(backoffMs(1, fail('0'))).toBe(0);
    expect(backoffMs(1, fail('120'))).toBe(5000);
    const soon = new Date(Date.now() + 60_000).toUTCString();
    expect(backoffMs(1, fail(soon))).toBe(5000);
    expect(backoffMs(3, fail('soon-ish'))).toBe(300);
  });
});

describe('subscription spec', () => {
  test('accepts the documented options', () => {
    // Act
    const r = v.safeParse(SubscriptionSpec, {
      url: 'http://127.0.0.1:8080/app',
      envelope: 'at-array',
      actions: ['is.instance.*'],
      name: 'guard-sub',
      topic: 'at-events',
      headers: { Authorization: 'Bearer x' },
      delay_ms: 50,
      max_attempts: 3,
      batch_ms: 100,
    });
    // Assess
    expect(r.success).toBe(true);
  });

  test('refuses with one reason per problem', () => {
    // Act
    const r = v.safeParse(SubscriptionSpec, {
      url: 'ftp://x',
      envelope: 'kafka',
      actions: [],
      name: 'Bad_Name',
      headers: { 'content-length': '1' },
      max_attempts: 0,
      extra: true,
    });
    // Assess
    expect(r.success).toBe(false);
    const paths = problemsOf(r.issues ?? []).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'url',
        'envelope',
        'actions',
        'name',
        'headers.content-length',
        'max_attempts',
        'extra',
      ]),
    );
  });

  test('batch_ms only for at-array', () => {
    const r = v.safeParse(SubscriptionSpec, { url: 'http://127.0.0.1/', envelope: 'at', batch_ms: 10 });
    expect(r.success).toBe(false);
    expect(problemsOf(r.issues ?? [])[0]?.message).toMatch(/at-array/);
  });
});
