// A large, deterministic account for scale tests: N instances over R regions with a realistic mix of
// metadata settings, tags, templates, instance groups and trusted profiles. Same options → same document.
import * as v from 'valibot';
import type { EmulatorState } from '../core/state.ts';
import { buildState } from './build.ts';
import { ScenarioError } from './load.ts';
import type { InstanceDoc, PolicyDoc, ScenarioDoc } from './schema.ts';

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** Generator options (the `generate` object of the admin API, `--generate` of the CLI). */
const GenerateOptions = v.pipe(
  v.strictObject({
    instances: int(0, 1_000_000),
    regions: v.optional(int(1, 100), 1),
    seed: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128)), 'imds-guard-generated'),
    profiles: v.optional(int(0, 10_000), 10),
    templatesPerRegion: v.optional(int(0, 100), 2),
    groupsPerRegion: v.optional(int(0, 100), 1),
    resourceGroups: v.optional(int(1, 100), 4),
    vpcsPerRegion: v.optional(int(1, 100), 3),
  }),
  v.check(
    (o) => o.groupsPerRegion === 0 || o.templatesPerRegion > 0,
    'groupsPerRegion needs templatesPerRegion > 0 (an instance group uses a template)',
  ),
);
type GenerateOptions = v.InferInput<typeof GenerateOptions>;
type GenerateSettings = v.InferOutput<typeof GenerateOptions>;

/** Real IBM VPC regions first; beyond them, synthetic names. */
const REAL_REGIONS = [
  'us-south',
  'us-east',
  'eu-de',
  'eu-gb',
  'jp-tok',
  'jp-osa',
  'au-syd',
  'ca-tor',
  'br-sao',
  'eu-es',
] as const;

const RESOURCE_GROUPS = ['default', 'prod', 'dev', 'containers', 'data', 'batch', 'shared', 'sandbox'];
// Shared tag strings: one copy for 100k instances.
const ENV_TAGS = ['env:prod', 'env:dev', 'env:test'] as const;
const TEAM_TAGS = [
  'team:payments',
  'team:search',
  'team:platform',
  'team:data',
  'team:web',
  'team:ml',
] as const;
const BASE_IMAGE = 'ibm-ubuntu-24-04-minimal-amd64';
const OTHER_IMAGE = 'ibm-redhat-9-4-minimal-amd64';
/** An image whose allowed-use expression requires the metadata service (cannot be disabled). */
const AGENT_IMAGE = 'imds-agent-image';
const EXEMPT_TAG = 'imds-guard:exempt';
const CONTAINER_TAG = 'imds-guard:container-host';

/** The same keys as the demo world, so tools and docs work against either. */
const API_KEYS: ScenarioDoc['api_keys'] = [
  {
    name: 'imds-guard',
    key: 'imds-guard-demo-key',
    kind: 'serviceid',
    roles: {
      is: ['Editor'],
      'iam-identity': ['Viewer'],
      'iam-access-management': ['Viewer'],
      'iam-groups': ['Viewer'],
      'global-tagging': ['Viewer'],
      support: ['Editor'],
    },
  },
  { name: 'alice', key: 'alice-demo-key', kind: 'user', roles: { '*': ['Administrator', 'Manager'] } },
  { name: 'no-roles', key: 'no-roles-demo-key', kind: 'serviceid', roles: {} },
];

/** mulberry32: a small, fast, seedable PRNG (Math.random is not reproducible). */
const mulberry32 = (a: number): (() => number) => {
  let s = a >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** FNV-1a: string seed → 32-bit PRNG state. */
const hashSeed = (seed: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i += 1) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

const regionNames = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => REAL_REGIONS[i] ?? `gen-${String(i + 1).padStart(2, '0')}`);

const resourceGroupNames = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => RESOURCE_GROUPS[i] ?? `rg-${String(i + 1).padStart(3, '0')}`);

/** Validates options (a ScenarioError with the option's path when wrong) and applies defaults. */
const parseGenerateOptions = (raw: unknown): GenerateSettings => {
  const result = v.safeParse(GenerateOptions, raw);
  if (!result.success) {
    throw new ScenarioError(
      '<generate>',
      result.issues.slice(0, 20).map((issue) => ({
        message: issue.message,
        path: (issue.path ?? []).map((p) => String(p.key)).join('.'),
      })),
    );
  }
  return result.output;
};

