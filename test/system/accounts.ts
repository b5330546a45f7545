// The local accounts the system tests name in rules (created by global-setup.ts).
const ACCOUNTS = {
  /** A group allowed in the allow form. */
  group: 'imdsg-grp',
  /** Named in --deny-user; never allowed. */
  denied: 'imdsg-denied',
  /** Named in --allow-user. */
  allowed: 'imdsg-allowed',
  /** Not named; a supplementary member of the group. */
  member: 'imdsg-member',
  /** Not named; the group is its primary group. */
  primary: 'imdsg-primary',
  /** A uid no account has: numeric ids need no account. */
  unnamedUid: 4242,
} as const;

export { ACCOUNTS };
