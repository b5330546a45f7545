// IBM Cloud resource names: `crn:v1:bluemix:public:<service>:<location>:a/<account>::<type>:<id>`.
// One parser for every place that reads a target's service, region, account or id.

interface Crn {
  service: string;
  /** A region (`us-south`), a zone (`us-south-1`), or empty for global services. */
  location: string;
  /** The location's region: VPC zones are their region plus a number. */
  region: string;
  account: string | undefined;
  type: string;
  id: string;
}

/** `us-south-1` → `us-south`; regions and `global` stay as they are. */
const regionOf = (location: string): string => location.replace(/-\d+$/, '');

const parseCrn = (crn: string): Crn | undefined => {
  const p = crn.split(':');
  if (p[0] !== 'crn' || p.length < 10) return undefined;
  const scope = p[6] ?? '';
  const location = p[5] ?? '';
  return {
    service: p[4] ?? '',
    location,
    region: regionOf(location),
    account: scope.startsWith('a/') && scope.length > 2 ? scope.slice(2) : undefined,
    type: p[8] ?? '',
    id: p.slice(9).join(':'),
  };
};

export type { Crn };
export { parseCrn, regionOf };
