// Scenario document → emulator state. References are by name; ids derive from the seed.
import { profileCrn, stableHex32, stableUuid, vpcCrn, vpcTime, zonePrefix } from '../core/ids.ts';
import { roleCrn } from '../core/roles.ts';
import {
  type AccessGroupRec,
  type ApiKeyRecord,
  type ClaimCondition,
  EmulatorState,
  type IamService,
  type InstanceRec,
  type PolicyAttribute,
  type PolicyRec,
  type ProfileIdentityRec,
  type ProfileRec,
  type RegionState,
  type Role,
  type TagSet,
  type TemplateRec,
  type VpcRec,
} from '../core/state.ts';
import { buildDeployment } from './build-deploy.ts';
import { buildVpcNetwork } from './network-build.ts';
import type { PolicyDoc, RefDoc, ScenarioDoc } from './schema.ts';

type DocPath = (string | number)[];
/** Paths are built only when an error needs one (100k instances must not allocate 100k paths). */
type PathFn = () => DocPath;

/** A reference or consistency problem, located by its path in the document. */
class ScenarioRefError extends Error {
  override name = 'ScenarioRefError';
  constructor(
    message: string,
    readonly path: DocPath,
  ) {
    super(message);
  }
}

/** Known IBM region codes as they prefix VPC ids (`r006-…` is us-south); others get a stable made-up code. */
const REGION_CODES: Record<string, string> = {
  'us-south': 'r006',
  'us-east': 'r014',
  'eu-gb': 'r018',
  'eu-de': 'r010',
  'jp-tok': 'r022',
  'au-syd': 'r026',
  'jp-osa': 'r034',
  'ca-tor': 'r038',
  'br-sao': 'r042',
  'eu-es': 'r050',
  'in-che': 'r030',
  'ca-mon': 'r058',
};

const regionCode = (region: string): string =>
  REGION_CODES[region] ?? `r${(Number.parseInt(stableHex32('region', region).slice(0, 4), 16) % 900) + 100}`;

const CREATED = new Date('2026-01-15T09:00:00Z');

/** Each of a RefDoc's keys, what it names, and which field of the named object it yields. */
const REF_KINDS = {
  instance_id: { of: 'instance', field: 'id' },
  instance_crn: { of: 'instance', field: 'crn' },
  vpc_id: { of: 'vpc', field: 'id' },
  vpc_crn: { of: 'vpc', field: 'crn' },
  resource_group_id: { of: 'resource group', field: 'id' },
  profile_id: { of: 'profile', field: 'id' },
  profile_iam_id: { of: 'profile', field: 'iam_id' },
} as const satisfies Record<keyof RefDoc, { of: string; field: string }>;

/** Resolves a RefDoc to the value it names; throws a ScenarioRefError at `path`. */
type RefResolver = (ref: RefDoc, path: DocPath) => string;

/**
 * Flattens a concatenated string in place. Ids and CRNs are built from slices of a hash; unflattened,
 * each keeps a rope of pieces alive (≈ 2× the memory at 100k instances).
 */
const flat = (s: string): string => {
  s.charCodeAt(0);
  return s;
};

const isRef = (value: unknown): value is RefDoc =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `"x"` stays as is if already JSON-encoded; plain values are JSON-encoded as IBM stores them. */
const encodeClaimValue = (value: string | number | boolean | string[]): string => {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return value;
    } catch {
      return JSON.stringify(value);
    }
  }
  return JSON.stringify(value);
};

