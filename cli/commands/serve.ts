// `imds-guard serve [--port N]`: the local Code Engine stand-in. `POST /functions/<name>` behaves like
// a function URL; `POST /app` accepts Kafka-subscription deliveries (CloudEvents binary).
import type { Command } from 'commander';
import { createApp } from '#functions/app/index.ts';
import { FUNCTIONS, type FunctionName, loadFunction } from '#functions/registry.ts';
import { loadConfig } from '#shared/config.ts';
import { startLocalHost } from '#shared/runtime/local-host.ts';
import { parsePort, untilStopSignal } from '../options.ts';

const registerServe = (program: Command): void => {
  program
    .command('serve')
    .description(
      'serve the functions locally: POST /functions/<name> like a function URL, POST /app for Kafka deliveries',
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 8080)
    .action(async (opts: { port: number }) => {
      // A configuration the functions cannot load: exit 2 before listening, not a failure per request.
      loadConfig(process.env);
      const mains = new Map<FunctionName, Awaited<ReturnType<typeof loadFunction>>>();
      const fn = (name: FunctionName) => async () => {
        let m = mains.get(name);
        if (!m) {
          m = await loadFunction(name);
          mains.set(name, m);
        }
        return m;
      };
      const functions = Object.fromEntries((Object.keys(FUNCTIONS) as FunctionName[]).map((n) => [n, fn(n)]));
      // The Kafka-subscription app: every guard that handles the record's action, each ce-id once.
      const handler = createApp();
      const app = async () => handler;
      const host = await startLocalHost({ functions, app }, opts.port);
      // Handlers before the line: whoever reads "listening" may send SIGTERM at once.
      const stopped = untilStopSignal();
      process.stdout.write(
        `${JSON.stringify({ event: 'listening', url: host.url, functions: Object.keys(FUNCTIONS) })}\n`,
      );
      await stopped;
      await host.close();
      process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`);
    });
};

export { registerServe };
