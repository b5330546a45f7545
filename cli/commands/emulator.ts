// `imds-guard emulator`: the local IBM Cloud, until SIGINT/SIGTERM. First stdout line: listening URL.
import type { Command } from 'commander';
import { startEmulator } from '#emulator/index.ts';
import { ScenarioError } from '#emulator/scenario/load.ts';
import { parsePort } from '../options.ts';

const registerEmulator = (program: Command): void => {
  program
    .command('emulator')
    .description('run the local IBM Cloud emulator on 127.0.0.1 (until SIGINT/SIGTERM)')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--scenario <file>', 'scenario document (YAML or JSON); default: the built-in demo scenario')
    .action(async (opts: { port: number; scenario?: string }) => {
      let running: Awaited<ReturnType<typeof startEmulator>>;
      try {
        running = await startEmulator({
          port: opts.port,
          ...(opts.scenario ? { scenarioFile: opts.scenario } : {}),
        });
      } catch (err) {
        if (err instanceof ScenarioError) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      process.stdout.write(`${JSON.stringify({ event: 'listening', url: running.url })}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.close();
      process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`);
    });
};

export { registerEmulator };
