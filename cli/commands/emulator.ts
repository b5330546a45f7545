// `imds-guard emulator`: the local IBM Cloud, until SIGINT/SIGTERM. First stdout line: listening URL.
import type { Command } from 'commander';
import { startEmulator } from '#emulator/index.ts';
import { type GenerateOptions, parseGenerateOptions } from '#emulator/scenario/generate.ts';
import { ScenarioError } from '#emulator/scenario/load.ts';
import { parsePort, UsageError, untilStopSignal } from '../options.ts';

/** Keys of `--generate`, in the spellings users type (`templates-per-region`, `templates_per_region`). */
const GENERATE_KEYS = {
  instances: 'instances',
  regions: 'regions',
  seed: 'seed',
  profiles: 'profiles',
  templatesperregion: 'templatesPerRegion',
  groupsperregion: 'groupsPerRegion',
  resourcegroups: 'resourceGroups',
  vpcsperregion: 'vpcsPerRegion',
} satisfies Record<string, keyof GenerateOptions>;

/** `instances=100000,regions=10,seed=s` → validated generator options. */
const parseGenerateSpec = (spec: string): GenerateOptions => {
  const raw: Record<string, string | number> = {};
  for (const part of spec.split(',').filter((p) => p.trim() !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--generate: "${part}" is not key=value`);
    const typed = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    const norm = typed.toLowerCase().replace(/[-_]/g, '');
    const key = Object.hasOwn(GENERATE_KEYS, norm)
      ? GENERATE_KEYS[norm as keyof typeof GENERATE_KEYS]
      : undefined;
    if (!key)
      throw new UsageError(
        `--generate: unknown key "${typed}" (known: ${Object.values(GENERATE_KEYS).join(', ')})`,
      );
    if (key === 'seed') raw[key] = value;
    else {
      const n = Number(value);
      if (value === '' || !Number.isInteger(n))
        throw new UsageError(`--generate: ${key} must be an integer, got "${value}"`);
      raw[key] = n;
    }
  }
  if (raw.instances === undefined) throw new UsageError('--generate: instances=N is required');
  try {
    return parseGenerateOptions(raw);
  } catch (err) {
    if (err instanceof ScenarioError)
      throw new UsageError(
        err.issues.map((i) => `--generate: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'),
      );
    throw err;
  }
};

const registerEmulator = (program: Command): void => {
  program
    .command('emulator')
    .description('run the local IBM Cloud emulator on 127.0.0.1 (until SIGINT/SIGTERM)')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--scenario <file>', 'scenario document (YAML or JSON); default: the built-in demo scenario')
    .option(
      '--generate <spec>',
      'generate a large account instead: instances=N[,regions=R,seed=S,profiles=P,templates-per-region=T,' +
        'groups-per-region=G,resource-groups=K,vpcs-per-region=V]',
    )
    .action(async (opts: { port: number; scenario?: string; generate?: string }) => {
      if (opts.scenario && opts.generate) throw new UsageError('use either --scenario or --generate');
      let running: Awaited<ReturnType<typeof startEmulator>>;
      try {
        running = await startEmulator({
          port: opts.port,
          ...(opts.generate ? { generate: parseGenerateSpec(opts.generate) } : {}),
          ...(opts.scenario ? { scenarioFile: opts.scenario } : {}),
        });
      } catch (err) {
        // A scenario's problems are the caller's to fix: exit 2 like any usage error.
        if (err instanceof ScenarioError) throw new UsageError(err.message, { cause: err });
        throw err;
      }
      // Handlers before the line: whoever reads "listening" may send SIGTERM at once.
      const stopped = untilStopSignal();
      process.stdout.write(`${JSON.stringify({ event: 'listening', url: running.url })}\n`);
      await stopped;
      await running.close();
      process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`);
    });
};

export { parseGenerateSpec, registerEmulator };
