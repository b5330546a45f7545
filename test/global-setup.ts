// Builds the CLI bundle once before the suite, so tests that spawn `bin/imds-guard.mjs` run current code.
import { buildCli } from '../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildCli();
}
