// When a bulk run reads an instance's tags (one Global Tagging call per tag type): only when they can
// change what happens to it. Tags do two things in a policy — exempt a non-compliant resource, and
// select rules (`match.tags`) — so they are read when (a) some tag-matching rule could apply, ahead of
// the rule chosen without tags, and would want a different setting, or (b) the instance is not
// compliant under some rule it could fall under and the policy exempts by tag. A compliant instance
// that no tag rule could change is decided without them (and reported compliant, not exempt).
import type { Instance } from '#shared/cloud/vpc.ts';
import { matchesScope } from '#shared/policy/match.ts';
import type { Policy, Rule } from '#shared/policy/schema.ts';
import {
  type DesiredState,
  decideInstance,
  desiredState,
  evaluate,
  instanceScope,
  instanceSnapshot,
  type TagRead,
  tagTypesNeeded,
} from '../instance-guard/decide.ts';

/** Tags known not to matter: decide as if there were none (the same reading as fail-closed). */
const NO_TAGS: TagRead = Object.freeze({ ok: true, user: [], access: [] }) as TagRead;

/** compliant / audit / patch plus the patch: what `decideInstance` would do under one desired state. */
const effect = (state: DesiredState, instance: Instance): string => {
  const { patch } = evaluate(state.desired, instance.metadata_service);
  const kind =
    Object.keys(patch).length === 0 ? 'compliant' : state.desired.mode === 'audit' ? 'audit' : 'patch';
  return kind === 'compliant' ? kind : `${kind}:${JSON.stringify(patch)}`;
};

/** The desired state a rule stands for, through the same `desiredState` the decision uses. */
const stateOfRule = (policy: Policy, rule: Rule, scope: ReturnType<typeof instanceScope>): DesiredState => {
  const { tags: _ignored, ...rest } = rule.match;
  return desiredState(
    { ...policy, instances: { ...policy.instances, rules: [{ ...rule, match: rest }] } },
    scope,
  );
};

/** Whether the policy reads tags at all, once per policy (asked for every listed instance). */
const policiesUsingTags = new WeakMap<Policy, boolean>();
const usesTags = (policy: Policy): boolean => {
  let uses = policiesUsingTags.get(policy);
  if (uses === undefined) {
    uses = tagTypesNeeded(policy).length > 0;
    policiesUsingTags.set(policy, uses);
  }
  return uses;
};

/**
 * Could reading this listed instance's tags change its outcome? Pure; `region` as listed.
 * False when the policy uses no tags, when a list exemption applies (it wins over everything), and
 * when neither a tag rule nor a tag exemption could make a difference.
 */
const tagsCanMatter = (policy: Policy, instance: Instance, region: string, now: Date): boolean => {
  if (!usesTags(policy)) return false;
  const untagged = decideInstance(policy, instanceSnapshot(instance, NO_TAGS, region), now);
  if (untagged.kind === 'exempt') return false;
  const scope = instanceScope(instanceSnapshot(instance, NO_TAGS, region).instance, NO_TAGS);
  const chosen = desiredState(policy, scope);
  // Tag rules that could match (all their other criteria do) ahead of the rule chosen without tags.
  const candidates: DesiredState[] = [chosen];
  for (const rule of policy.instances.rules) {
    const { tags, ...rest } = rule.match;
    if (tags === undefined || tags.length === 0) {
      if (matchesScope(rule.match, scope)) break;
      continue;
    }
    if (matchesScope(rest, scope)) candidates.push(stateOfRule(policy, rule, scope));
  }
  const effects = candidates.map((s) => effect(s, instance));
  if (new Set(effects).size > 1) return true;
  const { access_tags, user_tags } = policy.instances.exemptions;
  return access_tags.length + user_tags.length > 0 && effects.some((e) => e !== 'compliant');
};

export { NO_TAGS, tagsCanMatter };
