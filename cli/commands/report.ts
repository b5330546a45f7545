// TODO(report): `imds-guard report` (stub until implemented).
import type { Command } from 'commander';

const registerReport = (_program: Command): void => {};

export { registerReport };