/** Compact policy resource (`serviceName: is`) → v2 attributes, with `accountId` added. */
const policyRecord = (
  state: EmulatorState,
  doc: PolicyDoc,
  subject: PolicyAttribute,
  key: string,
  actor: string,
  resolve: RefResolver,
  path: DocPath,
): PolicyRec => {
  const attrs: PolicyAttribute[] = [{ key: 'accountId', operator: 'stringEquals', value: state.account.id }];
  for (const [k, raw] of Object.entries(doc.resource)) {
    if (k === 'accountId') continue;
    // Resolved ids never contain `*`, so a reference is always stringEquals.
    const value = isRef(raw) ? resolve(raw, [...path, 'resource', k]) : raw;
    attrs.push({
      key: k,
      operator: !isRef(raw) && value.includes('*') ? 'stringMatch' : 'stringEquals',
      value,
    });
  }
  const tags = doc.resource_tags
    ? Object.entries(doc.resource_tags).map(([k, value]) => ({ key: k, operator: 'stringEquals', value }))
    : undefined;
  const at = vpcTime(CREATED);
  return {
    id: doc.id ?? stableUuid(state.seed, `policy:${key}`),
    type: doc.type,
    ...(doc.description ? { description: doc.description } : {}),
    subject: { attributes: [subject] },
    resource: { attributes: attrs, ...(tags ? { tags } : {}) },
    role_ids: doc.roles.map(roleCrn),
    ...(doc.rule !== undefined ? { rule: doc.rule } : {}),
    ...(doc.pattern ? { pattern: doc.pattern } : {}),
    state: doc.state,
    created_at: at,
    created_by_id: actor,
    last_modified_at: at,
    last_modified_by_id: actor,
    rev: 1,
    seq: state.nextSeq(),
  };
};

type IdentityInput = ScenarioDoc['profiles'][number]['identities'][number];

/** An identity that may assume a profile; iam_id as IAM derives it from type and identifier. */
const identityOf = (
  idn: IdentityInput,
  keys: Map<string, ApiKeyRecord>,
  path: DocPath,
  fail: (message: string, path: DocPath) => never,
): Pick<ProfileIdentityRec, 'iam_id' | 'identifier' | 'type'> => {
  if (idn.key !== undefined) {
    if (idn.type !== undefined || idn.identifier !== undefined)
      fail('an identity names either "key" or "type" and "identifier"', path);
    const k = keys.get(idn.key) ?? fail(`unknown api key "${idn.key}"`, [...path, 'key']);
    if (k.kind === 'profile')
      fail(`api key "${idn.key}" is a trusted profile's; it cannot assume one`, [...path, 'key']);
    return k.kind === 'user'
      ? { iam_id: k.iam_id, identifier: k.iam_id, type: 'user' }
      : { iam_id: k.iam_id, identifier: k.iam_id.replace(/^iam-/, ''), type: 'serviceid' };
  }
  if (idn.type === undefined || idn.identifier === undefined)
    return fail('an identity needs "key", or "type" and "identifier"', path);
  const derived = { user: idn.identifier, serviceid: `iam-${idn.identifier}`, crn: `crn-${idn.identifier}` }[
    idn.type
  ];
  return { iam_id: idn.iam_id ?? derived, identifier: idn.identifier, type: idn.type };
};

