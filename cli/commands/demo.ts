// TODO(demo): `imds-guard demo` (stub until implemented).
import type { Command } from 'commander';

const registerDemo = (_program: Command): void => {};

export { registerDemo };
