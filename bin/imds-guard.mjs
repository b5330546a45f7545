#!/usr/bin/env node
// The `imds-guard` command. Runs the CLI bundle built by `npm ci` (prepare); builds it if missing.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.mjs', import.meta.url);
if (!existsSync(entry)) {
  const { buildCli } = await import('../scripts/build.mjs');
  await buildCli();
}
await import(entry.href);
