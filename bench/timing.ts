// Timing goals that tests used to assert with wall-clock bounds (issue 9): tests now check counts, and
// these rows keep the speed goals visible — as medians, on a machine that may be loaded.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { EmulatorState, type InstanceRec } from '#emulator/core/state.ts';
import { pageInstances } from '#emulator/services/vpc-paging.ts';
import { createMain } from '#functions/sweep/index.ts';
import { silentLogger } from '#shared/audit/logger.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { envFor } from '../test/helpers/emulator.ts';
import { GUARD_KEY, startAccount } from '../test/integration/bulk/support.ts';
import { median, type Row } from './lib.ts';

const RUNS = 3;
const run = promisify(execFile);
const load = (): string => `load average ${loadavg()[0]?.toFixed(1)}`;

/** `npm start`: the whole demo story, process start included. */
const demoSeconds = async (): Promise<number> => {
  const t0 = performance.now();
  await run(process.execPath, ['bin/imds-guard.mjs', 'demo', '--json'], { maxBuffer: 64 * 1024 * 1024 });
  return (performance.now() - t0) / 1000;
};

const instance = (state: EmulatorState, i: number): InstanceRec => ({
  id: `0717_${String(i).padStart(8, '0')}`,
  crn: `crn:v1:bluemix:public:is:us-south-1:a/acct::instance:${i}`,
  name: `vm-${i}`,
  region: 'us-south',
  zone: 'us-south-1',
  vpc_id: 'vpc',
  resource_group_id: 'rg',
  image_id: undefined,
  profile: 'bx2-2x8',
  status: 'running',
  created_at: '2026-01-15T09:00:00Z',
  metadata_service: { enabled: false, protocol: 'http', response_hop_limit: 1 },
  rev: 1,
  seq: state.nextSeq(),
});

/** The emulator's paging index: 100,000 instances walked in pages of 100, as a client follows next. */
const pagingWalkMs = (): number => {
  const state = new EmulatorState();
  const rs = state.addRegion({ name: 'us-south', status: 'available', zones: [] });
  for (let i = 0; i < 100_000; i += 1) {
    const r = instance(state, i);
    rs.instances.set(r.id, r);
  }
  const t0 = performance.now();
  let start: number | undefined;
  do start = pageInstances(rs, undefined, start, 100, Date.now()).nextSeq;
  while (start !== undefined);
  return performance.now() - t0;
};

const ping = (data: Record<string, unknown>) =>
  paramsFromHttp({
    method: 'POST',
    path: '/',
    query: '',
    headers: {
      'content-type': 'application/json',
      'ce-id': `ping-${Math.random().toString(16).slice(2)}`,
      'ce-source': '/apis/v1/namespaces/k3x9qv2m7ta/pingsources/sweep-hourly',
      'ce-specversion': '1.0',
      'ce-time': '2026-09-01T12:17:00.000Z',
      'ce-type': 'dev.knative.sources.ping',
    },
    body: Buffer.from(JSON.stringify(data)),
  });

/** The sweep with a 2 s budget and 20 ms per VPC call on 3,000 instances: ms past its budget. */
const sweepOverrunMs = async (): Promise<number> => {
  const account = await startAccount({
    instances: 3000,
    regions: 3,
    seed: `bench-sweep-${Math.random()}`,
    profiles: 0,
    templatesPerRegion: 0,
    groupsPerRegion: 0,
  });
  try {
    await account.admin.fault({ service: 'vpc', latency_ms: 20 });
    const policy = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };
    const main = createMain({
      env: envFor(account.url, GUARD_KEY, { IMDS_GUARD_POLICY: JSON.stringify(policy) }),
      logger: silentLogger,
    });
    const t0 = performance.now();
    await main(ping({ mode: 'sweep', budget_seconds: 2, region_concurrency: 16, concurrency: 48 }));
    return performance.now() - t0 - 2_000;
  } finally {
    await account.close();
  }
};

const timingGoals = async (): Promise<Row[]> => {
  const demo: number[] = [];
  const walks: number[] = [];
  const overruns: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    demo.push(await demoSeconds());
    walks.push(pagingWalkMs());
    overruns.push(await sweepOverrunMs());
  }
  const d = median(demo);
  const w = median(walks);
  const o = median(overruns);
  return [
    {
      bench: 'timing',
      metric: '`npm start` (demo --json), whole story',
      value: Math.round(d * 10) / 10,
      unit: 's',
      goal: '< 20',
      ok: d < 20,
      note: `median of ${RUNS}, process start included; ${load()}`,
    },
    {
      bench: 'timing',
      metric: 'emulator paging: 100,000 instances walked in pages of 100',
      value: Math.round(w),
      unit: 'ms',
      goal: '< 1000',
      ok: w < 1000,
      note: `median of ${RUNS}; index built once, a binary search per page; ${load()}`,
    },
    {
      bench: 'timing',
      metric: 'sweep past its 2 s budget (in-flight work finishing)',
      value: Math.round(o),
      unit: 'ms',
      goal: '< 1500',
      ok: o < 1500,
      note: `median of ${RUNS}: 3,000 instances, 20 ms per VPC call, 48 in flight; ${load()}`,
    },
  ];
};

export { timingGoals };
