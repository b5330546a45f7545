// How each backend's rules are applied (as the generated files' headers say) and counted in a namespace.
import { expect } from 'vitest';
import { inNetnsOk } from './helpers.ts';

type Backend = 'nftables' | 'iptables';

interface Counted {
  /** Places that send traffic into our rules: nft tables named imds_guard, or OUTPUT jumps to IMDS_GUARD. */
  hooks: number;
  /** Rules carrying an imds-guard comment. */
  rules: number;
}

interface BackendOps {
  apply: (ns: string, text: string) => Promise<void>;
  count: (ns: string) => Promise<Counted>;
}

const count = (text: string, pattern: RegExp): number =>
  text.split('\n').filter((l) => pattern.test(l)).length;

/** The apply commands a generated iptables file documents in its header (`#   …` lines). */
const documentedCommands = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('#   iptables'))
    .map((l) => l.slice(4));

const BACKENDS = {
  nftables: {
    apply: async (ns, text) => {
      await inNetnsOk(ns, 'nft', ['-f', '/dev/stdin'], text);
    },
    count: async (ns) => ({
      hooks: count(await inNetnsOk(ns, 'nft', ['list', 'tables']), /^table inet imds_guard$/),
      rules: count(await inNetnsOk(ns, 'nft', ['list', 'ruleset']), /comment "imds-guard: /),
    }),
  },
  iptables: {
    apply: async (ns, text) => {
      const [restore, hook] = documentedCommands(text);
      expect(restore).toBe('iptables-restore -w --noflush < imds-guard.rules');
      await inNetnsOk(ns, 'iptables-restore', ['-w', '--noflush'], text);
      await inNetnsOk(ns, 'sh', ['-c', hook ?? 'false']);
    },
    count: async (ns) => {
      const rules = await inNetnsOk(ns, 'iptables', ['-w', '-S']);
      return {
        hooks: count(rules, /^-A OUTPUT -j IMDS_GUARD$/),
        rules: count(rules, /^-A IMDS_GUARD .*imds-guard: /),
      };
    },
  },
} satisfies Record<Backend, BackendOps>;

export type { Backend, Counted };
export { BACKENDS };
