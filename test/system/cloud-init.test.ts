// The cloud-init form's apply script (what the systemd unit runs at boot and runcmd on first boot), run
// twice in a throwaway network namespace per backend: one rule set remains, and it works.
import { describe, expect, test } from 'vitest';
import { ACCOUNTS } from './accounts.ts';
import {
  cloudConfigFiles,
  connectAs,
  generate,
  idOf,
  inNetns,
  inNetnsOk,
  startMetadataStub,
  withNetns,
} from './helpers.ts';
import { BACKENDS } from './rulesets.ts';

const ARGS = [
  '--allow-user',
  `${ACCOUNTS.allowed},0`,
  '--allow-group',
  ACCOUNTS.group,
  '--format',
  'cloud-init',
];

describe('the apply script, run twice', () => {
  test.each([
    { backend: 'nftables', args: [] },
    { backend: 'nftables', args: ['nftables'] },
    { backend: 'iptables', args: ['iptables'] },
  ] as const)(
    '$backend (script arguments $args): one rule set, and it rejects',
    async ({ backend, args }) => {
      // Prepare
      const { script } = cloudConfigFiles(await generate(ARGS));
      await withNetns(async (ns) => {
        const stop = await startMetadataStub(ns);
        try {
          // Act
          const first = await inNetnsOk(ns, 'sh', ['-s', '--', ...args], script);
          const second = await inNetnsOk(ns, 'sh', ['-s', '--', ...args], script);
          // Assess
          expect([first, second]).toEqual([
            `imds-guard-firewall: applied (${backend})\n`,
            `imds-guard-firewall: applied (${backend})\n`,
          ]);
          expect(await BACKENDS[backend].count(ns)).toEqual({ hooks: 1, rules: 4 });
          const denied = { uid: idOf('-u', ACCOUNTS.denied), gid: idOf('-g', ACCOUNTS.denied) };
          expect(await connectAs(ns, denied, 80)).toBe('refused');
          expect(await connectAs(ns, { uid: 0, gid: 0 }, 443)).toBe('connected');
        } finally {
          stop();
        }
      });
    },
  );

  test('an unknown backend: exit 2 and nothing applied', async () => {
    const { script } = cloudConfigFiles(await generate(ARGS));
    await withNetns(async (ns) => {
      const r = await inNetns(ns, 'sh', ['-s', '--', 'pf'], script);
      expect(r).toMatchObject({
        code: 2,
        stderr: "imds-guard-firewall: unknown backend 'pf' (nftables or iptables)\n",
      });
      expect(await BACKENDS.nftables.count(ns)).toEqual({ hooks: 0, rules: 0 });
    });
  });
});
