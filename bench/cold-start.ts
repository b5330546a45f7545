// Cold start of each deployed bundle (a fresh `node` requiring it, far from node_modules) for an
// ignored event and for a remediating one, as a ratio to a bare `node -e ''` in the same run; and
// warm CPU per event in one long-lived process. Medians; the emulator runs in its own process.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildComponents, COMPONENTS } from '../scripts/build.mjs';
import { median, type Row, spawnEmulator, token } from './lib.ts';

const run = promisify(execFile);
const RUNS = 15;
const VERSION = 'version=2026-03-24&generation=2';
const POLICY = JSON.stringify({
  instances: { default: { mode: 'disable' }, exemptions: { access_tags: [] } },
});
const IGNORED = { action: 'is.volume.volume.update', outcome: 'success' };

/** Wall time of one `node` process, in ms. */
const timeNode = async (args: string[], cwd: string, env: Record<string, string>): Promise<number> => {
  const t0 = performance.now();
  await run(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
  return performance.now() - t0;
};

/** Wall time from spawn until the process prints a line containing `marker` (then it is stopped). */
const timeUntil = (
  args: string[],
  cwd: string,
  env: Record<string, string>,
  marker: string,
): Promise<number> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(marker)) {
        const ms = performance.now() - t0;
        child.kill('SIGTERM');
        resolve(ms);
      }
    });
    child.on('exit', (code) => {
      if (!out.includes(marker)) reject(new Error(`exited ${code} before "${marker}"`));
    });
  });

const updateEvent = (crn: string, name: string): Record<string, unknown> => {
  const base = JSON.parse(
    readFileSync('events/fixtures/at/is.instance.instance.update.json', 'utf8'),
  ) as Record<string, unknown>;
  return {
    ...base,
    id: `bench-${crn.slice(-12)}-${Math.random()}`,
    target: { ...(base.target as object), id: crn, name },
  };
};

