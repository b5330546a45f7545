// Private paths, where the policy wants them (`private_paths.vpcs`): an endpoint gateway (VPE) for each
// IBM service listed, and — when `private_paths.vpn` — a VPN gateway. Other VPCs are not judged.
import { parseCrn } from '#shared/cloud/crn.ts';
import { anyGlob } from '#shared/policy/match.ts';
import type { NetworkPolicy, NetworkRule, PrivatePathFinding, VpcPosture } from '../types.ts';
import { NETWORK_ADVICE } from './advice.ts';

const USABLE_STATES = new Set(['stable', 'updating']);

type Gateway = VpcPosture['endpoint_gateways'][number];

/** The IBM service a VPE reaches: the service segment of its target CRN, or the infrastructure service name. */
const serviceOf = (g: Gateway): string =>
  g.target.crn ? (parseCrn(g.target.crn)?.service ?? g.target.crn) : (g.target.name ?? '');

const wanted = (p: VpcPosture, policy: NetworkPolicy): boolean =>
  anyGlob(policy.private_paths.vpcs, p.vpc.name) || anyGlob(policy.private_paths.vpcs, p.vpc.id);

const base = (p: VpcPosture) => ({
  kind: 'private-path' as const,
  region: p.region,
  vpc: p.vpc,
  endpoint_gateways: p.endpoint_gateways.map((g) => ({
    id: g.id,
    name: g.name,
    service: serviceOf(g),
    lifecycle_state: g.lifecycle_state,
  })),
  vpn_gateways: p.vpn_gateways.map((g) => ({ id: g.id, name: g.name, lifecycle_state: g.lifecycle_state })),
});

const privatePathRules = {
  'vpe-missing': {
    id: 'vpe-missing',
    check: 'private-paths',
    severity: 'medium',
    title: 'No private endpoint (VPE) for an IBM service',
    explanation:
      'Without an endpoint gateway the instances reach the IBM service over its public endpoint: traffic and credentials leave the private network, and the service cannot be restricted to private access.',
    advice: NETWORK_ADVICE.vpe,
    fix: 'Create an endpoint gateway in the VPC targeting the service (for Cloud Object Storage, its direct endpoint), and point clients at its private endpoint.',
    evaluate: (p, policy) => {
      if (!wanted(p, policy)) return [];
      const have = new Set(
        p.endpoint_gateways.filter((g) => USABLE_STATES.has(g.lifecycle_state)).map(serviceOf),
      );
      return policy.private_paths.services
        .filter((s) => !have.has(s))
        .map(
          (service): PrivatePathFinding => ({
            ...base(p),
            id: `vpe-missing:${p.vpc.id}:${service}`,
            rule_id: 'vpe-missing',
            severity: 'medium',
            service,
            summary: `VPC ${p.vpc.name} must reach IBM services privately (policy private_paths), but has no usable endpoint gateway for ${service}.`,
            affected_crns: [p.vpc.crn],
          }),
        );
    },
  },
  'vpn-missing': {
    id: 'vpn-missing',
    check: 'private-paths',
    severity: 'low',
    title: 'No VPN gateway',
    explanation:
      'Without a VPN gateway, administrators and on-premises systems reach the instances over public addresses, which is what the open SSH/RDP findings usually follow from.',
    advice: NETWORK_ADVICE.vpn,
    fix: 'Create a VPN gateway in the VPC (route mode for most sites) with a connection to your network, and close public administration ports.',
    evaluate: (p, policy) => {
      if (!policy.private_paths.vpn || !wanted(p, policy)) return [];
      if (p.vpn_gateways.some((g) => USABLE_STATES.has(g.lifecycle_state))) return [];
      return [
        {
          ...base(p),
          id: `vpn-missing:${p.vpc.id}`,
          rule_id: 'vpn-missing',
          severity: 'low',
          summary: `VPC ${p.vpc.name} must have a private path from your networks (policy private_paths.vpn), but has no usable VPN gateway.`,
          affected_crns: [p.vpc.crn],
        },
      ];
    },
  },
} satisfies Record<PrivatePathFinding['rule_id'], NetworkRule>;

export { privatePathRules, serviceOf };
