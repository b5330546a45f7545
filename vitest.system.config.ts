import { defineConfig } from 'vitest/config';

// `npm run test:system`: the generated firewall rules loaded by the real tools (root, iptables, nftables,
// iproute2, cloud-init, systemd). Kept out of `npm test` so that stays runnable on a fresh machine.
export default defineConfig({
  test: {
    include: ['test/system/**/*.test.ts'],
    globalSetup: ['test/system/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
