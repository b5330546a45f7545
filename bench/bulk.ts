// Bulk engine at scale, on a generated 100,000-instance account (10 regions, 3 VPCs each; emulator in
// its own process) with 20 ms latency on every call. Rows: plan CPU per instance next to the JSON-parse
// floor of the same pages; peak RSS of a plan (max of 3) and of `scan --help`; shards 1/2/4 as Code
// Engine array indices (wall, CPU per shard, list calls per shard and in sum, union equality); apply
// throughput over the per-region rate bound with one core busy (a child busy-looping). Scans run as child
// processes (the CLI as users run it, the job bundle as Code Engine runs it) with a tiny preload that
// reports their CPU time, peak RSS and HTTP requests (list calls counted per process). Medians.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildCli, buildComponents } from '../scripts/build.mjs';
import { median, type Row, spawnEmulator, token } from './lib.ts';

const INSTANCES = 100_000;
const REGIONS = 10;
const VPCS_PER_REGION = 3;
const LATENCY_MS = 20;
const RUNS = 3;
const PAGE = 100;

/** Apply row: a per-region limit low enough that it, not the emulator, binds. */
const RATE = { rps: 15, burst: 15 };
/**
 * Apply row: every 100th instance (`<region>-vsi-…00`, one per page, 100 per region) is flipped between
 * hop limit 1 and 2, so every region has work all along its listing.
 */
const SLICE = '*-vsi-????00';

/** Collection reads: what "list calls" counts (VPC regions, VPCs, instances, templates, groups). */
const LIST_PATH = String.raw`/v1/(regions|vpcs|instances|instance/templates|instance_groups)(\?|$)`;

const PRELOAD = `const dc = require('node:diagnostics_channel');
const LIST = new RegExp(${JSON.stringify(LIST_PATH)});
let requests = 0; let list = 0;
dc.subscribe('http.client.request.start', ({ request }) => {
  requests += 1;
  if (request.method === 'GET' && LIST.test(request.path)) list += 1;
});
process.on('exit', () => {
  const u = process.resourceUsage();
  require('node:fs').writeSync(2, '\\nUSAGE ' + JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssMb: u.maxRSS / 1024, requests, list }) + '\\n');
});`;

interface Usage {
  cpuMs: number;
  maxRssMb: number;
  requests: number;
  list: number;
}

interface ChildRun extends Usage {
  ms: number;
  code: number | null;
  tail: string;
}

/** One child process (stdout to `out` or nowhere): wall time, exit code, what its preload reported. */
const child = (
  args: string[],
  env: Record<string, string>,
  preload: string,
  out?: string,
): Promise<ChildRun> =>
  new Promise((resolve, reject) => {
    const fd = out ? openSync(out, 'w') : 'ignore';
    const t0 = performance.now();
    const p = spawn(process.execPath, ['--require', preload, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', fd, 'pipe'],
    });
    if (typeof fd === 'number') closeSync(fd);
    let err = '';
    p.stderr?.on('data', (c: Buffer) => {
      err = (err + c.toString('utf8')).slice(-4000);
    });
    p.on('error', reject);
    p.on('close', (code) => {
      const usage = /USAGE (\{.*\})/.exec(err)?.[1];
      const u: Usage = usage ? JSON.parse(usage) : { cpuMs: 0, maxRssMb: 0, requests: 0, list: 0 };
      resolve({
        ms: performance.now() - t0,
        code,
        ...u,
        tail: err
          .replace(/\nUSAGE .*\n?/, '')
          .trim()
          .split('\n')
          .slice(-3)
          .join(' | '),
      });
    });
  });

