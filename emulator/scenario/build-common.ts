// Scenario building blocks: located reference errors, region codes, references by name, claim values,
// policy records, identities, and what one account's build shares between its steps (AccountBuild).
import { stableHex32, stableUuid, vpcTime } from '../core/ids.ts';
import { roleCrn } from '../core/roles.ts';
import type {
  ApiKeyRecord,
  EmulatorState,
  InstanceRec,
  PolicyAttribute,
  PolicyRec,
  ProfileIdentityRec,
  ProfileRec,
  VpcRec,
} from '../core/state.ts';
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

/** What one account's build shares between its steps (build.ts, build-region.ts, build-iam.ts). */
interface AccountBuild {
  state: EmulatorState;
  seed: string;
  acct: string;
  at: string;
  admin: string;
  fail: (message: string, path: DocPath | PathFn) => never;
  rg: (name: string | undefined, path: PathFn) => string;
  prefixOf: (zone: string) => string;
  profileRef: (name: string, path: DocPath | PathFn) => ProfileRec;
  keyByName: Map<string, ApiKeyRecord>;
  instanceByName: Map<string, InstanceRec>;
  /** VPCs by `name` (may be ambiguous across regions) and by `region/name`. */
  vpcsByName: Map<string, VpcRec[]>;
  /** Links the system creates for `default_trusted_profile.auto_link` (IBM does at creation). */
  autoLinks: { profile: ProfileRec; instance: InstanceRec }[];
  setTags: (crn: string, tags: { user: string[]; access: string[]; service: string[] } | undefined) => void;
}

export type { AccountBuild, DocPath, IdentityInput, PathFn, RefResolver };
export {
  CREATED,
  encodeClaimValue,
  flat,
  identityOf,
  isRef,
  policyRecord,
  REF_KINDS,
  regionCode,
  ScenarioRefError,
};
