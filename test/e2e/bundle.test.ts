// The deployable bundles, as Code Engine runs them: copied where no node_modules can be found,
// required with plain `node`, remediating against the emulator.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { isDecisionLine } from '#shared/audit/decision.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { buildComponents, COMPONENTS } from '../../scripts/build.mjs';
import { adminClient, authFor, withEmulator } from '../helpers/emulator.ts';

const run = promisify(execFile);
const BUDGET_BYTES = 1.5 * 1024 * 1024;
const BUILTINS = new Set((await import('node:module')).builtinModules.flatMap((m) => [m, `node:${m}`]));

let emu: RunningEmulator;
let outside: string;

beforeAll(async () => {
  await buildComponents();
  outside = mkdtempSync(join(tmpdir(), 'imds-guard-bundle-'));
  for (const c of COMPONENTS) cpSync(join('dist', c.out), join(outside, c.name), { recursive: true });
  emu = await withEmulator();
}, 120_000);
afterAll(async () => {
  await emu.close();
  rmSync(outside, { recursive: true, force: true });
});

describe.each(COMPONENTS.map((c) => [c.name, c] as const))('bundle %s', (_name, component) => {
  test('has a CommonJS package.json and stays within its 1.5 MB budget per file', () => {
    const dir = join(outside, component.name);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ type: 'commonjs' });
    for (const e of component.entries) {
      expect(statSync(join(dir, `${e.name}.js`)).size).toBeLessThan(BUDGET_BYTES);
    }
  });

  test('requires nothing but Node built-ins and its own sibling files', () => {
    for (const e of component.entries) {
      const code = readFileSync(join(outside, component.name, `${e.name}.js`), 'utf8');
      const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] ?? '');
      const foreign = required.filter((r) => !BUILTINS.has(r) && !r.startsWith('./'));
      expect(foreign).toEqual([]);
    }
  });

  test('loads with plain node, far from any node_modules', async () => {
    // Functions export main(params); an app starts listening when loaded (PORT=0: any free port);
    // a job runs when loaded, so here it only has to compile.
    const kind = component.out.startsWith('apps/')
      ? 'app'
      : component.out.startsWith('jobs/')
        ? 'job'
        : 'function';
    const probe = {
      function: "const m=require('./index.js');process.stdout.write(typeof m.main)",
      app: "require('./index.js');setTimeout(()=>{process.stdout.write('function');process.exit(0)},500)",
      job: "new (require('node:vm').Script)(require('node:fs').readFileSync('./index.js','utf8'));process.stdout.write('function')",
    }[kind];
    const { stdout } = await run(process.execPath, ['-e', probe], {
      cwd: join(outside, component.name),
      env: { PATH: process.env.PATH ?? '', PORT: '0' },
    });
    expect(stdout.endsWith('function')).toBe(true);
  });
});