const adminOf = (url: string) => {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/_emulator${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    if (!res.ok) throw new Error(`admin ${method} ${path} → ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    fault: async (spec: Record<string, unknown>) =>
      (await call<{ faults: { id: string }[] }>('POST', '/faults', spec)).faults[0]?.id,
    limit: async (spec: Record<string, unknown>) =>
      (await call<{ limits: { id: string }[] }>('POST', '/limits', spec)).limits[0]?.id,
    removeFault: async (id: string | undefined) => {
      if (id) await call('DELETE', `/faults/${id}`);
    },
    last: async () => (await call<{ last: number }>('GET', '/journal?limit=0')).last,
    journal: async (since: number) =>
      (
        await call<{ entries: { region?: string; status: number; time: string; duration_ms: number }[] }>(
          'GET',
          `/journal?since=${since}&service=vpc&limit=100000`,
        )
      ).entries,
  };
};

const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

/** The machine is shared (2 cores): say how busy it was while a row was measured. */
const load = (): string => `load avg ${loadavg()[0]?.toFixed(1)}`;

/** target_crn of every decision line of a JSON-lines file (a regex, not JSON.parse: 100k lines). */
const crnsOf = async (file: string): Promise<string[]> => {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(file) });
  for await (const line of lines) {
    if (!line.includes('"message":"decision"') && !line.includes('"target_crn"')) continue;
    const m = /"target_crn":"([^"]+)"/.exec(line);
    if (m?.[1] && /:instance:/.test(m[1])) out.push(m[1]);
  }
  return out;
};

/**
 * The floor a client cannot go under: JSON.parse of exactly the pages a plan reads (every instance
 * page of every region, `limit=100`), CPU measured around the parse alone.
 */
const parseFloor = async (url: string): Promise<{ msPerInstance: number; instances: number; kb: number }> => {
  const bearer = await token(url, 'imds-guard-demo-key');
  const q = 'version=2026-03-24&generation=2';
  const get = async (path: string): Promise<string> =>
    (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${bearer}` } })).text();
  const { regions } = JSON.parse(await get(`/vpc/us-south/v1/regions?${q}`)) as {
    regions: { name: string }[];
  };
  let cpuUs = 0;
  let instances = 0;
  let bytes = 0;
  for (const r of regions) {
    let path: string | undefined = `/vpc/${r.name}/v1/instances?limit=${PAGE}&${q}`;
    while (path) {
      const text = await get(path);
      bytes += text.length;
      const c0 = process.cpuUsage();
      const page = JSON.parse(text) as { instances: unknown[]; next?: { href: string } };
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
      instances += page.instances.length;
      path = page.next ? new URL(page.next.href).pathname + new URL(page.next.href).search : undefined;
    }
  }
  return { msPerInstance: cpuUs / 1000 / instances, instances, kb: bytes / 1024 / instances };
};

/**
 * `BENCH_APPLY_LOAD=none`: no child, for a run beside a real `npm test` (then the suite is the load);
 * the apply row says which load it ran under.
 */
const childLoad = process.env.BENCH_APPLY_LOAD !== 'none';
const LOAD = childLoad
  ? {
      label: 'one core busy-looping in a child',
      note: 'while a child process busy-loops on one core (the load of the test suite)',
    }
  : {
      label: 'no load child (BENCH_APPLY_LOAD=none)',
      note: 'with no load child: whatever else the machine runs is the load',
    };

/**
 * Background CPU load standing in for the test suite: one child process busy-looping (one core of
 * the machine's two), started here so every run sees the same load; returns a stop function.
 */
const cpuLoad = (): (() => Promise<void>) => {
  if (!childLoad) return async () => {};
  const p = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return async () => {
    if (p.exitCode === null) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
  };
};

type Env = Record<string, string>;

const planRows = async (
  base: Env,
  preload: string,
  dir: string,
  floor: Awaited<ReturnType<typeof parseFloor>>,
): Promise<Row[]> => {
  const planEnv = {
    ...base,
    IMDS_GUARD_POLICY: JSON.stringify({
      instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } },
    }),
  };
  const plan = [
    'bin/imds-guard.mjs',
    'scan',
    '--include',
    'instances',
    '--json',
    '--no-progress',
    '--concurrency',
    '64',
    '--region-concurrency',
    '8',
  ];
  const runs: ChildRun[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await child(plan, planEnv, preload, join(dir, 'plan.jsonl')));
  if (runs.some((r) => r.code !== 3))
    throw new Error(`plan run failed: ${runs.map((r) => r.tail).join(' / ')}`);
  const decided = (await crnsOf(join(dir, 'plan.jsonl'))).length;
  const help = await child(['bin/imds-guard.mjs', 'scan', '--help'], base, preload);
  const cpu = median(runs.map((r) => r.cpuMs / INSTANCES));
  const rss = Math.max(...runs.map((r) => r.maxRssMb));
  const design = `CLI scan --include instances --json (records to a file), 64 in flight, ${LATENCY_MS} ms latency; ${decided.toLocaleString('en-US')} records`;
  return [
    {
      bench: 'bulk',
      metric: 'plan CPU per instance (median of 3, whole process incl. start)',
      value: round(cpu, 4),
      unit: 'ms',
      goal: '<= 0.05 ms',
      ok: cpu <= 0.05,
      note: `${design}; ${round(median(runs.map((r) => r.cpuMs)) / 1000, 1)} s CPU, ${round(median(runs.map((r) => r.ms)) / 1000, 1)} s wall; process start alone (scan --help) ${round(help.cpuMs)} ms CPU; ${round(cpu / floor.msPerInstance, 1)}× the parse floor; ${load()}`,
    },
    {
      bench: 'bulk',
      metric: 'JSON.parse floor per instance (the same pages, one pass, in the bench process)',
      value: round(floor.msPerInstance, 4),
      unit: 'ms',
      note: `JSON.parse of every instance page of every region (limit=${PAGE}, ${round(floor.kb, 1)} KB of JSON per instance), CPU around the parse only, in the bench process; ${load()}`,
    },
    {
      bench: 'bulk',
      metric: 'peak RSS of a 100k-instance plan (max of 3)',
      value: round(rss),
      unit: 'MB',
      goal: '<= 200 MB',
      ok: rss <= 200,
      note: `${design}; getrusage maxRSS per run: ${runs.map((r) => round(r.maxRssMb)).join(', ')} MB; ${load()}`,
    },
    {
      bench: 'bulk',
      metric: 'peak RSS of `scan --help`',
      value: round(help.maxRssMb),
      unit: 'MB',
      note: `getrusage maxRSS; ${load()}`,
    },
  ];
};

