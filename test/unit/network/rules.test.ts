// Network rule tables: each row is a posture and the rule ids (and ports) it must produce — no more.
import { describe, expect, test } from 'vitest';
import { decideNetwork, NETWORK_RULES } from '#functions/network/rules/index.ts';
import { FULL, isFull, reachableFromAnywhere, subtract, union } from '#functions/network/rules/ports.ts';
import type { InboundFinding } from '#functions/network/types.ts';
import { NETWORK_RULE_IDS } from '#shared/policy/network.ts';
import { acl, group, policy, posture, VPC_ID } from './fixtures.ts';

const ruleIds = (p: ReturnType<typeof posture>, input = {}) =>
  decideNetwork(policy(input), p).map((f) => f.rule_id);

describe('port sets', () => {
  test('union merges adjacent ranges; subtract splits; full is 1-65535', () => {
    expect(union([[1, 5]], [[6, 9]])).toEqual([[1, 9]]);
    expect(subtract(FULL, [[22, 22]])).toEqual([
      [1, 21],
      [23, 65535],
    ]);
    expect(isFull(union([[1, 100]], [[50, 65535]]))).toBe(true);
  });

  test('an ACL rule from anywhere decides only the ports no earlier rule from anywhere decided', () => {
    const reach = reachableFromAnywhere([
      { ref: { id: 'a', name: 'a' }, action: 'deny', protocol: 'tcp', ports: [[22, 22]], fromAnywhere: true },
      {
        ref: { id: 'b', name: 'b' },
        action: 'allow',
        protocol: 'tcp',
        ports: [[1, 1000]],
        fromAnywhere: false,
      },
      {
        ref: { id: 'c', name: 'c' },
        action: 'allow',
        protocol: 'tcp',
        ports: [[20, 30]],
        fromAnywhere: true,
      },
    ]);
    expect(reach.tcp).toEqual([
      [20, 21],
      [23, 30],
    ]);
    expect(reach.udp).toEqual([]);
    expect(reach.by.map((b) => b.ref.id)).toEqual(['c']);
  });
});

describe('security groups', () => {
  test.each([
    {
      name: 'SSH from anywhere',
      rules: [{ port_min: 22, port_max: 22 }],
      want: ['sg-open-ssh'],
      ports: ['tcp 22'],
    },
    {
      name: 'RDP from anywhere',
      rules: [{ port_min: 3389, port_max: 3389 }],
      want: ['sg-open-rdp'],
      ports: ['tcp 3389'],
    },
    {
      name: 'RDP over udp',
      rules: [{ protocol: 'udp', port_min: 3389, port_max: 3389 }],
      want: ['sg-open-rdp'],
      ports: ['udp 3389'],
    },
    { name: 'https is allowed by default', rules: [{ port_min: 443, port_max: 443 }], want: [] },
    {
      name: 'another port',
      rules: [{ port_min: 8080, port_max: 8080 }],
      want: ['sg-open-port'],
      ports: ['tcp 8080'],
    },
    {
      name: 'protocol any',
      rules: [{ protocol: 'any' }],
      want: ['sg-open-all-ports'],
      ports: ['tcp 1-65535', 'udp 1-65535'],
    },
    {
      name: 'protocol all (API before 2025-12-09)',
      rules: [{ protocol: 'all' }],
      want: ['sg-open-all-ports'],
    },
    { name: 'protocol icmp_tcp_udp', rules: [{ protocol: 'icmp_tcp_udp' }], want: ['sg-open-all-ports'] },
    { name: 'tcp without ports', rules: [{}], want: ['sg-open-all-ports'], ports: ['tcp 1-65535'] },
    {
      name: 'a range across SSH',
      rules: [{ port_min: 20, port_max: 25 }],
      want: ['sg-open-ssh', 'sg-open-port'],
    },
    {
      name: 'SSH from a private range',
      rules: [{ port_min: 22, port_max: 22, remote: { cidr_block: '10.0.0.0/8' } }],
      want: [],
    },
    {
      name: 'SSH from one address',
      rules: [{ port_min: 22, port_max: 22, remote: { address: '203.0.113.9' } }],
      want: [],
    },
    {
      name: 'from another security group',
      rules: [{ protocol: 'any', remote: { id: 'sg-x', name: 'x' } }],
      want: [],
    },
    { name: 'outbound to anywhere', rules: [{ direction: 'outbound' as const, protocol: 'any' }], want: [] },
    { name: 'ping from anywhere', rules: [{ protocol: 'icmp' }], want: [] },
  ])('$name → $want', ({ rules, want, ports }) => {
    // Act
    const findings = decideNetwork(policy(), posture({ security_groups: [group(rules)] }));
    // Assess
    expect(findings.map((f) => f.rule_id)).toEqual(want);
    if (ports) expect((findings[0] as InboundFinding).ports).toEqual(ports);
  });

  test('a finding names the group, its rules and the instances behind it', () => {
    // Act
    const [f] = decideNetwork(
      policy(),
      posture({
        security_groups: [
          group([
            { name: 'ssh-anywhere', port_min: 22, port_max: 22 },
            { port_min: 443, port_max: 443 },
          ]),
        ],
      }),
    );
    // Assess
    expect(f).toMatchObject({
      kind: 'inbound',
      id: 'sg-open-ssh:sg-web-sg',
      severity: 'high',
      exposure: 'ssh',
      resource: { type: 'security_group', name: 'web-sg' },
      rules: [{ name: 'ssh-anywhere' }],
      vpc: { id: VPC_ID },
      region: 'us-south',
    });
    expect(f?.affected_crns).toEqual([
      expect.stringContaining('::vpc:'),
      expect.stringContaining('::security-group:'),
      expect.stringContaining('::instance:i-1'),
    ]);
    expect(f?.summary).toContain('web-01');
  });

  test('allowed_ports widens what may be open', () => {
    expect(
      ruleIds(posture({ security_groups: [group([{ port_min: 8080, port_max: 8080 }])] }), {
        allowed_ports: [443, 8080],
      }),
    ).toEqual([]);
  });
});

