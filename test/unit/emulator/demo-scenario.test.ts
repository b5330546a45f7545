import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { roleName } from '#emulator/core/roles.ts';
import type { EmulatorState, InstanceRec, PolicyRec, ProfileRec } from '#emulator/core/state.ts';
import { loadScenario } from '#emulator/scenario/load.ts';
import { builtinScenarioPath } from '#emulator/scenarios/index.ts';

let state: EmulatorState;
const instance = (name: string): InstanceRec => {
  for (const rs of state.regions.values())
    for (const i of rs.instances.values()) if (i.name === name) return i;
  throw new Error(`no instance ${name}`);
};
const profile = (name: string): ProfileRec => {
  const p = [...state.profiles.values()].find((x) => x.name === name);
  if (!p) throw new Error(`no profile ${name}`);
  return p;
};
const policiesOf = (subject: string): PolicyRec[] =>
  [...state.policies.values()].filter((p) => p.subject.attributes.some((a) => a.value === subject));
/** `{serviceType: 'service'}`-style view of a policy's resource, without accountId. */
const resourceOf = (p: PolicyRec): Record<string, unknown> =>
  Object.fromEntries(p.resource.attributes.filter((a) => a.key !== 'accountId').map((a) => [a.key, a.value]));
const rolesOf = (p: PolicyRec): string[] => p.role_ids.map(roleName);
const tags = (i: InstanceRec) => state.tags.get(i.crn) ?? { user: [], access: [], service: [] };
const groupNamed = (name: string) => [...state.accessGroups.values()].find((g) => g.name === name);

// Prepare / Act: the built-in file is loaded once; each test below only assesses one guard case.
beforeAll(() => {
  const file = builtinScenarioPath('demo');
  state = loadScenario(readFileSync(file, 'utf8'), file);
});