const shardRows = async (base: Env, preload: string, dir: string): Promise<Row[]> => {
  const jobEnv = (index: number, size: number): Env => ({
    ...base,
    IMDS_GUARD_POLICY: JSON.stringify({
      instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } },
    }),
    IMDS_GUARD_SCAN_APPLY: 'false',
    IMDS_GUARD_SCAN_INCLUDE: 'instances',
    IMDS_GUARD_SCAN_CONCURRENCY: '64',
    IMDS_GUARD_SCAN_REGION_CONCURRENCY: '8',
    JOB_INDEX: String(index),
    JOB_ARRAY_SIZE: String(size),
  });
  const job = join('dist', 'jobs', 'sweep', 'index.js');
  const rows: Row[] = [];
  let full: Set<string> | undefined;
  let oneScanList = 0;
  for (const n of [1, 2, 4]) {
    const walls: number[] = [];
    const cpus: number[] = [];
    let lists: number[] = [];
    const listRuns = new Set<string>();
    let union: string[] = [];
    for (let rep = 0; rep < RUNS; rep += 1) {
      const files = Array.from({ length: n }, (_, k) => join(dir, `shard-${n}-${k}.jsonl`));
      const t0 = performance.now();
      const runs = await Promise.all(files.map((f, k) => child([job], jobEnv(k, n), preload, f)));
      walls.push(performance.now() - t0);
      if (runs.some((r) => r.code !== 0))
        throw new Error(`shard run failed: ${runs.map((r) => r.tail).join(' / ')}`);
      cpus.push(median(runs.map((r) => r.cpuMs)));
      lists = runs.map((r) => r.list);
      listRuns.add(lists.join(' / '));
      if (rep === RUNS - 1) union = (await Promise.all(files.map(crnsOf))).flat();
    }
    const sum = lists.reduce((a, b) => a + b, 0);
    if (n === 1) {
      full = new Set(union);
      oneScanList = sum;
    }
    const unique = new Set(union);
    const equal =
      full !== undefined &&
      unique.size === union.length &&
      unique.size === full.size &&
      [...unique].every((c) => full?.has(c));
    rows.push({
      bench: 'bulk',
      metric: `shards ${n}: wall (median of ${RUNS}, job array of ${n} in parallel)`,
      value: round(median(walls) / 1000, 1),
      unit: 's',
      note: `job bundle planning every instance (64 in flight, ${LATENCY_MS} ms latency); CPU per shard ${round(median(cpus) / 1000, 1)} s (median of ${RUNS} runs of the shards' median); list calls per shard ${lists.join(' / ')}${listRuns.size > 1 ? ` (last run; others ${[...listRuns].slice(0, -1).join(', ')})` : ` (each of the ${RUNS} runs)`} = ${sum} in sum (${round(sum / Math.max(1, oneScanList), 3)}× one scan's); union of the shards' records ${equal ? 'equals' : 'DIFFERS FROM'} the 1-shard plan (${unique.size.toLocaleString('en-US')} instances, ${union.length - unique.size} repeated); ${load()}`,
    });
    if (n === 4) {
      const ratio = sum / Math.max(1, oneScanList);
      const share = Math.max(...lists) / Math.max(1, sum);
      rows.push(
        {
          bench: 'bulk',
          metric: 'list calls: sum over 4 shards / one scan',
          value: round(ratio, 3),
          unit: 'ratio',
          goal: '<= 1.10',
          ok: ratio <= 1.1,
          note: `GET of regions, VPCs, instances, templates, instance groups counted in each process (${sum} vs ${oneScanList})`,
        },
        {
          bench: 'bulk',
          metric: "largest shard's share of the list calls (4 shards)",
          value: round(share, 3),
          unit: 'ratio',
          goal: '<= 0.5',
          ok: share <= 0.5,
          note: `per shard ${lists.join(' / ')}`,
        },
      );
    }
    if (!equal)
      rows.push({
        bench: 'bulk',
        metric: `shards ${n}: union equals the plan`,
        value: 0,
        unit: 'bool',
        goal: '1',
        ok: false,
      });
  }
  return rows;
};

