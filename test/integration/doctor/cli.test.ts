// `imds-guard doctor` as a user runs it: the real CLI against the demo emulator. All green with the guard
// key; with a key that lacks one role, that role and its fix are named and the exit code is 1; bad input
// is one line and exit 2 before anything is read; and a full run — green or failing — only ever reads.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminClient, envFor } from '../../helpers/emulator.ts';
import {
  cli,
  demoScenario,
  GUARD_KEY,
  startWorld,
  type World,
  writeManifest,
  writesSince,
} from './support.ts';

const PARTIAL_KEY = 'imds-guard-partial-key';

/** The demo plus a second guard service ID holding every grant but Viewer on IAM Access Groups. */
const scenarioWithPartialKey = () => {
  const doc = demoScenario();
  doc.api_keys.push({
    name: 'imds-guard-partial',
    key: PARTIAL_KEY,
    kind: 'serviceid',
    roles: {
      is: ['Editor'],
      'iam-identity': ['Viewer'],
      'iam-access-management': ['Viewer'],
      atracker: ['Viewer'],
      codeengine: ['Viewer', 'Reader'],
    },
  });
  for (const [service, roles] of [
    ['is', ['Editor']],
    ['iam-identity', ['Viewer']],
    ['iam-access-management', ['Viewer']],
    ['atracker', ['Viewer']],
    ['codeengine', ['Viewer', 'Reader']],
  ] as const)
    doc.policies.push({
      subject: { key: 'imds-guard-partial' },
      roles: [...roles],
      resource: { serviceName: service },
    });
  return doc;
};

let world: World;
let manifest: string;
let partialManifest: string;

beforeAll(async () => {
  world = await startWorld(scenarioWithPartialKey());
  manifest = await writeManifest(world, 'manifest');
  partialManifest = await writeManifest(world, 'partial', (doc) => {
    doc.setIn(['identity', 'service_id', 'name'], 'imds-guard-partial');
  });
});

afterAll(async () => {
  await world.close();
});

describe('imds-guard doctor against the demo emulator', () => {
  test('with the guard key: every check ok (subscriptions skipped: no API reads them), exit 0, only reads', async () => {
    // Prepare
    const since = await adminClient(world.emu.url).lastSeq();
    // Act
    const run = await cli(['doctor', '--manifest', manifest], envFor(world.emu.url, GUARD_KEY));
    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`imds-guard doctor: account ${world.account} as imds-guard (${manifest})`);
    const marks = lines
      .slice(1, -1)
      .filter((l) => !l.startsWith(' '))
      .map((l) => l.slice(0, 4));
    expect(new Set(marks)).toEqual(new Set(['ok  ', 'skip']));
    expect(run.stdout).toContain('skip subscriptions exist');
    expect(lines.at(-1)).toMatch(/^\d+ ok, 1 skipped: everything the manifest needs holds$/);
    expect(await writesSince(world, since)).toEqual([]);
  });

  test('with a key that lacks Viewer on IAM Access Groups: that role, its fix command and Terraform line; exit 1; only reads', async () => {
    // Prepare
    const since = await adminClient(world.emu.url).lastSeq();
    // Act
    const run = await cli(['doctor', '--manifest', partialManifest], envFor(world.emu.url, PARTIAL_KEY));
    // Assess
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const failing = lines.filter((l) => l.startsWith('FAIL'));
    expect(failing).toEqual([
      expect.stringMatching(
        /^FAIL Viewer on IAM Access Groups: imds-guard-partial does not hold it; needed for: read the access groups/,
      ),
    ]);
    const at = lines.indexOf(failing[0] as string);
    expect(lines[at + 1]).toBe(
      '      fix: ibmcloud iam service-policy-create imds-guard-partial --roles Viewer --service-name iam-groups',
    );
    expect(lines[at + 2]).toContain(
      'terraform: grants.auto.tfvars.json has {"key": "serviceName=iam-groups", "roles": ["Viewer"]}',
    );
    expect(lines[at + 2]).toContain('ibm_iam_service_policy.grant["serviceName=iam-groups"]');
    expect(lines.at(-2)).toMatch(/1 failed.*does not hold/);
    expect(await writesSince(world, since)).toEqual([]);
  });

  test('--json: {account, manifest, identity, ok, checks[{id, status, title, detail, fix}]}', async () => {
    // Act
    const run = await cli(
      ['doctor', '--json', '--manifest', partialManifest],
      envFor(world.emu.url, PARTIAL_KEY),
    );
    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Record<string, unknown> & { checks: Record<string, unknown>[] };
    expect(Object.keys(report)).toEqual(['account', 'manifest', 'identity', 'ok', 'checks']);
    expect(report.ok).toBe(false);
    expect(report.identity).toMatchObject({
      kind: 'service-id',
      name: 'imds-guard-partial',
      accountId: world.account,
    });
    for (const c of report.checks) {
      expect(Object.keys(c)).toEqual(['id', 'status', 'title', 'detail', 'fix']);
      expect(['ok', 'fail', 'warn', 'skip']).toContain(c.status);
      expect(Array.isArray(c.fix)).toBe(true);
    }
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'credentials',
        'identity',
        'access:instanceId=*,serviceName=is',
        'access:serviceName=iam-groups',
        'region:us-south',
        'region:eu-de',
        'activity-tracker:target:imds-guard-es',
        'activity-tracker:route',
        'code-engine:project',
        'code-engine:config-map',
        'code-engine:function:instance-guard',
        'code-engine:app:imds-guard-events',
        'code-engine:job:imds-guard-bulk',
        'code-engine:subscriptions',
        'ticket-sink',
        'exemptions',
      ]),
    );
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
      'access:serviceName=iam-groups',
    ]);
  });
});

