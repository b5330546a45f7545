// Each doctor check against a demo world with one thing wrong: the route missing, the wrong topic, a
// component missing, another policy deployed, a sink that does not answer, an exemption about to end, a
// read doctor may not make. runDoctor in process (the CLI's own function); every run only reads.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { CheckStatus, DoctorReport } from '#shared/doctor/types.ts';
import { adminClient } from '../../helpers/emulator.ts';
import {
  byId,
  demoScenario,
  doctorIn,
  type Scenario,
  startWorld,
  type World,
  writeManifest,
  writesSince,
} from './support.ts';

let world: World;
let manifest: string;

beforeAll(async () => {
  world = await startWorld();
  manifest = await writeManifest(world, 'manifest');
});

beforeEach(async () => {
  await adminClient(world.emu.url).clearFaults();
});

afterAll(async () => {
  await world.close();
});

/** Loads the demo with one edit, runs doctor, and checks that the run only read. */
const doctorWith = async (
  edit: (s: Scenario) => void,
  options: Parameters<typeof doctorIn>[2] & { manifest?: string } = {},
): Promise<DoctorReport> => {
  const scenario = demoScenario();
  edit(scenario);
  world.emu.load({ doc: scenario });
  const since = await adminClient(world.emu.url).lastSeq();
  const report = await doctorIn(world, options.manifest ?? manifest, options);
  expect(await writesSince(world, since)).toEqual([]);
  return report;
};

const statusOf = (r: DoctorReport, id: string): [CheckStatus, string] => {
  const c = byId(r, id);
  return [c.status, c.detail];
};

const project = (s: Scenario) => s.code_engine.projects[0] as Scenario['code_engine']['projects'][number];

describe('Activity Tracker', () => {
  test('no route: the route check fails naming it, with the deploy fix', async () => {
    const r = await doctorWith((s) => {
      s.activity_tracker.routes = [];
    });
    expect(r.ok).toBe(false);
    expect(statusOf(r, 'activity-tracker:route')).toEqual(['fail', 'no route named imds-guard']);
    expect(byId(r, 'activity-tracker:route').fix[0]).toMatch(/^imds-guard deploy/);
    expect(statusOf(r, 'activity-tracker:target:imds-guard-es')[0]).toBe('ok');
  });

  test('the target writes another topic: the target fails, and the route reaches no good target', async () => {
    const r = await doctorWith((s) => {
      const t = s.activity_tracker.targets[0] as { event_streams: { topic: string } };
      t.event_streams.topic = 'audit-everything';
    });
    expect(statusOf(r, 'activity-tracker:target:imds-guard-es')).toEqual([
      'fail',
      expect.stringMatching(/it writes topic audit-everything; the app subscribes to imds-guard-at-events$/),
    ]);
    expect(statusOf(r, 'activity-tracker:route')).toEqual([
      'fail',
      "events of global, us-south, eu-de do not reach a target that writes the app's topic (no target above is right)",
    ]);
  });

  test('the route leaves out eu-de: exactly that location is named', async () => {
    const r = await doctorWith((s) => {
      const route = s.activity_tracker.routes[0] as { rules: { locations: string[] }[] };
      (route.rules[0] as { locations: string[] }).locations = ['global', 'us-south'];
    });
    expect(statusOf(r, 'activity-tracker:route')[1]).toMatch(/^events of eu-de do not reach/);
  });

  test("a target whose writes fail: failed, with Event Routing's reason", async () => {
    const r = await doctorWith((s) => {
      Object.assign(s.activity_tracker.targets[0] as object, {
        write_status: 'failed',
        failure_reason: 'The service-to-service authorization is missing.',
      });
    });
    expect(statusOf(r, 'activity-tracker:target:imds-guard-es')[1]).toMatch(
      /its last write failed: The service-to-service authorization is missing\.$/,
    );
  });
});

