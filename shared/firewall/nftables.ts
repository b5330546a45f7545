// The nftables form: an `nft -f` file that owns one table (inet imds_guard). It declares the table,
// deletes it and builds it again in one atomic transaction, so the first apply and every later one end
// with exactly one copy, and no other table is touched.
import {
  type FirewallSpec,
  fileHeader,
  METADATA_SERVICE,
  NAMES,
  type PlannedRule,
  type Principal,
  planRules,
} from './spec.ts';

const TABLE = `inet ${NAMES.table}`;

// Names are quoted so one that looks like an nft keyword (`ip`, `tcp`) stays a name.
const owner = (p: Principal): string => (p.kind === 'id' ? String(p.id) : `"${p.name}"`);

const ownerMatch = (rule: PlannedRule): string => {
  const m = rule.match;
  switch (m.owner) {
    case 'anyone':
      return '';
    case 'user':
      return `meta skuid ${owner(m.who)} `;
    case 'group':
      return `meta skgid ${owner(m.who)} `;
  }
};

const verdict = (rule: PlannedRule): string =>
  rule.verdict === 'reject' ? 'reject with tcp reset' : 'return';

const ruleLine = (rule: PlannedRule): string =>
  `\t\t${ownerMatch(rule)}${verdict(rule)} comment "${rule.comment}"`;

/** The ruleset itself, without the explanatory header (the cloud-init script embeds it as is). */
const nftablesRuleset = (spec: FirewallSpec): string => {
  const ports = METADATA_SERVICE.ports.map((p) => p.port).join(', ');
  return [
    '# Declaring the table first makes the delete below succeed on the first apply too.',
    `table ${TABLE}`,
    `delete table ${TABLE}`,
    '',
    `table ${TABLE} {`,
    '\t# Only TCP to the metadata service goes on to the owner checks; everything else is accepted here.',
    '\tchain output {',
    '\t\ttype filter hook output priority filter; policy accept;',
    `\t\tip daddr ${METADATA_SERVICE.address} tcp dport { ${ports} } jump metadata`,
    '\t}',
    '',
    '\tchain metadata {',
    ...planRules(spec).map(ruleLine),
    '\t}',
    '}',
    '',
  ].join('\n');
};

const GROUP_NOTE = [
  "Groups match the process's own group only: nftables cannot see supplementary groups, so run the",
  "program with that group (systemd Group=, sg, or the user's primary group). The iptables form can.",
];

const renderNftables = (spec: FirewallSpec): string => {
  const header = fileHeader(spec, 'nftables ruleset', GROUP_NOTE, [
    `Everything lives in its own table, ${TABLE}; a reject here is final whatever other tables accept.`,
    'Apply (atomic, safe to repeat): nft -f imds-guard.nft     Check first: nft -c -f imds-guard.nft',
    `Verify: nft list table ${TABLE}; as a rejected user, curl http://${METADATA_SERVICE.address}/ fails at once.`,
    `Remove: nft delete table ${TABLE}`,
  ]);
  return `${header}\n\n${nftablesRuleset(spec)}`;
};

export { nftablesRuleset, renderNftables };