describe('bad input: one line on stderr, exit 2, nothing read', () => {
  const CASES: [string, () => string[], Record<string, string>, RegExp][] = [
    [
      'an account the manifest does not list',
      () => ['doctor', '--manifest', manifest, '--account', 'fedcba9876543210fedcba9876543210'],
      {},
      /lists no account fedcba9876543210fedcba9876543210 \(it lists [0-9a-f]{32} \(production\)\)$/,
    ],
    [
      'an auth type sdk-core does not know',
      () => ['doctor', '--manifest', manifest],
      { IMDS_GUARD_AUTH_TYPE: 'kerberos' },
      /kerberos/,
    ],
    [
      'a manifest that does not exist',
      () => ['doctor', '--manifest', '/nonexistent/manifest.yaml'],
      {},
      /manifest/,
    ],
  ];

  test.each(CASES)('%s', async (_name, args, env, message) => {
    // Prepare
    const since = await adminClient(world.emu.url).lastSeq();
    // Act
    const run = await cli(args(), { ...envFor(world.emu.url, GUARD_KEY), ...env });
    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(message);
    expect(await adminClient(world.emu.url).journal({ since })).toEqual([]);
  });

  test('no credentials at all: exit 2 naming what to set', async () => {
    // Act
    const run = await cli(['doctor', '--manifest', manifest], { IMDS_GUARD_ENDPOINT: world.emu.url });
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^doctor: no credentials: set IMDS_GUARD_APIKEY/);
  });

  test('credentials of another account than the manifest names: exit 2, only the token and identity were read', async () => {
    // Prepare
    const other = await writeManifest(world, 'other-account', (doc) => {
      doc.setIn(['accounts', 0, 'id'], '0123456789abcdef0123456789abcdef');
    });
    const since = await adminClient(world.emu.url).lastSeq();
    // Act
    const run = await cli(['doctor', '--manifest', other], envFor(world.emu.url, GUARD_KEY));
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `doctor: ${other} deploys to account 0123456789abcdef0123456789abcdef, but these credentials belong to account ${world.account}: use credentials of that account, or fix accounts: in the manifest`,
    );
    expect(await writesSince(world, since)).toEqual([]);
  });
});
