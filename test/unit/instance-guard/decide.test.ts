import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import {
  applyMetadataPatch,
  decideInstance,
  decideTemplate,
  desiredState,
  IBM_DEFAULT_METADATA,
  type InstanceSnapshot,
  instanceSnapshot,
  regionOfZone,
  replacementName,
  type TagRead,
  type TemplateSnapshot,
} from '#functions/instance-guard/decide.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';
import { loadPolicyFromManifest } from '#shared/policy/load.ts';
import { Policy, type PolicyInput } from '#shared/policy/schema.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const ACCOUNT = 'aa2432b1fa4d4ace891e9b80fc104e34';
const INSTANCE_ID = '0717_e21b7391-2ca2-4ab5-84a8-b92157a633b0';
const INSTANCE_CRN = `crn:v1:bluemix:public:is:us-south-1:a/${ACCOUNT}::instance:${INSTANCE_ID}`;
const TEMPLATE_ID = '0717-4b6e5a1c-96a5-4b4a-8a35-3f1e4c1d2e3f';
const TEMPLATE_CRN = `crn:v1:bluemix:public:is:us-south:a/${ACCOUNT}::instance-template:${TEMPLATE_ID}`;

const policy = (raw: PolicyInput = {}): Policy => v.parse(Policy, raw);

const ms = (enabled: boolean, protocol: 'http' | 'https' = 'http', hop = 1): InstanceMetadataService => ({
  enabled,
  protocol,
  response_hop_limit: hop,
});

const tags = (user: string[] = [], access: string[] = []): TagRead => ({ ok: true, user, access });
const TAGS_FAILED: TagRead = { ok: false, error: 'global-tagging 503' };

const snapshot = (
  metadata: InstanceMetadataService,
  tagRead: TagRead = tags(),
  overrides: Partial<InstanceSnapshot['instance']> = {},
): InstanceSnapshot => ({
  instance: {
    id: INSTANCE_ID,
    crn: INSTANCE_CRN,
    name: 'web-01',
    region: 'us-south',
    zone: 'us-south-1',
    vpc: { id: 'r006-vpc-1', name: 'prod-vpc' },
    resource_group: { id: 'rg-0001', name: 'prod' },
    metadata_service: metadata,
    status: 'running',
    ...overrides,
  },
  tags: tagRead,
});

const template = (
  metadata: InstanceMetadataService | undefined,
  overrides: Partial<TemplateSnapshot> = {},
): TemplateSnapshot => ({
  template: {
    id: TEMPLATE_ID,
    crn: TEMPLATE_CRN,
    name: 'web-tpl',
    region: 'us-south',
    zone: 'us-south-1',
    vpc: { id: 'r006-vpc-1', name: 'prod-vpc' },
    resource_group: { id: 'rg-0001', name: 'prod' },
    ...(metadata ? { metadata_service: metadata } : {}),
  },
  tags: tags(),
  instance_groups: [
    { id: 'ig-1', name: 'web-group', instance_template: { id: TEMPLATE_ID } },
    { id: 'ig-2', name: 'api-group', instance_template: { id: 'other-template' } },
    { id: 'ig-3', instance_template: { id: TEMPLATE_ID } },
  ],
  ...overrides,
});

const withDefault = (mode: 'disable' | 'secure' | 'audit', hop_limit?: number) =>
  policy({ instances: { default: { mode, ...(hop_limit ? { hop_limit } : {}) } } });

