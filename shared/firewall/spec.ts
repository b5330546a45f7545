// What `imds-guard firewall` generates, independent of the format: the metadata service's address and
// ports, the validated users and groups, and the ordered rule plan every format renders.

/** IBM's metadata service: `http://169.254.169.254` and `https://api.metadata.cloud.ibm.com` (same address). */
const METADATA_SERVICE = {
  address: '169.254.169.254',
  ports: [
    { port: 80, protocol: 'http' },
    { port: 443, protocol: 'https' },
  ],
} as const;

/** The names the generated rules own: one iptables chain, one nftables table. */
const NAMES = { chain: 'IMDS_GUARD', table: 'imds_guard' } as const;

/** A user or group as given: a name resolved on the instance when the rules load, or a numeric id. */
type Principal = { kind: 'name'; name: string } | { kind: 'id'; id: number };

type FirewallSpec =
  | { mode: 'deny'; users: Principal[] }
  | { mode: 'allow'; users: Principal[]; groups: Principal[] };

/** One rule of the plan: who it matches, and what happens to their metadata traffic. */
interface PlannedRule {
  match: { owner: 'user' | 'group'; who: Principal } | { owner: 'anyone' };
  verdict: 'reject' | 'return';
  comment: string;
}

interface FirewallOptions {
  denyUser?: string[];
  allowUser?: string[];
  allowGroup?: string[];
}

class FirewallInputError extends Error {
  override name = 'FirewallInputError';
}

// POSIX portable user names (IEEE 1003.1 §3.437) without a leading hyphen; 32 is useradd's limit.
const NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/;
// The kernel's largest valid id: (uid_t)-1 means "no id".
const MAX_ID = 4_294_967_294;

const parsePrincipal = (raw: string, what: 'user' | 'group'): Principal => {
  if (/^\d+$/.test(raw)) {
    const id = Number(raw);
    if (id > MAX_ID) throw new FirewallInputError(`${what} id ${raw} is out of range (0..${MAX_ID})`);
    return { kind: 'id', id };
  }
  if (!NAME.test(raw) || raw === '.' || raw === '..')
    throw new FirewallInputError(
      `"${raw}" is not a valid ${what} name (letters, digits, ".", "_", "-", not starting with "-", at most 32) or numeric id`,
    );
  return { kind: 'name', name: raw };
};

/** Splits commas too (`--deny-user apache,nginx`), drops duplicates, keeps the order given. */
const parsePrincipals = (raw: string[] | undefined, what: 'user' | 'group'): Principal[] => {
  const items = (raw ?? []).flatMap((r) => r.split(',')).filter((r) => r !== '');
  const seen = new Set<string>();
  const out: Principal[] = [];
  for (const item of items) {
    const p = parsePrincipal(item, what);
    const key = principalText(p);
    if (!seen.has(key)) out.push(p);
    seen.add(key);
  }
  return out;
};

const buildSpec = (opts: FirewallOptions): FirewallSpec => {
  const deny = parsePrincipals(opts.denyUser, 'user');
  const users = parsePrincipals(opts.allowUser, 'user');
  const groups = parsePrincipals(opts.allowGroup, 'group');
  const allowing = users.length + groups.length > 0;
  if (deny.length > 0 && allowing)
    throw new FirewallInputError('choose one form: --deny-user, or --allow-user/--allow-group, not both');
  if (deny.length > 0) return { mode: 'deny', users: deny };
  if (allowing) return { mode: 'allow', users, groups };
  throw new FirewallInputError('name who is limited: --deny-user U…, or --allow-user U… [--allow-group G…]');
};

const principalText = (p: Principal): string => (p.kind === 'id' ? String(p.id) : p.name);

const planRules = (spec: FirewallSpec): PlannedRule[] => {
  switch (spec.mode) {
    case 'deny':
      return spec.users.map((who) => ({
        match: { owner: 'user', who },
        verdict: 'reject',
        comment: `imds-guard: deny user ${principalText(who)}`,
      }));
    case 'allow':
      return [
        ...spec.users.map(
          (who): PlannedRule => ({
            match: { owner: 'user', who },
            verdict: 'return',
            comment: `imds-guard: allow user ${principalText(who)}`,
          }),
        ),
        ...spec.groups.map(
          (who): PlannedRule => ({
            match: { owner: 'group', who },
            verdict: 'return',
            comment: `imds-guard: allow group ${principalText(who)}`,
          }),
        ),
        { match: { owner: 'anyone' }, verdict: 'reject', comment: 'imds-guard: reject everyone else' },
      ];
  }
};

/** What every format says about loading: names are looked up then, and how a rejection looks. */
const LOAD_NOTES = [
  'Names are resolved when the rules load: each must exist on the instance then (numeric ids need not).',
  'Rejected connections get a TCP reset, so clients fail at once ("Connection refused") instead of hanging.',
];

const hasGroups = (spec: FirewallSpec): boolean => spec.mode === 'allow' && spec.groups.length > 0;

const isRoot = (p: Principal): boolean => (p.kind === 'id' ? p.id === 0 : p.name === 'root');

const listText = (ps: Principal[]): string => (ps.length === 0 ? '(none)' : ps.map(principalText).join(', '));

/** The "what and why" every generated file starts with, as plain lines (each format adds its comment mark). */
const describeSpec = (spec: FirewallSpec): string[] => {
  const ports = METADATA_SERVICE.ports.map((p) => `${p.protocol} (tcp/${p.port})`).join(' and ');
  const intro = [
    `Limits which local users reach IBM Cloud's instance metadata service, ${METADATA_SERVICE.address} over`,
    `${ports}, with the socket-owner match that IBM's "Security best practices`,
    'for the instance metadata service" recommends (section "Use iptables firewall to limit access on Linux").',
  ];
  switch (spec.mode) {
    case 'deny':
      return [
        ...intro,
        `Form: deny. Processes running as these users are rejected: ${listText(spec.users)}.`,
        'Every other user, root included, is left alone.',
      ];
    case 'allow':
      return [
        ...intro,
        'Form: allow. Only processes running as these users, or with these groups, get through:',
        `users ${listText(spec.users)}; groups ${listText(spec.groups)}.`,
        ...(spec.users.some(isRoot)
          ? ['Every other process is rejected (root is listed above, so it passes).']
          : [
              'Every other process is rejected, root included (as in IBM\'s example): list "root" if root\'s',
              'tools must reach the service. Root can still remove these rules; they stop mistakes, not root.',
            ]),
      ];
  }
};

/** `#` comment lines, an empty line a bare `#`: how every generated file writes its explanations. */
const commentLines = (lines: readonly string[]): string[] => lines.map((l) => (l === '' ? '#' : `# ${l}`));

/**
 * The comment header of a rules file: what it is, the spec, the notes (the format's own note on groups
 * when the spec has groups), then how to apply, verify and remove it.
 */
const fileHeader = (
  spec: FirewallSpec,
  what: string,
  groupNote: readonly string[],
  usage: readonly string[],
): string =>
  commentLines([
    `imds-guard firewall: ${what} (generated by \`imds-guard firewall\`; change the command, not this file).`,
    '',
    ...describeSpec(spec),
    ...(hasGroups(spec) ? groupNote : []),
    ...LOAD_NOTES,
    '',
    ...usage,
  ]).join('\n');

export type { FirewallOptions, FirewallSpec, PlannedRule, Principal };
export {
  buildSpec,
  commentLines,
  describeSpec,
  FirewallInputError,
  fileHeader,
  hasGroups,
  LOAD_NOTES,
  METADATA_SERVICE,
  NAMES,
  parsePrincipal,
  planRules,
  principalText,
};
