// The imds-guard command line. Each command lives in cli/commands/ and registers itself here; errors
// are mapped to exit codes once, here: usage and input errors 2 with one line, anything else 1.
import { Command, CommanderError } from 'commander';
import { ConfigError, errorMessage, InvalidInputError } from '#shared/errors.ts';
import { registerCheckPlan } from './commands/check-plan.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDeploy } from './commands/deploy.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerEmulator } from './commands/emulator.ts';
import { registerFirewall } from './commands/firewall.ts';
import { registerInvoke } from './commands/invoke.ts';
import { registerReport } from './commands/report.ts';
import { registerRevert } from './commands/revert.ts';
import { registerScan } from './commands/scan.ts';
import { registerServe } from './commands/serve.ts';
import { registerValidate } from './commands/validate.ts';
import { UsageError } from './options.ts';

const COMMANDS = [
  registerDemo,
  registerEmulator,
  registerInvoke,
  registerServe,
  registerRevert,
  registerScan,
  registerReport,
  registerValidate,
  registerDeploy,
  registerFirewall,
  registerCheckPlan,
  registerDoctor,
] satisfies ((program: Command) => void)[];

/** The caller's to fix (a bad argument, file, policy or manifest): exit 2, not a crash. */
const USAGE_ERRORS = [UsageError, InvalidInputError, ConfigError] as const;

/** Exit code for an error that ended a command; prints it as one line (commander prints its own). */
const exitCodeFor = (err: unknown, verbose: boolean): number => {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  process.stderr.write(`imds-guard: ${errorMessage(err)}\n`);
  if ((verbose || process.env.IMDS_GUARD_LOG_LEVEL === 'debug') && err instanceof Error)
    process.stderr.write(`${err.stack}\n`);
  return USAGE_ERRORS.some((E) => err instanceof E) ? 2 : 1;
};

const program = new Command('imds-guard')
  .description('Guard for IBM Cloud VPC instance metadata and trusted profiles, on Code Engine')
  .version('0.1.0')
  .option('-q, --quiet', 'say less on stderr: only results and errors')
  .option('-v, --verbose', 'say more on stderr: what each step does, and a stack with an unexpected error')
  // Commander throws instead of exiting (commands registered below inherit this), so exitCodeFor decides.
  .exitOverride();
for (const register of COMMANDS) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err, program.opts<{ verbose?: boolean }>().verbose === true);
}
