import { describe, expect, test } from 'vitest';
import { loadScenario, loadScenarioObject, parseScenario, ScenarioError } from '#emulator/scenario/load.ts';

/** Runs `fn` and returns the ScenarioError it throws (fails the test if it throws nothing else). */
const scenarioError = (fn: () => unknown): ScenarioError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioError');
};

const BASE = `
seed: unit
regions:
  - name: us-south
    vpcs: [{ name: v1 }]
    instances:
      - name: i1
`;

describe('scenario errors carry file:line:col', () => {
  test('a YAML syntax error points at the broken token', () => {
    // Prepare
    const text = 'seed: unit\nregions:\n  - name: us-south\n    vpcs: [ { name: v1 }\n';
    // Act
    const err = scenarioError(() => loadScenario(text, 'bad.yaml'));
    // Assess
    expect(err.file).toBe('bad.yaml');
    expect(err.issues[0]?.line).toBeGreaterThanOrEqual(4);
    expect(err.message).toMatch(/^bad\.yaml:\d+:\d+: /);
  });

  test.each([
    [
      'hop limit 65',
      'metadata_service: { enabled: true, response_hop_limit: 65 }',
      'response_hop_limit',
      '65',
    ],
    ['protocol ftp', 'metadata_service: { enabled: true, protocol: ftp }', 'protocol', 'ftp'],
  ])('a schema error (%s) points at the offending value', (_label, line, key, bad) => {
    // Prepare
    const text = `${BASE}        ${line}\n`;
    const col = (text.split('\n')[7] ?? '').indexOf(bad) + 1;
    // Act
    const err = scenarioError(() => loadScenario(text, 's.yaml'));
    // Assess
    expect(err.issues[0]).toMatchObject({
      line: 8,
      col,
      path: `regions[0].instances[0].metadata_service.${key}`,
    });
    expect(err.message).toContain(`s.yaml:8:${col}: `);
  });

  test('an unknown key is a schema error at that key', () => {
    const err = scenarioError(() => loadScenario(`${BASE}        colour: blue\n`, 's.yaml'));
    expect(err.issues[0]).toMatchObject({ line: 8, path: 'regions[0].instances[0].colour' });
  });

  test.each([
    [
      'an unknown VPC',
      '        vpc: nope\n',
      'unknown VPC "nope" in region us-south',
      'regions[0].instances[0].vpc',
      8,
    ],
    [
      'an unknown profile',
      '        default_trusted_profile: { profile: ghost }\n',
      'unknown profile "ghost"',
      'regions[0].instances[0].default_trusted_profile.profile',
      8,
    ],
    [
      'an unknown instance in a link',
      'profiles:\n  - name: p\n    links: [{ instance: ghost }]\n',
      'unknown instance "ghost"',
      'profiles[0].links[0].instance',
      10,
    ],
    [
      'an unknown instance in a claim-rule reference',
      'profiles:\n  - name: p\n    rules:\n      - conditions: [{ claim: crn, operator: EQUALS, value: { instance_crn: ghost } }]\n',
      'unknown instance "ghost"',
      'profiles[0].rules[0].conditions[0].value.instance_crn',
      11,
    ],
    [
      'an unknown access group',
      'profiles:\n  - name: p\n    access_groups: [nope]\n',
      'unknown access group "nope"',
      'profiles[0].access_groups[0]',
      10,
    ],
  ])('a reference error (%s) points at the reference', (_label, extra, message, path, line) => {
    // Act
    const err = scenarioError(() => loadScenario(`${BASE}${extra}`, 'r.yaml'));
    // Assess
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ message, path, line });
    expect(err.message).toMatch(new RegExp(`^r\\.yaml:${line}:\\d+: `));
  });

  test('JSON text is located too (JSON is YAML)', () => {
    // Prepare
    const text = JSON.stringify(
      {
        seed: 'json',
        regions: [
          {
            name: 'us-south',
            vpcs: [{ name: 'v' }],
            instances: [{ name: 'i', metadata_service: { enabled: true, response_hop_limit: 65 } }],
          },
        ],
      },
      null,
      2,
    );
    // Act
    const err = scenarioError(() => loadScenario(text, 'doc.json'));
    // Assess
    const line = text.split('\n').findIndex((l) => l.includes('"response_hop_limit": 65')) + 1;
    expect(err.issues[0]).toMatchObject({
      line,
      path: 'regions[0].instances[0].metadata_service.response_hop_limit',
    });
  });

  test('an object load reports paths, and line:col when its JSON text is given', () => {
    // Prepare
    const doc = {
      regions: [{ name: 'us-south', instances: [{ name: 'i', vpc: 'nope' }], vpcs: [{ name: 'v' }] }],
    };
    const text = JSON.stringify(doc, null, 2);
    // Act
    const bare = scenarioError(() => loadScenarioObject(doc, 'body'));
    const located = scenarioError(() => loadScenarioObject(doc, 'body', text));
    // Assess
    expect(bare.issues[0]).toMatchObject({ path: 'regions[0].instances[0].vpc' });
    expect(bare.issues[0]?.line).toBeUndefined();
    expect(located.issues[0]).toMatchObject({ path: 'regions[0].instances[0].vpc', line: 8 });
  });

  test('duplicate YAML keys are a syntax error', () => {
    const err = scenarioError(() => loadScenario('seed: a\nseed: b\n', 'd.yaml'));
    expect(err.issues[0]).toMatchObject({ line: 2 });
  });
});

