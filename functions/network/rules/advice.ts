// IBM's guidance the network rules follow, quoted verbatim from "Security best practices for the
// instance metadata service" (IBM Cloud Docs, EN), section "Additional network security measures".
// Quoted, not paraphrased, so a ticket can cite IBM's own words.

const NETWORK_ADVICE = {
  securityGroups: 'Restrict access to your instances by using security groups.',
  acls: 'Set up access control lists(ACL) to control all incoming and outgoing traffic in IBM Cloud® Virtual Private Cloud. An ACL is a built-in, virtual firewall, similar to a security group. In contrast to security groups, ACL rules control traffic to and from the subnets, rather than to and from the instances.',
  vpn: 'Use a Virtual Private Network (VPN) for VPC to establish private connections from your remote networks to your VPCs.',
  vpe: 'Use IBM Cloud® Virtual Private Endpoints (VPE) for VPC to connect to supported IBM Cloud services from your VPC network by using the IP addresses of your choosing, which are allocated from a subnet within your VPC.',
  flowLogs: 'Use IBM Cloud flow Logs on the VPC to monitor the traffic that reaches your instances.',
} as const satisfies Record<string, string>;

export { NETWORK_ADVICE };
