// The imds-guard command line. Each command lives in cli/commands/ and registers itself here.
import { Command } from 'commander';
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

const program = new Command('imds-guard')
  .description('Guard for IBM Cloud VPC instance metadata and trusted profiles, on Code Engine')
  .version('0.1.0');
for (const register of COMMANDS) register(program);

await program.parseAsync(process.argv);