describe('decideInstance: every mode, minimal patches', () => {
  test.each([
    ['disable: enabled over http', 'disable', undefined, ms(true, 'http', 1), 'patch', { enabled: false }],
    [
      'disable: enabled over https, hop 2',
      'disable',
      undefined,
      ms(true, 'https', 2),
      'patch',
      { enabled: false },
    ],
    [
      'disable: already disabled (protocol and hop do not matter)',
      'disable',
      undefined,
      ms(false, 'http', 5),
      'compliant',
      undefined,
    ],
    [
      'secure: http, hop 1 → protocol only',
      'secure',
      undefined,
      ms(true, 'http', 1),
      'patch',
      { protocol: 'https' },
    ],
    ['secure: https, hop 1 → compliant', 'secure', undefined, ms(true, 'https', 1), 'compliant', undefined],
    [
      'secure: https, hop 3 → hop only',
      'secure',
      undefined,
      ms(true, 'https', 3),
      'patch',
      { response_hop_limit: 1 },
    ],
    [
      'secure: http, hop 3 → both',
      'secure',
      undefined,
      ms(true, 'http', 3),
      'patch',
      { protocol: 'https', response_hop_limit: 1 },
    ],
    [
      'secure: disabled (http, hop 1) → enable + https',
      'secure',
      undefined,
      ms(false, 'http', 1),
      'patch',
      { enabled: true, protocol: 'https' },
    ],
    [
      'secure: disabled (https, hop 1) → enable only',
      'secure',
      undefined,
      ms(false, 'https', 1),
      'patch',
      { enabled: true },
    ],
    [
      'secure hop 2: disabled (http, hop 1) → all three',
      'secure',
      2,
      ms(false, 'http', 1),
      'patch',
      { enabled: true, protocol: 'https', response_hop_limit: 2 },
    ],
    ['secure hop 2: https hop 2 → compliant', 'secure', 2, ms(true, 'https', 2), 'compliant', undefined],
    [
      'secure hop 2: https hop 1 → raise the hop limit',
      'secure',
      2,
      ms(true, 'https', 1),
      'patch',
      { response_hop_limit: 2 },
    ],
    [
      'audit: disabled → compliant (never asks to enable)',
      'audit',
      undefined,
      ms(false, 'http', 9),
      'compliant',
      undefined,
    ],
    ['audit: http → reports https', 'audit', undefined, ms(true, 'http', 1), 'audit', { protocol: 'https' }],
    [
      'audit hop 2: https hop 1 → reports the hop',
      'audit',
      2,
      ms(true, 'https', 1),
      'audit',
      { response_hop_limit: 2 },
    ],
    ['audit: https hop 1 → compliant', 'audit', undefined, ms(true, 'https', 1), 'compliant', undefined],
  ] as const)('%s', (_label, mode, hop, state, kind, patch) => {
    // Prepare
    const p = withDefault(mode, hop);
    // Act
    const decision = decideInstance(p, snapshot(state), NOW);
    // Assess
    expect(decision.kind).toBe(kind);
    expect('patch' in decision ? decision.patch : undefined).toEqual(patch);
    if (decision.kind !== 'exempt') expect(decision.rule).toBe('default');
  });

  test.each([
    [
      'plain HTTP',
      'secure',
      ms(true, 'http', 1),
      'metadata service reachable over plain HTTP; IBM recommends secure access (HTTPS)',
    ],
    ['enabled under disable', 'disable', ms(true, 'https', 1), /IBM's first security recommendation/],
    ['hop limit too high', 'secure', ms(true, 'https', 4), /response hop limit is 4; the policy wants 1/],
    [
      'disabled under secure',
      'secure',
      ms(false),
      /metadata service is disabled; the policy wants it enabled with secure access \(HTTPS\)/,
    ],
    ['audit changes nothing', 'audit', ms(true), 'mode audit: reported only, nothing changed'],
    [
      'compliant says why',
      'disable',
      ms(false),
      /metadata service is disabled, IBM's first security recommendation/,
    ],
  ] as const)('explains in plain language: %s', (_label, mode, state, reason) => {
    const decision = decideInstance(withDefault(mode), snapshot(state), NOW);
    expect(decision.reasons).toContainEqual(
      typeof reason === 'string' ? reason : expect.stringMatching(reason),
    );
  });

  test('the decision carries the desired state', () => {
    const decision = decideInstance(withDefault('secure', 3), snapshot(ms(true)), NOW);
    expect(decision).toMatchObject({
      kind: 'patch',
      desired: { mode: 'secure', hop_limit: 3 },
      rule: 'default',
    });
  });
});

describe('decideInstance: scope precedence', () => {
  const p = policy({
    instances: {
      default: { mode: 'disable' },
      rules: [
        { name: 'eu-audit', match: { regions: 'eu-*' }, mode: 'audit' },
        { name: 'web-secure', match: { names: 'web-*' }, mode: 'secure' },
        {
          name: 'prod-web-hop3',
          match: { names: 'web-*', resource_groups: 'prod' },
          mode: 'secure',
          hop_limit: 3,
        },
        { name: 'by-vpc', match: { vpcs: 'legacy-vpc', zones: 'us-south-3' }, mode: 'audit' },
      ],
    },
  });

  test.each([
    ['first match wins over a later, more specific rule', {}, 'web-secure', { mode: 'secure', hop_limit: 1 }],
    [
      'an earlier rule wins regardless of specificity',
      { region: 'eu-de', zone: 'eu-de-1' },
      'eu-audit',
      { mode: 'audit', hop_limit: 1 },
    ],
    [
      'a rule with several keys needs all of them',
      { name: 'db-01', zone: 'us-south-3' },
      'default',
      { mode: 'disable' },
    ],
    [
      'vpc by name and zone',
      { name: 'db-01', zone: 'us-south-3', vpc: { id: 'v2', name: 'legacy-vpc' } },
      'by-vpc',
      { mode: 'audit', hop_limit: 1 },
    ],
    ['no match falls back to the default', { name: 'db-01' }, 'default', { mode: 'disable' }],
  ] as const)('%s', (_label, overrides, rule, desired) => {
    // Act
    const decision = decideInstance(p, snapshot(ms(true, 'http'), tags(), overrides), NOW);
    // Assess
    expect(decision).toMatchObject({ rule, desired });
    expect(decision.reasons[0]).toBe(
      rule === 'default'
        ? 'no rule matched; instances.default applies'
        : `rule "${rule}" applies (first match)`,
    );
  });

  test('desiredState is exported for bulk runs', () => {
    expect(desiredState(p, { region: 'us-south', name: 'web-9', tags: [] })).toEqual({
      desired: { mode: 'secure', hop_limit: 1 },
      rule: 'web-secure',
    });
  });
});

describe('decideInstance: workload-aware hop limit (repository manifest)', () => {
  const manifest = readFileSync(fileURLToPath(new URL('../../../manifest.yaml', import.meta.url)), 'utf8');
  const { policy: p } = loadPolicyFromManifest(manifest, 'manifest.yaml', { now: NOW });

  test.each([
    [
      'container host (access tag), http hop 1',
      tags([], ['imds-guard:container-host']),
      ms(true, 'http', 1),
      'patch',
      { protocol: 'https', response_hop_limit: 2 },
    ],
    [
      'a user tag cannot loosen the setting (rules read access tags only)',
      tags(['imds-guard:container-host']),
      ms(true, 'http', 1),
      'patch',
      { enabled: false },
    ],
    [
      'container host (access tag), disabled',
      tags([], ['imds-guard:container-host']),
      ms(false, 'http', 1),
      'patch',
      { enabled: true, protocol: 'https', response_hop_limit: 2 },
    ],
    [
      'container host already right',
      tags([], ['imds-guard:container-host']),
      ms(true, 'https', 2),
      'compliant',
      undefined,
    ],
    ['plain instance: disabled', tags(), ms(true, 'https', 2), 'patch', { enabled: false }],
    [
      'metadata consumer keeps hop 1',
      tags([], ['imds-guard:metadata-consumer']),
      ms(true, 'https', 2),
      'patch',
      { response_hop_limit: 1 },
    ],
  ] as const)('%s', (_label, tagRead, state, kind, patch) => {
    const decision = decideInstance(p, snapshot(state, tagRead), NOW);
    expect(decision.kind).toBe(kind);
    expect('patch' in decision ? decision.patch : undefined).toEqual(patch);
  });
});

describe('decideInstance: exemptions', () => {
  const list = [
    { match: { crn: INSTANCE_CRN }, expires: '2026-12-31T00:00:00Z', approver: 'ciso', ticket: 'CHG-crn' },
    {
      match: { id: 'id-exempt' },
      expires: '2026-12-31T00:00:00Z',
      approver: 'ciso',
      ticket: 'CHG-id',
      reason: 'vendor agent',
    },
    {
      match: { name: 'by-name', region: 'us-south' },
      expires: '2026-12-31T00:00:00Z',
      approver: 'ciso',
      ticket: 'CHG-name',
    },
    { match: { name: 'expired' }, expires: '2026-05-01T00:00:00Z', approver: 'ciso', ticket: 'CHG-old' },
    { match: { name: 'renewed' }, expires: '2026-05-01T00:00:00Z', approver: 'ciso', ticket: 'CHG-old' },
    { match: { name: 'renewed' }, expires: '2026-09-01T00:00:00Z', approver: 'ciso', ticket: 'CHG-new' },
  ];
  const base = { default: { mode: 'disable' as const }, exemptions: { list } };
  const p = policy({ instances: base });
  const withUserTags = policy({
    instances: { ...base, exemptions: { list, user_tags: ['imds-guard:exempt'] } },
  });
  const other = { crn: 'crn:other', id: 'id-other', name: 'web-01' };

  test.each([
    [
      'access tag (the default exempt tag)',
      p,
      tags([], ['imds-guard:exempt']),
      other,
      { by: 'access-tag', tag: 'imds-guard:exempt' },
    ],
    [
      'access tag, any case',
      p,
      tags([], ['IMDS-Guard:Exempt']),
      other,
      { by: 'access-tag', tag: 'IMDS-Guard:Exempt' },
    ],
    [
      'user tag when the policy opts in',
      withUserTags,
      tags(['imds-guard:exempt']),
      other,
      { by: 'user-tag', tag: 'imds-guard:exempt' },
    ],
    [
      'list entry by crn',
      p,
      tags(),
      {},
      { by: 'list', entry: 0, ticket: 'CHG-crn', approver: 'ciso', expires: '2026-12-31T00:00:00Z' },
    ],
    [
      'list entry by id',
      p,
      tags(),
      { ...other, id: 'id-exempt' },
      { by: 'list', entry: 1, ticket: 'CHG-id', reason: 'vendor agent' },
    ],
    [
      'list entry by name and region',
      p,
      tags(),
      { ...other, name: 'by-name' },
      { by: 'list', entry: 2, ticket: 'CHG-name' },
    ],
    [
      'a live entry after an expired one',
      p,
      tags(),
      { ...other, name: 'renewed' },
      { by: 'list', entry: 5, ticket: 'CHG-new' },
    ],
  ] as const)('exempt by %s', (_label, pol, tagRead, overrides, expected) => {
    // Act
    const decision = decideInstance(pol, snapshot(ms(true), tagRead, overrides), NOW);
    // Assess
    expect(decision).toMatchObject({ kind: 'exempt', ...expected });
    expect(decision.reasons.at(-1)).toMatch(/^exempt/);
    expect('patch' in decision).toBe(false);
  });

  test('a renewed entry still mentions the expired one it replaced', () => {
    const decision = decideInstance(p, snapshot(ms(true), tags(), { ...other, name: 'renewed' }), NOW);
    expect(decision.reasons[0]).toBe(
      'exemption (ticket CHG-old, approved by ciso) expired at 2026-05-01T00:00:00Z and was ignored',
    );
    expect(decision.reasons[1]).toBe('exempt until 2026-09-01T00:00:00Z (ticket CHG-new, approved by ciso)');
  });

  test.each([
    ['a user tag is not honoured unless the policy opts in', p, tags(['imds-guard:exempt']), other],
    [
      'the exempt tag as a user tag does not count as an access tag',
      withUserTags,
      tags(['x'], ['other']),
      other,
    ],
    ['a name exemption in another region', p, tags(), { ...other, name: 'by-name', region: 'eu-de' }],
    ['an expired entry', p, tags(), { ...other, name: 'expired' }],
  ] as const)('not exempt: %s', (_label, pol, tagRead, overrides) => {
    const decision = decideInstance(pol, snapshot(ms(true), tagRead, overrides), NOW);
    expect(decision).toMatchObject({ kind: 'patch', patch: { enabled: false } });
  });

  test('an expired entry is ignored, and the decision says so', () => {
    const decision = decideInstance(p, snapshot(ms(true), tags(), { ...other, name: 'expired' }), NOW);
    expect(decision.reasons).toContain(
      'exemption (ticket CHG-old, approved by ciso) expired at 2026-05-01T00:00:00Z and was ignored',
    );
  });

  test('an entry expires at its exact expiry time', () => {
    const at = new Date('2026-12-31T00:00:00Z');
    expect(decideInstance(p, snapshot(ms(true)), new Date(at.getTime() - 1)).kind).toBe('exempt');
    expect(decideInstance(p, snapshot(ms(true)), at).kind).toBe('patch');
  });

  test('no exempt tags when access_tags is emptied', () => {
    const none = policy({ instances: { default: { mode: 'disable' }, exemptions: { access_tags: [] } } });
    expect(decideInstance(none, snapshot(ms(true), tags([], ['imds-guard:exempt'])), NOW).kind).toBe('patch');
  });
});

describe('decideInstance: tag lookup failure', () => {
  const rules = [
    {
      name: 'containers',
      match: { tags: 'imds-guard:container-host' },
      mode: 'secure' as const,
      hop_limit: 2,
    },
  ];
  const closed = policy({ instances: { default: { mode: 'disable' }, rules } });
  const open = policy({
    instances: { default: { mode: 'disable' }, rules, on_tag_lookup_failure: 'fail-open' },
  });

  test('fail-closed (default): decided as if untagged, and the reasons say so', () => {
    // Act
    const decision = decideInstance(closed, snapshot(ms(true, 'https', 2), TAGS_FAILED), NOW);
    // Assess
    expect(decision).toMatchObject({ kind: 'patch', patch: { enabled: false }, rule: 'default' });
    expect(decision.reasons[0]).toBe(
      'tags could not be read (global-tagging 503); decided as if there were none: no tag exemption, no tag-selected rule (on_tag_lookup_failure: fail-closed)',
    );
  });

  test('fail-open: left alone, exempt by tag-lookup-failed', () => {
    const decision = decideInstance(open, snapshot(ms(true), TAGS_FAILED), NOW);
    expect(decision).toMatchObject({ kind: 'exempt', by: 'tag-lookup-failed', error: 'global-tagging 503' });
  });

  test('fail-open still prefers a live list entry (it needs no tags)', () => {
    const withEntry = policy({
      instances: {
        on_tag_lookup_failure: 'fail-open',
        exemptions: {
          list: [{ match: { id: INSTANCE_ID }, expires: '2027-01-01T00:00:00Z', approver: 'a', ticket: 't' }],
        },
      },
    });
    expect(decideInstance(withEntry, snapshot(ms(true), TAGS_FAILED), NOW)).toMatchObject({
      kind: 'exempt',
      by: 'list',
    });
  });
});

describe('decideTemplate', () => {
  const secure = (templates: PolicyInput['templates'] = {}, hop_limit = 1) =>
    policy({ instances: { default: { mode: 'secure', hop_limit } }, templates });

  test.each([
    ['absent metadata_service under disable (IBM default: disabled)', withDefault('disable'), undefined],
    ['disabled under disable', withDefault('disable'), ms(false, 'http', 3)],
    ['absent metadata_service under audit', withDefault('audit'), undefined],
    ['secure access under secure', secure(), ms(true, 'https', 1)],
  ] as const)('compliant: %s', (_label, p, metadata) => {
    const decision = decideTemplate(p, template(metadata), NOW);
    expect(decision.kind).toBe('compliant');
  });

  test('absent metadata_service is explained', () => {
    const decision = decideTemplate(withDefault('disable'), template(undefined), NOW);
    expect(decision.reasons).toContain(
      "template sets no metadata_service, so its instances get IBM's default (disabled)",
    );
  });

  test.each([
    [
      'absent metadata_service under secure, replace, repoint',
      secure({ mode: 'replace', repoint_instance_groups: true }, 2),
      undefined,
      'replace',
      { enabled: true, protocol: 'https', response_hop_limit: 2 },
      ['ig-1', 'ig-3'],
    ],
    [
      'http under secure, replace without repointing',
      secure({ mode: 'replace' }),
      ms(true, 'http', 1),
      'replace',
      { enabled: true, protocol: 'https', response_hop_limit: 1 },
      [],
    ],
    [
      'http under secure, templates audit (the default)',
      secure(),
      ms(true, 'http', 1),
      'audit',
      { enabled: true, protocol: 'https', response_hop_limit: 1 },
      [],
    ],
    [
      'enabled under disable, replace',
      policy({
        instances: { default: { mode: 'disable' } },
        templates: { mode: 'replace', repoint_instance_groups: true },
      }),
      ms(true, 'https', 1),
      'replace',
      { enabled: false },
      ['ig-1', 'ig-3'],
    ],
    [
      'instance rule in audit wins over templates replace',
      policy({
        instances: { default: { mode: 'audit' } },
        templates: { mode: 'replace', repoint_instance_groups: true },
      }),
      ms(true, 'http', 1),
      'audit',
      { enabled: true, protocol: 'https', response_hop_limit: 1 },
      ['ig-1', 'ig-3'],
    ],
  ] as const)('%s', (_label, p, metadata, kind, metadataOverride, groups) => {
    // Act
    const decision = decideTemplate(p, template(metadata), NOW);
    // Assess
    expect(decision).toMatchObject({
      kind,
      prototype: {
        name: 'web-tpl-imds-guard',
        source_template: { id: TEMPLATE_ID },
        metadata_service: metadataOverride,
      },
      repoint_instance_groups: groups,
    });
  });

  test('reasons say templates cannot be patched, and which groups keep using the old one', () => {
    const decision = decideTemplate(secure(), template(ms(true)), NOW);
    expect(decision.reasons).toEqual(
      expect.arrayContaining([
        'instance templates cannot be changed in place (only renamed); a copy "web-tpl-imds-guard" with the wanted metadata settings replaces it',
        'instance groups still use it and keep creating non-compliant instances (repoint_instance_groups is off): web-group, ig-3',
        'templates.mode audit: reported only, nothing created or repointed',
      ]),
    );
  });

  test('rules match templates on their own scope (name, tags)', () => {
    const p = policy({
      instances: {
        default: { mode: 'disable' },
        rules: [{ name: 'k8s', match: { tags: 'imds-guard:container-host' }, mode: 'secure', hop_limit: 2 }],
      },
      templates: { mode: 'replace' },
    });
    const decision = decideTemplate(
      p,
      template(undefined, { tags: tags([], ['imds-guard:container-host']) }),
      NOW,
    );
    expect(decision).toMatchObject({
      kind: 'replace',
      rule: 'k8s',
      desired: { mode: 'secure', hop_limit: 2 },
    });
  });

  test.each([
    [
      'access tag',
      policy({ templates: { mode: 'replace' } }),
      { tags: tags([], ['imds-guard:exempt']) },
      'access-tag',
    ],
    [
      'list entry by crn',
      policy({
        templates: { mode: 'replace' },
        instances: {
          exemptions: {
            list: [
              { match: { crn: TEMPLATE_CRN }, expires: '2027-01-01T00:00:00Z', approver: 'a', ticket: 't' },
            ],
          },
        },
      }),
      {},
      'list',
    ],
    [
      'tag lookup failed, fail-open',
      policy({ instances: { on_tag_lookup_failure: 'fail-open' } }),
      { tags: TAGS_FAILED },
      'tag-lookup-failed',
    ],
  ] as const)('exemptions apply to templates: %s', (_label, p, overrides, by) => {
    const decision = decideTemplate(p, template(ms(true, 'http'), overrides), NOW);
    expect(decision).toMatchObject({ kind: 'exempt', by });
  });

  test.each([
    ['web-tpl', '-imds-guard', 'web-tpl-imds-guard'],
    ['a'.repeat(63), '-imds-guard', `${'a'.repeat(52)}-imds-guard`],
    [`${'a'.repeat(51)}-x`, '-imds-guard', `${'a'.repeat(51)}-imds-guard`],
    ['web-tpl-imds-guard', '-imds-guard', 'web-tpl-imds-guard-imds-guard'],
    [`${'a'.repeat(52)}-imds-guard`, '-imds-guard', `${'a'.repeat(50)}-r-imds-guard`],
  ])('replacementName(%s, %s) = %s', (name, suffix, expected) => {
    const got = replacementName(name, suffix);
    expect(got).toBe(expected);
    expect(got.length).toBeLessThanOrEqual(63);
    expect(got).not.toBe(name);
  });
});

describe('instanceSnapshot', () => {
  test('builds the snapshot from a VPC instance; the region comes from the zone', () => {
    // Prepare
    const wire = {
      id: INSTANCE_ID,
      crn: INSTANCE_CRN,
      name: 'web-01',
      status: 'running',
      zone: { name: 'eu-de-2' },
      vpc: { id: 'v1' },
      resource_group: { id: 'rg', name: 'prod' },
      metadata_service: ms(true),
    };
    // Act
    const snap = instanceSnapshot(wire, tags());
    // Assess
    expect(snap.instance).toMatchObject({ region: 'eu-de', zone: 'eu-de-2', vpc: { id: 'v1', name: '' } });
    expect(regionOfZone('us-south-3')).toBe('us-south');
  });
});

// ---- Properties ------------------------------------------------------------------------------------

const REGIONS = ['us-south', 'eu-de'] as const;
const NAMES = ['web-01', 'web-02', 'db-01', 'legacy'] as const;
const TAGS = ['env:prod', 'imds-guard:container-host', 'imds-guard:exempt', 'team:x'] as const;

const stateArb = fc.record({
  enabled: fc.boolean(),
  protocol: fc.constantFrom('http' as const, 'https' as const),
  response_hop_limit: fc.integer({ min: 1, max: 64 }),
});

const targetArb = fc.oneof(
  fc.constant({ mode: 'disable' as const }),
  fc.record(
    {
      mode: fc.constantFrom('secure' as const, 'audit' as const),
      hop_limit: fc.integer({ min: 1, max: 64 }),
    },
    { requiredKeys: ['mode'] },
  ),
);

const matchArb = fc.record(
  {
    regions: fc.subarray([...REGIONS, 'us-*'], { minLength: 1 }),
    names: fc.subarray([...NAMES, 'web-*', 'db-?1'], { minLength: 1 }),
    tags: fc.subarray([...TAGS, 'env:*'], { minLength: 1 }),
    zones: fc.subarray(['us-south-1', 'eu-de-1'], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

const policyArb = fc
  .record({
    default: targetArb,
    rules: fc.array(fc.tuple(matchArb, targetArb), { maxLength: 4 }),
    access_tags: fc.subarray([...TAGS]),
    user_tags: fc.subarray([...TAGS]),
    list: fc.array(
      fc.record({
        name: fc.constantFrom(...NAMES),
        expires: fc.constantFrom('2026-05-01T00:00:00Z', '2026-07-01T00:00:00Z'),
      }),
      { maxLength: 2 },
    ),
    on_tag_lookup_failure: fc.constantFrom('fail-closed' as const, 'fail-open' as const),
    templates: fc.record({
      mode: fc.constantFrom('replace' as const, 'audit' as const),
      repoint_instance_groups: fc.boolean(),
    }),
  })
  .map((raw) =>
    policy({
      instances: {
        default: raw.default,
        rules: raw.rules.map(([match, target], i) => ({ name: `r${i}`, match, ...target })),
        exemptions: {
          access_tags: raw.access_tags,
          user_tags: raw.user_tags,
          list: raw.list.map((e) => ({
            match: { name: e.name },
            expires: e.expires,
            approver: 'a',
            ticket: 't',
          })),
        },
        on_tag_lookup_failure: raw.on_tag_lookup_failure,
      },
      templates: raw.templates,
    }),
  );

const tagReadArb: fc.Arbitrary<TagRead> = fc.oneof(
  fc.record({ ok: fc.constant(true as const), user: fc.subarray([...TAGS]), access: fc.subarray([...TAGS]) }),
  fc.constant(TAGS_FAILED),
);

const snapshotArb = fc
  .record({
    state: stateArb,
    tags: tagReadArb,
    name: fc.constantFrom(...NAMES),
    region: fc.constantFrom(...REGIONS),
  })
  .map(({ state, tags: tagRead, name, region }) =>
    snapshot(state, tagRead, { name, region, zone: `${region}-1` }),
  );

describe('properties', () => {
  test('applying the patch makes the instance compliant (idempotence); a patch is minimal; compliant carries none', () => {
    const seen = { compliant: 0, exempt: 0, patch: 0, audit: 0 };
    fc.assert(
      fc.property(policyArb, snapshotArb, (p, snap) => {
        // Act
        const decision = decideInstance(p, snap, NOW);
        seen[decision.kind] += 1;
        // Assess
        switch (decision.kind) {
          case 'patch':
          case 'audit': {
            const before = snap.instance.metadata_service;
            const entries = Object.entries(decision.patch) as [keyof InstanceMetadataService, unknown][];
            expect(entries.length).toBeGreaterThan(0);
            for (const [key, value] of entries) expect(before[key]).not.toBe(value);
            const after = applyMetadataPatch(before, decision.patch);
            const again = decideInstance(
              p,
              { ...snap, instance: { ...snap.instance, metadata_service: after } },
              NOW,
            );
            expect(again.kind).toBe('compliant');
            expect(again).toMatchObject({ rule: decision.rule, desired: decision.desired });
            break;
          }
          case 'compliant':
          case 'exempt':
            expect('patch' in decision).toBe(false);
            break;
          default:
            decision satisfies never;
        }
        expect(decideInstance(p, snap, NOW)).toEqual(decision);
      }),
      { numRuns: 1000 },
    );
    // The generators must reach every kind, or the property proves nothing.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(20);
  });

  test('a replacement template is compliant under the same policy', () => {
    fc.assert(
      fc.property(policyArb, snapshotArb, fc.option(stateArb, { nil: undefined }), (p, snap, metadata) => {
        // Prepare
        const tpl = template(metadata, { tags: snap.tags });
        const scoped = {
          ...tpl,
          template: { ...tpl.template, name: snap.instance.name, region: snap.instance.region },
        };
        // Act
        const decision = decideTemplate(p, scoped, NOW);
        // Assess
        if (decision.kind === 'replace' || decision.kind === 'audit') {
          const copy = {
            ...scoped,
            template: {
              ...scoped.template,
              metadata_service: { ...IBM_DEFAULT_METADATA, ...decision.prototype.metadata_service },
            },
          };
          expect(decideTemplate(p, copy, NOW).kind).toBe('compliant');
          if (!p.templates.repoint_instance_groups) expect(decision.repoint_instance_groups).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
  });
});