describe('network ACLs (in order)', () => {
  test.each([
    {
      name: 'allow everything in (IBM default ACL)',
      rules: [{ protocol: 'any' }],
      want: ['acl-open-all-ports'],
    },
    {
      name: 'https only, then deny',
      rules: [{ protocol: 'tcp', port: 443 }, { action: 'deny' as const }],
      want: [],
    },
    {
      name: 'deny first, then allow everything',
      rules: [{ action: 'deny' as const }, { protocol: 'any' }],
      want: [],
    },
    {
      name: 'SSH from a private range, then deny',
      rules: [{ protocol: 'tcp', port: 22, source: '10.0.0.0/8' }, { action: 'deny' as const }],
      want: [],
    },
    {
      name: 'a narrow deny does not close SSH to the world',
      rules: [
        { action: 'deny' as const, source: '10.0.0.0/8' },
        { protocol: 'tcp', port: 22 },
      ],
      want: ['acl-open-ssh'],
    },
    { name: 'RDP in', rules: [{ protocol: 'tcp', port: 3389 }], want: ['acl-open-rdp'] },
    { name: 'outbound only', rules: [{ direction: 'outbound' as const }], want: [] },
    {
      name: 'deny tcp 22, then allow all tcp: every other tcp port, RDP among them',
      rules: [
        { action: 'deny' as const, protocol: 'tcp', port: 22 },
        { protocol: 'tcp', destination_port_min: 1, destination_port_max: 65535 },
      ],
      want: ['acl-open-rdp', 'acl-open-port'],
    },
  ])('$name → $want', ({ rules, want }) => {
    expect(ruleIds(posture({ network_acls: [acl(rules)] }))).toEqual(want);
  });

  test('an ACL finding covers the instances in its subnets and cites the allows that count', () => {
    // Act
    const [f] = decideNetwork(
      policy(),
      posture({
        network_acls: [acl([{ name: 'allow-inbound' }, { name: 'late-allow', protocol: 'tcp', port: 22 }])],
      }),
    );
    // Assess
    expect(f).toMatchObject({
      rule_id: 'acl-open-all-ports',
      severity: 'medium',
      rules: [{ name: 'allow-inbound' }],
    });
    expect(f?.affected_crns).toHaveLength(4);
  });
});

describe('flow logs', () => {
  const collector = (over: Record<string, unknown>) => ({
    id: 'fl',
    crn: 'crn:fl',
    name: 'flows',
    active: true,
    lifecycle_state: 'stable',
    target: { id: VPC_ID, resource_type: 'vpc' },
    ...over,
  });
  test.each([
    { name: 'an active VPC collector covers everything', collectors: [collector({})], want: [] },
    { name: 'no collector', collectors: [], want: ['flow-logs-missing'] },
    {
      name: 'a collector that is not active',
      collectors: [collector({ active: false })],
      want: ['flow-logs-missing'],
    },
    {
      name: 'a failed collector',
      collectors: [collector({ lifecycle_state: 'failed' })],
      want: ['flow-logs-missing'],
    },
    {
      name: 'one zone subnet of two',
      collectors: [collector({ target: { id: 'sub-1', resource_type: 'subnet' } })],
      want: ['flow-logs-partial'],
    },
    {
      name: 'one instance (no resource_type, as IBM sends it)',
      collectors: [
        collector({ target: { id: 'i-2', crn: 'crn:v1:bluemix:public:is:us-south-2:a/x::instance:i-2' } }),
      ],
      want: ['flow-logs-partial'],
    },
    {
      name: 'both interfaces',
      collectors: [
        collector({ id: 'a', target: { id: 'nic-1', resource_type: 'network_interface' } }),
        collector({ id: 'b', target: { id: 'nic-2', resource_type: 'network_interface' } }),
      ],
      want: [],
    },
  ])('$name → $want', ({ collectors, want }) => {
    expect(ruleIds(posture({ flow_log_collectors: collectors as never }))).toEqual(want);
  });

  test('the missing finding says why the collectors count for nothing', () => {
    const [f] = decideNetwork(
      policy(),
      posture({ flow_log_collectors: [collector({ name: 'idle', active: false })] as never }),
    );
    expect(f).toMatchObject({
      kind: 'flow-logs',
      id: `flow-logs-missing:${VPC_ID}`,
      collectors: [{ name: 'idle', active: false }],
    });
    expect(f?.summary).toContain('idle: not active');
  });
});

