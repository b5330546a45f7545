// TODO(validate): `imds-guard validate` (stub until implemented).
import type { Command } from 'commander';

const registerValidate = (_program: Command): void => {};

export { registerValidate };