describe('demo.yaml', () => {
  test('loads: 3 regions including us-south, each with a VPC and instances', () => {
    // Assess
    expect([...state.regions.keys()]).toEqual(['us-south', 'eu-de', 'jp-tok']);
    for (const rs of state.regions.values()) {
      expect(rs.vpcs.size).toBeGreaterThanOrEqual(1);
      expect(rs.instances.size).toBeGreaterThanOrEqual(2);
    }
    expect(state.regionState('us-south')?.instances.size).toBeGreaterThanOrEqual(8);
  });

  test('keys: the least-privilege guard key, a fixer key, two user keys, a key with no roles, a ServiceNow user', () => {
    const key = (k: string) => state.apiKeys.get(k);
    expect(key('imds-guard-demo-key')).toMatchObject({
      kind: 'serviceid',
      roles: {
        is: ['Editor'],
        'iam-identity': ['Viewer'],
        'iam-access-management': ['Viewer'],
        'iam-groups': ['Viewer'],
        'global-tagging': ['Viewer'],
        support: ['Editor'],
      },
    });
    expect(Object.keys(key('imds-guard-demo-key')?.roles ?? {})).not.toContain('*');
    expect(key('imds-guard-fix-key')?.roles['iam-identity']).toContain('Administrator');
    expect(key('alice-demo-key')).toMatchObject({
      kind: 'user',
      roles: { '*': ['Administrator', 'Manager'] },
    });
    expect(key('bob-demo-key')).toMatchObject({ kind: 'user', roles: { is: ['Editor'] } });
    expect(key('no-roles-demo-key')?.roles).toEqual({});
    expect(state.servicenowUsers.size).toBe(1);
  });

  test('us-south has at least 3 insecure instances: metadata enabled on http, not exempt', () => {
    const insecure = [...(state.regionState('us-south')?.instances.values() ?? [])].filter(
      (i) => i.metadata_service.enabled && i.metadata_service.protocol === 'http' && !tags(i).access.length,
    );
    expect(insecure.length).toBeGreaterThanOrEqual(3);
    expect(insecure.map((i) => i.name)).toEqual(expect.arrayContaining(['web-01', 'web-02', 'batch-01']));
    expect(instance('batch-01').metadata_service.response_hop_limit).toBeGreaterThan(1);
  });

  test('compliant instances: one disabled, one https with hop limit 1', () => {
    expect(instance('db-01').metadata_service.enabled).toBe(false);
    expect(instance('api-01').metadata_service).toEqual({
      enabled: true,
      protocol: 'https',
      response_hop_limit: 1,
    });
  });

  test('legacy-01 is exempt by the access tag imds-guard:exempt (and would be insecure otherwise)', () => {
    const i = instance('legacy-01');
    expect(tags(i).access).toContain('imds-guard:exempt');
    expect(i.metadata_service).toMatchObject({ enabled: true, protocol: 'http' });
  });

  test('container hosts: tagged, in the containers VPC and resource group; one already at hop limit 2', () => {
    const containersRg = [...state.resourceGroups.values()].find((r) => r.name === 'containers')?.id;
    for (const name of ['k8s-worker-01', 'k8s-worker-02']) {
      const i = instance(name);
      expect(tags(i).access).toContain('imds-guard:container-host');
      expect(state.regionState('us-south')?.vpcs.get(i.vpc_id)?.name).toBe('containers-vpc');
      expect(i.resource_group_id).toBe(containersRg);
    }
    expect(instance('k8s-worker-01').metadata_service).toEqual({
      enabled: true,
      protocol: 'https',
      response_hop_limit: 2,
    });
    expect(instance('k8s-worker-02').metadata_service.protocol).toBe('http');
  });

  test('agent-01 runs an image whose allowed use requires the metadata service', () => {
    const i = instance('agent-01');
    const image = state.regionState('us-south')?.images.get(i.image_id ?? '');
    expect(image?.allowed_use_instance).toBe('metadata_service.enabled == true');
    expect(i.metadata_service).toMatchObject({ enabled: true, protocol: 'http' });
  });

  test('app-01 has a default trusted profile with auto_link, and the link exists', () => {
    const i = instance('app-01');
    const p = profile('app-reader');
    expect(i.default_trusted_profile).toEqual({ auto_link: true, profile_id: p.id });
    expect(p.links.map((l) => l.link.crn)).toContain(i.crn);
    expect(i.metadata_service.enabled).toBe(true);
  });

  test('an insecure template and an instance group that uses it, with its member instances', () => {
    const rs = state.regionState('us-south');
    const templates = [...(rs?.templates.values() ?? [])];
    const insecure = templates.find((t) => t.name === 'workers-template-v1');
    expect(insecure?.metadata_service).toEqual({ enabled: true, protocol: 'http', response_hop_limit: 1 });
    expect(templates.find((t) => t.name === 'api-template')?.metadata_service?.protocol).toBe('https');
    expect(templates.find((t) => t.name === 'batch-template')?.metadata_service).toBeUndefined();
    const group = [...(rs?.instanceGroups.values() ?? [])].find((g) => g.name === 'workers');
    expect(group?.template_id).toBe(insecure?.id);
    const members = [...(rs?.instances.values() ?? [])].filter((i) => i.instance_group_id === group?.id);
    expect(members.map((m) => m.name)).toEqual(['workers-001', 'workers-002']);
    expect(group?.membership_count).toBe(2);
  });

  test('other regions have insecure and compliant instances too', () => {
    expect(instance('eu-web-01').metadata_service.protocol).toBe('http');
    expect(instance('eu-db-01').metadata_service.enabled).toBe(false);
    expect(instance('tok-cache-01').metadata_service).toMatchObject({ enabled: true, protocol: 'http' });
    expect(instance('tok-app-01').metadata_service.protocol).toBe('https');
  });

  test('ops-automation is too broad: Administrator on all IAM services, loose VSI rules, 12 h, linked to http web-01', () => {
    const p = profile('ops-automation');
    const [policy] = policiesOf(p.iam_id);
    expect(policiesOf(p.iam_id)).toHaveLength(1);
    expect(rolesOf(policy as PolicyRec)).toEqual(['Administrator']);
    expect(resourceOf(policy as PolicyRec)).toEqual({ serviceType: 'service' });
    expect(p.rules.length).toBeGreaterThanOrEqual(1);
    for (const r of p.rules) {
      expect(r).toMatchObject({ type: 'Profile-CR', cr_type: 'VSI', expiration: 43200 });
      expect(r.conditions.some((c) => c.claim === 'crn' && c.operator === 'EQUALS')).toBe(false);
    }
    const vpcRule = p.rules.find((r) => r.conditions.some((c) => c.claim === 'vpc_id'));
    expect(vpcRule?.conditions[0]?.value).toBe(JSON.stringify(instance('web-01').vpc_id));
    expect(p.rules.some((r) => r.conditions.some((c) => c.operator === 'NOT_EQUALS'))).toBe(true);
    expect(p.links.map((l) => l.link.crn)).toEqual([instance('web-01').crn]);
    expect(instance('web-01').metadata_service.protocol).toBe('http');
  });

  test('api-deployer is a near miss: Editor scoped to is + one instance, rule pinned by crn EQUALS, 1 h', () => {
    const p = profile('api-deployer');
    const pols = policiesOf(p.iam_id);
    expect(pols).toHaveLength(1);
    expect(rolesOf(pols[0] as PolicyRec)).toEqual(['Editor']);
    expect(resourceOf(pols[0] as PolicyRec)).toEqual({
      serviceName: 'is',
      instanceId: instance('api-01').id,
    });
    expect(p.rules).toHaveLength(1);
    expect(p.rules[0]).toMatchObject({
      cr_type: 'VSI',
      expiration: 3600,
      conditions: [{ claim: 'crn', operator: 'EQUALS', value: JSON.stringify(instance('api-01').crn) }],
    });
    const groups = [...state.accessGroups.values()].filter((g) =>
      g.members.some((m) => m.iam_id === p.iam_id),
    );
    expect(groups).toEqual([]);
  });

  test('app-reader is tight: Viewer on one instance, rule pinned by crn, 900 s', () => {
    const p = profile('app-reader');
    const pols = policiesOf(p.iam_id);
    expect(pols.map(rolesOf)).toEqual([['Viewer']]);
    expect(resourceOf(pols[0] as PolicyRec)).toEqual({
      serviceName: 'is',
      instanceId: instance('app-01').id,
    });
    expect(p.rules[0]).toMatchObject({
      expiration: 900,
      conditions: [{ claim: 'crn', operator: 'EQUALS', value: JSON.stringify(instance('app-01').crn) }],
    });
  });

  test('platform-admins: broad Editor over platform_service, with the audit-bot profile as member', () => {
    const g = groupNamed('platform-admins');
    const audit = profile('audit-bot');
    expect(g?.members.map((m) => [m.type, m.name])).toEqual(
      expect.arrayContaining([
        ['profile', 'audit-bot'],
        ['user', 'alice'],
      ]),
    );
    const gp = policiesOf(g?.id ?? '');
    expect(gp.map(rolesOf)).toEqual([['Editor']]);
    expect(resourceOf(gp[0] as PolicyRec)).toEqual({ serviceType: 'platform_service' });
    // Its own policy is tight: the breadth comes only from the group.
    expect(policiesOf(audit.iam_id).map(rolesOf)).toEqual([['Viewer']]);
    expect(audit.rules[0]?.conditions[0]).toMatchObject({ claim: 'crn', operator: 'EQUALS' });
    expect(audit.links.map((l) => l.link.crn)).toEqual([instance('tok-app-01').crn]);
  });

  test('the guard service ID has policies matching its key roles, nothing account-wide', () => {
    const guard = state.apiKeys.get('imds-guard-demo-key');
    const pols = policiesOf(guard?.iam_id ?? '');
    expect(pols.map((p) => [resourceOf(p).serviceName, rolesOf(p)[0]])).toEqual([
      ['is', 'Editor'],
      ['iam-identity', 'Viewer'],
      ['iam-access-management', 'Viewer'],
      ['iam-groups', 'Viewer'],
      ['global-tagging', 'Viewer'],
      ['support', 'Editor'],
      // Read-only, for `imds-guard doctor` (docs/doctor.md): the guard itself never calls these.
      ['atracker', 'Viewer'],
      ['codeengine', 'Viewer'],
    ]);
  });
});
