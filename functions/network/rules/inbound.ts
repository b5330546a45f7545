// Inbound from anywhere: security groups and network ACLs that let 0.0.0.0/0 in. Every port open is
// called out first; otherwise SSH (tcp 22), RDP (3389) and any other port outside `allowed_ports`.
import type { NetworkRuleId } from '#shared/policy/network.ts';
import type { Severity } from '#shared/policy/profiles.ts';
import type { Exposure, InboundFinding, NetworkPolicy, NetworkRule, VpcPosture } from '../types.ts';
import { NETWORK_ADVICE } from './advice.ts';
import {
  aclEntries,
  describe,
  has,
  isFull,
  type PortSet,
  type Reachable,
  reachableFromAnywhere,
  securityGroupEntries,
  single,
  subtract,
  TRANSPORTS,
  type Transport,
  union,
} from './ports.ts';

const SSH = 22;
const RDP = 3389;

type Source = InboundFinding['resource']['type'];

interface Opening {
  resource: InboundFinding['resource'];
  reach: Reachable;
  /** Instances behind the resource (group members, or instances in the ACL's subnets). */
  instances: { crn: string; name: string }[];
}

const securityGroupOpenings = (p: VpcPosture): Opening[] =>
  p.security_groups.map((sg) => {
    const nics = new Set(sg.targets.map((t) => t.id));
    return {
      resource: { type: 'security_group', id: sg.id, crn: sg.crn, name: sg.name },
      reach: reachableFromAnywhere(securityGroupEntries(sg)),
      instances: p.instances.filter((i) => i.nic_ids.some((n) => nics.has(n))),
    };
  });

const aclOpenings = (p: VpcPosture): Opening[] =>
  p.network_acls.map((acl) => {
    const subnets = new Set(acl.subnets.map((s) => s.id));
    return {
      resource: { type: 'network_acl', id: acl.id, crn: acl.crn, name: acl.name },
      reach: reachableFromAnywhere(aclEntries(acl)),
      instances: p.instances.filter((i) => i.subnet_ids.some((s) => subnets.has(s))),
    };
  });

// Six rules read the same analysis of a posture: compute it once per posture object.
const cache = new WeakMap<VpcPosture, Record<Source, Opening[]>>();

const openingsOf = (p: VpcPosture, source: Source): Opening[] => {
  let c = cache.get(p);
  if (!c) {
    c = { security_group: securityGroupOpenings(p), network_acl: aclOpenings(p) };
    cache.set(p, c);
  }
  return c[source];
};

/** The ports an exposure is about, per transport; empty when the exposure does not apply. */
const exposed = (
  reach: Reachable,
  exposure: Exposure,
  allowed: readonly number[],
): Record<Transport, PortSet> => {
  const all = isFull(reach.tcp) || isFull(reach.udp);
  const none: Record<Transport, PortSet> = { tcp: [], udp: [] };
  switch (exposure) {
    case 'all-ports':
      return all ? { tcp: reach.tcp, udp: reach.udp } : none;
    case 'ssh':
      return !all && has(reach.tcp, SSH) ? { tcp: single(SSH), udp: [] } : none;
    case 'rdp':
      return all
        ? none
        : { tcp: has(reach.tcp, RDP) ? single(RDP) : [], udp: has(reach.udp, RDP) ? single(RDP) : [] };
    case 'other-ports': {
      if (all) return none;
      const expected = union(
        allowed.map((port) => [port, port] as const),
        [...single(SSH), ...single(RDP)],
      );
      return { tcp: subtract(reach.tcp, expected), udp: subtract(reach.udp, expected) };
    }
  }
};

const overlaps = (a: PortSet, b: PortSet): boolean =>
  a.some(([lo, hi]) => b.some(([blo, bhi]) => lo <= bhi && blo <= hi));

const WHAT = {
  'all-ports': 'every port',
  ssh: 'SSH',
  rdp: 'RDP',
  'other-ports': 'ports outside the allowed list',
} as const satisfies Record<Exposure, string>;

const NOUN = { security_group: 'Security group', network_acl: 'Network ACL' } as const satisfies Record<
  Source,
  string
>;

