// The assessment around the rules: a key that moves only with the findings, a marker per VPC, and
// time-boxed VPC exemptions.
import { describe, expect, test } from 'vitest';
import { assessNetwork, networkMarker } from '#functions/network/decide.ts';
import { ACCOUNT, group, policy, posture, VPC_ID } from './fixtures.ts';

const NOW = new Date('2026-05-01T00:00:00Z');
const open = () => posture({ security_groups: [group([{ port_min: 22, port_max: 22 }])] });

describe('assessNetwork', () => {
  test('findings → key from their ids, marker from the VPC alone, severity of the worst', () => {
    // Act
    const a = assessNetwork(open(), policy(), NOW);
    const again = assessNetwork(open(), policy(), new Date('2026-05-02T00:00:00Z'));
    const clean = assessNetwork(posture(), policy(), NOW);
    // Assess
    expect(a).toMatchObject({
      compliant: false,
      severity: 'high',
      finding_ids: ['sg-open-ssh:sg-web-sg'],
      region: 'us-south',
    });
    expect(a.marker).toBe(networkMarker(ACCOUNT, VPC_ID));
    expect(a.marker).toMatch(/^imdsg-n-[0-9a-f]{16}$/);
    expect(a.key).toMatch(/^imdsg-[0-9a-f]{16}$/);
    expect(again.key).toBe(a.key);
    expect(clean).toMatchObject({ compliant: true, severity: null, findings: [], marker: a.marker });
    expect(clean.key).not.toBe(a.key);
  });

  test('an exemption in force is reported with the findings; an expired one only as expired', () => {
    // Prepare
    const entry = { name: 'prod-vpc', approver: 'ciso@example.com', ticket: 'SEC-9' };
    // Act
    const active = assessNetwork(
      open(),
      policy({ exempt_vpcs: [{ ...entry, expires: '2026-06-01T00:00:00Z' }] }),
      NOW,
    );
    const expired = assessNetwork(
      open(),
      policy({ exempt_vpcs: [{ ...entry, expires: '2026-05-01T00:00:00Z' }] }),
      NOW,
    );
    const elsewhere = assessNetwork(
      open(),
      policy({ exempt_vpcs: [{ ...entry, region: 'eu-de', expires: '2026-06-01T00:00:00Z' }] }),
      NOW,
    );
    // Assess
    expect(active.exempt).toMatchObject({ ticket: 'SEC-9' });
    expect(active.findings).toHaveLength(1);
    expect(expired.exempt).toBeUndefined();
    expect(expired.expired_exemption).toMatchObject({ ticket: 'SEC-9' });
    expect(elsewhere.exempt).toBeUndefined();
  });
});
