// Failures grouped by cause, with the fix the product recommends; the exemptions inventory.
import { describe, expect, test } from 'vitest';
import { causeOf, createCauses } from '#shared/audit/report/causes.ts';
import { inventoryOf } from '#shared/audit/report/exemptions.ts';
import type { StateRow } from '#shared/audit/report/posture-summary.ts';
import { DAY, decision, MIN, T0 } from './fixtures.ts';

const failed = (id: string, reason: string, over: Parameters<typeof decision>[0] | object = {}) =>
  decision({ outcome: 'failed', id, reason, fn: 'instance-guard', ...over });

describe('failures by cause', () => {
  test('grouped by IBM error code and rule, most frequent first, with examples and the fix', () => {
    // Prepare
    const causes = createCauses();
    const allowedUse =
      'IBM answered 400 instance_allowed_use_violation: needs the metadata service (trace t-1)';
    for (const [i, id] of ['a', 'b', 'c', 'd', 'a'].entries())
      causes.add({
        ...failed(id, allowedUse, { at: T0 + i * MIN }),
        ibmStatus: 400,
        ibmCode: 'instance_allowed_use_violation',
      });
    causes.add({
      ...failed('e', 'IBM answered 403 forbidden: no', { rules: ['container-hosts'] }),
      ibmStatus: 403,
      ibmCode: 'forbidden',
    });
    causes.add(decision({ outcome: 'remediated', id: 'f' }));
    // Act
    const got = causes.summary();
    // Assess
    expect(got.map((c) => [c.code, c.rule, c.count, c.targets])).toEqual([
      ['instance_allowed_use_violation', 'default', 5, 4],
      ['forbidden', 'container-hosts', 1, 1],
    ]);
    const first = got[0];
    expect(first?.examples.map((e) => e.name)).toEqual(['a', 'b', 'c']);
    expect(first?.fix).toMatch(/fall back to secure access.*or exempt the instance/);
    expect(first).toMatchObject({
      first_at: new Date(T0).toISOString(),
      last_at: new Date(T0 + 4 * MIN).toISOString(),
    });
    expect(got[1]?.fix).toMatch(/lacks a role/);
  });

  test.each([
    [
      'servicenow answered 401: the integration user cannot create incidents',
      'servicenow 401',
      /ticket sink/,
    ],
    [
      'the instance kept changing under us (412 three times); a redelivery will try again',
      'HTTP 412',
      /changed while/,
    ],
    [
      'PATCH answered {"enabled":true}, not the wanted {"enabled":false}',
      'verification mismatch',
      /reads back differently/,
    ],
    ['IBM answered 503 service_unavailable: later', 'service_unavailable', /unavailable/],
    ['IBM answered 502 bad_gateway: later', 'bad_gateway', /IBM failed on its side/],
  ])('%s → %s', (reason, code, fix) => {
    const d = decision({ outcome: 'failed', reason });
    const m = /IBM answered (\d{3}) (\w+)/.exec(reason);
    const got = causeOf(m ? { ...d, ibmStatus: Number(m[1]), ibmCode: m[2] ?? null } : d);
    expect(got.code).toBe(code);
    expect(got.fix).toMatch(fix);
  });
});

const exemptRow = (name: string, exemption: StateRow['exemption']): StateRow => ({
  kind: 'instance',
  crn: `crn:v1:bluemix:public:is:us-south-1:a/acct::instance:${name}`,
  id: name,
  name,
  region: 'us-south',
  location: 'us-south-1',
  resource_group: 'prod',
  vpc: 'prod-vpc',
  vpc_id: null,
  rule: null,
  status: 'exempt',
  outcome: 'exempt',
  reason: 'exempt',
  at: new Date(T0).toISOString(),
  fn: 'scan',
  metadata: null,
  change: null,
  audit: false,
  exemption,
  findings: [],
  severity: null,
  ticket: null,
});

describe('exemptions inventory', () => {
  test('list entries with approver, ticket and expiry; those ending within 14 days stand out; tags last', () => {
    const now = new Date(T0);
    const entry = (days: number) => ({
      by: 'list',
      tag: null,
      ticket: 'CHG1',
      approver: 'sec@example.com',
      expires: new Date(T0 + days * DAY - MIN).toISOString(),
      reason: 'vendor agent',
    });
    const inv = inventoryOf(
      [
        exemptRow('later', entry(40)),
        exemptRow('tagged', {
          by: 'access-tag',
          tag: 'imds-guard:exempt',
          ticket: null,
          approver: null,
          expires: null,
          reason: null,
        }),
        exemptRow('soon', entry(14)),
        exemptRow('tomorrow', entry(1)),
      ],
      now,
    );
    expect(inv.rows.map((r) => [r.name, r.days_left, r.expiring_soon])).toEqual([
      ['tomorrow', 1, true],
      ['soon', 14, true],
      ['later', 40, false],
      ['tagged', null, false],
    ]);
    expect(inv).toMatchObject({
      total: 4,
      expiring_soon: 2,
      by: { list: 3, 'access-tag': 1 },
      window_days: 14,
    });
    expect(inv.rows[0]).toMatchObject({
      approver: 'sec@example.com',
      ticket: 'CHG1',
      reason: 'vendor agent',
    });
  });
});
