// policy.network: defaults, strictness, and file:line:col errors through the manifest loader.
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { loadPolicyFromManifest } from '#shared/policy/load.ts';
import { NETWORK_POLICY_DEFAULTS, NetworkPolicy } from '#shared/policy/network.ts';

describe('policy.network', () => {
  test('an absent section means every check, web ports allowed, no private paths required', () => {
    expect(NETWORK_POLICY_DEFAULTS).toEqual({
      enabled: true,
      checks: ['flow-logs', 'inbound', 'private-paths'],
      allowed_ports: [80, 443],
      private_paths: { vpcs: [], services: ['cloud-object-storage'], vpn: false },
      severities: {},
      exempt_vpcs: [],
    });
    expect(v.parse(NetworkPolicy, { checks: null, private_paths: null, severities: null })).toEqual(
      NETWORK_POLICY_DEFAULTS,
    );
  });

  test.each([
    { input: { check: ['inbound'] }, message: 'unknown option "check"' },
    { input: { checks: ['firewall'] }, message: 'unknown check "firewall"' },
    { input: { checks: [] }, message: 'list at least one check' },
    { input: { allowed_ports: [0] }, message: 'a port is a whole number from 1 to 65535' },
    { input: { severities: { 'sg-open-telnet': 'high' } }, message: 'unknown network rule "sg-open-telnet"' },
    {
      input: { severities: { 'sg-open-ssh': 'urgent' } },
      message: 'severity must be one of critical, high, medium, low',
    },
    { input: { private_paths: { vpc: ['prod-*'] } }, message: 'unknown option "vpc"' },
    {
      input: {
        exempt_vpcs: [
          { id: 'r006-x', name: 'prod-vpc', expires: '2027-01-01T00:00:00Z', approver: 'a', ticket: 't' },
        ],
      },
      message: 'a network exemption names exactly one of id or name',
    },
  ])('refuses $input', ({ input, message }) => {
    const result = v.safeParse(NetworkPolicy, input);
    expect(result.success).toBe(false);
    expect(result.issues?.map((i) => i.message).join('; ')).toContain(message);
  });

  test('a mistake in the manifest is reported at its line and column', () => {
    // Prepare
    const text = [
      'policy:',
      '  network:',
      '    checks: [inbound]',
      '    allowed_ports: [443, 70000]',
      '',
    ].join('\n');
    // Act
    const act = () => loadPolicyFromManifest(text, 'manifest.yaml');
    // Assess
    expect(act).toThrow(
      /manifest\.yaml:4:\d+: a port is a whole number from 1 to 65535 \(at policy\.network\.allowed_ports\[1\]\)/,
    );
  });

  test('an expired VPC exemption is a warning, not an error', () => {
    // Prepare
    const text = [
      'policy:',
      '  network:',
      '    exempt_vpcs:',
      '      - { name: lab-vpc, expires: "2020-01-01T00:00:00Z", approver: ciso, ticket: SEC-1 }',
      '',
    ].join('\n');
    // Act
    const loaded = loadPolicyFromManifest(text, 'manifest.yaml', { now: new Date('2026-01-01T00:00:00Z') });
    // Assess
    expect(loaded.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('network exemption (ticket SEC-1) expired'),
    ]);
  });
});
