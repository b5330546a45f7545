// The output formats of `imds-guard firewall`, keyed by the `--format` value.
import { renderCloudInit } from './cloud-init.ts';
import { renderIptables } from './iptables.ts';
import { renderNftables } from './nftables.ts';
import type { FirewallSpec } from './spec.ts';

type FirewallFormat = 'iptables' | 'nftables' | 'cloud-init';

interface FirewallFormatter {
  describe: string;
  render: (spec: FirewallSpec) => string;
}

const FORMATS = {
  iptables: { describe: 'a file for iptables-restore --noflush (chain IMDS_GUARD)', render: renderIptables },
  nftables: { describe: 'a file for nft -f (table inet imds_guard)', render: renderNftables },
  'cloud-init': {
    describe: '#cloud-config user data: an apply script and a systemd unit that runs it at boot',
    render: renderCloudInit,
  },
} satisfies Record<FirewallFormat, FirewallFormatter>;

const FIREWALL_FORMATS = Object.keys(FORMATS) as FirewallFormat[];

const isFirewallFormat = (raw: string): raw is FirewallFormat => Object.hasOwn(FORMATS, raw);

export type { FirewallFormat, FirewallFormatter };
export { FIREWALL_FORMATS, FORMATS as FIREWALL_FORMATTERS, isFirewallFormat };
