// Secrets never leave the process in output: every CLI command runs with canary secrets in its
// environment (API keys valid and unknown, IBMCLOUD_API_KEY, a bearer token, a key in the credentials
// file, invocation token and HMAC secret, webhook, ServiceNow, Jira, Event Streams and COS secrets),
// on success and failure paths (IAM 400, IAM 401 and 500 with the key in the request, VPC 401 for a
// bearer token), and no canary appears in stdout, stderr, HTTP response bodies, decision records or
// the emulator's journal. `demo` is not run: it builds its own environment and reads none of ours.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACCOUNT, KEYS, startWorld, type World } from './support.ts';

const run = promisify(execFile);
const BIN = resolve('bin/imds-guard.mjs');
const MANIFEST = resolve('manifest.yaml');
const PLAN = resolve('test/fixtures/terraform-plans/mixed-instances.json');

const CANARY = {
  apikey: 'canary-apikey-6b1f0e2d9a',
  cliKey: 'canary-ibmcloud-api-key-30c7',
  unknown: 'canary-unknown-key-8e44d1',
  /** The signature of BEARER, a token that decodes like IAM's (so the guard gets as far as calling VPC). */
  bearer: 'canary-bearer-sig-5a9c71',
  file: 'canary-file-apikey-71be2f',
  invokeToken: 'canary-invoke-token-2d6f',
  hmac: 'canary-hmac-secret-9f03aa',
  webhook: 'canary-webhook-secret-c41a',
  servicenow: 'canary-servicenow-pw-e7d2',
  jira: 'canary-jira-token-0b52ce',
  es: 'canary-es-apikey-44e1b0',
  trail: 'canary-trail-secret-d3f9a1',
} as const;