const buildAccount = (doc: ScenarioDoc): EmulatorState => {
  const state = new EmulatorState();
  const seed = doc.seed;
  state.seed = seed;
  state.account = {
    id: doc.account.id ?? stableHex32(seed, 'account'),
    name: doc.account.name ?? `${seed}-account`,
  };
  state.tokenTtlSeconds = doc.token_ttl_seconds;
  const acct = state.account.id;
  const at = vpcTime(CREATED);
  const admin = 'IBMid-emulator-admin';
  const fail = (message: string, path: DocPath | PathFn): never => {
    throw new ScenarioRefError(message, typeof path === 'function' ? path() : path);
  };
  // One hash per zone, not per instance.
  const prefixes = new Map<string, string>();
  const prefixOf = (zone: string): string => {
    let p = prefixes.get(zone);
    if (p === undefined) {
      p = zonePrefix(zone);
      prefixes.set(zone, p);
    }
    return p;
  };

  // Resource groups
  const rgByName = new Map<string, string>();
  doc.resource_groups.forEach((rg, i) => {
    if (rgByName.has(rg.name)) fail(`duplicate resource group "${rg.name}"`, ['resource_groups', i, 'name']);
    const id = rg.id ?? stableHex32(seed, `rg:${rg.name}`);
    rgByName.set(rg.name, id);
    state.resourceGroups.set(id, { id, name: rg.name });
  });
  const defaultRg = doc.resource_groups[0]?.name;
  const rg = (name: string | undefined, path: PathFn): string => {
    const n = name ?? defaultRg;
    const id = n === undefined ? undefined : rgByName.get(n);
    return id ?? fail(`unknown resource group "${n ?? '(none defined)'}"`, path);
  };

  // Profiles first (ids only): instances and keys refer to them.
  const profileByName = new Map<string, ProfileRec>();
  doc.profiles.forEach((p, i) => {
    if (profileByName.has(p.name)) fail(`duplicate profile "${p.name}"`, ['profiles', i, 'name']);
    const id = p.id ?? `Profile-${stableUuid(seed, `profile:${p.name}`)}`;
    const rec: ProfileRec = {
      id,
      iam_id: `iam-${id}`,
      crn: profileCrn(acct, id),
      name: p.name,
      ...(p.description ? { description: p.description } : {}),
      ...(p.email ? { email: p.email } : {}),
      created_at: at,
      modified_at: at,
      rev: 1,
      seq: state.nextSeq(),
      rules: [],
      links: [],
      identities: [],
    };
    profileByName.set(p.name, rec);
    state.profiles.set(id, rec);
  });
  const profileRef = (name: string, path: DocPath | PathFn): ProfileRec =>
    profileByName.get(name) ?? fail(`unknown profile "${name}"`, path);

  // API keys
  const keyByName = new Map<string, ApiKeyRecord>();
  doc.api_keys.forEach((k, i) => {
    if (keyByName.has(k.name)) fail(`duplicate api key name "${k.name}"`, ['api_keys', i, 'name']);
    if (state.apiKeys.has(k.key)) fail('duplicate api key value', ['api_keys', i, 'key']);
    let iamId = k.iam_id;
    let profileId: string | undefined;
    if (k.kind === 'profile') {
      if (!k.profile) fail('a key of kind "profile" needs "profile"', ['api_keys', i]);
      const p = profileRef(k.profile ?? '', ['api_keys', i, 'profile']);
      profileId = p.id;
      iamId ??= p.iam_id;
    }
    iamId ??=
      k.kind === 'user'
        ? `IBMid-${stableHex32(seed, `user:${k.name}`).slice(0, 10).toUpperCase()}`
        : `iam-ServiceId-${stableUuid(seed, `serviceid:${k.name}`)}`;
    const rec: ApiKeyRecord = {
      key: k.key,
      name: k.name,
      kind: k.kind,
      iam_id: iamId,
      ...(profileId ? { profile_id: profileId } : {}),
      ...(k.cr_token ? { cr_token: k.cr_token } : {}),
      roles: k.roles as Partial<Record<IamService | '*', Role[]>>,
    };
    keyByName.set(k.name, rec);
    state.apiKeys.set(k.key, rec);
  });

  // Regions and VPC resources
  const instanceByName = new Map<string, InstanceRec>();
  /** VPCs by `name` (may be ambiguous across regions) and by `region/name`. */
  const vpcsByName = new Map<string, VpcRec[]>();
  /** Links the system creates for `default_trusted_profile.auto_link` (IBM does at creation). */
  const autoLinks: { profile: ProfileRec; instance: InstanceRec }[] = [];
  const setTags = (
    crn: string,
    tags: { user: string[]; access: string[]; service: string[] } | undefined,
  ): void => {
    if (!tags || tags.user.length + tags.access.length + tags.service.length === 0) return;
    const t: TagSet | undefined = state.tags.get(crn);
    // Exact-size copies: push() onto [] reserves ~17 slots per array (30 MB at 100k instances).
    if (!t)
      state.tags.set(crn, {
        user: tags.user.slice(),
        access: tags.access.slice(),
        service: tags.service.slice(),
      });
    else {
      t.user.push(...tags.user);
      t.access.push(...tags.access);
      t.service.push(...tags.service);
    }
  };
  doc.regions.forEach((r, ri) => {
    const rp: DocPath = ['regions', ri];
    const sub =
      (...rest: (string | number)[]): PathFn =>
      () => [...rp, ...rest];
    if (state.regions.has(r.name)) fail(`duplicate region "${r.name}"`, [...rp, 'name']);
    const code = regionCode(r.name);
    const zones = (r.zones ?? [1, 2, 3].map((n) => `${r.name}-${n}`)).map((name) => ({
      name,
      status: 'available' as const,
    }));
    const zoneNames = new Set(zones.map((z) => z.name));
    const rs: RegionState = state.addRegion({ name: r.name, status: r.status, zones });
    const zoneOk = (z: string | undefined, path: PathFn): string => {
      const zone = z ?? zones[0]?.name;
      return zone !== undefined && zoneNames.has(zone)
        ? zone
        : fail(`unknown zone "${z}" in region ${r.name}`, path);
    };
    const vpcByName = new Map<string, VpcRec>();
    r.vpcs.forEach((vd, vi) => {
      if (vpcByName.has(vd.name))
        fail(`duplicate VPC "${vd.name}" in region ${r.name}`, [...rp, 'vpcs', vi, 'name']);
      const id = vd.id ?? `${code}-${stableUuid(seed, `vpc:${r.name}:${vd.name}`)}`;
      const rec: VpcRec = {
        id,
        crn: vpcCrn(r.name, acct, 'vpc', id),
        name: vd.name,
        region: r.name,
        resource_group_id: rg(vd.resource_group, sub('vpcs', vi, 'resource_group')),
        created_at: at,
      };
      vpcByName.set(vd.name, rec);
      rs.vpcs.set(id, rec);
      vpcsByName.set(vd.name, [...(vpcsByName.get(vd.name) ?? []), rec]);
      vpcsByName.set(`${r.name}/${vd.name}`, [rec]);
    });
    const firstVpc = rs.vpcs.values().next().value;
    const vpcRef = (name: string | undefined, path: PathFn): VpcRec =>
      (name === undefined ? firstVpc : vpcByName.get(name)) ??
      fail(name ? `unknown VPC "${name}" in region ${r.name}` : `region ${r.name} has no VPC`, path);
    const imageByName = new Map<string, string>();
    r.images.forEach((im, mi) => {
      if (imageByName.has(im.name))
        fail(`duplicate image "${im.name}" in region ${r.name}`, [...rp, 'images', mi, 'name']);
      const id = im.id ?? `${code}-${stableUuid(seed, `image:${r.name}:${im.name}`)}`;
      imageByName.set(im.name, id);
      rs.images.set(id, {
        id,
        crn: vpcCrn(r.name, acct, 'image', id),
        name: im.name,
        region: r.name,
        os: im.os,
        ...(im.allowed_use ? { allowed_use_instance: im.allowed_use.instance } : {}),
      });
    });
    const firstImage = rs.images.keys().next().value;
    const imageRef = (name: string | undefined, path: PathFn): string | undefined =>
      name === undefined
        ? firstImage
        : (imageByName.get(name) ?? fail(`unknown image "${name}" in region ${r.name}`, path));
    const templateByName = new Map<string, TemplateRec>();
    r.templates.forEach((t, ti) => {
      if (templateByName.has(t.name))
        fail(`duplicate template "${t.name}" in region ${r.name}`, sub('templates', ti, 'name'));
      const zone = zoneOk(t.zone, sub('templates', ti, 'zone'));
      const vpc = vpcRef(t.vpc, sub('templates', ti, 'vpc'));
      const id = t.id ?? `${prefixOf(zone)}-${stableUuid(seed, `template:${r.name}:${t.name}`)}`;
      const crn = vpcCrn(zone, acct, 'instance-template', id);
      const rec: TemplateRec = {
        id,
        crn,
        name: t.name,
        region: r.name,
        zone,
        vpc_id: vpc.id,
        resource_group_id: t.resource_group
          ? rg(t.resource_group, sub('templates', ti, 'resource_group'))
          : vpc.resource_group_id,
        image_id: imageRef(t.image, sub('templates', ti, 'image')),
        profile: t.profile,
        created_at: at,
        ...(t.metadata_service ? { metadata_service: { ...t.metadata_service } } : {}),
        ...(t.default_trusted_profile
          ? {
              default_trusted_profile: {
                auto_link: t.default_trusted_profile.auto_link,
                profile_id: profileRef(
                  t.default_trusted_profile.profile,
                  sub('templates', ti, 'default_trusted_profile', 'profile'),
                ).id,
              },
            }
          : {}),
        seq: state.nextSeq(),
      };
      templateByName.set(t.name, rec);
      rs.templates.set(id, rec);
      setTags(crn, t.tags);
    });
    // Members per group, so an absent membership_count matches the instances that name the group.
    const members = new Map<string, number>();
    for (const inst of r.instances)
      if (inst.instance_group) members.set(inst.instance_group, (members.get(inst.instance_group) ?? 0) + 1);
    const groupByName = new Map<string, string>();
    r.instance_groups.forEach((g, gi) => {
      if (groupByName.has(g.name))
        fail(`duplicate instance group "${g.name}" in region ${r.name}`, sub('instance_groups', gi, 'name'));
      const tmpl =
        templateByName.get(g.template) ??
        fail(`unknown template "${g.template}" in region ${r.name}`, sub('instance_groups', gi, 'template'));
      // IBM: "the template must not have default_trusted_profile.auto_link set to true".
      if (tmpl.default_trusted_profile?.auto_link)
        fail(
          `template "${g.template}" sets default_trusted_profile.auto_link: an instance group cannot use it`,
          sub('instance_groups', gi, 'template'),
        );
      const id = g.id ?? `${code}-${stableUuid(seed, `group:${r.name}:${g.name}`)}`;
      groupByName.set(g.name, id);
      rs.instanceGroups.set(id, {
        id,
        crn: vpcCrn(r.name, acct, 'instance-group', id),
        name: g.name,
        region: r.name,
        vpc_id: tmpl.vpc_id,
        resource_group_id: g.resource_group
          ? rg(g.resource_group, sub('instance_groups', gi, 'resource_group'))
          : tmpl.resource_group_id,
        template_id: tmpl.id,
        membership_count: g.membership_count ?? members.get(g.name) ?? 0,
        status: 'healthy',
        created_at: at,
        updated_at: at,
        rev: 1,
        seq: state.nextSeq(),
      });
    });
    r.instances.forEach((inst, ii) => {
      if (instanceByName.has(inst.name))
        fail(`duplicate instance name "${inst.name}"`, sub('instances', ii, 'name'));
      const zone = zoneOk(inst.zone, sub('instances', ii, 'zone'));
      const vpc = vpcRef(inst.vpc, sub('instances', ii, 'vpc'));
      const id = inst.id ?? flat(`${prefixOf(zone)}_${stableUuid(seed, `instance:${r.name}:${inst.name}`)}`);
      const crn = flat(vpcCrn(zone, acct, 'instance', id));
      let groupId: string | undefined;
      if (inst.instance_group) {
        groupId =
          groupByName.get(inst.instance_group) ??
          fail(`unknown instance group "${inst.instance_group}"`, sub('instances', ii, 'instance_group'));
      }
      const dtp = inst.default_trusted_profile;
      const profile = dtp
        ? profileRef(dtp.profile, sub('instances', ii, 'default_trusted_profile', 'profile'))
        : undefined;
      const rec: InstanceRec = {
        id,
        crn,
        name: inst.name,
        region: r.name,
        zone,
        vpc_id: vpc.id,
        resource_group_id: inst.resource_group
          ? rg(inst.resource_group, sub('instances', ii, 'resource_group'))
          : vpc.resource_group_id,
        image_id: imageRef(inst.image, sub('instances', ii, 'image')),
        profile: inst.profile,
        status: inst.status,
        created_at: inst.created_at ?? at,
        metadata_service: {
          enabled: inst.metadata_service.enabled,
          protocol: inst.metadata_service.protocol,
          response_hop_limit: inst.metadata_service.response_hop_limit,
        },
        rev: 1,
        seq: state.nextSeq(),
      };
      // Assigned, not spread: spreading into the literal is the slow path at 100k records.
      if (dtp && profile) rec.default_trusted_profile = { auto_link: dtp.auto_link, profile_id: profile.id };
      if (groupId) rec.instance_group_id = groupId;
      instanceByName.set(inst.name, rec);
      rs.instances.set(id, rec);
      if (dtp?.auto_link && profile) autoLinks.push({ profile, instance: rec });
      setTags(crn, inst.tags);
    });
    // Network posture last: security groups and flow logs name this region's instances.
    const network = {
      rs,
      seed,
      account: acct,
      code,
      at,
      zones: [...zoneNames],
      nextSeq: () => state.nextSeq(),
      resourceGroup: (name: string | undefined, fallback: string, path: DocPath) =>
        name === undefined ? fallback : rg(name, () => path),
      instance: (name: string) => instanceByName.get(name),
      fail,
    };
    r.vpcs.forEach((vd, vi) => {
      const vpc = vpcByName.get(vd.name);
      if (vpc) buildVpcNetwork(network, vpc, vd, [...rp, 'vpcs', vi]);
    });
  });

  // References by name (RefDoc) — everything they can name exists from here on.
  const resolve: RefResolver = (ref, path) => {
    const keys = Object.keys(ref) as (keyof RefDoc)[];
    if (keys.length !== 1)
      fail(`a reference needs exactly one of ${Object.keys(REF_KINDS).join(', ')}`, path);
    const key = keys[0] as keyof RefDoc;
    const name = ref[key] ?? '';
    const kind = REF_KINDS[key];
    const where = [...path, key];
    switch (kind.of) {
      case 'instance': {
        const i = instanceByName.get(name) ?? fail(`unknown instance "${name}"`, where);
        return kind.field === 'id' ? i.id : i.crn;
      }
      case 'vpc': {
        const found = vpcsByName.get(name) ?? [];
        if (found.length > 1)
          fail(`VPC name "${name}" is used in several regions: write "region/${name}"`, where);
        const vpc = found[0] ?? fail(`unknown VPC "${name}"`, where);
        return kind.field === 'id' ? vpc.id : vpc.crn;
      }
      case 'resource group':
        return rgByName.get(name) ?? fail(`unknown resource group "${name}"`, where);
      case 'profile': {
        const p = profileRef(name, where);
        return kind.field === 'id' ? p.id : p.iam_id;
      }
    }
  };

  // Access groups (before profile membership)
  const groupByName = new Map<string, AccessGroupRec>();
  doc.access_groups.forEach((g, gi) => {
    if (groupByName.has(g.name)) fail(`duplicate access group "${g.name}"`, ['access_groups', gi, 'name']);
    const id = g.id ?? `AccessGroupId-${stableUuid(seed, `group:${g.name}`)}`;
    const rec: AccessGroupRec = {
      id,
      name: g.name,
      ...(g.description ? { description: g.description } : {}),
      created_at: at,
      created_by_id: admin,
      last_modified_at: at,
      last_modified_by_id: admin,
      members: [],
      rev: 1,
      seq: state.nextSeq(),
    };
    groupByName.set(g.name, rec);
    state.accessGroups.set(id, rec);
    g.policies.forEach((p, pi) => {
      const pol = policyRecord(
        state,
        p,
        { key: 'access_group_id', operator: 'stringEquals', value: id },
        `group:${g.name}:${pi}`,
        admin,
        resolve,
        ['access_groups', gi, 'policies', pi],
      );
      state.policies.set(pol.id, pol);
    });
  });
  const addMember = (
    group: AccessGroupRec,
    iamId: string,
    type: 'user' | 'service' | 'profile',
    name?: string,
  ): void => {
    if (group.members.some((m) => m.iam_id === iamId)) return;
    group.members.push({
      iam_id: iamId,
      type,
      ...(name ? { name } : {}),
      created_at: at,
      created_by_id: admin,
    });
  };
  doc.access_groups.forEach((g, gi) => {
    const group = groupByName.get(g.name);
    if (!group) return;
    g.members.forEach((m, mi) => {
      const mp: DocPath = ['access_groups', gi, 'members', mi];
      if (m.profile) {
        const p = profileRef(m.profile, [...mp, 'profile']);
        addMember(group, p.iam_id, 'profile', p.name);
      } else if (m.key) {
        const k = keyByName.get(m.key) ?? fail(`unknown api key "${m.key}"`, [...mp, 'key']);
        addMember(
          group,
          k.iam_id,
          k.kind === 'user' ? 'user' : k.kind === 'profile' ? 'profile' : 'service',
          k.name,
        );
      } else if (m.iam_id) {
        const type =
          m.type ??
          (m.iam_id.startsWith('iam-Profile-')
            ? 'profile'
            : m.iam_id.startsWith('iam-ServiceId-')
              ? 'service'
              : 'user');
        addMember(group, m.iam_id, type);
      } else {
        fail('a member needs profile, key or iam_id', mp);
      }
    });
  });

  // Profile details: rules, links, identities, policies, groups
  doc.profiles.forEach((p, pi) => {
    const pp: DocPath = ['profiles', pi];
    const rec = profileRef(p.name, [...pp, 'name']);
    if (p.rules.length > 20) fail('a trusted profile can have at most 20 claim rules', [...pp, 'rules']);
    p.rules.forEach((r, ri) => {
      rec.rules.push({
        id: r.id ?? `ClaimRule-${stableUuid(seed, `rule:${p.name}:${ri}`)}`,
        ...(r.name ? { name: r.name } : {}),
        type: r.type,
        ...(r.realm_name ? { realm_name: r.realm_name } : {}),
        ...(r.cr_type ? { cr_type: r.cr_type } : {}),
        expiration: r.expiration,
        conditions: r.conditions.map(
          (c, ci): ClaimCondition => ({
            claim: c.claim,
            operator: c.operator,
            value: isRef(c.value)
              ? JSON.stringify(resolve(c.value, [...pp, 'rules', ri, 'conditions', ci, 'value']))
              : encodeClaimValue(c.value),
          }),
        ),
        created_at: at,
        modified_at: at,
        rev: 1,
      });
    });
    p.links.forEach((l, li) => {
      const lp: DocPath = [...pp, 'links', li];
      let crn = l.crn;
      if (l.instance) {
        crn =
          instanceByName.get(l.instance)?.crn ??
          fail(`unknown instance "${l.instance}"`, [...lp, 'instance']);
      }
      if (!crn) fail('a link needs "instance" or "crn"', lp);
      rec.links.push({
        id: l.id ?? `ProfileLink-${stableUuid(seed, `link:${p.name}:${li}`)}`,
        ...(l.name ? { name: l.name } : {}),
        cr_type: l.cr_type,
        ...(l.is_cross_account !== undefined ? { is_cross_account: l.is_cross_account } : {}),
        link: {
          crn,
          ...(l.namespace ? { namespace: l.namespace } : {}),
          ...(l.component_type ? { component_type: l.component_type } : {}),
          ...(l.component_name ? { component_name: l.component_name } : {}),
        },
        created_at: at,
        modified_at: at,
        rev: 1,
      });
    });
    p.identities.forEach((idn, ii) => {
      rec.identities.push({
        ...identityOf(idn, keyByName, [...pp, 'identities', ii], fail),
        ...(idn.accounts ? { accounts: idn.accounts } : {}),
        ...(idn.description ? { description: idn.description } : {}),
      });
    });
    p.policies.forEach((pol, i) => {
      const r = policyRecord(
        state,
        pol,
        { key: 'iam_id', operator: 'stringEquals', value: rec.iam_id },
        `profile:${p.name}:${i}`,
        admin,
        resolve,
        [...pp, 'policies', i],
      );
      state.policies.set(r.id, r);
    });
    p.access_groups.forEach((g, gi) => {
      const group = groupByName.get(g) ?? fail(`unknown access group "${g}"`, [...pp, 'access_groups', gi]);
      addMember(group, rec.iam_id, 'profile', rec.name);
    });
  });

  // auto_link: the link IBM creates at provisioning, unless the document already lists one.
  for (const { profile, instance } of autoLinks) {
    if (profile.links.some((l) => l.cr_type === 'VSI' && l.link.crn === instance.crn)) continue;
    profile.links.push({
      id: `ProfileLink-${stableUuid(seed, `autolink:${profile.name}:${instance.name}`)}`,
      cr_type: 'VSI',
      link: { crn: instance.crn },
      created_at: at,
      modified_at: at,
      rev: 1,
    });
  }

  // Free-standing policies
  doc.policies.forEach((p, pi) => {
    const sp: DocPath = ['policies', pi, 'subject'];
    let subject: PolicyAttribute;
    if (p.subject.access_group) {
      const g =
        groupByName.get(p.subject.access_group) ??
        fail(`unknown access group "${p.subject.access_group}"`, [...sp, 'access_group']);
      subject = { key: 'access_group_id', operator: 'stringEquals', value: g.id };
    } else if (p.subject.profile) {
      subject = {
        key: 'iam_id',
        operator: 'stringEquals',
        value: profileRef(p.subject.profile, [...sp, 'profile']).iam_id,
      };
    } else if (p.subject.key) {
      const k = keyByName.get(p.subject.key) ?? fail(`unknown api key "${p.subject.key}"`, [...sp, 'key']);
      subject = { key: 'iam_id', operator: 'stringEquals', value: k.iam_id };
    } else if (p.subject.iam_id) {
      subject = { key: 'iam_id', operator: 'stringEquals', value: p.subject.iam_id };
    } else {
      subject = fail('a policy subject needs iam_id, access_group, profile or key', sp);
    }
    const r = policyRecord(state, p, subject, `policy:${pi}`, admin, resolve, ['policies', pi]);
    state.policies.set(r.id, r);
  });

  // Cases
  doc.cases.forEach((c, ci) => {
    const number = c.number ?? `CS${(1_000_000 + ci + 1).toString()}`;
    const by = { name: 'Emulator Admin', realm: 'IBMid', user_id: 'admin@example.com' };
    state.cases.set(number, {
      number,
      short_description: c.subject,
      description: c.description,
      type: c.type,
      severity: c.severity,
      status: c.status,
      created_at: at,
      created_by: by,
      updated_at: at,
      updated_by: by,
      resources: [],
      watchlist: [],
      comments: [],
      seq: state.nextSeq(),
    });
  });

  for (const u of doc.servicenow.users) state.servicenowUsers.set(u.user, u.password);

  if (doc.metadata_host !== undefined) {
    const host =
      instanceByName.get(doc.metadata_host) ??
      fail(`unknown instance "${doc.metadata_host}"`, ['metadata_host']);
    state.metadataHost = { region: host.region, instanceId: host.id };
  }
  buildTicketSystems(state, doc, seed);
  buildDeployment(state, doc, seed, (name, path) => rg(name, () => path), fail);

  return state;
};

