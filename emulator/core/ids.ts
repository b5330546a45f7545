// Deterministic identifiers, CRNs and IBM timestamp formats for the emulator.
import { createHash, randomBytes } from 'node:crypto';

/** A UUID-shaped id derived from a seed and a name: the same scenario always yields the same ids. */
const stableUuid = (seed: string, name: string): string => {
  const h = createHash('sha256').update(`${seed}\0${name}`).digest('hex');
  // Version-4 / variant-1 bits so the id looks like what IBM returns.
  const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const randomUuid = (): string => stableUuid(randomBytes(16).toString('hex'), '');

/** 32 lowercase hex chars, the shape of an IBM account id. */
const stableHex32 = (seed: string, name: string): string =>
  createHash('sha256').update(`${seed}\0${name}`).digest('hex').slice(0, 32);

/** `0717_<uuid>`: VPC instance ids carry a zone prefix (facts §1.4). */
const zonePrefix = (zone: string): string => {
  const h = createHash('sha256').update(zone).digest('hex');
  return `0${(Number.parseInt(h.slice(0, 3), 16) % 1000).toString().padStart(3, '0')}`;
};

const vpcCrn = (location: string, account: string, type: string, id: string): string =>
  `crn:v1:bluemix:public:is:${location}:a/${account}::${type}:${id}`;

const profileCrn = (account: string, id: string): string =>
  `crn:v1:bluemix:public:iam-identity::a/${account}::profile:${id}`;

const resourceGroupCrn = (account: string, id: string): string =>
  `crn:v1:bluemix:public:resource-controller::a/${account}::resource-group:${id}`;

/** Account id from a CRN's scope segment (`a/<account>`), if any. */
const crnAccount = (crn: string): string | undefined => {
  const scope = crn.split(':')[6];
  return scope?.startsWith('a/') ? scope.slice(2) : undefined;
};

/** IBM Activity Tracker time: `2026-09-01T10:15:42.18+0000` (UTC, two fraction digits). */
const atEventTime = (d: Date): string => {
  const iso = d.toISOString(); // 2026-09-01T10:15:42.183Z
  return `${iso.slice(0, 22)}+0000`;
};

/** VPC timestamps: RFC 3339 without fraction, `Z`. */
const vpcTime = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

export {
  atEventTime,
  crnAccount,
  profileCrn,
  randomUuid,
  resourceGroupCrn,
  stableHex32,
  stableUuid,
  vpcCrn,
  vpcTime,
  zonePrefix,
};