describe('private paths', () => {
  const cos = {
    id: 'vpe-1',
    crn: 'crn:vpe',
    name: 'cos-vpe',
    lifecycle_state: 'stable',
    target: {
      resource_type: 'provider_cloud_service',
      crn: 'crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud',
    },
  };
  test.each([
    {
      name: 'not wanted for this VPC',
      gateways: [],
      input: { private_paths: { vpcs: ['other-*'] } },
      want: [],
    },
    {
      name: 'wanted, no VPE',
      gateways: [],
      input: { private_paths: { vpcs: ['prod-*'] } },
      want: ['vpe-missing'],
    },
    {
      name: 'wanted by id',
      gateways: [],
      input: { private_paths: { vpcs: [VPC_ID] } },
      want: ['vpe-missing'],
    },
    { name: 'wanted, COS VPE', gateways: [cos], input: { private_paths: { vpcs: ['prod-vpc'] } }, want: [] },
    {
      name: 'wanted, COS VPE still pending',
      gateways: [{ ...cos, lifecycle_state: 'pending' }],
      input: { private_paths: { vpcs: ['*'] } },
      want: ['vpe-missing'],
    },
    {
      name: 'two services, an infrastructure one by name',
      gateways: [
        { ...cos, target: { resource_type: 'provider_infrastructure_service', name: 'ibm-ntp-server' } },
      ],
      input: { private_paths: { vpcs: ['*'], services: ['cloud-object-storage', 'ibm-ntp-server'] } },
      want: ['vpe-missing'],
    },
    {
      name: 'a VPN wanted too',
      gateways: [cos],
      input: { private_paths: { vpcs: ['*'], vpn: true } },
      want: ['vpn-missing'],
    },
  ])('$name → $want', ({ gateways, input, want }) => {
    expect(ruleIds(posture({ endpoint_gateways: gateways }), input)).toEqual(want);
  });

  test('a VPN gateway satisfies vpn; the VPE finding names its service', () => {
    const p = posture({
      vpn_gateways: [{ id: 'vpn', crn: 'crn:vpn', name: 'hq', lifecycle_state: 'stable' }],
    });
    const findings = decideNetwork(policy({ private_paths: { vpcs: ['*'], vpn: true } }), p);
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'private-path',
        rule_id: 'vpe-missing',
        service: 'cloud-object-storage',
        id: `vpe-missing:${VPC_ID}:cloud-object-storage`,
      }),
    ]);
  });
});

describe('decideNetwork', () => {
  const messy = () =>
    posture({
      flow_log_collectors: [],
      security_groups: [
        group([
          { port_min: 22, port_max: 22 },
          { port_min: 8080, port_max: 8080 },
        ]),
      ],
      network_acls: [acl([{}])],
    });

  test('most severe first, then by id', () => {
    expect(decideNetwork(policy(), messy()).map((f) => `${f.severity} ${f.rule_id}`)).toEqual([
      'high sg-open-ssh',
      'medium acl-open-all-ports',
      'medium flow-logs-missing',
      'low sg-open-port',
    ]);
  });

  test('checks switch groups of rules off; severities override; enabled: false decides nothing', () => {
    expect(ruleIds(messy(), { checks: ['flow-logs'] })).toEqual(['flow-logs-missing']);
    expect(decideNetwork(policy({ severities: { 'sg-open-port': 'critical' } }), messy())[0]).toMatchObject({
      rule_id: 'sg-open-port',
      severity: 'critical',
    });
    expect(ruleIds(messy(), { enabled: false })).toEqual([]);
  });

  test('every rule id of the policy has a registry entry with IBM advice and a check', () => {
    for (const id of NETWORK_RULE_IDS) {
      expect(NETWORK_RULES[id]).toMatchObject({
        id,
        advice: expect.stringMatching(/\.$/),
        fix: expect.any(String),
      });
    }
  });
});
