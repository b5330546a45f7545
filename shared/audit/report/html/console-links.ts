// Links to the IBM Cloud console page of each resource, one pattern per kind. The instance pattern is
// the console's own (`/vpc-ext/compute/vs/{region}~{id}/overview`, seen in public tools that link to
// it); the trusted-profile page takes the profile's IAM id (`iam-Profile-…`, seen in an IBM Terraform
// example's output); the template and VPC pages follow the instance pattern — UNCONFIRMED (see
// docs/report.md).

const CONSOLE_URLS = {
  instance: 'https://cloud.ibm.com/vpc-ext/compute/vs/{region}~{id}/overview',
  'instance-template': 'https://cloud.ibm.com/vpc-ext/compute/templates/{region}~{id}/overview',
  profile: 'https://cloud.ibm.com/iam/trusted-profiles/iam-{id}',
  vpc: 'https://cloud.ibm.com/vpc-ext/network/vpcs/{region}~{id}/overview',
} satisfies Record<string, string>;

/** The console page of a resource, or null for kinds (or missing ids) without one. */
const consoleUrl = (kind: string, region: string | null, id: string | null): string | null => {
  const pattern = (CONSOLE_URLS as Record<string, string>)[kind];
  if (!pattern || !id || (pattern.includes('{region}') && !region)) return null;
  return pattern
    .replace('{region}', encodeURIComponent(region ?? ''))
    .replace('{id}', encodeURIComponent(id.replace(/^iam-/, '')));
};

export { CONSOLE_URLS, consoleUrl };
