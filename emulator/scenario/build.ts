// Scenario document → emulator state. References are by name; ids derive from the seed.
import { profileCrn, stableHex32, stableUuid, vpcTime, zonePrefix } from '../core/ids.ts';
import {
  type ApiKeyRecord,
  EmulatorState,
  type IamService,
  type InstanceRec,
  type ProfileRec,
  type Role,
  type TagSet,
  type VpcRec,
} from '../core/state.ts';
import {
  type AccountBuild,
  CREATED,
  type DocPath,
  encodeClaimValue,
  type PathFn,
  REF_KINDS,
  type RefResolver,
  regionCode,
  ScenarioRefError,
} from './build-common.ts';
import { buildDeployment } from './build-deploy.ts';
import { buildIam } from './build-iam.ts';
import { buildRegion } from './build-region.ts';
import type { RefDoc, ScenarioDoc } from './schema.ts';

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
  const b: AccountBuild = {
    state,
    seed,
    acct,
    at,
    admin,
    fail,
    rg,
    prefixOf,
    profileRef,
    keyByName,
    instanceByName,
    vpcsByName,
    autoLinks,
    setTags,
  };
  doc.regions.forEach((r, ri) => {
    buildRegion(b, r, ri);
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

  buildIam(b, doc, resolve);

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
