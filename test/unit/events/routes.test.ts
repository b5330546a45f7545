// Action → function routing: a typed registry, aliases for spellings IBM's examples use, "not ours" reasons.
import { describe, expect, test } from 'vitest';
import { ALIASES, actionsFor, canonicalAction, functionsFor, ROUTES, routeEvent } from '#events/routes.ts';

describe('the registry', () => {
  test('instance-guard handles the VPC instance actions', () => {
    expect(actionsFor('instance-guard')).toEqual([
      'is.instance.instance.create',
      'is.instance.instance.update',
      'is.instance.instance-template.create',
      'is.instance-group.instance.create',
    ]);
  });

  test('profile-guard handles trusted-profile, policy and group actions, and instance creation', () => {
    expect(actionsFor('profile-guard')).toEqual([
      'is.instance.instance.create',
      'iam-identity.account-profile.create',
      'iam-identity.account-profile.update',
      'iam-identity.profile-template.assign',
      'iam-identity.profile-template.assignment-update',
      'iam-am.policy.create',
      'iam-am.policy.update',
      'iam-groups.member.add',
    ]);
  });

  test('every alias points at a routed action and is not itself one', () => {
    for (const [alias, action] of Object.entries(ALIASES)) {
      expect(Object.keys(ROUTES)).toContain(action);
      expect(Object.keys(ROUTES)).not.toContain(alias);
    }
  });
});

describe('routeEvent', () => {
  test.each([
    ['is.instance.instance.create', 'instance-guard'],
    ['is.instance.instance.create', 'profile-guard'],
    ['iam-am.policy.update', 'profile-guard'],
    ['is.instance-group.instance.create', 'instance-guard'],
  ] as const)('%s → %s', (action, fn) => {
    expect(routeEvent({ action, outcome: 'success' }, fn)).toEqual({
      handled: true,
      action,
      route: ROUTES[action],
    });
  });

  test.each([
    ['is.instance.create', 'is.instance.instance.create'],
    ['IS.Instance.Instance.Update', 'is.instance.instance.update'],
    ['is.instance.instance.template.create', 'is.instance.instance-template.create'],
    ['iam-identity.profile.update', 'iam-identity.account-profile.update'],
    ['iam-access-management.policy.create', 'iam-am.policy.create'],
  ])('variant spelling %s is routed as %s', (alias, action) => {
    expect(canonicalAction(alias)).toBe(action);
    const fn = functionsFor(alias)[0] ?? 'instance-guard';
    expect(routeEvent({ action: alias }, fn)).toMatchObject({ handled: true, action, alias });
  });

  test.each([
    [
      { action: 'is.snapshot.create' },
      'instance-guard',
      'is.snapshot.create is not an action imds-guard handles',
    ],
    [{ action: 'is.instance.instance.delete' }, 'instance-guard', /not an action imds-guard handles/],
    [
      { action: 'iam-groups.member.add' },
      'instance-guard',
      'iam-groups.member.add is handled by profile-guard, not instance-guard',
    ],
    [
      { action: 'is.instance.instance.update' },
      'profile-guard',
      /handled by instance-guard, not profile-guard/,
    ],
    [
      { action: 'is.instance.instance.create', outcome: 'failure' },
      'instance-guard',
      'is.instance.instance.create failed (outcome failure): nothing changed',
    ],
    [{ action: 'constructor.prototype.x' }, 'instance-guard', /not an action/],
    [{ action: '__proto__' }, 'profile-guard', /not an action/],
  ] as const)('%j is not ours for %s', (event, fn, reason) => {
    const r = routeEvent(event, fn);
    expect(r.handled).toBe(false);
    if (!r.handled) expect(r.reason).toMatch(reason);
  });

  test('pending and missing outcomes are handled: a fresh read decides', () => {
    expect(
      routeEvent({ action: 'is.instance.instance.update', outcome: 'pending' }, 'instance-guard').handled,
    ).toBe(true);
    expect(routeEvent({ action: 'is.instance.instance.update' }, 'instance-guard').handled).toBe(true);
  });

  test('functionsFor an unknown action is empty', () => {
    expect(functionsFor('kms.secrets.rotate')).toEqual([]);
    expect(functionsFor('toString')).toEqual([]);
  });
});