describe('Code Engine', () => {
  test('a missing function fails by name; the others stay ok', async () => {
    const r = await doctorWith((s) => {
      project(s).functions = project(s).functions.filter((f) => f.name !== 'sweep');
    });
    expect(statusOf(r, 'code-engine:function:sweep')).toEqual(['fail', 'no function named sweep']);
    expect(statusOf(r, 'code-engine:function:instance-guard')[0]).toBe('ok');
    expect(r.ok).toBe(false);
  });

  test('another policy deployed: the config map check names the first difference', async () => {
    const r = await doctorWith((s) => {
      const maps = project(s).config_maps as { name: string; data: Record<string, string> }[];
      const cm = maps.find((m) => m.name === 'imds-guard-config') as { data: Record<string, string> };
      const deployed = JSON.parse(cm.data.IMDS_GUARD_POLICY ?? '{}') as { dry_run: boolean };
      deployed.dry_run = true;
      cm.data.IMDS_GUARD_POLICY = JSON.stringify(deployed);
    });
    expect(statusOf(r, 'code-engine:config-map')[1]).toMatch(
      /differs from .*: dry_run: deployed true, manifest false$/,
    );
  });

  test('a function on another runtime, or not reading the config map, fails', async () => {
    const r = await doctorWith((s) => {
      const fns = project(s).functions as { name: string; runtime?: string; config_maps?: string[] }[];
      (fns[0] as { runtime: string }).runtime = 'nodejs-24';
      (fns[1] as { config_maps: string[] }).config_maps = ['imds-guard-settings'];
    });
    expect(statusOf(r, 'code-engine:function:instance-guard')[1]).toBe(
      'it runs nodejs-24, the manifest says nodejs-22',
    );
    expect(statusOf(r, 'code-engine:function:profile-guard')[1]).toBe(
      'it does not read config map imds-guard-config (the policy)',
    );
  });

  test('no project: one failing check, no component reads', async () => {
    const r = await doctorWith((s) => {
      s.code_engine.projects = [];
    });
    expect(statusOf(r, 'code-engine:project')).toEqual(['fail', 'no project named imds-guard in us-south']);
    expect(r.checks.filter((c) => c.id.startsWith('code-engine:'))).toHaveLength(1);
  });
});

describe('reads doctor may not make are "could not look" (warn), never a pass', () => {
  test('a key without atracker and codeengine access: both warn with the read grant to add', async () => {
    const r = await doctorWith((s) => {
      const guard = s.api_keys.find((k) => k.name === 'imds-guard') as { roles: Record<string, string[]> };
      delete guard.roles.atracker;
      delete guard.roles.codeengine;
    });
    expect(statusOf(r, 'activity-tracker:target:imds-guard-es')[0]).toBe('warn');
    expect(statusOf(r, 'activity-tracker:route')[0]).toBe('warn');
    expect(statusOf(r, 'code-engine:project')[0]).toBe('warn');
    expect(byId(r, 'code-engine:project').fix[0]).toContain(
      'ibmcloud iam service-policy-create imds-guard --roles Viewer,Reader --service-name codeengine',
    );
    expect(r.ok).toBe(true);
  });
});

describe('access', () => {
  test('a grant held through an access group counts, and says so', async () => {
    const r = await doctorWith((s) => {
      s.policies = s.policies.filter(
        (p) =>
          !(
            JSON.stringify(p.subject) === '{"key":"imds-guard"}' &&
            JSON.stringify(p.resource) === '{"serviceName":"iam-groups"}'
          ),
      );
      (s.access_groups as Record<string, unknown>[]).push({
        name: 'guard-readers',
        members: [{ key: 'imds-guard' }],
        policies: [{ roles: ['Viewer'], resource: { serviceName: 'iam-groups' } }],
      });
    });
    expect(statusOf(r, 'access:serviceName=iam-groups')).toEqual([
      'ok',
      expect.stringMatching(/^held through policy .* \(access group guard-readers: Viewer\)$/),
    ]);
  });

  test('Viewer where Editor is needed: "holds only", with the fix', async () => {
    const r = await doctorWith((s) => {
      const p = s.policies.find((x) => JSON.stringify(x.resource) === '{"serviceName":"is"}') as {
        roles: string[];
      };
      p.roles = ['Viewer'];
    });
    const c = byId(r, 'access:instanceId=*,serviceName=is');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/^imds-guard holds only policy .* \(direct: Viewer\); needed for: /);
    expect(c.fix[0]).toBe(
      "ibmcloud iam service-policy-create imds-guard --roles Editor --service-name is --attributes 'instanceId=*'",
    );
  });
});

describe('regions', () => {
  test('an unavailable region fails by name', async () => {
    const r = await doctorWith((s) => {
      const eu = (s.regions as { name: string; status?: string }[]).find((x) => x.name === 'eu-de');
      if (eu) eu.status = 'unavailable';
    });
    expect(statusOf(r, 'region:eu-de')).toEqual(['fail', 'the region is unavailable']);
    expect(statusOf(r, 'region:us-south')[0]).toBe('ok');
  });
});

