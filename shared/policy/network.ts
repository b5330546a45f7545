// The `policy.network` section of manifest.yaml: which network posture checks run on the VPCs that
// hold guarded instances, what counts as expected, and how severe each finding is. Findings are only
// ever ticketed — the guard never changes a security group, ACL, flow log or gateway. Like the rest of
// the policy, objects are strict, `null` means "not set", and defaults follow IBM's guidance.
import * as v from 'valibot';
import { exemptionByIdOrName, objectMessage, Text, wholeNumberIn } from './blocks.ts';
import { SEVERITIES, type Severity } from './profiles.ts';

// ---- Vocabularies (the rule registry in functions/network/rules is keyed by these) -------------------

/** Groups of rules the policy switches on and off, one per part of IBM's network guidance. */
const NETWORK_CHECKS = ['flow-logs', 'inbound', 'private-paths'] as const;

/** Every network rule; `severities` may only name these. */
const NETWORK_RULE_IDS = [
  'flow-logs-missing',
  'flow-logs-partial',
  'sg-open-all-ports',
  'sg-open-ssh',
  'sg-open-rdp',
  'sg-open-port',
  'acl-open-all-ports',
  'acl-open-ssh',
  'acl-open-rdp',
  'acl-open-port',
  'vpe-missing',
  'vpn-missing',
] as const;

type NetworkCheck = (typeof NETWORK_CHECKS)[number];
type NetworkRuleId = (typeof NETWORK_RULE_IDS)[number];

/** Web traffic is meant to come from anywhere; every other port open to the world is a finding. */
const DEFAULT_ALLOWED_PORTS = [80, 443];
/** The IBM service most VPC workloads reach (backups, logs, images) and the one IBM's VPE docs lead with. */
const DEFAULT_PRIVATE_SERVICES = ['cloud-object-storage'];

// ---- Building blocks -------------------------------------------------------------------------------

const PORT_MESSAGE = 'a port is a whole number from 1 to 65535';
const Port = wholeNumberIn(1, 65535, PORT_MESSAGE);

const CheckSchema = v.picklist(
  NETWORK_CHECKS,
  (issue) => `unknown check ${issue.received}; known checks: ${NETWORK_CHECKS.join(', ')}`,
);

const RuleIdSchema = v.picklist(
  NETWORK_RULE_IDS,
  (issue) => `unknown network rule ${issue.received}; known rules: ${NETWORK_RULE_IDS.join(', ')}`,
);

const SeveritySchema = v.picklist(
  SEVERITIES,
  (issue) => `severity must be one of ${SEVERITIES.join(', ')} (got ${issue.received})`,
);

// ---- Sections --------------------------------------------------------------------------------------

const PrivatePaths = v.strictObject(
  {
    /** VPC names or ids (globs) whose instances must reach IBM services over private paths. */
    vpcs: v.nullish(v.array(Text, 'expected a list of VPC names, ids or globs'), []),
    /** IBM services (the service name in the VPE target's CRN) each such VPC needs a VPE for. */
    services: v.nullish(v.array(Text, 'expected a list of IBM service names'), DEFAULT_PRIVATE_SERVICES),
    /** Also require a VPN gateway in each such VPC (private access from your own networks). */
    vpn: v.nullish(v.boolean('expected true or false'), false),
  },
  objectMessage,
);

/** A time-boxed, approved exception for one VPC, named by id or by name (exactly one). */
const NetworkExemption = exemptionByIdOrName('network', {
  /** Narrows `name` (VPC names are unique per region). */
  region: v.optional(Text),
});

const NetworkPolicy = v.strictObject(
  {
    /** Reads only (the guard's `is` Viewer suffices); false skips the VPCs entirely. */
    enabled: v.nullish(v.boolean('expected true or false'), true),
    checks: v.nullish(
      v.pipe(v.array(CheckSchema, 'expected a list of checks'), v.minLength(1, 'list at least one check')),
      [...NETWORK_CHECKS],
    ),
    /** Inbound from anywhere on these ports is expected (a web server), not a finding. */
    allowed_ports: v.nullish(v.array(Port, 'expected a list of ports'), DEFAULT_ALLOWED_PORTS),
    private_paths: v.nullish(PrivatePaths, {}),
    /** Overrides of the rules' own severities. */
    severities: v.nullish(v.record(RuleIdSchema, SeveritySchema), {}),
    exempt_vpcs: v.nullish(v.array(NetworkExemption), []),
  },
  objectMessage,
);

type NetworkPolicy = v.InferOutput<typeof NetworkPolicy>;
type NetworkPolicyInput = v.InferInput<typeof NetworkPolicy>;
type NetworkExemption = v.InferOutput<typeof NetworkExemption>;

/** What an absent `policy.network` section means. */
const NETWORK_POLICY_DEFAULTS: NetworkPolicy = v.parse(NetworkPolicy, {});

export type { NetworkCheck, NetworkExemption, NetworkPolicyInput, NetworkRuleId, Severity };
export {
  DEFAULT_ALLOWED_PORTS,
  DEFAULT_PRIVATE_SERVICES,
  NETWORK_CHECKS,
  NETWORK_POLICY_DEFAULTS,
  NETWORK_RULE_IDS,
  NetworkPolicy,
};
