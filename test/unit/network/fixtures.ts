// Small postures for the network rule tables: one VPC, two instances in two zones, nothing else unless
// a test adds it. Shapes are what the emulator (and IBM) send, narrowed to what the rules read.
import * as v from 'valibot';
import type { VpcPosture } from '#functions/network/types.ts';
import type { NetworkAcl, SecurityGroup, SecurityGroupRule } from '#shared/cloud/vpc-network.ts';
import { NetworkPolicy, type NetworkPolicyInput } from '#shared/policy/network.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const VPC_ID = 'r006-11111111-1111-4111-8111-111111111111';
const crn = (type: string, id: string): string =>
  `crn:v1:bluemix:public:is:us-south:a/${ACCOUNT}::${type}:${id}`;

const posture = (extra: Partial<VpcPosture> = {}): VpcPosture => ({
  account_id: ACCOUNT,
  region: 'us-south',
  vpc: { id: VPC_ID, crn: crn('vpc', VPC_ID), name: 'prod-vpc' },
  instances: [
    {
      id: 'i-1',
      crn: crn('instance', 'i-1'),
      name: 'web-01',
      zone: 'us-south-1',
      nic_ids: ['nic-1'],
      subnet_ids: ['sub-1'],
    },
    {
      id: 'i-2',
      crn: crn('instance', 'i-2'),
      name: 'web-02',
      zone: 'us-south-2',
      nic_ids: ['nic-2'],
      subnet_ids: ['sub-2'],
    },
  ],
  flow_log_collectors: [
    {
      id: 'fl-vpc',
      crn: crn('flow-log-collector', 'fl-vpc'),
      name: 'vpc-flows',
      active: true,
      lifecycle_state: 'stable',
      target: { id: VPC_ID, resource_type: 'vpc', name: 'prod-vpc' },
    },
  ],
  security_groups: [],
  network_acls: [],
  endpoint_gateways: [],
  vpn_gateways: [],
  ...extra,
});

type RuleInput = Partial<SecurityGroupRule> & { remote?: SecurityGroupRule['remote'] };

let n = 0;
const sgRule = (r: RuleInput): SecurityGroupRule => {
  n += 1;
  return {
    id: `rule-${n}`,
    name: `rule-${n}`,
    direction: 'inbound',
    protocol: 'tcp',
    remote: { cidr_block: '0.0.0.0/0' },
    ...r,
  };
};

const group = (
  rules: RuleInput[],
  name = 'web-sg',
): Pick<SecurityGroup, 'id' | 'crn' | 'name' | 'rules' | 'targets'> => ({
  id: `sg-${name}`,
  crn: crn('security-group', `sg-${name}`),
  name,
  rules: rules.map(sgRule),
  targets: [{ id: 'nic-1', resource_type: 'network_interface' }],
});

type AclInput = Partial<NetworkAcl['rules'][number]> & { port?: number };

const acl = (
  rules: AclInput[],
  name = 'prod-acl',
): Pick<NetworkAcl, 'id' | 'crn' | 'name' | 'rules' | 'subnets'> => ({
  id: `acl-${name}`,
  crn: crn('network-acl', `acl-${name}`),
  name,
  rules: rules.map(({ port, ...r }, i) => ({
    id: `acl-rule-${i}`,
    name: `acl-rule-${i}`,
    action: 'allow',
    direction: 'inbound',
    protocol: 'any',
    source: '0.0.0.0/0',
    destination: '0.0.0.0/0',
    ...(port !== undefined ? { destination_port_min: port, destination_port_max: port } : {}),
    ...r,
  })),
  subnets: [{ id: 'sub-1' }, { id: 'sub-2' }],
});

const policy = (input: NetworkPolicyInput = {}) => v.parse(NetworkPolicy, input);

export { ACCOUNT, acl, crn, group, policy, posture, VPC_ID };
