// Small helpers shared by benchmarks: child processes (pinned to a CPU or not), HTTP load with
// keep-alive, statistics.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

interface Row {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** Human goal, e.g. ">= 3000". */
  goal?: string;
  ok?: boolean;
  note?: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Starts `imds-guard emulator` in its own process (its own core) and waits for the listening line. */
const spawnEmulator = async (
  args: string[] = [],
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> => {
  const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'emulator', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
};

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Closed-loop load: `concurrency` workers over keep-alive sockets for `seconds`. */
const load = async (
  url: string,
  options: { concurrency: number; seconds: number; headers?: Record<string, string>; path: () => string },
): Promise<LoadResult> => {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(url);
  const deadline = performance.now() + options.seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: options.path(),
          method: 'GET',
          agent,
          headers: options.headers,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors += 1;
            latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
};

const run = promisify(execFile);

/** `node -e script` as a command line: on one CPU (`taskset -c`, util-linux) when `cpu` is given. */
const nodeCommand = (script: string, cpu?: number): [string, string[]] =>
  cpu === undefined
    ? [process.execPath, ['-e', script]]
    : ['taskset', ['-c', String(cpu), process.execPath, '-e', script]];

let pinnable: Promise<boolean> | undefined;

/** Can this machine pin a process to one of several CPUs (`taskset` present, at least two CPUs)? Asked once. */
const canPin = (): Promise<boolean> => {
  pinnable ??=
    availableParallelism() < 2
      ? Promise.resolve(false)
      : run(...nodeCommand('', 0)).then(
          () => true,
          () => false,
        );
  return pinnable;
};

const token = async (url: string, apikey: string): Promise<string> => {
  const res = await fetch(`${url}/identity/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
};

export type { LoadResult, Row };
export { canPin, load, median, nodeCommand, percentile, spawnEmulator, token };