describe('duplicate names', () => {
  test.each([
    ['instance', `${BASE}      - name: i1\n`, 'duplicate instance name "i1"', 'regions[0].instances[1].name'],
    [
      'VPC',
      BASE.replace('vpcs: [{ name: v1 }]', 'vpcs: [{ name: v1 }, { name: v1 }]'),
      'duplicate VPC "v1" in region us-south',
      'regions[0].vpcs[1].name',
    ],
    ['region', `${BASE}  - name: us-south\n`, 'duplicate region "us-south"', 'regions[1].name'],
    ['profile', 'profiles: [{ name: p }, { name: p }]\n', 'duplicate profile "p"', 'profiles[1].name'],
    [
      'resource group',
      'resource_groups: [{ name: a }, { name: a }]\n',
      'duplicate resource group "a"',
      'resource_groups[1].name',
    ],
    [
      'api key value',
      'api_keys: [{ name: a, key: same-key-1 }, { name: b, key: same-key-1 }]\n',
      'duplicate api key value',
      'api_keys[1].key',
    ],
    [
      'access group',
      'access_groups: [{ name: g }, { name: g }]\n',
      'duplicate access group "g"',
      'access_groups[1].name',
    ],
    [
      'template',
      `${BASE}    templates: [{ name: t }, { name: t }]\n`,
      'duplicate template "t" in region us-south',
      'regions[0].templates[1].name',
    ],
  ])('a duplicate %s is refused', (_label, text, message, path) => {
    const err = scenarioError(() => loadScenario(text, 'dup.yaml'));
    expect(err.issues[0]).toMatchObject({ message, path });
    expect(err.issues[0]?.line).toBeGreaterThan(0);
  });
});

