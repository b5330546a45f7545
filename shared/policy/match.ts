// Scope matching: which policy rule, exemption entry or account a resource falls under.
// Pure and synchronous; the same functions serve events, the cron sweep and bulk runs.
import { parseCrn } from '../cloud/crn.ts';
import type { ExemptionMatch, Match, Policy, Rule } from './schema.ts';

/** What a rule can see of a resource (an instance, or a template standing for its future instances). */
interface Scope {
  region: string;
  zone?: string | undefined;
  resource_group?: { id: string; name?: string | undefined } | undefined;
  vpc?: { id: string; name?: string | undefined } | undefined;
  name: string;
  /** User and access tags together; empty when they could not be read. */
  tags: readonly string[];
}

/** What an exemption list entry can name. */
interface ExemptionTarget {
  crn: string;
  id: string;
  name: string;
  region: string;
}

// ---- Globs ---------------------------------------------------------------------------------------

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/;

/** `*` = any run of characters, `?` = one character, the rest literal; anchored, case-sensitive. */
const globToRegExp = (glob: string): RegExp => {
  const source = Array.from(glob, (ch) => {
    if (ch === '*') return '.*';
    if (ch === '?') return '.';
    return REGEX_SYNTAX.test(ch) ? `\\${ch}` : ch;
  }).join('');
  return new RegExp(`^${source}$`, 'su');
};

// Policies hold a few dozen patterns and a sweep tests them against every resource: compile once.
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 10_000;

const globMatch = (glob: string, value: string): boolean => {
  let re = compiled.get(glob);
  if (!re) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    re = globToRegExp(glob);
    compiled.set(glob, re);
  }
  return re.test(value);
};

const anyGlob = (patterns: readonly string[], value: string | undefined): boolean =>
  value !== undefined && patterns.some((p) => globMatch(p, value));

/** IBM treats tags case-insensitively (and stores them lowercased), so the comparison does too. */
const matchingTag = (patterns: readonly string[], tags: readonly string[]): string | undefined =>
  tags.find((tag) => patterns.some((p) => globMatch(p.toLowerCase(), tag.toLowerCase())));

// ---- Rules ---------------------------------------------------------------------------------------

type Criterion = (patterns: readonly string[], scope: Scope) => boolean;

/** One test per `match` key; a key that is absent does not narrow. */
const CRITERIA = {
  regions: (p, s) => anyGlob(p, s.region),
  zones: (p, s) => anyGlob(p, s.zone),
  resource_groups: (p, s) => anyGlob(p, s.resource_group?.id) || anyGlob(p, s.resource_group?.name),
  vpcs: (p, s) => anyGlob(p, s.vpc?.id) || anyGlob(p, s.vpc?.name),
  names: (p, s) => anyGlob(p, s.name),
  tags: (p, s) => matchingTag(p, s.tags) !== undefined,
} satisfies Record<keyof Match, Criterion>;

const CRITERIA_KEYS = Object.keys(CRITERIA) as (keyof Match)[];

const matchesScope = (match: Match, scope: Scope): boolean =>
  CRITERIA_KEYS.every((key) => {
    const patterns = match[key];
    return patterns === undefined || CRITERIA[key](patterns, scope);
  });

/** First match wins, in the order the rules are written. */
const firstMatchingRule = (
  rules: readonly Rule[],
  scope: Scope,
): { rule: Rule; index: number } | undefined => {
  const index = rules.findIndex((rule) => matchesScope(rule.match, scope));
  const rule = rules[index];
  return rule ? { rule, index } : undefined;
};

// ---- Exemption list ------------------------------------------------------------------------------

/** Exact comparison on purpose: an approved exception names one resource, never a pattern. */
const exemptionMatches = (match: ExemptionMatch, target: ExemptionTarget): boolean =>
  (match.crn === undefined || match.crn === target.crn) &&
  (match.id === undefined || match.id === target.id) &&
  (match.name === undefined || match.name === target.name) &&
  (match.region === undefined || match.region === target.region);

// ---- Accounts and initiators ---------------------------------------------------------------------

/** Account id from a CRN's scope segment (`a/<account>`), if it has one. */
const accountOfCrn = (crn: string): string | undefined => parseCrn(crn)?.account;

/**
 * May the guard act in this account? An empty `accounts` list means "only the account the guard's
 * own credentials belong to", so a copied policy never reaches into an account nobody listed.
 */
const accountAllowed = (policy: Policy, accountId: string | undefined, ownAccountId?: string): boolean => {
  if (accountId === undefined) return false;
  return policy.accounts.length > 0 ? policy.accounts.includes(accountId) : accountId === ownAccountId;
};

/** The guard's own changes come back as events; acting on them again would loop. */
const isSelfInitiator = (policy: Policy, initiatorId: string | undefined): boolean =>
  initiatorId !== undefined && policy.self_ids.includes(initiatorId);

/**
 * Of the entries that match, the one in force lasting longest (`expires` is exclusive), or else the
 * latest-expired one: worth naming in a ticket.
 */
const exemptionInForce = <E extends { expires: string }>(
  list: readonly E[],
  matches: (e: E) => boolean,
  now: Date,
): { active?: E; expired?: E } => {
  const byExpiry = list.filter(matches).sort((a, b) => Date.parse(b.expires) - Date.parse(a.expires));
  const active = byExpiry.find((e) => Date.parse(e.expires) > now.getTime());
  const expired = active ? undefined : byExpiry[0];
  return { ...(active ? { active } : {}), ...(expired ? { expired } : {}) };
};

export type { ExemptionTarget, Scope };
export {
  accountAllowed,
  accountOfCrn,
  anyGlob,
  exemptionInForce,
  exemptionMatches,
  firstMatchingRule,
  globMatch,
  globToRegExp,
  isSelfInitiator,
  matchesScope,
  matchingTag,
};