const coldStart = async (): Promise<Row[]> => {
  await buildComponents();
  const dir = mkdtempSync(join(tmpdir(), 'imds-guard-bench-'));
  const emu = await spawnEmulator(['--generate', 'instances=3000,regions=1,seed=bench-cold']);
  try {
    for (const c of COMPONENTS) cpSync(join('dist', c.out), join(dir, c.name), { recursive: true });
    const bearer = await token(emu.url, 'imds-guard-demo-key');
    // Instances that need a change: enabled on http. Each remediating run gets its own.
    const insecure: { id: string; crn: string; name: string }[] = [];
    let start: string | undefined;
    while (insecure.length < RUNS * 2 + 200) {
      const res = await fetch(
        `${emu.url}/vpc/us-south/v1/instances?${VERSION}&limit=100${start ? `&start=${start}` : ''}`,
        {
          headers: { authorization: `Bearer ${bearer}` },
        },
      );
      const page = (await res.json()) as {
        instances: {
          id: string;
          crn: string;
          name: string;
          image?: { name?: string };
          metadata_service: { enabled: boolean; protocol: string };
        }[];
        next?: { href: string };
      };
      // Skip images whose allowed-use requires the metadata service: IBM refuses those changes.
      insecure.push(
        ...page.instances.filter(
          (i) =>
            i.metadata_service.enabled &&
            i.metadata_service.protocol === 'http' &&
            i.image?.name !== 'imds-agent-image',
        ),
      );
      start = page.next ? (new URL(page.next.href).searchParams.get('start') ?? undefined) : undefined;
      if (!start) break;
    }
    const env = {
      IMDS_GUARD_ENDPOINT: emu.url,
      IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
      IMDS_GUARD_POLICY: POLICY,
      IMDS_GUARD_LOG_LEVEL: 'error',
    };
    const cwd = join(dir, 'instance-guard');
    const invoke = (params: unknown): string[] => [
      '-e',
      `require('./index.js').main(${JSON.stringify(params)}).then((r)=>{if(r.statusCode>=300&&r.statusCode!==202)process.exit(3)})`,
    ];

    const bare: number[] = [];
    const ignored: number[] = [];
    const remediating: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      // Interleaved, so machine noise hits all three alike.
      bare.push(await timeNode(['-e', ''], cwd, {}));
      ignored.push(await timeNode(invoke(IGNORED), cwd, env));
      const target = insecure[i];
      if (!target) throw new Error('not enough insecure instances in the generated account');
      remediating.push(await timeNode(invoke(updateEvent(target.crn, target.name)), cwd, env));
    }
    const b = median(bare);
    const ig = median(ignored);
    const re = median(remediating);

    // Network share of a remediating run: the emulator's own time for its requests (token, GET, PATCH).
    const journal = (await (await fetch(`${emu.url}/_emulator/journal?service=vpc`)).json()) as {
      entries: { duration_ms: number }[];
    };
    const serverMs = median(journal.entries.map((e) => e.duration_ms)) * 3;

    // Warm CPU per event: one process, many events (ignored, and remediating on fresh instances).
    const warmScript = `
      const { main } = require('./index.js');
      const events = JSON.parse(require('node:fs').readFileSync(process.env.EVENTS_FILE, 'utf8'));
      (async () => {
        for (let i = 0; i < 200; i++) await main({ action: 'is.volume.volume.update', outcome: 'success', id: 'w' + i });
        let c0 = process.cpuUsage();
        for (let i = 0; i < 2000; i++) await main({ action: 'is.volume.volume.update', outcome: 'success', id: 'x' + i });
        let c1 = process.cpuUsage(c0);
        const ignoredCpu = (c1.user + c1.system) / 1000 / 2000;
        const ignoredUser = c1.user / 1000 / 2000;
        await main(events[0]);
        c0 = process.cpuUsage();
        for (let i = 1; i < events.length; i++) await main(events[i]);
        c1 = process.cpuUsage(c0);
        const remediatingCpu = (c1.user + c1.system) / 1000 / (events.length - 1);
        const remediatingUser = c1.user / 1000 / (events.length - 1);
        process.stdout.write('\\nWARM ' + JSON.stringify({ ignoredCpu, ignoredUser, remediatingCpu, remediatingUser }) + '\\n');
      })();`;
    const warmEvents = insecure.slice(RUNS, RUNS + 101).map((t) => updateEvent(t.crn, t.name));
    const eventsFile = join(dir, 'events.json');
    writeFileSync(eventsFile, JSON.stringify(warmEvents));
    const { stdout } = await run(process.execPath, ['-e', warmScript], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env, EVENTS_FILE: eventsFile },
      maxBuffer: 16 * 1024 * 1024,
    });
    const warmLine = stdout.split('\n').find((l) => l.startsWith('WARM ')) ?? 'WARM {}';
    const warm = JSON.parse(warmLine.slice(5)) as {
      ignoredCpu: number;
      ignoredUser: number;
      remediatingCpu: number;
      remediatingUser: number;
    };

    // Every other deployed component, cold, on its no-op input (medians of 7, interleaved with bare node).
    const others: Record<string, { cwd: string; run: () => Promise<number>; what: string }> = {
      'profile-guard': {
        cwd: 'profile-guard',
        run: () => timeNode(invoke(IGNORED), join(dir, 'profile-guard'), env),
        what: 'function, ignored event',
      },
      sweep: {
        cwd: 'sweep',
        run: () => timeNode(invoke(IGNORED), join(dir, 'sweep'), env),
        what: 'function, not a cron ping (202)',
      },
      app: {
        cwd: 'app',
        run: () => timeUntil(['index.js'], join(dir, 'app'), { ...env, PORT: '0' }, 'listening'),
        what: 'app, process start to listening',
      },
      'cos-job': {
        cwd: 'cos-job',
        run: () =>
          timeNode(['index.js'], join(dir, 'cos-job'), {
            ...env,
            CE_TYPE: 'com.ibm.cloud.cos.document.delete',
            CE_ID: 'bench-1',
            CE_SOURCE: 'https://cloud.ibm.com/catalog/services/cloud-object-storage/b',
            CE_SPECVERSION: '1.0',
            CE_DATA: JSON.stringify({
              bucket: 'b',
              key: 'k.log',
              operation: 'Object:Delete',
              notification: { bucket_name: 'b', object_name: 'k.log', event_type: 'Object:Delete' },
            }),
          }),
        what: 'job run, a COS delete notification (nothing to do)',
      },
      'sweep-job': {
        cwd: 'sweep-job',
        run: () =>
          timeNode(['index.js'], join(dir, 'sweep-job'), {
            ...env,
            JOB_INDEX: '999',
            JOB_ARRAY_SIZE: '1000',
            IMDS_GUARD_SCAN_REGIONS: 'us-south',
          }),
        what: 'job run, shard 999/1000 planning a 3,000-instance region (lists all 30 pages)',
      },
    };
    const otherRows: Row[] = [];
    for (const [name, o] of Object.entries(others)) {
      const bareRuns: number[] = [];
      const runs: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        bareRuns.push(await timeNode(['-e', ''], cwd, {}));
        runs.push(await o.run());
      }
      const m = median(runs);
      const bm = median(bareRuns);
      otherRows.push({
        bench: 'cold-start',
        metric: `${name} (${o.what})`,
        value: Math.round(m),
        unit: 'ms',
        note: `+${(m - bm).toFixed(1)} ms over bare node (×${(m / bm).toFixed(2)}); median of 7`,
      });
    }

    const sizes = JSON.parse(readFileSync('dist/sizes.json', 'utf8')) as {
      component: string;
      file: string;
      bytes: number;
    }[];
    return [
      {
        bench: 'cold-start',
        metric: 'bare node -e ""',
        value: Math.round(b),
        unit: 'ms',
        note: `median of ${RUNS}`,
      },
      {
        bench: 'cold-start',
        metric: 'instance-guard bundle, ignored event',
        value: Math.round(ig),
        unit: 'ms',
        goal: '<= bare + 30 ms',
        ok: ig - b <= 30,
        note: `+${(ig - b).toFixed(1)} ms over bare node (×${(ig / b).toFixed(2)})`,
      },
      {
        bench: 'cold-start',
        metric: 'instance-guard bundle, remediating event (token + GET + PATCH)',
        value: Math.round(re),
        unit: 'ms',
        goal: '<= bare + 100 ms excl. network',
        ok: re - b - serverMs <= 100,
        note: `+${(re - b).toFixed(1)} ms over bare (×${(re / b).toFixed(2)}); emulator time ≈${serverMs.toFixed(1)} ms → +${(re - b - serverMs).toFixed(1)} ms excl. network`,
      },
      {
        bench: 'warm',
        metric: 'CPU per ignored event (warm process)',
        value: Number(warm.ignoredCpu.toFixed(3)),
        unit: 'ms',
        goal: '<= 1 ms',
        ok: warm.ignoredCpu <= 1,
        note: `mean over 2000 events; user ${warm.ignoredUser.toFixed(3)} ms`,
      },
      {
        bench: 'warm',
        metric: 'CPU per remediating event (warm process, client side, user + system)',
        value: Number(warm.remediatingCpu.toFixed(3)),
        unit: 'ms',
        goal: '<= 1 ms',
        ok: warm.remediatingCpu <= 1,
        note: `mean over ${warmEvents.length - 1} events (GET + PATCH, a policy without tag rules; the side-by-side ratio to a bare client is the remediation bench); user ${warm.remediatingUser.toFixed(3)} ms, the rest is the kernel's socket writes`,
      },
      ...otherRows,
      ...sizes.map((s) => ({
        bench: 'bundle',
        metric: `${s.component} ${s.file.split('/').pop()}`,
        value: Math.round(s.bytes / 1024),
        unit: 'KiB',
        goal: '<= 1536 KiB',
        ok: s.bytes <= 1.5 * 1024 * 1024,
      })),
    ];
  } finally {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

export { coldStart };