const applyRow = async (base: Env, preload: string, admin: ReturnType<typeof adminOf>): Promise<Row> => {
  const limit = await admin.limit({ service: 'vpc', ...RATE });
  const ratios: number[] = [];
  const cpu: string[] = [];
  const rates: number[] = [];
  const loads: string[] = [];
  let refusedShare = 0;
  const stopLoad = cpuLoad();
  try {
    for (let i = 0; i < RUNS; i += 1) {
      // Alternating hop limits: every run has the slice to change, so no reset between runs.
      const policy = {
        instances: {
          default: { mode: 'audit' },
          exemptions: { access_tags: [] },
          rules: [
            { name: 'slice', match: { names: [SLICE] }, mode: 'secure', hop_limit: i % 2 === 0 ? 2 : 1 },
          ],
        },
      };
      const since = await admin.last();
      const run = await child(
        [
          'bin/imds-guard.mjs',
          'scan',
          '--apply',
          '--include',
          'instances',
          '--no-progress',
          '--concurrency',
          '80',
          '--region-concurrency',
          '8',
        ],
        { ...base, IMDS_GUARD_POLICY: JSON.stringify(policy) },
        preload,
      );
      loads.push(load());
      if (run.code !== 0) throw new Error(`rate-limited apply exited ${run.code}: ${run.tail}`);
      const entries = await admin.journal(since);
      const ok = entries.filter((e) => e.status !== 429);
      const perRegion = new Map<string, number>();
      for (const e of ok) perRegion.set(e.region ?? '', (perRegion.get(e.region ?? '') ?? 0) + 1);
      const start = Math.min(...entries.map((e) => Date.parse(e.time)));
      const end = Math.max(...entries.map((e) => Date.parse(e.time) + e.duration_ms));
      // The fastest any client could go: each region's calls beyond its burst at the region's rate.
      const boundMs = Math.max(
        ...[...perRegion.values()].map((n) => (Math.max(0, n - RATE.burst) / RATE.rps) * 1000),
      );
      ratios.push(boundMs / (end - start));
      rates.push(ok.length / ((end - start) / 1000));
      cpu.push(`${round(run.cpuMs / 1000, 1)} s CPU in ${round(run.ms / 1000, 1)} s`);
      refusedShare = Math.max(refusedShare, (entries.length - ok.length) / entries.length);
    }
  } finally {
    await stopLoad();
    await admin.removeFault(limit);
  }
  const ratio = median(ratios);
  return {
    bench: 'bulk',
    metric: `apply throughput / per-region rate bound (median of 3, ${LOAD.label})`,
    value: round(ratio, 3),
    unit: 'ratio',
    goal: '>= 0.9',
    ok: ratio >= 0.9,
    note: `runs ${ratios.map((r) => round(r, 3)).join(', ')}: scan --apply of every instance (per region: 100 pages and 100 GET+PATCH), limit ${RATE.rps} rps/region (burst ${RATE.burst}), 8 in flight per region, ${LOAD.note}; ${round(median(rates))} calls/s of ${RATE.rps * REGIONS}; 429s ≤ ${round(refusedShare * 100, 1)} % of requests; the scan process: ${cpu.join(', ')}; bound = max over regions of (calls − burst)/rps, from the emulator journal; ${loads.join(', ')}`,
  };
};

const bulkScan = async (): Promise<Row[]> => {
  await buildCli();
  await buildComponents();
  const dir = mkdtempSync(join(tmpdir(), 'imds-guard-bench-bulk-'));
  const preload = join(dir, 'usage.cjs');
  writeFileSync(preload, PRELOAD);
  const emu = await spawnEmulator([
    '--generate',
    `instances=${INSTANCES},regions=${REGIONS},vpcs-per-region=${VPCS_PER_REGION},seed=bench-bulk`,
  ]);
  const admin = adminOf(emu.url);
  const base = { IMDS_GUARD_ENDPOINT: emu.url, IMDS_GUARD_APIKEY: 'imds-guard-demo-key' };
  const only = (process.env.BENCH_BULK_ROWS ?? 'plan,shards,apply').split(',');
  const rows: Row[] = [];
  try {
    const floor = only.includes('plan') ? await parseFloor(emu.url) : undefined;
    await admin.fault({ latency_ms: LATENCY_MS });
    // Each row is printed as soon as it is measured: a later failure does not lose it.
    const keep = (got: Row[]): void => {
      for (const r of got) process.stderr.write(`bulk row: ${JSON.stringify(r)}\n`);
      rows.push(...got);
    };
    if (floor) keep(await planRows(base, preload, dir, floor));
    if (only.includes('shards')) keep(await shardRows(base, preload, dir));
    if (only.includes('apply')) keep([await applyRow(base, preload, admin)]);
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
};

export { bulkScan };
