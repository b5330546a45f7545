// A Code Engine job run of the bulk engine: one array index = one shard (JOB_INDEX of JOB_ARRAY_SIZE),
// options from the environment, decision records on stdout (as the functions log them), progress on
// stderr, and the scan's exit code — except "changes planned" (3), which is a success for a job: Code
// Engine reruns failed indices, and rerunning a dry run changes nothing.

import { logDecision } from '#shared/audit/decision.ts';
import { createLogger, parseLevel } from '#shared/audit/logger.ts';
import { stateFor } from '#shared/audit/trail/index.ts';
import { openTrailStream } from '#shared/audit/trail/stream.ts';
import { ConfigError, errorMessage, InvalidInputError } from '#shared/errors.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { runScan } from './engine.ts';
import { onTermination, signalExitCode } from './interrupt.ts';
import { DEFAULTS, parseCount, parseFlag, parseInclude, parseRegions } from './options.ts';
import { plainProgress } from './progress.ts';
import { shardFromJobEnv } from './shard.ts';
import { EXIT, exitCodeFor } from './summary.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** After SIGTERM: how long in-flight work may take before a hard stop (within Code Engine's grace). */
const HARD_STOP_MS = 8_000;
/** At the hard stop, how long the last trail batch may take before the process exits anyway. */
const TRAIL_LAST_WRITE_MS = 2_000;

/**
 * Environment → scan options. IMDS_GUARD_SCAN_APPLY (default true: a job is the sweep for accounts
 * too large for the function), _REGIONS, _INCLUDE, _CONCURRENCY, _REGION_CONCURRENCY, _MAX_CHANGES,
 * _TIME_LIMIT_SECONDS.
 */
const jobOptions = (env: Env) => {
  const timeLimit = parseCount(env.IMDS_GUARD_SCAN_TIME_LIMIT_SECONDS, 'IMDS_GUARD_SCAN_TIME_LIMIT_SECONDS', {
    min: 1,
    max: 86_400,
  });
  const maxChanges = parseCount(env.IMDS_GUARD_SCAN_MAX_CHANGES, 'IMDS_GUARD_SCAN_MAX_CHANGES', {
    min: 0,
    max: 10_000_000,
  });
  const regions = parseRegions(env.IMDS_GUARD_SCAN_REGIONS);
  const shard = shardFromJobEnv(env);
  return {
    apply: parseFlag(env.IMDS_GUARD_SCAN_APPLY, 'IMDS_GUARD_SCAN_APPLY', true),
    include: parseInclude(env.IMDS_GUARD_SCAN_INCLUDE, DEFAULTS.sweepInclude),
    concurrency:
      parseCount(env.IMDS_GUARD_SCAN_CONCURRENCY, 'IMDS_GUARD_SCAN_CONCURRENCY', { min: 1, max: 256 }) ??
      DEFAULTS.concurrency,
    regionConcurrency:
      parseCount(env.IMDS_GUARD_SCAN_REGION_CONCURRENCY, 'IMDS_GUARD_SCAN_REGION_CONCURRENCY', {
        min: 1,
        max: 64,
      }) ?? DEFAULTS.regionConcurrency,
    ...(regions ? { regions } : {}),
    ...(maxChanges !== undefined ? { maxChanges } : {}),
    ...(shard ? { shard } : {}),
    ...(timeLimit !== undefined ? { stopAt: Date.now() + timeLimit * 1000 } : {}),
    ...(env.CE_JOBRUN ? { runId: env.CE_JOBRUN } : {}),
  };
};

type Runtime = Awaited<ReturnType<ReturnType<typeof runtimeLoader>>>;

/** Options, the runtime and its credentials; what is wrong with them is an exit code (usage for bad input). */
const setUp = async (
  env: Env,
  logger: ReturnType<typeof createLogger>,
  say: (text: string) => void,
): Promise<
  { options: ReturnType<typeof jobOptions>; rt: Runtime; batchRecords: number | undefined } | number
> => {
  try {
    const options = jobOptions(env);
    const batchRecords = parseCount(env.IMDS_GUARD_SWEEP_TRAIL_BATCH, 'IMDS_GUARD_SWEEP_TRAIL_BATCH', {
      min: 1,
      max: 10_000,
    });
    const rt = await runtimeLoader('instance-guard', { env: { ...env }, logger })();
    if (!rt.config.auth) throw new ConfigError('no credentials: set IMDS_GUARD_APIKEY, or a trusted profile');
    return { options, rt, batchRecords };
  } catch (err) {
    say(errorMessage(err));
    return err instanceof ConfigError || err instanceof InvalidInputError ? EXIT.usage : EXIT.failures;
  }
};

/** Runs one shard; resolves to the process exit code. Never throws. */
const runJob = async (
  env: Env = process.env,
  streams: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = {
    out: process.stdout,
    err: process.stderr,
  },
): Promise<number> => {
  const say = (text: string): void => {
    streams.err.write(`imds-guard job: ${text}\n`);
  };
  const logger = createLogger({
    level: parseLevel(env.IMDS_GUARD_LOG_LEVEL),
    fields: { fn: 'sweep' },
    sink: (line) => streams.out.write(`${line}\n`),
  });
  const setup = await setUp(env, logger, say);
  if (typeof setup === 'number') return setup;
  const { options, rt, batchRecords } = setup;
  const label = options.shard ? `shard ${options.shard.index}/${options.shard.count}` : 'job';
  const progress = plainProgress(streams.err, label, 10_000);
  // Records go to the COS trail in batches as they are decided (docs/delivery-and-trail.md).
  const trail = openTrailStream(rt, stateFor(rt), 'sweep', { batchRecords });
  // Code Engine sends SIGTERM on timeout or cancel: finish in-flight work, log its records and a summary.
  const termination = onTermination({
    hardStopMs: HARD_STOP_MS,
    onSignal: (sig) => {
      say(`${sig}: no new work; in-flight changes finish and are logged`);
      void trail.flush();
    },
    onHardStop: (sig) => {
      logger.warn('job summary', { interrupted: sig, complete: false, exit_code: signalExitCode(sig) });
      const last = new Promise((r) => setTimeout(r, TRAIL_LAST_WRITE_MS).unref());
      void Promise.race([trail.flush(), last]).finally(() => process.exit(signalExitCode(sig)));
    },
  });
  try {
    const summary = await runScan(rt, {
      fn: 'sweep',
      ...options,
      signal: termination.signal,
      onRecord: (r) => {
        logDecision(logger, r);
        trail.add(r);
      },
      onProgress: (p) => progress.update(p),
    });
    await trail.close();
    const sig = termination.received();
    const code = sig ? signalExitCode(sig) : exitCodeFor(summary);
    const { regions: _regions, ...line } = summary;
    if (code === EXIT.ok || code === EXIT.changes) logger.info('job summary', { ...line, exit_code: code });
    else logger.warn('job summary', { ...line, exit_code: code });
    return code === EXIT.changes ? EXIT.ok : code;
  } catch (err) {
    await trail.close();
    say(errorMessage(err));
    return EXIT.failures;
  } finally {
    termination.dispose();
  }
};

export { jobOptions, runJob };
