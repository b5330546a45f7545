import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '#shared/errors.ts';
import { loadPolicy, loadPolicyFromJson, loadPolicyFromManifest, PolicyError } from '#shared/policy/load.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const REPO_MANIFEST = fileURLToPath(new URL('../../../manifest.yaml', import.meta.url));

/** The error a loader throws, as its message lines. */
const errorLines = (load: () => unknown): string[] => {
  try {
    load();
  } catch (err) {
    if (err instanceof PolicyError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a PolicyError');
};

describe('the repository manifest.yaml', () => {
  test('loads without errors or warnings and carries the documented examples', () => {
    // Prepare
    const text = readFileSync(REPO_MANIFEST, 'utf8');
    // Act
    const { policy, warnings } = loadPolicyFromManifest(text, 'manifest.yaml', { now: NOW });
    // Assess
    expect(warnings).toEqual([]);
    expect(policy.instances.rules).toContainEqual({
      name: 'container-hosts',
      match: { tags: ['imds-guard:container-host'] },
      mode: 'secure',
      hop_limit: 2,
    });
    expect(policy.instances.exemptions.access_tags).toEqual(['imds-guard:exempt']);
    expect(policy.instances.exemptions.list[0]).toMatchObject({
      expires: expect.any(String),
      approver: expect.any(String),
      ticket: expect.any(String),
    });
    expect(policy.instances.on_tag_lookup_failure).toBe('fail-closed');
  });
});

describe('loadPolicyFromManifest', () => {
  test('reads only the policy section; other sections are left to their own loaders', () => {
    // Prepare
    const text = [
      'functions:',
      '  - name: instance-guard',
      '    whatever: [1, 2]',
      'policy:',
      '  dry_run: true',
      '',
    ].join('\n');
    // Act
    const { policy, warnings, source } = loadPolicyFromManifest(text, 'm.yaml', { now: NOW });
    // Assess
    expect(policy.dry_run).toBe(true);
    expect(warnings).toEqual([]);
    expect(source).toBe('m.yaml');
  });

  test.each([
    ['an empty file', ''],
    ['no policy section', 'functions: []\n'],
    ['an empty policy section', 'policy:\n'],
  ])('%s gives the defaults', (_label, text) => {
    const { policy } = loadPolicyFromManifest(text, 'm.yaml', { now: NOW });
    expect(policy.instances.default.mode).toBe('audit');
    expect(policy.templates.mode).toBe('audit');
  });

  test('a missing policy section is flagged', () => {
    const { warnings } = loadPolicyFromManifest('functions: []\n', 'm.yaml', { now: NOW });
    expect(warnings[0]?.message).toMatch(/no policy: section/);
  });

  test.each([
    [
      'a misspelt option, pointed at its key, with a hint',
      [
        'policy:',
        '  instances:',
        '    rules:',
        '      - name: a',
        '        match: { regoins: us-south }',
        '        mode: secure',
      ],
      'manifest.yaml:5:18: unknown option "regoins"; did you mean "regions"? (at policy.instances.rules[0].match.regoins)',
    ],
    [
      'a bad mode, pointed at the value',
      ['policy:', '  instances:', '    default:', '      mode: secrue'],
      'manifest.yaml:4:13: mode must be one of disable, secure, audit (got "secrue") (at policy.instances.default.mode)',
    ],
    [
      'a hop limit out of range',
      [
        'policy:',
        '  instances:',
        '    rules:',
        '      - name: c',
        '        match: {}',
        '        mode: secure',
        '        hop_limit: 65',
      ],
      'manifest.yaml:7:20: hop_limit must be a whole number from 1 to 64 (at policy.instances.rules[0].hop_limit)',
    ],
    [
      'a missing option, pointed at the mapping that lacks it',
      ['policy:', '  instances:', '    rules:', '      - name: a', '        match: {}'],
      'manifest.yaml:4:9: missing required option "mode" (at policy.instances.rules[0].mode)',
    ],
    [
      'a duplicate rule name',
      [
        'policy:',
        '  instances:',
        '    rules:',
        '      - { name: a, match: {}, mode: audit }',
        '      - { name: a, match: { names: x }, mode: audit }',
      ],
      'manifest.yaml:5:17: rule name "a" is already used by rules[0]; decision records cite rules by name, so names must be unique (at policy.instances.rules[1].name)',
    ],
    [
      'hop limit with disable',
      ['policy:', '  instances:', '    default: { mode: disable, hop_limit: 2 }'],
      'manifest.yaml:3:42: hop_limit has no effect with mode disable (the hop limit applies only while the metadata service is enabled); remove it (at policy.instances.default.hop_limit)',
    ],
    [
      'an exemption without approver',
      [
        'policy:',
        '  instances:',
        '    exemptions:',
        '      list:',
        '        - match: { id: i-1 }',
        "          expires: '2027-01-01T00:00:00Z'",
        '          ticket: T-1',
      ],
      'manifest.yaml:5:11: missing required option "approver" (at policy.instances.exemptions.list[0].approver)',
    ],
    [
      'a list where a mapping belongs',
      ['policy:', '  templates: [replace]'],
      'manifest.yaml:2:14: expected a mapping of options, not a list (at policy.templates)',
    ],
    [
      'a policy that is not a mapping',
      ['policy: enforce'],
      'manifest.yaml:1:9: expected a mapping of options (got "enforce") (at policy)',
    ],
    [
      'YAML syntax',
      ['policy:', '  dry_run: [true'],
      'manifest.yaml:2:17: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    [
      'a duplicate key',
      ['policy:', '  dry_run: true', '  dry_run: false'],
      'manifest.yaml:3:3: Map keys must be unique',
    ],
    [
      'a manifest that is not a mapping',
      ['- policy'],
      'manifest.yaml:1:1: a manifest is a mapping of sections (policy:, …)',
    ],
  ])('%s', (_label, lines, expected) => {
    // Act
    const got = errorLines(() => loadPolicyFromManifest(lines.join('\n'), 'manifest.yaml', { now: NOW }));
    // Assess
    expect(got).toContain(expected);
  });

  test('every error is reported at once, and the error is a ConfigError for the edges', () => {
    // Prepare
    const text = ['policy:', '  dry_run: maybe', '  templates:', '    mode: patch'].join('\n');
    // Act
    let error: unknown;
    try {
      loadPolicyFromManifest(text, 'manifest.yaml', { now: NOW });
    } catch (err) {
      error = err;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ name: 'PolicyError', file: 'manifest.yaml' });
    expect((error as PolicyError).issues.map((i) => [i.line, i.col, i.path])).toEqual([
      [2, 12, 'policy.dry_run'],
      [4, 11, 'policy.templates.mode'],
    ]);
  });

  test('an exemption that already expired loads, with a located warning', () => {
    // Prepare
    const text = [
      'policy:',
      '  instances:',
      '    exemptions:',
      '      list:',
      '        - match: { name: old }',
      "          expires: '2026-01-01T00:00:00Z'",
      '          approver: sec',
      '          ticket: T-1',
    ].join('\n');
    // Act
    const { policy, warnings } = loadPolicyFromManifest(text, 'manifest.yaml', { now: NOW });
    // Assess
    expect(policy.instances.exemptions.list).toHaveLength(1);
    expect(warnings).toEqual([
      {
        severity: 'warning',
        message:
          'exemption (ticket T-1) expired at 2026-01-01T00:00:00Z and no longer applies; renew or remove it',
        path: 'policy.instances.exemptions.list[0].expires',
        line: 6,
        col: 20,
      },
    ]);
  });
});

describe('loadPolicyFromJson', () => {
  test.each([
    ['the policy object', '{"dry_run": true}'],
    ['a {"policy": …} wrapper', '{"policy": {"dry_run": true}}'],
  ])('accepts %s', (_label, text) => {
    const { policy, source } = loadPolicyFromJson(text, undefined, { now: NOW });
    expect(policy.dry_run).toBe(true);
    expect(source).toBe('IMDS_GUARD_POLICY');
  });

  test.each([
    [
      'a schema error, with its column',
      '{"instances": {"default": {"mode": "x"}}}',
      'IMDS_GUARD_POLICY:1:36: mode must be one of disable, secure, audit (got "x") (at instances.default.mode)',
    ],
    [
      'a schema error inside the wrapper',
      '{"policy": {"dry_run": 1}}',
      'IMDS_GUARD_POLICY:1:24: expected true or false (at policy.dry_run)',
    ],
    [
      'a trailing comma',
      '{\n  "dry_run": true,\n}',
      'IMDS_GUARD_POLICY:3:1: not valid JSON: Expected double-quoted property name',
    ],
    [
      'cut-off JSON',
      '{"instances": ',
      'IMDS_GUARD_POLICY:1:15: not valid JSON: Unexpected end of JSON input',
    ],
    ['a list', '[]', 'IMDS_GUARD_POLICY: the policy must be a JSON object'],
  ])('reports %s', (_label, text, expected) => {
    expect(errorLines(() => loadPolicyFromJson(text, undefined, { now: NOW }))).toContain(expected);
  });
});

describe('loadPolicy', () => {
  let dir: string;
  const manifest =
    'policy:\n  dry_run: false\n  self_ids: [iam-ServiceId-from-file]\n  templates: { mode: replace }\n';
  const env = { policyJson: undefined, manifestPath: undefined, dryRun: false, selfIds: [] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imds-guard-policy-'));
    await writeFile(join(dir, 'manifest.yaml'), manifest);
    await writeFile(join(dir, 'other.yaml'), 'policy:\n  templates: { mode: audit }\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each<[string, { policyJson?: string; manifestPath?: string }, string, string]>([
    [
      'IMDS_GUARD_POLICY wins over any manifest',
      { policyJson: '{"templates":{"mode":"audit"}}', manifestPath: 'other.yaml' },
      'IMDS_GUARD_POLICY',
      'audit',
    ],
    ['IMDS_GUARD_MANIFEST', { manifestPath: 'other.yaml' }, 'other.yaml', 'audit'],
    ['./manifest.yaml', {}, 'manifest.yaml', 'replace'],
  ])('reads %s', async (_label, overrides, source, templateMode) => {
    // Prepare
    const config = {
      ...env,
      ...overrides,
      ...(overrides.manifestPath ? { manifestPath: join(dir, overrides.manifestPath) } : {}),
    };
    // Act
    const { policy, source: got } = await loadPolicy(config, { cwd: dir, now: NOW });
    // Assess
    expect(got.endsWith(source)).toBe(true);
    expect(policy.templates.mode).toBe(templateMode);
  });

  test('the environment can only tighten: dry-run on, more self ids', async () => {
    // Act
    const { policy } = await loadPolicy(
      { ...env, dryRun: true, selfIds: ['iam-Profile-x', 'iam-ServiceId-from-file'] },
      { cwd: dir, now: NOW },
    );
    // Assess
    expect(policy.dry_run).toBe(true);
    expect(policy.self_ids).toEqual(['iam-ServiceId-from-file', 'iam-Profile-x']);
  });

  test('nothing configured: the audit-only defaults, with a warning', async () => {
    // Act
    const { policy, warnings, source } = await loadPolicy(env, { cwd: join(dir, 'nowhere'), now: NOW });
    // Assess
    expect(source).toBe('defaults');
    expect(policy.instances.default.mode).toBe('audit');
    expect(warnings[0]?.message).toMatch(/using the defaults/);
  });

  test('an unreadable IMDS_GUARD_MANIFEST is a PolicyError', async () => {
    await expect(
      loadPolicy({ ...env, manifestPath: join(dir, 'missing.yaml') }, { now: NOW }),
    ).rejects.toThrow(/cannot read the manifest/);
  });
});
