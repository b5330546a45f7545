// A scenario's IAM: access groups and their members, trusted profiles' claim rules, links, identities,
// policies and groups, the links `auto_link` creates, and free-standing policies.
import { stableUuid } from '../core/ids.ts';
import type { AccessGroupRec, ClaimCondition, PolicyAttribute } from '../core/state.ts';
import {
  type AccountBuild,
  type DocPath,
  encodeClaimValue,
  identityOf,
  isRef,
  policyRecord,
  type RefResolver,
} from './build-common.ts';
import type { ScenarioDoc } from './schema.ts';

/** Builds access groups, profile details and policies; `resolve` reads references by name. */
const buildIam = (b: AccountBuild, doc: ScenarioDoc, resolve: RefResolver): void => {
  const { state, seed, at, admin, fail, profileRef, keyByName, instanceByName, autoLinks } = b;
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
};

export { buildIam };
