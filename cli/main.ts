// The imds-guard command line. Each command lives in cli/commands/ and registers itself here; errors
// are mapped to exit codes once, here: usage and input errors 2 with one line, anything else 1.
import { Command, CommanderError } from 'commander';
import { ConfigError, errorMessage, InvalidInputError } from '#shared/errors.ts';
import { UsageError } from './options.ts';

type Register = (program: Command) => void;

/**
 * Every command, loaded only when it runs (or for the overall help): `scan --help` parses the scan
 * command alone, not the emulator, the deploy planner or the SDKs the others use.
 */
const COMMANDS = {
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  emulator: async () => (await import('./commands/emulator.ts')).registerEmulator,
  invoke: async () => (await import('./commands/invoke.ts')).registerInvoke,
  serve: async () => (await import('./commands/serve.ts')).registerServe,
  revert: async () => (await import('./commands/revert.ts')).registerRevert,
  scan: async () => (await import('./commands/scan.ts')).registerScan,
  report: async () => (await import('./commands/report.ts')).registerReport,
  validate: async () => (await import('./commands/validate.ts')).registerValidate,
  deploy: async () => (await import('./commands/deploy.ts')).registerDeploy,
  firewall: async () => (await import('./commands/firewall.ts')).registerFirewall,
  'check-plan': async () => (await import('./commands/check-plan.ts')).registerCheckPlan,
  doctor: async () => (await import('./commands/doctor.ts')).registerDoctor,
} satisfies Record<string, () => Promise<Register>>;

type CommandName = keyof typeof COMMANDS;

/** The commands to register: the one named on the command line, else all (help, a typo's suggestion). */
const wanted = (argv: readonly string[]): CommandName[] => {
  const name = argv.slice(2).find((a) => !a.startsWith('-'));
  return name !== undefined && Object.hasOwn(COMMANDS, name)
    ? [name as CommandName]
    : (Object.keys(COMMANDS) as CommandName[]);
};

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
try {
  for (const register of await Promise.all(wanted(process.argv).map((name) => COMMANDS[name]())))
    register(program);
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err, program.opts<{ verbose?: boolean }>().verbose === true);
}
