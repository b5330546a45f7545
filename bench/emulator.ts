// Emulator figures: authenticated GET /instances/{id} throughput with keep-alive (goal ≥ 3,000 req/s).
import { load, median, type Row, spawnEmulator, token } from './lib.ts';

const VERSION = 'version=2026-03-24&generation=2';

const emulatorThroughput = async (): Promise<Row[]> => {
  const emu = await spawnEmulator();
  try {
    const bearer = await token(emu.url, 'imds-guard-demo-key');
    const headers = { authorization: `Bearer ${bearer}`, accept: 'application/json' };
    const list = await fetch(`${emu.url}/vpc/us-south/v1/instances?${VERSION}&limit=100`, { headers });
    const ids = ((await list.json()) as { instances: { id: string }[] }).instances.map((i) => i.id);
    if (ids.length === 0) throw new Error('no instances in us-south');
    let n = 0;
    const path = (): string => {
      n += 1;
      return `/vpc/us-south/v1/instances/${ids[n % ids.length]}?${VERSION}`;
    };
    await load(emu.url, { concurrency: 16, seconds: 1, headers, path }); // warm-up
    const runs = [];
    for (let i = 0; i < 3; i += 1)
      runs.push(await load(emu.url, { concurrency: 16, seconds: 3, headers, path }));
    const rps = median(runs.map((r) => r.rps));
    const errors = runs.reduce((s, r) => s + r.errors, 0);
    return [
      {
        bench: 'emulator',
        metric: 'GET /instances/{id} (auth, keep-alive, 16 conns) throughput',
        value: Math.round(rps),
        unit: 'req/s',
        goal: '>= 3000',
        ok: rps >= 3000 && errors === 0,
        note: `median of 3×3 s; p50 ${median(runs.map((r) => r.p50)).toFixed(2)} ms, p99 ${median(runs.map((r) => r.p99)).toFixed(2)} ms; errors ${errors}`,
      },
    ];
  } finally {
    await emu.stop();
  }
};

export { emulatorThroughput };