describe('defaults and derived values', () => {
  test('an empty document is a valid, empty world with the documented defaults', () => {
    // Act
    const { doc } = parseScenario('{}');
    const state = loadScenario('{}');
    // Assess
    expect(doc).toMatchObject({
      version: 1,
      seed: 'imds-guard',
      token_ttl_seconds: 3600,
      resource_groups: [{ name: 'default' }],
    });
    expect(state.account.id).toMatch(/^[0-9a-f]{32}$/);
    expect(state.account.name).toBe('imds-guard-account');
    expect([...state.resourceGroups.values()].map((r) => r.name)).toEqual(['default']);
    expect(state.counts()).toMatchObject({ regions: 0, instances: 0, profiles: 0 });
  });

  test('instance defaults: first zone, first VPC and its resource group, first image, IBM metadata defaults', () => {
    // Prepare
    const text = `
resource_groups: [{ name: default }, { name: prod }]
regions:
  - name: us-south
    vpcs: [{ name: v1, resource_group: prod }, { name: v2 }]
    images: [{ name: img }]
    instances:
      - name: i1
      - name: i2
        metadata_service: { enabled: true }
`;
    // Act
    const state = loadScenario(text);
    // Assess
    const rs = state.regionState('us-south');
    const [i1, i2] = [...(rs?.instances.values() ?? [])];
    const v1 = [...(rs?.vpcs.values() ?? [])][0];
    expect(rs?.region.zones.map((z) => z.name)).toEqual(['us-south-1', 'us-south-2', 'us-south-3']);
    expect(i1).toMatchObject({
      zone: 'us-south-1',
      vpc_id: v1?.id,
      resource_group_id: v1?.resource_group_id,
      image_id: [...(rs?.images.keys() ?? [])][0],
      profile: 'bx2-2x8',
      status: 'running',
      metadata_service: { enabled: false, protocol: 'http', response_hop_limit: 1 },
      rev: 1,
    });
    expect(state.resourceGroups.get(v1?.resource_group_id ?? '')?.name).toBe('prod');
    expect(i2?.metadata_service).toEqual({ enabled: true, protocol: 'http', response_hop_limit: 1 });
    expect(i1?.id).toMatch(/^0\d{3}_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(i1?.crn).toBe(`crn:v1:bluemix:public:is:us-south-1:a/${state.account.id}::instance:${i1?.id}`);
    expect(v1?.id).toMatch(/^r006-/);
  });

  test('ids derive from the seed: same seed → same ids, other seed → other ids', () => {
    // Prepare
    const other = BASE.replace('seed: unit', 'seed: other');
    // Act
    const a = loadScenario(BASE);
    const b = loadScenario(BASE);
    const c = loadScenario(other);
    // Assess
    const ids = (s: typeof a) => [s.account.id, ...(s.regionState('us-south')?.instances.keys() ?? [])];
    expect(ids(a)).toEqual(ids(b));
    expect(ids(c)[0]).not.toBe(ids(a)[0]);
    expect(ids(c)[1]).not.toBe(ids(a)[1]);
  });

  test('profile, rule, link and policy defaults; references resolve to ids and CRNs', () => {
    // Prepare
    const text = `${BASE}profiles:
  - name: p
    rules:
      - conditions:
          - { claim: crn, operator: EQUALS, value: { instance_crn: i1 } }
          - { claim: vpc_id, operator: EQUALS, value: { vpc_id: v1 } }
          - { claim: name, operator: IN, value: [a, b] }
    links: [{ instance: i1 }]
    policies:
      - roles: [Viewer, Reader]
        resource: { serviceName: is, instanceId: { instance_id: i1 }, region: 'us-*' }
`;
    // Act
    const state = loadScenario(text);
    // Assess
    const p = [...state.profiles.values()][0];
    const i1 = [...(state.regionState('us-south')?.instances.values() ?? [])][0];
    const vpc = [...(state.regionState('us-south')?.vpcs.values() ?? [])][0];
    expect(p?.id).toMatch(/^Profile-/);
    expect(p?.iam_id).toBe(`iam-${p?.id}`);
    expect(p?.rules[0]).toMatchObject({ type: 'Profile-CR', expiration: 3600 });
    expect(p?.rules[0]?.conditions.map((c) => c.value)).toEqual([
      JSON.stringify(i1?.crn),
      JSON.stringify(vpc?.id),
      '["a","b"]',
    ]);
    expect(p?.links[0]).toMatchObject({ cr_type: 'VSI', link: { crn: i1?.crn } });
    const pol = [...state.policies.values()][0];
    expect(pol).toMatchObject({
      type: 'access',
      state: 'active',
      subject: { attributes: [{ key: 'iam_id', value: p?.iam_id }] },
      role_ids: [
        'crn:v1:bluemix:public:iam::::role:Viewer',
        'crn:v1:bluemix:public:iam::::serviceRole:Reader',
      ],
    });
    expect(pol?.resource.attributes).toEqual([
      { key: 'accountId', operator: 'stringEquals', value: state.account.id },
      { key: 'serviceName', operator: 'stringEquals', value: 'is' },
      { key: 'instanceId', operator: 'stringEquals', value: i1?.id },
      { key: 'region', operator: 'stringMatch', value: 'us-*' },
    ]);
  });

  test('auto_link adds the link IBM creates, once; membership_count defaults to the named members', () => {
    // Prepare
    const text = `
regions:
  - name: us-south
    vpcs: [{ name: v }]
    templates: [{ name: t }]
    instance_groups: [{ name: g, template: t }, { name: fixed, template: t, membership_count: 5 }]
    instances:
      - { name: a, instance_group: g, default_trusted_profile: { profile: p, auto_link: true } }
      - { name: b, instance_group: g, default_trusted_profile: { profile: p } }
      - { name: c, default_trusted_profile: { profile: q, auto_link: true } }
profiles:
  - name: p
  - name: q
    links: [{ instance: c }]
`;
    // Act
    const state = loadScenario(text);
    // Assess
    const [p, q] = [...state.profiles.values()];
    const byName = new Map(
      [...(state.regionState('us-south')?.instances.values() ?? [])].map((i) => [i.name, i]),
    );
    expect(p?.links.map((l) => l.link.crn)).toEqual([byName.get('a')?.crn]);
    expect(q?.links).toHaveLength(1);
    expect(byName.get('b')?.default_trusted_profile).toEqual({ auto_link: false, profile_id: p?.id });
    const groups = [...(state.regionState('us-south')?.instanceGroups.values() ?? [])];
    expect(groups.map((g) => g.membership_count)).toEqual([2, 5]);
  });

  test('refuses what IBM refuses or what is ambiguous', () => {
    // Prepare
    const autoLinkGroup = `
regions:
  - name: us-south
    vpcs: [{ name: v }]
    templates: [{ name: t, default_trusted_profile: { profile: p, auto_link: true } }]
    instance_groups: [{ name: g, template: t }]
profiles: [{ name: p }]
`;
    const ambiguous = `
regions:
  - { name: us-south, vpcs: [{ name: v }] }
  - { name: eu-de, vpcs: [{ name: v }] }
profiles:
  - name: p
    rules: [{ conditions: [{ claim: vpc_id, operator: EQUALS, value: { vpc_id: v } }] }]
`;
    const twoKeys = `${BASE}profiles:
  - name: p
    rules: [{ conditions: [{ claim: x, operator: EQUALS, value: { instance_id: i1, vpc_id: v1 } }] }]
`;
    // Act
    const e1 = scenarioError(() => loadScenario(autoLinkGroup));
    const e2 = scenarioError(() => loadScenario(ambiguous));
    const qualified = loadScenario(ambiguous.replace('vpc_id: v }', 'vpc_id: eu-de/v }'));
    const e3 = scenarioError(() => loadScenario(twoKeys));
    // Assess
    expect(e1.issues[0]).toMatchObject({ path: 'regions[0].instance_groups[0].template', line: 6 });
    expect(e2.issues[0]?.message).toContain('write "region/v"');
    const euVpc = [...(qualified.regionState('eu-de')?.vpcs.values() ?? [])][0];
    expect([...qualified.profiles.values()][0]?.rules[0]?.conditions[0]?.value).toBe(
      JSON.stringify(euVpc?.id),
    );
    expect(e3.issues[0]?.message).toMatch(/exactly one of/);
  });
});
