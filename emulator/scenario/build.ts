// Scenario document → emulator state. References are by name; ids derive from the seed.
import { profileCrn, stableHex32, stableUuid, vpcCrn, vpcTime, zonePrefix } from '../core/ids.ts';
import { roleCrn } from '../core/roles.ts';
import {
  type AccessGroupRec,
  type ApiKeyRecord,
  type ClaimCondition,
  EmulatorState,
  type IamService,
  type PolicyAttribute,
  type PolicyRec,
  type ProfileRec,
  type RegionState,
  type Role,
  type TagSet,
} from '../core/state.ts';
import type { PolicyDoc, ScenarioDoc } from './schema.ts';

type DocPath = (string | number)[];

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
): PolicyRec => {
  const attrs: PolicyAttribute[] = [{ key: 'accountId', operator: 'stringEquals', value: state.account.id }];
  for (const [k, value] of Object.entries(doc.resource)) {
    if (k === 'accountId') continue;
    attrs.push({ key: k, operator: value.includes('*') ? 'stringMatch' : 'stringEquals', value });
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

const buildState = (doc: ScenarioDoc): EmulatorState => {
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

  // Resource groups
  const rgByName = new Map<string, string>();
  doc.resource_groups.forEach((rg, i) => {
    if (rgByName.has(rg.name))
      throw new ScenarioRefError(`duplicate resource group "${rg.name}"`, ['resource_groups', i, 'name']);
    const id = rg.id ?? stableHex32(seed, `rg:${rg.name}`);
    rgByName.set(rg.name, id);
    state.resourceGroups.set(id, { id, name: rg.name });
  });
  const defaultRg = doc.resource_groups[0]?.name;
  const rg = (name: string | undefined, path: DocPath): string => {
    const n = name ?? defaultRg;
    const id = n === undefined ? undefined : rgByName.get(n);
    if (!id) throw new ScenarioRefError(`unknown resource group "${n ?? '(none defined)'}"`, path);
    return id;
  };

  // Profiles first (ids only): instances and keys refer to them.
  const profileByName = new Map<string, ProfileRec>();
  doc.profiles.forEach((p, i) => {
    if (profileByName.has(p.name))
      throw new ScenarioRefError(`duplicate profile "${p.name}"`, ['profiles', i, 'name']);
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
  const profileRef = (name: string, path: DocPath): ProfileRec => {
    const p = profileByName.get(name);
    if (!p) throw new ScenarioRefError(`unknown profile "${name}"`, path);
    return p;
  };

  // API keys
  const keyByName = new Map<string, ApiKeyRecord>();
  doc.api_keys.forEach((k, i) => {
    if (keyByName.has(k.name))
      throw new ScenarioRefError(`duplicate api key name "${k.name}"`, ['api_keys', i, 'name']);
    if (state.apiKeys.has(k.key))
      throw new ScenarioRefError('duplicate api key value', ['api_keys', i, 'key']);
    let iamId = k.iam_id;
    let profileId: string | undefined;
    if (k.kind === 'profile') {
      if (!k.profile) throw new ScenarioRefError('a key of kind "profile" needs "profile"', ['api_keys', i]);
      const p = profileRef(k.profile, ['api_keys', i, 'profile']);
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
  const instanceCrnByName = new Map<string, string>();
  const setTags = (
    crn: string,
    tags: { user: string[]; access: string[]; service: string[] } | undefined,
  ): void => {
    if (!tags) return;
    const t: TagSet = state.tagsOf(crn);
    t.user.push(...tags.user);
    t.access.push(...tags.access);
    t.service.push(...tags.service);
  };
  doc.regions.forEach((r, ri) => {
    const rp: DocPath = ['regions', ri];
    if (state.regions.has(r.name))
      throw new ScenarioRefError(`duplicate region "${r.name}"`, [...rp, 'name']);
    const code = regionCode(r.name);
    const zones = (r.zones ?? [1, 2, 3].map((n) => `${r.name}-${n}`)).map((name) => ({
      name,
      status: 'available' as const,
    }));
    const rs: RegionState = state.addRegion({ name: r.name, status: r.status, zones });
    const zoneOk = (z: string | undefined, path: DocPath): string => {
      const zone = z ?? zones[0]?.name;
      if (!zone || !zones.some((x) => x.name === zone)) {
        throw new ScenarioRefError(`unknown zone "${z}" in region ${r.name}`, path);
      }
      return zone;
    };
    const vpcByName = new Map<string, string>();
    r.vpcs.forEach((vd, vi) => {
      const id = vd.id ?? `${code}-${stableUuid(seed, `vpc:${r.name}:${vd.name}`)}`;
      vpcByName.set(vd.name, id);
      rs.vpcs.set(id, {
        id,
        crn: vpcCrn(r.name, acct, 'vpc', id),
        name: vd.name,
        region: r.name,
        resource_group_id: rg(vd.resource_group, [...rp, 'vpcs', vi, 'resource_group']),
        created_at: at,
      });
    });
    const vpcRef = (name: string | undefined, path: DocPath): string => {
      const id = name === undefined ? rs.vpcs.keys().next().value : vpcByName.get(name);
      if (!id)
        throw new ScenarioRefError(
          name ? `unknown VPC "${name}" in region ${r.name}` : `region ${r.name} has no VPC`,
          path,
        );
      return id;
    };
    const imageByName = new Map<string, string>();
    r.images.forEach((im) => {
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
    const imageRef = (name: string | undefined, path: DocPath): string | undefined => {
      if (name === undefined) return rs.images.keys().next().value;
      const id = imageByName.get(name);
      if (!id) throw new ScenarioRefError(`unknown image "${name}" in region ${r.name}`, path);
      return id;
    };
    const templateByName = new Map<string, string>();
    r.templates.forEach((t, ti) => {
      const tp: DocPath = [...rp, 'templates', ti];
      const zone = zoneOk(t.zone, [...tp, 'zone']);
      const vpcId = vpcRef(t.vpc, [...tp, 'vpc']);
      const id = t.id ?? `${zonePrefix(zone)}-${stableUuid(seed, `template:${r.name}:${t.name}`)}`;
      templateByName.set(t.name, id);
      const crn = vpcCrn(zone, acct, 'instance-template', id);
      rs.templates.set(id, {
        id,
        crn,
        name: t.name,
        region: r.name,
        zone,
        vpc_id: vpcId,
        resource_group_id: t.resource_group
          ? rg(t.resource_group, [...tp, 'resource_group'])
          : (rs.vpcs.get(vpcId)?.resource_group_id ?? rg(undefined, tp)),
        image_id: imageRef(t.image, [...tp, 'image']),
        profile: t.profile,
        created_at: at,
        ...(t.metadata_service ? { metadata_service: { ...t.metadata_service } } : {}),
        ...(t.default_trusted_profile
          ? {
              default_trusted_profile: {
                auto_link: t.default_trusted_profile.auto_link,
                profile_id: profileRef(t.default_trusted_profile.profile, [
                  ...tp,
                  'default_trusted_profile',
                  'profile',
                ]).id,
              },
            }
          : {}),
        seq: state.nextSeq(),
      });
      setTags(crn, t.tags);
    });
    const groupByName = new Map<string, string>();
    r.instance_groups.forEach((g, gi) => {
      const gp: DocPath = [...rp, 'instance_groups', gi];
      const templateId = templateByName.get(g.template);
      if (!templateId)
        throw new ScenarioRefError(`unknown template "${g.template}" in region ${r.name}`, [
          ...gp,
          'template',
        ]);
      const tmpl = rs.templates.get(templateId);
      const id = g.id ?? `${code}-${stableUuid(seed, `group:${r.name}:${g.name}`)}`;
      groupByName.set(g.name, id);
      rs.instanceGroups.set(id, {
        id,
        crn: vpcCrn(r.name, acct, 'instance-group', id),
        name: g.name,
        region: r.name,
        vpc_id: tmpl?.vpc_id ?? vpcRef(undefined, gp),
        resource_group_id: g.resource_group
          ? rg(g.resource_group, [...gp, 'resource_group'])
          : (tmpl?.resource_group_id ?? rg(undefined, gp)),
        template_id: templateId,
        membership_count: g.membership_count,
        status: 'healthy',
        created_at: at,
        updated_at: at,
        rev: 1,
        seq: state.nextSeq(),
      });
    });
    r.instances.forEach((inst, ii) => {
      const ip: DocPath = [...rp, 'instances', ii];
      if (instanceCrnByName.has(inst.name))
        throw new ScenarioRefError(`duplicate instance name "${inst.name}"`, [...ip, 'name']);
      const zone = zoneOk(inst.zone, [...ip, 'zone']);
      const vpcId = vpcRef(inst.vpc, [...ip, 'vpc']);
      const id = inst.id ?? `${zonePrefix(zone)}_${stableUuid(seed, `instance:${r.name}:${inst.name}`)}`;
      const crn = vpcCrn(zone, acct, 'instance', id);
      instanceCrnByName.set(inst.name, crn);
      let groupId: string | undefined;
      if (inst.instance_group) {
        groupId = groupByName.get(inst.instance_group);
        if (!groupId)
          throw new ScenarioRefError(`unknown instance group "${inst.instance_group}"`, [
            ...ip,
            'instance_group',
          ]);
      }
      rs.instances.set(id, {
        id,
        crn,
        name: inst.name,
        region: r.name,
        zone,
        vpc_id: vpcId,
        resource_group_id: inst.resource_group
          ? rg(inst.resource_group, [...ip, 'resource_group'])
          : (rs.vpcs.get(vpcId)?.resource_group_id ?? rg(undefined, ip)),
        image_id: imageRef(inst.image, [...ip, 'image']),
        profile: inst.profile,
        status: inst.status,
        created_at: inst.created_at ?? at,
        metadata_service: { ...inst.metadata_service },
        ...(inst.default_trusted_profile
          ? {
              default_trusted_profile: {
                auto_link: inst.default_trusted_profile.auto_link,
                profile_id: profileRef(inst.default_trusted_profile.profile, [
                  ...ip,
                  'default_trusted_profile',
                  'profile',
                ]).id,
              },
            }
          : {}),
        ...(groupId ? { instance_group_id: groupId } : {}),
        rev: 1,
        seq: state.nextSeq(),
      });
      setTags(crn, inst.tags);
    });
  });

  // Access groups (before profile membership)
  const groupByName = new Map<string, AccessGroupRec>();
  doc.access_groups.forEach((g, gi) => {
    if (groupByName.has(g.name))
      throw new ScenarioRefError(`duplicate access group "${g.name}"`, ['access_groups', gi, 'name']);
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
        const k = keyByName.get(m.key);
        if (!k) throw new ScenarioRefError(`unknown api key "${m.key}"`, [...mp, 'key']);
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
        throw new ScenarioRefError('a member needs profile, key or iam_id', mp);
      }
    });
  });

  // Profile details: rules, links, identities, policies, groups
  doc.profiles.forEach((p, pi) => {
    const pp: DocPath = ['profiles', pi];
    const rec = profileRef(p.name, [...pp, 'name']);
    if (p.rules.length > 20)
      throw new ScenarioRefError('a trusted profile can have at most 20 claim rules', [...pp, 'rules']);
    p.rules.forEach((r, ri) => {
      rec.rules.push({
        id: r.id ?? `ClaimRule-${stableUuid(seed, `rule:${p.name}:${ri}`)}`,
        ...(r.name ? { name: r.name } : {}),
        type: r.type,
        ...(r.realm_name ? { realm_name: r.realm_name } : {}),
        ...(r.cr_type ? { cr_type: r.cr_type } : {}),
        expiration: r.expiration,
        conditions: r.conditions.map(
          (c): ClaimCondition => ({ claim: c.claim, operator: c.operator, value: encodeClaimValue(c.value) }),
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
        crn = instanceCrnByName.get(l.instance);
        if (!crn) throw new ScenarioRefError(`unknown instance "${l.instance}"`, [...lp, 'instance']);
      }
      if (!crn) throw new ScenarioRefError('a link needs "instance" or "crn"', lp);
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
    for (const idn of p.identities) {
      rec.identities.push({
        iam_id: idn.iam_id ?? idn.identifier,
        identifier: idn.identifier,
        type: idn.type,
        ...(idn.accounts ? { accounts: idn.accounts } : {}),
        ...(idn.description ? { description: idn.description } : {}),
      });
    }
    p.policies.forEach((pol, i) => {
      const r = policyRecord(
        state,
        pol,
        { key: 'iam_id', operator: 'stringEquals', value: rec.iam_id },
        `profile:${p.name}:${i}`,
        admin,
      );
      state.policies.set(r.id, r);
    });
    p.access_groups.forEach((g, gi) => {
      const group = groupByName.get(g);
      if (!group) throw new ScenarioRefError(`unknown access group "${g}"`, [...pp, 'access_groups', gi]);
      addMember(group, rec.iam_id, 'profile', rec.name);
    });
  });

  // Free-standing policies
  doc.policies.forEach((p, pi) => {
    const sp: DocPath = ['policies', pi, 'subject'];
    let subject: PolicyAttribute;
    if (p.subject.access_group) {
      const g = groupByName.get(p.subject.access_group);
      if (!g)
        throw new ScenarioRefError(`unknown access group "${p.subject.access_group}"`, [
          ...sp,
          'access_group',
        ]);
      subject = { key: 'access_group_id', operator: 'stringEquals', value: g.id };
    } else if (p.subject.profile) {
      subject = {
        key: 'iam_id',
        operator: 'stringEquals',
        value: profileRef(p.subject.profile, [...sp, 'profile']).iam_id,
      };
    } else if (p.subject.key) {
      const k = keyByName.get(p.subject.key);
      if (!k) throw new ScenarioRefError(`unknown api key "${p.subject.key}"`, [...sp, 'key']);
      subject = { key: 'iam_id', operator: 'stringEquals', value: k.iam_id };
    } else if (p.subject.iam_id) {
      subject = { key: 'iam_id', operator: 'stringEquals', value: p.subject.iam_id };
    } else {
      throw new ScenarioRefError('a policy subject needs iam_id, access_group, profile or key', sp);
    }
    const r = policyRecord(state, p, subject, `policy:${pi}`, admin);
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

  return state;
};

export type { DocPath };
export { buildState, encodeClaimValue, regionCode, ScenarioRefError };
