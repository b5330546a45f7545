// The imds-guard command line. Each command lives in cli/commands/ and registers itself here.
import { Command } from 'commander';
import { registerEmulator } from './commands/emulator.ts';

const COMMANDS = [registerEmulator] satisfies ((program: Command) => void)[];

const program = new Command('imds-guard')
  .description('Guard for IBM Cloud VPC instance metadata and trusted profiles, on Code Engine')
  .version('0.1.0');
for (const register of COMMANDS) register(program);

await program.parseAsync(process.argv);