/** Event Notifications instances with their sources, and Jira users and projects. */
const buildTicketSystems = (state: EmulatorState, doc: ScenarioDoc, seed: string): void => {
  doc.event_notifications.instances.forEach((inst, ii) => {
    const id = inst.id ?? stableUuid(seed, `en-instance:${inst.name}`);
    if (state.enInstances.has(id))
      throw new ScenarioRefError(`duplicate Event Notifications instance id ${id}`, [
        'event_notifications',
        'instances',
        ii,
      ]);
    const sources = new Map(
      inst.sources.map((src) => {
        const sid = src.id ?? stableUuid(seed, `en-source:${inst.name}:${src.name}`);
        return [sid, { id: sid, name: src.name, enabled: src.enabled }] as const;
      }),
    );
    state.enInstances.set(id, { id, name: inst.name, region: inst.region, sources, notifications: [] });
  });
  for (const u of doc.jira.users) state.jiraUsers.set(u.email, u.api_token);
  doc.jira.projects.forEach((p, pi) => {
    state.jiraProjects.set(p.key, {
      id: String(10_000 + pi),
      key: p.key,
      name: p.name ?? p.key,
      issue_types: p.issue_types,
      next: 1,
    });
  });
};

/**
 * Scenario → state: its own account, and each of its other `accounts` as a peer with separate state
 * (its own seed, so ids never collide). A reference error in one is located under `accounts[i]`.
 */
const buildState = (doc: ScenarioDoc): EmulatorState => {
  const state = buildAccount(doc);
  doc.accounts.forEach((other, i) => {
    const id = other.account.id;
    if (state.forAccount(id))
      throw new ScenarioRefError(`account ${id} is declared twice`, ['accounts', i, 'account', 'id']);
    try {
      const seed = other.seed ?? `${doc.seed}/${id}`;
      state.peers.set(id, buildAccount({ ...other, version: 1, seed, accounts: [] }));
    } catch (err) {
      if (err instanceof ScenarioRefError)
        throw new ScenarioRefError(err.message, ['accounts', i, ...err.path]);
      throw err;
    }
  });
  return state;
};

export type { DocPath };
export { buildState, encodeClaimValue, regionCode, ScenarioRefError };
