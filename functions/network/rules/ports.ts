// Pure port arithmetic for the inbound rules: which tcp/udp ports a security group or network ACL
// leaves reachable from anywhere (0.0.0.0/0). Security groups only allow, in any order; ACL rules are
// evaluated in order, so an earlier deny from anywhere takes its ports out of every later allow.
import type { NetworkAcl, SecurityGroup } from '#shared/cloud/vpc-network.ts';

/** Inclusive port ranges, sorted and merged. */
type PortSet = readonly (readonly [number, number])[];

type Transport = 'tcp' | 'udp';

const TRANSPORTS: readonly Transport[] = ['tcp', 'udp'];
const MIN_PORT = 1;
const MAX_PORT = 65535;
const FULL: PortSet = [[MIN_PORT, MAX_PORT]];
const EMPTY: PortSet = [];

const normalise = (ranges: readonly (readonly [number, number])[]): PortSet => {
  const sorted = ranges.filter(([lo, hi]) => lo <= hi).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
};

const union = (a: PortSet, b: PortSet): PortSet => normalise([...a, ...b]);

const subtract = (a: PortSet, b: PortSet): PortSet => {
  let rest: [number, number][] = a.map(([lo, hi]) => [lo, hi]);
  for (const [blo, bhi] of b) {
    rest = rest.flatMap(([lo, hi]): [number, number][] => {
      if (bhi < lo || blo > hi) return [[lo, hi]];
      return [
        ...(lo < blo ? ([[lo, blo - 1]] as [number, number][]) : []),
        ...(bhi < hi ? ([[bhi + 1, hi]] as [number, number][]) : []),
      ];
    });
  }
  return rest;
};

const has = (set: PortSet, port: number): boolean => set.some(([lo, hi]) => lo <= port && port <= hi);

const isFull = (set: PortSet): boolean =>
  set.length === 1 && set[0]?.[0] === MIN_PORT && set[0][1] === MAX_PORT;

const single = (port: number): PortSet => [[port, port]];

const describe = (t: Transport, set: PortSet): string[] =>
  set.map(([lo, hi]) => `${t} ${lo === hi ? lo : `${lo}-${hi}`}`);

/** `any` is every IP protocol; `icmp_tcp_udp` (`all` before API 2025-12-09) is icmp, tcp and udp. */
const WIDE_PROTOCOLS = new Set(['any', 'all', 'icmp_tcp_udp']);

const carries = (protocol: string, t: Transport): boolean => WIDE_PROTOCOLS.has(protocol) || protocol === t;

/** A CIDR of prefix length 0 matches every address. */
const isAnywhere = (cidr: string | undefined): boolean => cidr !== undefined && /\/0$/.test(cidr.trim());

interface RuleRef {
  id: string;
  name: string;
}

/** One inbound rule, as the evaluation sees it. */
interface Entry {
  ref: RuleRef;
  action: 'allow' | 'deny';
  protocol: string;
  /** Destination ports (every port for a protocol without ports). */
  ports: PortSet;
  fromAnywhere: boolean;
}

const rangeOf = (protocol: string, min: number | undefined, max: number | undefined): PortSet =>
  (protocol === 'tcp' || protocol === 'udp') && min !== undefined && max !== undefined ? [[min, max]] : FULL;

const securityGroupEntries = (sg: Pick<SecurityGroup, 'rules'>): Entry[] =>
  sg.rules
    .filter((r) => r.direction === 'inbound')
    .map((r) => ({
      ref: { id: r.id, name: r.name ?? r.id },
      action: 'allow',
      protocol: r.protocol,
      ports: rangeOf(r.protocol, r.port_min, r.port_max),
      fromAnywhere: isAnywhere(r.remote.cidr_block),
    }));

const aclEntries = (acl: Pick<NetworkAcl, 'rules'>): Entry[] =>
  acl.rules
    .filter((r) => r.direction === 'inbound')
    .map((r) => ({
      ref: { id: r.id, name: r.name },
      action: r.action,
      protocol: r.protocol,
      ports: rangeOf(r.protocol, r.destination_port_min, r.destination_port_max),
      fromAnywhere: isAnywhere(r.source),
    }));

interface Reachable {
  tcp: PortSet;
  udp: PortSet;
  /** Which allow rule opened which ports (after earlier denies). */
  by: { ref: RuleRef; transport: Transport; ports: PortSet }[];
}

/**
 * In order, per transport: a rule from anywhere decides the ports no earlier one decided (the first
 * match wins); rules from narrower sources decide nothing for the rest of the world.
 */
const reachableFromAnywhere = (entries: readonly Entry[]): Reachable => {
  const out: Reachable = { tcp: EMPTY, udp: EMPTY, by: [] };
  for (const t of TRANSPORTS) {
    let decided: PortSet = EMPTY;
    let open: PortSet = EMPTY;
    for (const e of entries) {
      if (!e.fromAnywhere || !carries(e.protocol, t)) continue;
      const fresh = subtract(e.ports, decided);
      if (e.action === 'allow' && fresh.length > 0) {
        open = union(open, fresh);
        out.by.push({ ref: e.ref, transport: t, ports: fresh });
      }
      decided = union(decided, e.ports);
    }
    out[t] = open;
  }
  return out;
};

export type { Entry, PortSet, Reachable, RuleRef, Transport };
export {
  aclEntries,
  describe,
  FULL,
  has,
  isAnywhere,
  isFull,
  reachableFromAnywhere,
  securityGroupEntries,
  single,
  subtract,
  TRANSPORTS,
  union,
};
