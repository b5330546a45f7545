// Which policy rule applies when some of what rules look at is known only after apply (a VPC created in
// the same plan, tags from an expression): each rule's criteria are yes / no / maybe, every rule that may
// apply ahead of the one that surely does is a candidate, and the plan can be judged only when all the
// candidates would do the same thing. The choice itself is still made by decide.ts (desiredState).
import { type DesiredState, desiredState, evaluate } from '#functions/instance-guard/decide.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';
import { matchesScope, type Scope } from '#shared/policy/match.ts';
import type { Match, Policy, Rule } from '#shared/policy/schema.ts';

type MatchKey = keyof Match;

/** The rule-visible fields the plan cannot tell yet. */
type UnknownKeys = ReadonlySet<MatchKey>;

type Tri = 'yes' | 'no' | 'maybe';

/** A criterion on a known field is decided by matchesScope itself; on an unknown one it may still match. */
const criterion = (key: MatchKey, match: Match, scope: Scope, unknown: UnknownKeys): Tri => {
  if (matchesScope({ [key]: match[key] } as Match, scope)) return 'yes';
  return unknown.has(key) ? 'maybe' : 'no';
};

/** Whether the rule applies, and (when it may) the unknown fields it depends on. */
const ruleMatch = (rule: Rule, scope: Scope, unknown: UnknownKeys): { hit: Tri; on: MatchKey[] } => {
  const keys = (Object.keys(rule.match) as MatchKey[]).filter((k) => rule.match[k] !== undefined);
  const each = keys.map((k) => ({ k, tri: criterion(k, rule.match, scope, unknown) }));
  if (each.some((e) => e.tri === 'no')) return { hit: 'no', on: [] };
  const on = each.filter((e) => e.tri === 'maybe').map((e) => e.k);
  return { hit: on.length > 0 ? 'maybe' : 'yes', on };
};

/** The desired state one rule stands for, through the same desiredState the decision uses. */
const stateOfRule = (policy: Policy, rule: Rule, scope: Scope): DesiredState =>
  desiredState({ ...policy, instances: { ...policy.instances, rules: [{ ...rule, match: {} }] } }, scope);

/**
 * Every rule that may apply, in order, ending with the one (or `default`) that surely does; `on` = the
 * unknown fields the uncertain ones depend on.
 */
const candidateStates = (
  policy: Policy,
  scope: Scope,
  unknown: UnknownKeys,
): { states: DesiredState[]; on: Set<MatchKey> } => {
  const states: DesiredState[] = [];
  const on = new Set<MatchKey>();
  for (const rule of policy.instances.rules) {
    const match = ruleMatch(rule, scope, unknown);
    if (match.hit === 'no') continue;
    states.push(stateOfRule(policy, rule, scope));
    for (const k of match.on) on.add(k);
    if (match.hit === 'yes') return { states, on };
  }
  states.push(desiredState({ ...policy, instances: { ...policy.instances, rules: [] } }, scope));
  return { states, on };
};

/** compliant / audit / patch, and which patch: what a decision would do under one desired state. */
const effectOf = (state: DesiredState, metadata: InstanceMetadataService): string => {
  const { patch } = evaluate(state.desired, metadata);
  if (Object.keys(patch).length === 0) return 'compliant';
  return `${state.desired.mode}:${JSON.stringify(patch)}`;
};

type RuleChoice =
  | { ambiguous: false; alternatives: string[]; on: MatchKey[] }
  | { ambiguous: true; rules: string[]; on: MatchKey[] };

/**
 * Does it matter which candidate rule applies? Not when they would all leave the metadata setting the
 * same way; `alternatives` then names the rules that might apply instead of the chosen one.
 */
const ruleChoice = (
  policy: Policy,
  scope: Scope,
  unknown: UnknownKeys,
  metadata: InstanceMetadataService,
): RuleChoice => {
  const { states, on } = candidateStates(policy, scope, unknown);
  const effects = states.map((s) => effectOf(s, metadata));
  const rules = states.map((s) => s.rule);
  if (new Set(effects).size > 1) return { ambiguous: true, rules, on: [...on] };
  return { ambiguous: false, alternatives: rules.slice(0, -1), on: [...on] };
};

export type { MatchKey, RuleChoice, UnknownKeys };
export { candidateStates, ruleChoice };