type Pick = <T>(items: readonly T[]) => T;

/** One instance: metadata ≈40 % off, 30 % http, 20 % https hop 1, 10 % https hop 2–4. */
const instanceDoc = (
  rand: () => number,
  pick: Pick,
  name: string,
  zone: string,
  vpc: string,
  group: string | undefined,
): InstanceDoc => {
  const m = rand();
  const metadata_service: InstanceDoc['metadata_service'] =
    m < 0.4
      ? { enabled: false, protocol: 'http', response_hop_limit: 1 }
      : m < 0.7
        ? { enabled: true, protocol: 'http', response_hop_limit: rand() < 0.8 ? 1 : 2 }
        : m < 0.9
          ? { enabled: true, protocol: 'https', response_hop_limit: 1 }
          : { enabled: true, protocol: 'https', response_hop_limit: 2 + Math.floor(rand() * 3) };
  // Only instances with the service on can run an image that requires it.
  const image =
    metadata_service.enabled && rand() < 0.05 ? AGENT_IMAGE : rand() < 0.8 ? BASE_IMAGE : OTHER_IMAGE;
  const user: string[] = [];
  const access: string[] = [];
  if (rand() < 0.6) user.push(pick(ENV_TAGS));
  if (rand() < 0.3) user.push(pick(TEAM_TAGS));
  if (rand() < 0.05) access.push(CONTAINER_TAG);
  if (rand() < 0.02) access.push(EXEMPT_TAG);
  return {
    name,
    zone,
    vpc,
    image,
    profile: rand() < 0.7 ? 'bx2-2x8' : 'cx2-4x8',
    status: rand() < 0.95 ? 'running' : 'stopped',
    metadata_service,
    ...(user.length + access.length > 0 ? { tags: { user, access, service: [] } } : {}),
    ...(group ? { instance_group: group } : {}),
  };
};

type ProfileKind = 'broad' | 'group-broad' | 'near-miss' | 'tight';
/** 20 % broad, 20 % broad only through the platform-admins group, 20 % near misses, 40 % tight. */
const PROFILE_KINDS: readonly ProfileKind[] = ['broad', 'tight', 'near-miss', 'tight', 'group-broad'];

const scopedPolicy = (role: string, instance: string): PolicyDoc => ({
  type: 'access',
  roles: [role],
  resource: { serviceName: 'is', instanceId: { instance_id: instance } },
  state: 'active',
});