const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const BEARER = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
  iam_id: 'iam-ServiceId-canary',
  sub_type: 'ServiceId',
  account: { bss: ACCOUNT },
  iat: 1_700_000_000,
  exp: 4_000_000_000,
})}.${CANARY.bearer}`;

/** The canaries a text carries; [] is the only good answer. */
const leaks = (text: string): string[] => Object.values(CANARY).filter((c) => text.includes(c));

interface Output {
  name: string;
  code: number;
  text: string;
}

let world: World;
let files: { event: string; sweep: string; records: string; credentials: string };

beforeAll(async () => {
  world = await startWorld(
    `\n  - { name: canary, key: ${CANARY.apikey}, kind: serviceid, roles: { is: [Editor], global-tagging: [Viewer], iam-identity: [Viewer], iam-access-management: [Viewer], iam-groups: [Viewer] } }`,
  );
  const event = await world.insecureWeb();
  // A remediation record to revert and report on, made with the ordinary guard key.
  const guard = world.guard({ IMDS_GUARD_APIKEY: KEYS.guard });
  const { asParams } = await import('./support.ts');
  await guard.main(asParams(event));
  await world.insecureWeb();
  const put = (name: string, text: string): string => {
    const file = join(world.dir, name);
    writeFileSync(file, text);
    return file;
  };
  files = {
    event: put('event.json', JSON.stringify(event)),
    sweep: put('sweep.json', JSON.stringify({ mode: 'sweep' })),
    records: put(
      'records.jsonl',
      `${guard
        .decisions()
        .map((d) => JSON.stringify(d))
        .join('\n')}\n`,
    ),
    // Not named ibm-credentials.env: in the working directory that file would win for every run.
    credentials: put('canary-credentials.env', `IMDS_GUARD_APIKEY=${CANARY.file}\n`),
  };
});
afterAll(async () => {
  await world.close();
});

/** Every secret setting the product reads, besides the guard's own credentials. */
const otherSecrets = (): Record<string, string> => ({
  IMDS_GUARD_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
  IMDS_GUARD_WEBHOOK_SECRET: CANARY.webhook,
  IMDS_GUARD_SERVICENOW_USER: 'imds-guard',
  IMDS_GUARD_SERVICENOW_PASSWORD: CANARY.servicenow,
  IMDS_GUARD_JIRA_EMAIL: 'guard@example.com',
  IMDS_GUARD_JIRA_API_TOKEN: CANARY.jira,
  IMDS_GUARD_ES_USERNAME: 'token',
  IMDS_GUARD_ES_APIKEY: CANARY.es,
  IMDS_GUARD_TRAIL_ACCESS_KEY_ID: 'canary-trail-key-id',
  IMDS_GUARD_TRAIL_SECRET_ACCESS_KEY: CANARY.trail,
});

const envWith = (credentials: Record<string, string>): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: world.dir,
  IMDS_GUARD_ENDPOINT: world.url,
  IMDS_GUARD_POLICY: JSON.stringify({ instances: { default: { mode: 'disable' } } }),
  IBMCLOUD_API_KEY: CANARY.cliKey,
  ...otherSecrets(),
  ...credentials,
});

const cli = async (name: string, args: string[], env: Record<string, string>): Promise<Output> => {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: world.dir,
      env,
      timeout: 120_000,
    });
    return { name, code: 0, text: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { name, code: e.code, text: `${e.stdout}${e.stderr}` };
  }
};

/** A long-running command (serve, emulator): started, given requests, stopped; everything it printed. */
const serving = async (
  name: string,
  args: string[],
  env: Record<string, string>,
  requests: (url: string) => Promise<string[]>,
): Promise<Output> => {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: world.dir, env });
  let text = '';
  child.stderr?.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((ok) => lines.once('line', ok));
  lines.on('line', (l) => {
    text += `${l}\n`;
  });
  const bodies = await requests((JSON.parse(first) as { url: string }).url);
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGTERM');
  await exited;
  return { name, code: 0, text: [first, text, ...bodies].join('\n') };
};

const post = async (url: string, body: string, headers: Record<string, string> = {}): Promise<string> => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return `${res.status} ${await res.text()}`;
};

/** The commands that read credentials, run with one set of them. */
const acting = (tag: string, credentials: Record<string, string>): Promise<Output>[] => {
  const env = envWith(credentials);
  return [
    cli(`${tag} scan`, ['scan', '--json', '--no-progress'], env),
    cli(`${tag} invoke instance-guard`, ['invoke', 'instance-guard', '--event', files.event], env),
    cli(`${tag} revert`, ['revert', '--record', files.records, '--dry-run'], env),
  ];
};

// Each test starts several CLI processes at once; on a loaded machine that takes a while.
describe('no canary secret in any output', { timeout: 240_000 }, () => {
  test('every command with a valid canary key (and every other secret set)', async () => {
    const env = envWith({ IMDS_GUARD_APIKEY: CANARY.apikey });
    const mark = await world.admin.lastSeq();

    const outputs = await Promise.all([
      ...acting('valid', { IMDS_GUARD_APIKEY: CANARY.apikey }),
      cli('invoke profile-guard', ['invoke', 'profile-guard', '--event', files.event], env),
      cli('invoke sweep', ['invoke', 'sweep', '--event', files.sweep], env),
      cli('report', ['report', files.records, '--json'], env),
      cli('validate', ['validate', '--manifest', MANIFEST], env),
      cli('deploy --dry-run', ['deploy', '--dry-run', '--manifest', MANIFEST], env),
      cli('firewall', ['firewall', '--deny-user', 'apache', '--format', 'iptables'], env),
      cli('doctor', ['doctor', '--manifest', MANIFEST, '--json'], env),
      cli('check-plan', ['check-plan', PLAN, '--sarif'], env),
      serving('serve', ['serve', '--port', '0'], env, async (url) => [
        await post(`${url}/functions/instance-guard`, JSON.stringify(JSON.parse('{}'))),
        await post(`${url}/functions/instance-guard`, await readEvent()),
      ]),
      serving('emulator', ['emulator', '--port', '0'], env, async (url) => [
        await post(
          `${url}/identity/token`,
          `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=${CANARY.unknown}`,
          {
            'content-type': 'application/x-www-form-urlencoded',
          },
        ),
        await (
          await fetch(`${url}/vpc/us-south/v1/instances?version=2026-03-24&generation=2`, {
            headers: { Authorization: `Bearer ${BEARER}` },
          })
        ).text(),
      ]),
    ]);
    const journal = JSON.stringify(await world.since(mark));

    for (const o of outputs)
      expect({ name: o.name, leaks: leaks(o.text) }).toEqual({ name: o.name, leaks: [] });
    expect(leaks(journal)).toEqual([]);
    // The runs did what they claim: the canary key fetched tokens and the guard read VPC with them.
    expect(journal).toContain('/identity/token');
    expect(outputs.find((o) => o.name === 'valid invoke instance-guard')?.text).toContain(
      '"statusCode": 200',
    );
  });

  test('failure paths: an unknown key (IAM 400), a bearer token VPC refuses (401), a key from the credentials file', async () => {
    const outputs = await Promise.all([
      ...acting('unknown', { IMDS_GUARD_APIKEY: CANARY.unknown }),
      ...acting('bearer', { IMDS_GUARD_AUTH_TYPE: 'bearerToken', IMDS_GUARD_BEARER_TOKEN: BEARER }),
      ...acting('file', { IBM_CREDENTIALS_FILE: files.credentials }),
      serving(
        'serve unknown',
        ['serve', '--port', '0'],
        envWith({ IMDS_GUARD_APIKEY: CANARY.unknown }),
        async (url) => [await post(`${url}/functions/instance-guard`, await readEvent())],
      ),
    ]);

    for (const o of outputs)
      expect({ name: o.name, leaks: leaks(o.text) }).toEqual({ name: o.name, leaks: [] });
    expect(outputs.find((o) => o.name === 'unknown invoke instance-guard')?.text).toContain(
      'Provided API key could not be found',
    );
    expect(outputs.find((o) => o.name === 'bearer invoke instance-guard')?.text).toMatch(/answered 401/);
    expect(outputs.find((o) => o.name === 'file invoke instance-guard')?.text).toContain(
      'Provided API key could not be found',
    );
  });

  test.each([401, 500])('IAM answers %i to the canary key', async (status) => {
    await world.admin.fault({ service: 'iam-token', status, count: 50 });
    try {
      const outputs = await Promise.all(acting(`iam ${status}`, { IMDS_GUARD_APIKEY: CANARY.apikey }));

      for (const o of outputs)
        expect({ name: o.name, leaks: leaks(o.text) }).toEqual({ name: o.name, leaks: [] });
      expect(outputs.find((o) => o.name.endsWith('invoke instance-guard'))?.text).toContain(`HTTP ${status}`);
    } finally {
      await world.admin.clearFaults();
    }
  });

  test('invocation secrets: refused and accepted invocations echo neither the token nor the HMAC secret', async () => {
    const env = envWith({
      IMDS_GUARD_APIKEY: CANARY.apikey,
      IMDS_GUARD_INVOKE_TOKEN: CANARY.invokeToken,
      IMDS_GUARD_INVOKE_HMAC_SECRET: CANARY.hmac,
    });

    const outputs = await Promise.all([
      cli('invoke without a token', ['invoke', 'instance-guard', '--event', files.event], env),
      serving('serve with tokens', ['serve', '--port', '0'], env, async (url) => [
        await post(`${url}/functions/instance-guard`, await readEvent(), {
          Authorization: 'Bearer wrong-token',
        }),
        await post(`${url}/functions/instance-guard`, await readEvent(), {
          Authorization: `Bearer ${CANARY.invokeToken}`,
        }),
      ]),
    ]);

    for (const o of outputs)
      expect({ name: o.name, leaks: leaks(o.text) }).toEqual({ name: o.name, leaks: [] });
    expect(outputs[1]?.text).toMatch(/^401 /m);
    expect(outputs[1]?.text).toMatch(/^200 /m);
  });

  test('every command of the CLI is covered here (a new command must join these tests)', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    const commands = [...stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);

    expect(commands.sort()).toEqual(
      [
        'check-plan',
        'demo',
        'deploy',
        'doctor',
        'emulator',
        'firewall',
        'help',
        'invoke',
        'report',
        'revert',
        'scan',
        'serve',
        'validate',
      ].sort(),
    );
  });
});

const readEvent = async (): Promise<string> =>
  (await import('node:fs/promises')).readFile(files.event, 'utf8');
