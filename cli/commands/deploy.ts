// TODO(deploy): `imds-guard deploy` (stub until implemented).
import type { Command } from 'commander';

const registerDeploy = (_program: Command): void => {};

export { registerDeploy };
