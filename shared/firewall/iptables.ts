// The iptables form: a file for `iptables-restore --noflush` that owns one chain (IMDS_GUARD) in the
// filter table, plus the one command that hooks the chain into OUTPUT only when it is not hooked yet.
import {
  type FirewallSpec,
  fileHeader,
  METADATA_SERVICE,
  NAMES,
  type PlannedRule,
  planRules,
  principalText,
} from './spec.ts';

const METADATA_MATCH = `-d ${METADATA_SERVICE.address}/32 -p tcp -m multiport --dports ${METADATA_SERVICE.ports
  .map((p) => p.port)
  .join(',')}`;

/** `-C` finds the hook, `-I … 1` adds it first in OUTPUT so no earlier ACCEPT can bypass it. */
const HOOK = {
  check: `iptables -w -C OUTPUT -j ${NAMES.chain}`,
  insert: `iptables -w -I OUTPUT 1 -j ${NAMES.chain}`,
  remove: `iptables -w -D OUTPUT -j ${NAMES.chain}`,
} as const;

const ownerMatch = (rule: PlannedRule): string => {
  const m = rule.match;
  switch (m.owner) {
    case 'anyone':
      return '';
    case 'user':
      return ` -m owner --uid-owner ${principalText(m.who)}`;
    case 'group':
      // --suppl-groups: members of the group count too, so adding a user to it needs no rule change.
      return ` -m owner --gid-owner ${principalText(m.who)} --suppl-groups`;
  }
};

const target = (rule: PlannedRule): string =>
  rule.verdict === 'reject' ? '-j REJECT --reject-with tcp-reset' : '-j RETURN';

const ruleLine = (rule: PlannedRule): string =>
  `-A ${NAMES.chain} ${METADATA_MATCH}${ownerMatch(rule)} -m comment --comment "${rule.comment}" ${target(rule)}`;

/** The restore input itself: `:CHAIN` empties the chain under --noflush, so applying twice leaves one set. */
const iptablesRestoreInput = (spec: FirewallSpec): string =>
  ['*filter', `:${NAMES.chain} - [0:0]`, ...planRules(spec).map(ruleLine), 'COMMIT', ''].join('\n');

const GROUP_NOTE = [
  "Groups match the process's group or any supplementary group (--suppl-groups; a kernel without it refuses the file).",
];

const renderIptables = (spec: FirewallSpec): string => {
  const header = fileHeader(spec, 'iptables rules', GROUP_NOTE, [
    `Everything lives in one chain, ${NAMES.chain}, so other rules in the filter table are never touched.`,
    'Apply (safe to repeat: declaring the chain empties it first, and the hook is added only when missing):',
    `  iptables-restore -w --noflush < imds-guard.rules`,
    `  ${HOOK.check} 2>/dev/null || ${HOOK.insert}`,
    'Never without --noflush: plain iptables-restore first empties the whole filter table.',
    `Verify: iptables -S ${NAMES.chain}; as a rejected user, curl http://${METADATA_SERVICE.address}/ fails at once.`,
    `Remove: ${HOOK.remove} && iptables -w -F ${NAMES.chain} && iptables -w -X ${NAMES.chain}`,
  ]);
  return `${header}\n${iptablesRestoreInput(spec)}`;
};

export { HOOK as IPTABLES_HOOK, iptablesRestoreInput, renderIptables };
