// TODO(revert): `imds-guard revert` (stub until implemented).
import type { Command } from 'commander';

const registerRevert = (_program: Command): void => {};

export { registerRevert };