/** Generates a scenario document (already in the schema's output form: every default applied). */
const generateScenario = (options: GenerateOptions): ScenarioDoc => {
  const o = parseGenerateOptions(options);
  const rand = mulberry32(hashSeed(o.seed));
  const pick: Pick = (items) => items[Math.floor(rand() * items.length)] as (typeof items)[number];
  const rgs = resourceGroupNames(o.resourceGroups);
  const regions = regionNames(o.regions);
  const instanceNames: string[] = [];
  const vpcRefs: string[] = [];

  const regionDocs: ScenarioDoc['regions'] = regions.map((region, ri) => {
    const count = Math.floor(o.instances / o.regions) + (ri < o.instances % o.regions ? 1 : 0);
    const zones = [1, 2, 3].map((n) => `${region}-${n}`);
    const vpcs = Array.from({ length: o.vpcsPerRegion }, (_, k) => ({
      name: `${region}-vpc-${k + 1}`,
      resource_group: rgs[(ri * o.vpcsPerRegion + k) % rgs.length] as string,
    }));
    for (const vpc of vpcs) vpcRefs.push(`${region}/${vpc.name}`);
    const templates = Array.from({ length: o.templatesPerRegion }, (_, k) => ({
      name: `${region}-template-${k + 1}`,
      zone: zones[k % zones.length] as string,
      vpc: vpcs[k % vpcs.length]?.name as string,
      image: BASE_IMAGE,
      profile: 'bx2-2x8',
      // Every other template is insecure (http), the rest https with hop limit 1.
      metadata_service:
        k % 2 === 0
          ? { enabled: true, protocol: 'http' as const, response_hop_limit: 1 }
          : { enabled: true, protocol: 'https' as const, response_hop_limit: 1 },
    }));
    const groups = Array.from({ length: o.groupsPerRegion }, (_, k) => ({
      name: `${region}-group-${k + 1}`,
      template: templates[k % templates.length]?.name as string,
    }));
    const instances: InstanceDoc[] = new Array(count);
    for (let i = 0; i < count; i += 1) {
      const name = `${region}-vsi-${String(i + 1).padStart(6, '0')}`;
      const group = groups.length > 0 && rand() < 0.02 ? pick(groups).name : undefined;
      instances[i] = instanceDoc(rand, pick, name, zones[i % 3] as string, pick(vpcs).name, group);
      instanceNames.push(name);
    }
    return {
      name: region,
      status: 'available',
      zones,
      vpcs,
      images: [
        { name: BASE_IMAGE, os: 'ubuntu-24-04-amd64' },
        { name: OTHER_IMAGE, os: 'red-9-amd64' },
        {
          name: AGENT_IMAGE,
          os: 'ubuntu-24-04-amd64',
          allowed_use: { instance: 'metadata_service.enabled == true' },
        },
      ],
      instances,
      templates,
      instance_groups: groups,
    };
  });

  const profiles: ScenarioDoc['profiles'] = Array.from({ length: o.profiles }, (_, p) => {
    const kind = PROFILE_KINDS[p % PROFILE_KINDS.length] as ProfileKind;
    const name = `${kind}-profile-${String(p + 1).padStart(4, '0')}`;
    const target = instanceNames.length > 0 ? pick(instanceNames) : undefined;
    const base = { name, description: `generated ${kind} trusted profile`, identities: [] };
    if (kind === 'broad') {
      // Administrator on every IAM-enabled service, any VSI of one VPC may assume it, 12 h sessions.
      const linked = target ? [target, pick(instanceNames), pick(instanceNames)] : [];
      return {
        ...base,
        rules: [
          {
            name: 'any-vsi-in-vpc',
            type: 'Profile-CR' as const,
            cr_type: 'VSI' as const,
            expiration: 43200,
            conditions: [{ claim: 'vpc_id', operator: 'EQUALS' as const, value: { vpc_id: pick(vpcRefs) } }],
          },
        ],
        links: [...new Set(linked)].map((instance) => ({ cr_type: 'VSI' as const, instance })),
        policies: [
          { type: 'access', roles: ['Administrator'], resource: { serviceType: 'service' }, state: 'active' },
        ],
        access_groups: [],
      };
    }
    const role = kind === 'near-miss' ? 'Editor' : 'Viewer';
    return {
      ...base,
      rules: target
        ? [
            {
              name: 'this-vsi-only',
              type: 'Profile-CR' as const,
              cr_type: 'VSI' as const,
              expiration: kind === 'tight' ? 900 : 3600,
              conditions: [{ claim: 'crn', operator: 'EQUALS' as const, value: { instance_crn: target } }],
            },
          ]
        : [],
      links: target ? [{ cr_type: 'VSI' as const, instance: target }] : [],
      policies: target ? [scopedPolicy(role, target)] : [],
      access_groups: kind === 'group-broad' ? ['platform-admins'] : [],
    };
  });

  return {
    version: 1,
    seed: o.seed,
    account: { name: `${o.seed}-account` },
    accounts: [],
    token_ttl_seconds: 3600,
    resource_groups: rgs.map((name) => ({ name })),
    api_keys: API_KEYS,
    regions: regionDocs,
    profiles,
    access_groups: [
      {
        name: 'platform-admins',
        description: 'Editor on all account management services',
        members: [{ key: 'alice' }],
        policies: [
          {
            type: 'access',
            roles: ['Editor'],
            resource: { serviceType: 'platform_service' },
            state: 'active',
          },
        ],
      },
      {
        name: 'vpc-viewers',
        description: 'read-only VPC infrastructure',
        members: [],
        policies: [{ type: 'access', roles: ['Viewer'], resource: { serviceName: 'is' }, state: 'active' }],
      },
    ],
    policies: [],
    cases: [],
    servicenow: { users: [{ user: 'imds-guard', password: 'demo-servicenow-password' }] },
    event_notifications: { instances: [] },
    jira: { users: [], projects: [] },
  };
};

/**
 * Fast path: the generator's document is already in the schema's output form (the unit tests check
 * that validating it changes nothing), so it goes straight to buildState — same ids, same records.
 */
const generateState = (options: GenerateOptions): EmulatorState => buildState(generateScenario(options));

export type { GenerateOptions, GenerateSettings };
export { generateScenario, generateState, hashSeed, mulberry32, parseGenerateOptions };