describe('ticket sink: one read each, never a write', () => {
  const sinkManifest = (sink: string, extra?: (set: (path: string[], v: unknown) => void) => void) =>
    writeManifest(world, `sink-${sink}`, (doc) => {
      doc.setIn(['policy', 'profiles', 'ticket', 'sink'], sink);
      extra?.((path, v) => doc.setIn(path, doc.createNode(v)));
    });

  test('ServiceNow with the right user: ok; with a wrong password: fails with the 401', async () => {
    const m = await sinkManifest('servicenow');
    const env = {
      IMDS_GUARD_SERVICENOW_USER: 'imds-guard',
      IMDS_GUARD_SERVICENOW_PASSWORD: 'demo-servicenow-password',
    };
    const good = await doctorWith(() => {}, { manifest: m, env });
    expect(statusOf(good, 'ticket-sink')[0]).toBe('ok');
    const bad = await doctorWith(() => {}, {
      manifest: m,
      env: { ...env, IMDS_GUARD_SERVICENOW_PASSWORD: 'wrong-password' },
    });
    expect(statusOf(bad, 'ticket-sink')).toEqual(['fail', expect.stringContaining('401')]);
    expect(bad.ok).toBe(false);
  });

  test('a sink that does not answer (connection reset): fails', async () => {
    const m = await sinkManifest('servicenow');
    const env = {
      IMDS_GUARD_SERVICENOW_USER: 'imds-guard',
      IMDS_GUARD_SERVICENOW_PASSWORD: 'demo-servicenow-password',
    };
    const r = await doctorWith(() => {}, { manifest: m, env });
    expect(statusOf(r, 'ticket-sink')[0]).toBe('ok');
    await adminClient(world.emu.url).fault({ service: 'servicenow', reset: true });
    const since = await adminClient(world.emu.url).lastSeq();
    const down = await doctorIn(world, m, { env });
    expect(statusOf(down, 'ticket-sink')[0]).toBe('fail');
    expect(await writesSince(world, since)).toEqual([]);
  });

  test('missing settings: named exactly as the guard names them', async () => {
    const m = await sinkManifest('servicenow');
    const r = await doctorWith(() => {}, { manifest: m });
    expect(statusOf(r, 'ticket-sink')).toEqual([
      'fail',
      'the servicenow ticket sink needs IMDS_GUARD_SERVICENOW_USER and IMDS_GUARD_SERVICENOW_PASSWORD',
    ]);
  });

  test('Jira reads the project; Case Management lists one case', async () => {
    const jira = await sinkManifest('jira', (set) =>
      set(['policy', 'profiles', 'ticket', 'jira'], { project: 'SEC' }),
    );
    const r = await doctorWith(() => {}, {
      manifest: jira,
      env: {
        IMDS_GUARD_JIRA_EMAIL: 'imds-guard@example.com',
        IMDS_GUARD_JIRA_API_TOKEN: 'demo-jira-api-token',
      },
    });
    expect(statusOf(r, 'ticket-sink')).toEqual(['ok', expect.stringMatching(/shows project SEC$/)]);
    const cases = await sinkManifest('case-management');
    expect(statusOf(await doctorWith(() => {}, { manifest: cases }), 'ticket-sink')[0]).toBe('ok');
  });

  test('Event Notifications with a publisher-only identity: the instance answers, the source cannot be confirmed (warn)', async () => {
    const m = await sinkManifest('event-notifications');
    const env = {
      IMDS_GUARD_EN_INSTANCE_ID: '6c3a1f2e-0b7d-4e59-9a51-2d4f0c8e7b13',
      IMDS_GUARD_EN_SOURCE_ID: '7d9e2b4a-1c3f-4a6b-8e0d-5f1a2b3c4d5e',
    };
    const r = await doctorWith(() => {}, { manifest: m, env });
    expect(statusOf(r, 'ticket-sink')).toEqual(['warn', expect.stringMatching(/answered, but .* \(403\)/)]);
    const manager = await doctorWith(
      (s) => {
        const guard = s.api_keys.find((k) => k.name === 'imds-guard') as { roles: Record<string, string[]> };
        guard.roles['event-notifications'] = ['Event Source Manager'];
      },
      { manifest: m, env },
    );
    expect(statusOf(manager, 'ticket-sink')[0]).toBe('ok');
  });

  test('a webhook cannot be checked without sending; the log sink has nothing to check', async () => {
    const m = await sinkManifest('webhook');
    const r = await doctorWith(() => {}, {
      manifest: m,
      env: {
        IMDS_GUARD_WEBHOOK_URL: 'https://tickets.example.com/hook',
        IMDS_GUARD_WEBHOOK_SECRET: 's3cret-for-tests',
      },
    });
    expect(statusOf(r, 'ticket-sink')).toEqual([
      'skip',
      'webhook tickets.example.com: cannot check without sending',
    ]);
    expect(statusOf(await doctorWith(() => {}), 'ticket-sink')[0]).toBe('ok');
  });
});

describe('exemptions', () => {
  test('an exemption ending within 14 days warns (exit stays 0); an ended one warns too', async () => {
    const soon = await doctorWith(() => {}, { now: new Date('2027-03-25T00:00:00Z') });
    expect(statusOf(soon, 'exemptions')).toEqual([
      'warn',
      'instance legacy-billing-01 (us-south) ends at 2027-03-31T23:59:59Z (ticket CHG0012345)',
    ]);
    expect(soon.ok).toBe(true);
    const ended = await doctorWith(() => {}, { now: new Date('2027-04-02T00:00:00Z') });
    expect(statusOf(ended, 'exemptions')[1]).toMatch(/ended at 2027-03-31T23:59:59Z/);
    const far = await doctorWith(() => {}, { now: new Date('2027-01-01T00:00:00Z') });
    expect(statusOf(far, 'exemptions')[0]).toBe('ok');
  });
});