const summaryOf = (o: Opening, exposure: Exposure, ports: string[]): string => {
  const who =
    o.instances.length === 0
      ? 'no guarded instance yet'
      : `${o.instances.length} instance(s): ${o.instances.map((i) => i.name).join(', ')}`;
  return `${NOUN[o.resource.type]} ${o.resource.name} lets ${WHAT[exposure]} (${ports.join(', ')}) in from anywhere (0.0.0.0/0) — ${who}.`;
};

const evaluateInbound =
  (id: InboundFinding['rule_id'], source: Source, exposure: Exposure, severity: Severity) =>
  (p: VpcPosture, policy: NetworkPolicy): InboundFinding[] =>
    openingsOf(p, source).flatMap((o): InboundFinding[] => {
      const ports = exposed(o.reach, exposure, policy.allowed_ports);
      const text = TRANSPORTS.flatMap((t) => describe(t, ports[t]));
      if (text.length === 0) return [];
      const rules = o.reach.by.filter((b) => overlaps(b.ports, ports[b.transport])).map((b) => b.ref);
      const unique = [...new Map(rules.map((r) => [r.id, r])).values()];
      return [
        {
          kind: 'inbound',
          id: `${id}:${o.resource.id}`,
          rule_id: id,
          severity,
          summary: summaryOf(o, exposure, text),
          region: p.region,
          vpc: p.vpc,
          exposure,
          resource: o.resource,
          ports: text,
          rules: unique,
          affected_crns: [p.vpc.crn, o.resource.crn, ...o.instances.map((i) => i.crn)],
        },
      ];
    });

const SG_TEXT = {
  title: 'Security group open to the internet',
  advice: NETWORK_ADVICE.securityGroups,
  fix: 'Replace the 0.0.0.0/0 remote with the addresses that need access (a bastion, a VPN range, another security group), or remove the rule.',
};

const ACL_TEXT = {
  title: 'Network ACL open to the internet',
  advice: NETWORK_ADVICE.acls,
  fix: 'Deny inbound traffic from 0.0.0.0/0 before the allow (or narrow the allow to known sources); keep security groups as the first line.',
};

type InboundRuleId = InboundFinding['rule_id'];

const inbound = (
  id: InboundRuleId,
  source: Source,
  exposure: Exposure,
  severity: Severity,
  explanation: string,
): NetworkRule => {
  const text = source === 'security_group' ? SG_TEXT : ACL_TEXT;
  return {
    id,
    check: 'inbound',
    severity,
    title: `${text.title}: ${WHAT[exposure]}`,
    explanation,
    advice: text.advice,
    fix: text.fix,
    evaluate: evaluateInbound(id, source, exposure, severity),
  };
};

const ADMIN =
  'Remote administration reachable from anywhere is the most scanned door on the internet: one weak or leaked credential and the attacker is on the instance, where the metadata service hands out its identity.';

const inboundRules = {
  'sg-open-all-ports': inbound(
    'sg-open-all-ports',
    'security_group',
    'all-ports',
    'critical',
    'Every service the instances run, including ones never meant to be public, is reachable from the internet.',
  ),
  'sg-open-ssh': inbound('sg-open-ssh', 'security_group', 'ssh', 'high', ADMIN),
  'sg-open-rdp': inbound('sg-open-rdp', 'security_group', 'rdp', 'high', ADMIN),
  'sg-open-port': inbound(
    'sg-open-port',
    'security_group',
    'other-ports',
    'low',
    'A port outside the allowed list (web traffic) is reachable from the internet.',
  ),
  'acl-open-all-ports': inbound(
    'acl-open-all-ports',
    'network_acl',
    'all-ports',
    'medium',
    'The subnet lets every port in from the internet, so the security groups are the only barrier left (IBM\u2019s default ACL does this).',
  ),
  'acl-open-ssh': inbound('acl-open-ssh', 'network_acl', 'ssh', 'medium', ADMIN),
  'acl-open-rdp': inbound('acl-open-rdp', 'network_acl', 'rdp', 'medium', ADMIN),
  'acl-open-port': inbound(
    'acl-open-port',
    'network_acl',
    'other-ports',
    'low',
    'The subnet lets a port outside the allowed list in from the internet.',
  ),
} satisfies Record<Extract<NetworkRuleId, InboundRuleId>, NetworkRule>;

export { inboundRules };
