// `imds-guard invoke <function> [--event FILE|-]`: one invocation exactly as Code Engine would call
// `main(params)` for a POST of that body to the function URL; prints the function's response JSON.
import type { Command } from 'commander';
import { FUNCTIONS, isFunctionName, loadFunction } from '#functions/registry.ts';
import { loadConfig } from '#shared/config.ts';
import { loadPolicy } from '#shared/policy/load.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { readInput, UsageError, verbosityOf } from '../options.ts';

const registerInvoke = (program: Command): void => {
  program
    .command('invoke')
    .description('invoke a function once, as Code Engine would, with a request body from a file or stdin')
    .argument('<function>', `one of: ${Object.keys(FUNCTIONS).join(', ')}`)
    .option('--event <file>', 'request body (an Activity Tracker event, or any delivery); - for stdin', '-')
    .option('--content-type <type>', 'Content-Type of the request', 'application/json')
    .action(async (name: string, opts: { event: string; contentType: string }, command: Command) => {
      if (!isFunctionName(name))
        throw new UsageError(`unknown function "${name}"; known: ${Object.keys(FUNCTIONS).join(', ')}`);
      // A configuration the function cannot load is the caller's to fix: exit 2 here (a deployed function
      // answers it with one failed decision instead, shared/runtime/misconfigured.ts).
      await loadPolicy(loadConfig(process.env));
      const body = await readInput(opts.event, '--event');
      const main = await loadFunction(name);
      const params = paramsFromHttp({
        method: 'POST',
        path: '/',
        query: '',
        headers: { 'content-type': opts.contentType, 'content-length': String(body.length) },
        body,
      });
      // What Code Engine would hand the function, for whoever is debugging an envelope.
      if (verbosityOf(command) === 'verbose') process.stderr.write(`params: ${JSON.stringify(params)}\n`);
      const response = await main(params);
      process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      process.exitCode = response.statusCode >= 500 ? 1 : 0;
    });
};

export { registerInvoke };