describe('instance-guard bundle', () => {
  test('remediates an insecure instance through main(params), as Code Engine would call it', async () => {
    // Prepare: bob turns the metadata service on over http; the event is what the emulator emitted.
    const bob = new VpcClient({
      authenticator: authFor(emu.url, 'bob-demo-key'),
      serviceUrl: `${emu.url}/vpc/us-south/v1`,
    });
    const db = (await bob.listInstances({ name: 'db-01' })).result.instances[0]!;
    await bob.updateInstance({ id: db.id, metadataService: { enabled: true, protocol: 'http' } });
    const { events } = (await (
      await fetch(`${emu.url}/_emulator/events?action=is.instance.instance.update`)
    ).json()) as {
      events: { target: { id: string } }[];
    };
    const event = events.filter((e) => e.target.id === db.crn).at(-1);
    const body = Buffer.from(JSON.stringify(event));
    // Code Engine's params for a JSON POST: keys spread, raw body Base64 in __ce_body.
    const params = {
      ...event,
      __ce_method: 'POST',
      __ce_path: '/',
      __ce_headers: { 'Content-Type': 'application/json' },
      __ce_body: body.toString('base64'),
    };
    const admin = adminClient(emu.url);
    const since = await admin.lastSeq();
    // Act
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        "require('./index.js').main(JSON.parse(process.env.PARAMS)).then((r)=>process.stdout.write('\\n'+JSON.stringify(r)))",
      ],
      {
        cwd: join(outside, 'instance-guard'),
        env: {
          PATH: process.env.PATH ?? '',
          PARAMS: JSON.stringify(params),
          IMDS_GUARD_ENDPOINT: emu.url,
          IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
          IMDS_GUARD_POLICY: JSON.stringify({ instances: { default: { mode: 'disable' } } }),
        },
      },
    );
    // Assess: one decision line on stdout, then the response.
    const lines = stdout.trim().split('\n').filter(Boolean);
    const response = JSON.parse(lines.at(-1) ?? '{}');
    expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'remediated' } });
    const decisionLines = lines
      .slice(0, -1)
      .map((l) => JSON.parse(l))
      .filter(isDecisionLine);
    expect(decisionLines).toHaveLength(1);
    expect(decisionLines[0]).toMatchObject({
      level: 'info',
      outcome: 'remediated',
      after: { enabled: false },
    });
    // The instance, its image's allowed use (disable is refused by IBM when the image requires the
    // metadata service), then the one PATCH.
    const vpcCalls = (await admin.journal({ since, service: 'vpc' })).map(
      (e) => `${e.method} ${e.path.replace(/\?.*$/, '').replace(/\/[^/]+$/, '/{id}')}`,
    );
    expect(vpcCalls).toEqual([
      expect.stringMatching(/^GET .*\/instances\/\{id\}$/),
      expect.stringMatching(/^GET .*\/images\/\{id\}$/),
      expect.stringMatching(/^PATCH .*\/instances\/\{id\}$/),
    ]);
    expect((await bob.getInstance({ id: db.id })).result.metadata_service.enabled).toBe(false);
  });

  /** `name` set to plain http through the API, the update event the emulator emitted for it, and the journal position after it. */
  const insecure = async (name: string) => {
    const bob = new VpcClient({
      authenticator: authFor(emu.url, 'bob-demo-key'),
      serviceUrl: `${emu.url}/vpc/us-south/v1`,
    });
    const web = (await bob.listInstances({ name })).result.instances[0]!;
    await bob.updateInstance({ id: web.id, metadataService: { enabled: true, protocol: 'http' } });
    const { events } = (await (
      await fetch(`${emu.url}/_emulator/events?action=is.instance.instance.update`)
    ).json()) as { events: { target: { id: string } }[] };
    const admin = adminClient(emu.url);
    return {
      bob,
      web,
      event: events.filter((e) => e.target.id === web.crn).at(-1),
      admin,
      since: await admin.lastSeq(),
    };
  };

  /** A notify stage: the first event on an insecure instance opens a support case and changes nothing. */
  const NOTIFY_BY_CASE = {
    instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] }, rollout: { stage: 'notify' } },
    profiles: { ticket: { sink: 'case-management' } },
  };

  /** The built instance-guard's main() on `event` in a fresh node process: its answer, and whether axios.js was required. */
  const guardInFreshProcess = async (event: unknown, policy: unknown) => {
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        "require('./index.js').main(JSON.parse(process.env.EVENT)).then((r)=>process.stdout.write('\\n'+JSON.stringify({...r,axiosLoaded:Object.keys(require.cache).some((f)=>f.endsWith('axios.js')),ticketingLoaded:Object.keys(require.cache).some((f)=>f.endsWith('act-ticketing.js'))})))",
      ],
      {
        cwd: join(outside, 'instance-guard'),
        env: {
          PATH: process.env.PATH ?? '',
          EVENT: JSON.stringify(event),
          IMDS_GUARD_ENDPOINT: emu.url,
          IMDS_GUARD_APIKEY: 'imds-guard-demo-key',
          IMDS_GUARD_POLICY: JSON.stringify(policy),
        },
      },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  };

  test('a remediation that reads no tags never loads axios (token, GET and PATCH over node:http)', async () => {
    // Prepare: web-02 on http; a policy with no tag exemptions or rules, so no Global Tagging read.
    const { bob, web, event } = await insecure('web-02');
    // Act
    const response = await guardInFreshProcess(event, {
      instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } },
    });
    // Assess: remediated, and axios's own file (scripts/build.mjs VENDOR) was never required.
    expect(response).toMatchObject({
      statusCode: 200,
      body: { outcome: 'remediated' },
      axiosLoaded: false,
      ticketingLoaded: false,
    });
    expect((await bob.getInstance({ id: web.id })).result.metadata_service.protocol).toBe('https');
  });

  test('reads access tags through the SDK pipeline (axios, as rewritten by the build) when a rule needs them', async () => {
    // Prepare: web-01 on http; a policy whose rule matches on an access tag, so the guard reads the
    // instance's tags with the Global Tagging client (sdk-core's own request pipeline, not the lean one).
    const { bob, web, event, admin, since } = await insecure('web-01');
    const policy = {
      instances: {
        default: { mode: 'secure' },
        exemptions: { access_tags: [] },
        rules: [
          { name: 'hosts', match: { tags: ['imds-guard:container-host'] }, mode: 'secure', hop_limit: 2 },
        ],
      },
    };
    // Act
    const response = await guardInFreshProcess(event, policy);
    // Assess: remediated; the token, the instance, its tags and the PATCH were all requested.
    expect(response).toMatchObject({ statusCode: 200, body: { outcome: 'remediated' } });
    expect(response.axiosLoaded).toBe(true);
    const calls = (await admin.journal({ since })).map((e) => `${e.service} ${e.method}`);
    expect(calls).toEqual(expect.arrayContaining(['vpc GET', 'tagging GET', 'vpc PATCH']));
    expect((await bob.getInstance({ id: web.id })).result.metadata_service.protocol).toBe('https');
  });

  test('a rollout notice loads the ticketing file on first use and counts its sink calls in the record', async () => {
    // Prepare: api-01 on http; a notify stage, so the first event opens a support case and changes nothing.
    const { bob, web, event, admin, since } = await insecure('api-01');
    const policy = NOTIFY_BY_CASE;
    // Act
    const response = await guardInFreshProcess(event, policy);
    // Assess: a notice through the lazily loaded sink; its calls are in the decision's api_calls.
    expect(response).toMatchObject({ statusCode: 200, ticketingLoaded: true });
    const decision = response.body.decisions[0];
    expect(decision).toMatchObject({ outcome: 'ticket_opened', detail: { rollout: { gate: 'notice' } } });
    const calls = await admin.journal({ since });
    expect(calls.filter((e) => e.service === 'case-management').length).toBeGreaterThan(0);
    expect(decision.api_calls).toBe(calls.filter((e) => e.service !== 'iam-token').length);
    expect((await bob.getInstance({ id: web.id })).result.metadata_service.protocol).toBe('http');
  });

  test('a sink failure thrown by the ticketing file is recognised by the acting file: failed, redelivered, nothing changed', async () => {
    // Prepare: app-01 on http; a notify stage whose support case cannot be opened (Case Management 503).
    const { bob, web, event, admin } = await insecure('app-01');
    await admin.fault({ service: 'case-management', status: 503 });
    const policy = NOTIFY_BY_CASE;
    try {
      // Act
      const response = await guardInFreshProcess(event, policy);
      // Assess: the sink's own reason (not a generic error), a redelivery, the instance untouched.
      expect(response).toMatchObject({ statusCode: 503, ticketingLoaded: true });
      expect(response.body.decisions[0]).toMatchObject({ outcome: 'failed' });
      expect(response.body.decisions[0].reason).toMatch(
        /rollout: ticket sink unavailable, retry wanted: .*; nothing changed$/,
      );
      expect((await bob.getInstance({ id: web.id })).result.metadata_service.protocol).toBe('http');
    } finally {
      await admin.clearFaults();
    }
  });
});
