// Theme 1 (continued): the function params Code Engine builds, for every fixture family in
// events/fixtures/params/ and the cron ping. The emulated account is the fixtures' account and holds the
// fixtures' instances and template, so the instance events are acted on for real.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLocalHost } from '#shared/runtime/local-host.ts';
import { bodyOf, startWorld, type World } from './support.ts';

const FIXTURES = join(import.meta.dirname, '../../../events/fixtures');
const ACCOUNT = '7c4f2e9a1b3d4c5e8f6a0b1c2d3e4f5a';
const WEB_01 = '0717_cf92605a-89ba-433f-a563-8069e4572a94';
const MEMBER = '0717_54f65a4b-949b-47b6-b348-03c16442ab82';
const TEMPLATE = '0717-fee0f47e-4241-4a40-8bf5-d37ff65277ca';

const SCENARIO = `
seed: instance-guard-fixtures
account: { id: ${ACCOUNT} }
api_keys:
  - name: imds-guard
    key: imds-guard-demo-key
    roles: { is: [Editor], global-tagging: [Viewer] }
  - { name: alice, key: alice-demo-key, kind: user, roles: { '*': [Administrator, Manager] } }
regions:
  - name: us-south
    vpcs: [{ name: web-vpc }]
    images: [{ name: ubuntu }]
    instances:
      - { name: web-01, id: ${WEB_01}, zone: us-south-1, metadata_service: { enabled: true, protocol: http } }
      - name: web-group-member-8k2p1
        id: ${MEMBER}
        zone: us-south-1
        metadata_service: { enabled: true, protocol: http }
    templates:
      - { name: web-template-v3, id: ${TEMPLATE}, metadata_service: { enabled: true, protocol: http } }
`;

const POLICY = {
  instances: { default: { mode: 'secure', hop_limit: 1 } },
  templates: { mode: 'replace' },
};

/** What each fixture leads to, in file (alphabetical) order within one family. */
const EXPECTED: Record<string, { status: number; outcome: string }> = {
  'iam-am.policy.create': { status: 202, outcome: 'ignored' },
  'iam-am.policy.update': { status: 202, outcome: 'ignored' },
  'iam-groups.member.add': { status: 202, outcome: 'ignored' },
  'iam-identity.account-profile.create': { status: 202, outcome: 'ignored' },
  'iam-identity.account-profile.update': { status: 202, outcome: 'ignored' },
  'iam-identity.profile-template.assign': { status: 202, outcome: 'ignored' },
  'iam-identity.profile-template.assignment-update': { status: 202, outcome: 'ignored' },
  'is.instance-group.instance.create': { status: 200, outcome: 'remediated' },
  'is.instance.instance-template.create': { status: 200, outcome: 'remediated' },
  'is.instance.instance.create': { status: 200, outcome: 'remediated' },
  // Same instance as the create event, which already fixed it.
  'is.instance.instance.update': { status: 200, outcome: 'compliant' },
};

const FAMILIES = readdirSync(join(FIXTURES, 'params')).sort();

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

let world: World;

beforeAll(async () => {
  world = await startWorld(SCENARIO);
});

afterAll(async () => {
  await world.close();
});

describe('function params for every fixture family', () => {
  test('the families on disk are the four function-reachable envelopes and the truncated EN variant', () => {
    expect(FAMILIES).toEqual([
      'at',
      'at-array',
      'cloudevents-structured',
      'event-notifications',
      'event-notifications-truncated',
    ]);
  });

  test.each(FAMILIES)(
    '%s: instance events are acted on, every other action answered 202 ignored',
    async (family) => {
      // Prepare: the world as the scenario wrote it, and a cold container.
      await world.admin.reset();
      const guard = world.guard(POLICY);
      const files = readdirSync(join(FIXTURES, 'params', family)).sort();
      expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual(Object.keys(EXPECTED));

      // Act
      const got: Record<string, { status: number; outcome: string }> = {};
      for (const file of files) {
        const res = await guard.main(readJson(join(FIXTURES, 'params', family, file)));
        got[file.replace(/\.json$/, '')] = { status: res.statusCode, outcome: bodyOf(res).outcome };
      }

      // Assess
      expect(got).toEqual(EXPECTED);
      const web = await world.instance('web-01');
      const member = await world.instance('web-group-member-8k2p1');
      for (const inst of [web, member])
        expect(inst.metadata_service).toEqual({ enabled: true, protocol: 'https', response_hop_limit: 1 });
      const names = (await world.templates()).map((t) => t.name).sort();
      expect(names).toEqual(['web-template-v3', 'web-template-v3-imds-guard']);
      expect(guard.decisions()).toHaveLength(files.length);
    },
  );

  test('cron ping params → 202 ignored, nothing read', async () => {
    // Prepare
    const guard = world.guard(POLICY);
    const since = await world.mark();

    // Act
    const res = await guard.main(readJson(join(FIXTURES, 'cron', 'params.json')));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res).outcome).toBe('ignored');
    expect(bodyOf(res).decisions[0]?.reason).toMatch(/cron delivery/);
    expect(await world.calls(since)).toEqual([]);
  });

  test('cron ping over HTTP to the local function URL → 202 ignored', async () => {
    // Prepare
    const guard = world.guard(POLICY);
    const host = await startLocalHost({ functions: { 'instance-guard': async () => guard.main } });
    const delivery = readJson(join(FIXTURES, 'cron', 'delivery.json')) as {
      headers: Record<string, string>;
      body: string;
    };

    // Act
    const res = await fetch(`${host.url}/functions/instance-guard`, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
    });
    const body = (await res.json()) as { outcome: string };
    await host.close();

    // Assess
    expect(res.status).toBe(202);
    expect(body.outcome).toBe('ignored');
  });
});
