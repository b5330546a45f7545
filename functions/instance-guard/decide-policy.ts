// Policy matching for one resource: the rule its scope falls under, the tags to read, its exemption.

import { DEFAULT_HOP_LIMIT, DEFAULT_RULE_NAME } from '#shared/policy/defaults.ts';
import {
  type ExemptionTarget,
  exemptionMatches,
  firstMatchingRule,
  matchingTag,
  type Scope,
} from '#shared/policy/match.ts';
import type { ExemptionEntry, Policy, Target } from '#shared/policy/schema.ts';
import type {
  Desired,
  DesiredState,
  ExemptDecision,
  Exemption,
  InstanceSnapshot,
  TagRead,
  TemplateSnapshot,
} from './decide-types.ts';

const toDesired = (target: Target): Desired => {
  switch (target.mode) {
    case 'disable':
      return { mode: 'disable' };
    case 'secure':
    case 'audit':
      return { mode: target.mode, hop_limit: target.hop_limit ?? DEFAULT_HOP_LIMIT };
    default:
      return target.mode satisfies never;
  }
};

/** The metadata setting a scope should have: the first matching rule, else `instances.default`. */
const desiredState = (policy: Policy, scope: Scope): DesiredState => {
  const hit = firstMatchingRule(policy.instances.rules, scope);
  return hit
    ? { desired: toDesired(hit.rule), rule: hit.rule.name }
    : { desired: toDesired(policy.instances.default), rule: DEFAULT_RULE_NAME };
};

/**
 * Tags as rules see them: access tags, plus user tags only when the policy opts in; none when they
 * could not be read (the fail-closed reading).
 */
const scopeTags = (tags: TagRead, matchUserTags: boolean): string[] =>
  tags.ok ? (matchUserTags ? [...tags.user, ...tags.access] : [...tags.access]) : [];

const instanceScope = (
  instance: InstanceSnapshot['instance'],
  tags: TagRead,
  matchUserTags = false,
): Scope => ({
  region: instance.region,
  zone: instance.zone,
  resource_group: instance.resource_group,
  vpc: instance.vpc,
  name: instance.name,
  tags: scopeTags(tags, matchUserTags),
});

const templateScope = (
  template: TemplateSnapshot['template'],
  tags: TagRead,
  matchUserTags = false,
): Scope => ({
  region: template.region,
  zone: template.zone,
  resource_group: template.resource_group,
  vpc: template.vpc,
  name: template.name,
  tags: scopeTags(tags, matchUserTags),
});

/** Which tag types a decision needs read (one Global Tagging call each); none when the policy uses no tags. */
const tagTypesNeeded = (policy: Policy): ('access' | 'user')[] => {
  const rulesUseTags = policy.instances.rules.some((r) => (r.match?.tags?.length ?? 0) > 0);
  const types: ('access' | 'user')[] = [];
  // The rollout's consumer tag may be either kind (the owner sets a user tag, an administrator an access tag).
  const consumer = policy.instances.rollout.consumer_tag !== undefined;
  if (policy.instances.exemptions.access_tags.length > 0 || rulesUseTags || consumer) types.push('access');
  if (
    consumer ||
    policy.instances.exemptions.user_tags.length > 0 ||
    (rulesUseTags && policy.instances.match_user_tags)
  ) {
    types.push('user');
  }
  return types;
};

const ruleReason = ({ rule }: DesiredState): string =>
  rule === DEFAULT_RULE_NAME
    ? 'no rule matched; instances.default applies'
    : `rule "${rule}" applies (first match)`;

const describeEntry = (entry: ExemptionEntry): string =>
  `ticket ${entry.ticket}, approved by ${entry.approver}`;

/**
 * Is the resource exempt? Checked in order: a live list entry (explicit and time-boxed), access tags,
 * user tags (only when the policy opts in). Returns notes for exemptions that did not apply.
 */
const findExemption = (
  policy: Policy,
  target: ExemptionTarget,
  tags: TagRead,
  now: Date,
): { exemption?: Exemption; notes: string[] } => {
  const { exemptions, on_tag_lookup_failure } = policy.instances;
  const notes: string[] = [];
  for (const [entry, item] of exemptions.list.entries()) {
    if (!exemptionMatches(item.match, target)) continue;
    if (Date.parse(item.expires) > now.getTime()) {
      return {
        exemption: {
          by: 'list',
          entry,
          ticket: item.ticket,
          approver: item.approver,
          expires: item.expires,
          ...(item.reason !== undefined ? { reason: item.reason } : {}),
        },
        notes,
      };
    }
    notes.push(`exemption (${describeEntry(item)}) expired at ${item.expires} and was ignored`);
  }
  if (!tags.ok) {
    switch (on_tag_lookup_failure) {
      case 'fail-open':
        return { exemption: { by: 'tag-lookup-failed', error: tags.error }, notes };
      case 'fail-closed':
        notes.push(
          `tags could not be read (${tags.error}); decided as if there were none: no tag exemption, no tag-selected rule (on_tag_lookup_failure: fail-closed)`,
        );
        return { notes };
      default:
        return on_tag_lookup_failure satisfies never;
    }
  }
  const access = matchingTag(exemptions.access_tags, tags.access);
  if (access !== undefined) return { exemption: { by: 'access-tag', tag: access }, notes };
  const user = matchingTag(exemptions.user_tags, tags.user);
  if (user !== undefined) return { exemption: { by: 'user-tag', tag: user }, notes };
  return { notes };
};

const exemptionReason = (exemption: Exemption): string => {
  switch (exemption.by) {
    case 'access-tag':
      return `exempt: access tag "${exemption.tag}" is attached`;
    case 'user-tag':
      return `exempt: user tag "${exemption.tag}" is attached (policy honours user tags)`;
    case 'list':
      return `exempt until ${exemption.expires} (ticket ${exemption.ticket}, approved by ${exemption.approver}${exemption.reason ? `: ${exemption.reason}` : ''})`;
    case 'tag-lookup-failed':
      return `tags could not be read (${exemption.error}); left alone (on_tag_lookup_failure: fail-open)`;
    default:
      return exemption satisfies never;
  }
};

const exempt = (exemption: Exemption, notes: string[]): ExemptDecision => ({
  ...exemption,
  kind: 'exempt',
  reasons: [...notes, exemptionReason(exemption)],
});

export { desiredState, exempt, findExemption, instanceScope, ruleReason, tagTypesNeeded, templateScope };
