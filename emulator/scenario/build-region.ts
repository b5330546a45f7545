// One region of a scenario: its VPCs, images, instance templates, instance groups and instances, then
// their network posture (network-build.ts).
import { stableUuid, vpcCrn } from '../core/ids.ts';
import type { InstanceRec, RegionState, TemplateRec, VpcRec } from '../core/state.ts';
import { type AccountBuild, type DocPath, flat, type PathFn, regionCode } from './build-common.ts';
import { buildVpcNetwork } from './network-build.ts';
import type { ScenarioDoc } from './schema.ts';

/** Builds one region of the document into the account (`b`). */
const buildRegion = (b: AccountBuild, r: ScenarioDoc['regions'][number], ri: number): void => {
  const {
    state,
    seed,
    acct,
    at,
    fail,
    rg,
    prefixOf,
    profileRef,
    instanceByName,
    vpcsByName,
    autoLinks,
    setTags,
  } = b;
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
};

export { buildRegion };
