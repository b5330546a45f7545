// TODO(scan): `imds-guard scan` (stub until implemented).
import type { Command } from 'commander';

const registerScan = (_program: Command): void => {};

export { registerScan };
