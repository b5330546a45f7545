// Users, groups and forms as given on the command line: what is accepted, what is refused, and the rule
// plan every format renders from.
import { describe, expect, test } from 'vitest';
import { buildSpec, FirewallInputError, parsePrincipal, planRules } from '#shared/firewall/spec.ts';

describe('user and group names', () => {
  test.each([
    { raw: 'apache', want: { kind: 'name', name: 'apache' } },
    { raw: 'trustworthy-user', want: { kind: 'name', name: 'trustworthy-user' } },
    { raw: 'svc.metadata_2', want: { kind: 'name', name: 'svc.metadata_2' } },
    { raw: '_apt', want: { kind: 'name', name: '_apt' } },
    { raw: 'a'.repeat(32), want: { kind: 'name', name: 'a'.repeat(32) } },
    { raw: '0', want: { kind: 'id', id: 0 } },
    { raw: '1001', want: { kind: 'id', id: 1001 } },
    { raw: '4294967294', want: { kind: 'id', id: 4_294_967_294 } },
  ])('$raw is accepted', ({ raw, want }) => {
    expect(parsePrincipal(raw, 'user')).toEqual(want);
  });

  test.each([
    '-apache',
    'a b',
    'apache;reboot',
    'a"b',
    'a\nb',
    'tëst',
    'a$',
    '.',
    '..',
    'a'.repeat(33),
    '4294967295',
    '',
  ])('%j is refused with the rule it breaks', (raw) => {
    expect(() => parsePrincipal(raw, 'group')).toThrow(FirewallInputError);
    expect(() => parsePrincipal(raw, 'group')).toThrow(/group (name|id)/);
  });
});

describe('forms', () => {
  test('deny: the users in order, duplicates dropped, commas split', () => {
    // Act
    const spec = buildSpec({ denyUser: ['apache,nginx', 'apache', '48'] });
    // Assess
    expect(spec).toEqual({
      mode: 'deny',
      users: [
        { kind: 'name', name: 'apache' },
        { kind: 'name', name: 'nginx' },
        { kind: 'id', id: 48 },
      ],
    });
  });

  test('allow: users and groups; groups alone are enough', () => {
    expect(buildSpec({ allowUser: ['trustworthy-user'], allowGroup: ['imds'] })).toMatchObject({
      mode: 'allow',
      users: [{ name: 'trustworthy-user' }],
      groups: [{ name: 'imds' }],
    });
    expect(buildSpec({ allowGroup: ['imds'] })).toMatchObject({
      mode: 'allow',
      users: [],
      groups: [{ name: 'imds' }],
    });
  });

  test.each([
    { opts: { denyUser: ['apache'], allowUser: ['root'] }, message: /not both/ },
    { opts: { denyUser: ['apache'], allowGroup: ['imds'] }, message: /not both/ },
    { opts: {}, message: /--deny-user U…, or --allow-user U…/ },
    { opts: { denyUser: [','] }, message: /--deny-user U…, or --allow-user U…/ },
  ])('$opts is refused: $message', ({ opts, message }) => {
    expect(() => buildSpec(opts)).toThrow(message);
  });
});

describe('rule plan', () => {
  test("deny: one reject per user and nothing else (IBM's deny example)", () => {
    const rules = planRules(buildSpec({ denyUser: ['apache', '33'] }));
    expect(rules.map((r) => [r.match, r.verdict])).toEqual([
      [{ owner: 'user', who: { kind: 'name', name: 'apache' } }, 'reject'],
      [{ owner: 'user', who: { kind: 'id', id: 33 } }, 'reject'],
    ]);
  });

  test("allow: users, then groups, return; then everyone else, root included, is rejected (IBM's allow example)", () => {
    const rules = planRules(buildSpec({ allowUser: ['trustworthy-user'], allowGroup: ['imds'] }));
    expect(rules.map((r) => [r.match.owner, r.verdict])).toEqual([
      ['user', 'return'],
      ['group', 'return'],
      ['anyone', 'reject'],
    ]);
    expect(rules.map((r) => r.comment)).toEqual([
      'imds-guard: allow user trustworthy-user',
      'imds-guard: allow group imds',
      'imds-guard: reject everyone else',
    ]);
  });
});
