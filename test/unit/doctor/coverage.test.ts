// Which held IAM policies give a needed grant: scope equal or wider, role equal or stronger in its family;
// conditional or tag-scoped policies never count. Tables, no network.
import { describe, expect, test } from 'vitest';
import type { Grant } from '#shared/actions/grants.ts';
import { coverageOf, type HeldPolicy, roleCovers } from '#shared/doctor/coverage.ts';

const ACCOUNT = 'a'.repeat(32);

const grant = (roles: string[], scope: Grant['scope']): Grant => ({ roles, scope, scopeText: 'x', why: 'y' });

const held = (
  roles: string[],
  attrs: Record<string, unknown>,
  more: Partial<HeldPolicy> = {},
): HeldPolicy => ({
  id: 'p1',
  roles,
  attributes: [
    { key: 'accountId', operator: 'stringEquals', value: ACCOUNT },
    ...Object.entries(attrs).map(([key, value]) =>
      typeof value === 'string' && value.includes('*')
        ? { key, operator: 'stringMatch', value }
        : { key, operator: 'stringEquals', value },
    ),
  ],
  tagged: false,
  conditional: false,
  via: 'direct',
  ...more,
});

const IS_ALL = grant(['Editor'], { serviceName: 'is', attributes: { instanceId: '*' } });
const GROUPS = grant(['Viewer'], { serviceName: 'iam-groups' });
const BUCKET = grant(['Object Writer'], {
  serviceName: 'cloud-object-storage',
  serviceInstance: 'guid-1',
  resourceType: 'bucket',
  resource: 'trail',
});

describe('coverageOf', () => {
  test.each([
    ['same scope, same role', IS_ALL, held(['Editor'], { serviceName: 'is', instanceId: '*' }), 'held'],
    ['wider scope (the whole service)', IS_ALL, held(['Editor'], { serviceName: 'is' }), 'held'],
    ['stronger role', IS_ALL, held(['Administrator'], { serviceName: 'is' }), 'held'],
    ['weaker role', IS_ALL, held(['Viewer'], { serviceName: 'is' }), 'weaker'],
    [
      'service role where a platform role is needed',
      IS_ALL,
      held(['Manager'], { serviceName: 'is' }),
      'weaker',
    ],
    [
      'one instance only (narrower)',
      IS_ALL,
      held(['Editor'], { serviceName: 'is', instanceId: '0717_abc' }),
      'missing',
    ],
    [
      'a resource group only (narrower)',
      IS_ALL,
      held(['Editor'], { serviceName: 'is', resourceGroupId: 'rg1' }),
      'missing',
    ],
    ['another service', IS_ALL, held(['Editor'], { serviceName: 'iam-identity' }), 'missing'],
    [
      'another account',
      IS_ALL,
      {
        ...held(['Editor'], { serviceName: 'is' }),
        attributes: [
          { key: 'accountId', value: 'b'.repeat(32) },
          { key: 'serviceName', value: 'is' },
        ],
      },
      'missing',
    ],
    ['all IAM-enabled services covers is', IS_ALL, held(['Editor'], { serviceType: 'service' }), 'held'],
    [
      'all IAM-enabled services does not cover account management',
      GROUPS,
      held(['Viewer'], { serviceType: 'service' }),
      'missing',
    ],
    [
      'all account management covers iam-groups',
      GROUPS,
      held(['Viewer'], { serviceType: 'platform_service' }),
      'held',
    ],
    [
      'a time-based condition',
      IS_ALL,
      held(['Editor'], { serviceName: 'is' }, { conditional: true }),
      'conditional',
    ],
    ['resource tags', IS_ALL, held(['Editor'], { serviceName: 'is' }, { tagged: true }), 'conditional'],
    [
      'the bucket, Object Writer',
      BUCKET,
      held(['ObjectWriter'], {
        serviceName: 'cloud-object-storage',
        serviceInstance: 'guid-1',
        resourceType: 'bucket',
        resource: 'trail',
      }),
      'held',
    ],
    [
      'the instance, Writer',
      BUCKET,
      held(['Writer'], { serviceName: 'cloud-object-storage', serviceInstance: 'guid-1' }),
      'held',
    ],
    [
      'another bucket',
      BUCKET,
      held(['Writer'], { serviceName: 'cloud-object-storage', serviceInstance: 'guid-1', resource: 'other' }),
      'missing',
    ],
    [
      'a bucket glob that matches',
      BUCKET,
      held(['Writer'], { serviceName: 'cloud-object-storage', resource: 'tr*' }),
      'held',
    ],
  ] as const)('%s → %s', (_name, g, p, kind) => {
    expect(coverageOf(g, [p], ACCOUNT).kind).toBe(kind);
  });

  test('a usable policy wins over a conditional one; nothing held is missing', () => {
    const both = [
      held(['Editor'], { serviceName: 'is' }, { conditional: true, id: 'c' }),
      held(['Editor'], { serviceName: 'is' }, { id: 'u' }),
    ];
    expect(coverageOf(IS_ALL, both, ACCOUNT)).toMatchObject({ kind: 'held', by: { id: 'u' } });
    expect(coverageOf(IS_ALL, [], ACCOUNT).kind).toBe('missing');
  });
});

describe('roleCovers', () => {
  test.each([
    ['Administrator', 'Viewer', true],
    ['Viewer', 'Operator', false],
    ['Manager', 'Reader', true],
    ['Reader', 'Writer', false],
    ['Editor', 'Reader', false],
    ['Object Writer', 'ObjectWriter', true],
    ['Event Notifications Publisher', 'Event Notifications Publisher', true],
  ] as const)('%s covers %s: %s', (held, needed, expected) => {
    expect(roleCovers(held, needed)).toBe(expected);
  });
});
