// Ticket ids for every subject (profile, VPC, image-gated resource, rollout notice): the key
// `imdsg-<16 hex>` changes exactly when a subject's findings change (one open ticket per key); the
// marker `imdsg-<letter>-<16 hex>` finds a subject's ticket again whatever its findings. The letter is
// not a hex digit, so a marker never looks like a key, nor like another subject's marker.
import { createHash } from 'node:crypto';

/** The marker letter of each subject kind; also names the marker's digest namespace. */
const MARKER_LETTERS = {
  profile: 'p',
  network: 'n',
  image: 'm',
  rollout: 'r',
} as const satisfies Record<string, string>;

type MarkerKind = keyof typeof MARKER_LETTERS;

/** 64 bits: short enough for a ticket subject, far from colliding within one account. */
const HASH_CHARS = 16;

/** JSON framing keeps ("a","bc") and ("ab","c") apart. */
const digest = (parts: unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, HASH_CHARS);

/** `imdsg-<16 hex>` of a subject and its findings (deduplicated, sorted); `namespace` versions the key. */
const ticketKey = (
  namespace: string,
  accountId: string,
  subjectId: string,
  findingIds: readonly string[],
): string => `imdsg-${digest([namespace, accountId, subjectId, [...new Set(findingIds)].sort()])}`;

/** `imdsg-<letter>-<16 hex>` of a subject alone. */
const ticketMarker = (kind: MarkerKind, accountId: string, subjectId: string): string =>
  `imdsg-${MARKER_LETTERS[kind]}-${digest([`imds-guard/${kind}-marker/v1`, accountId, subjectId])}`;

export type { MarkerKind };
export { ticketKey, ticketMarker };
