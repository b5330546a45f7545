// Pure: the staged rollout gate between a `patch` decision (decide.ts) and the PATCH. Policy × the
// instance's rollout facts (the open notice, the guard's earlier changes, signs that it uses the metadata
// service) × `now` → make the change, report only, give notice, wait out the notice, or stop fighting and
// ticket. No I/O and no clock: act (rollout-act.ts) reads the facts and does what this says.
import type { InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import { DEFAULT_RULE_NAME } from '#shared/policy/defaults.ts';
import { matchingTag } from '#shared/policy/match.ts';
import { parseDuration, type RolloutStage } from '#shared/policy/rollout.ts';
import type { Policy } from '#shared/policy/schema.ts';
import type { Desired, TagRead } from './decide.ts';

/** What the durable rollout state (rollout-state.ts) and the reads say about one instance. */
interface RolloutFacts {
  /** The open notice: when the owner was told. */
  notice?: { at: string } | undefined;
  /** When the guard changed this instance (ISO), any order. */
  changes: readonly string[];
  /** Why the instance likely reads the metadata service; empty when nothing says so. */
  consumer: readonly string[];
}

/** The change the gate is asked about: a `patch` decision's essentials. */
interface PlannedChange {
  patch: InstanceMetadataServicePatch;
  desired: Desired;
  rule: string;
}

type RolloutGate =
  /** Make the change; `notice` is the one it carries out (then closed). */
  | { kind: 'go'; stage: RolloutStage; reasons: string[]; notice?: { at: string } }
  /** Stage audit: report the change, make none. */
  | { kind: 'audit'; stage: RolloutStage; reasons: string[] }
  /** Tell the owner (open the notice), change nothing yet. */
  | { kind: 'notice'; stage: RolloutStage; due: string; why: 'stage' | 'consumer'; reasons: string[] }
  /** Told already; the grace period has not ended. */
  | { kind: 'wait'; stage: RolloutStage; noticed_at: string; due: string; reasons: string[] }
  /** Changed back too often within the window: ticket instead of changing it again. */
  | { kind: 'cap'; stage: RolloutStage; count: number; window: string; reasons: string[] };

/** The stage of the scope: the matched rule's own `stage`, else the account's `instances.rollout.stage`. */
const stageOf = (policy: Policy, rule: string): RolloutStage => {
  const own = rule === DEFAULT_RULE_NAME ? undefined : policy.instances.rules.find((r) => r.name === rule);
  return own?.stage ?? policy.instances.rollout.stage;
};

/** Does any scope use notices (so open notices may need closing on exempt or compliant instances)? */
const usesNotices = (policy: Policy): boolean =>
  policy.instances.rollout.stage === 'notify' ||
  policy.instances.rollout.consumer_tag !== undefined ||
  policy.instances.rules.some((r) => r.stage === 'notify');

/** The consumer tag on the instance (user or access), as a reason; empty when absent or unreadable. */
const consumerSignals = (policy: Policy, tags: TagRead): string[] => {
  const tag = policy.instances.rollout.consumer_tag;
  if (tag === undefined || !tags.ok) return [];
  const hit = matchingTag([tag], [...tags.access, ...tags.user]);
  return hit === undefined ? [] : [`it carries the consumer tag "${hit}"`];
};

const disables = (change: PlannedChange): boolean => change.patch.enabled === false;

/** The image part of a record's detail (image-gate.ts): the expression, when one was read. */
interface ImageDetail {
  name?: string;
  allowed_use?: { instance?: string };
  allowed_use_unknown?: string;
}

/**
 * An image whose allowed use names the metadata service, when the guard could not evaluate it (so the
 * gate let the disable through for IBM to judge): likely a workload that needs it. An image whose rule
 * the guard did evaluate never gets here — a disable it refuses is turned into secure access first.
 */
const imageSignals = (image: ImageDetail | undefined): string[] => {
  const expression = image?.allowed_use?.instance;
  if (!image?.allowed_use_unknown || !expression?.includes('metadata_service')) return [];
  return [
    `its image "${image.name ?? '?'}" has an allowed use naming the metadata service (\`${expression}\`)`,
  ];
};

/** Does a disable need the trusted profile links read? Only at enforce with no other sign of use. */
const needsLinks = (policy: Policy, change: PlannedChange, consumer: readonly string[]): boolean =>
  disables(change) && consumer.length === 0 && stageOf(policy, change.rule) === 'enforce';

/**
 * Profiles linked to the instance, as reasons. A failed read follows `on_tag_lookup_failure`, like the
 * tags: fail-closed acts as if there were none (securing first), fail-open counts it as a sign of use.
 */
const linkSignals = (
  policy: Policy,
  read: { ok: true; profiles: readonly string[] } | { ok: false; error: string },
): string[] => {
  if (!read.ok)
    return policy.instances.on_tag_lookup_failure === 'fail-open'
      ? [`${read.error}; counted as in use (on_tag_lookup_failure: fail-open)`]
      : [];
  if (read.profiles.length === 0) return [];
  const names = read.profiles.map((n) => `"${n}"`).join(', ');
  return [`trusted profile ${names} is linked to it as a compute resource`];
};

/** Does the gate need the durable facts (a read of the rollout state) for this change? */
const needsFacts = (policy: Policy, change: PlannedChange, consumer: readonly string[]): boolean => {
  const stage = stageOf(policy, change.rule);
  if (stage === 'audit') return false;
  return (
    stage === 'notify' ||
    policy.instances.rollout.change_cap !== undefined ||
    (disables(change) && consumer.length > 0)
  );
};

const msOf = (duration: string): number => parseDuration(duration) ?? 0;

const describeChange = (change: PlannedChange): string =>
  disables(change)
    ? 'disable the metadata service'
    : `secure the metadata service (${JSON.stringify(change.patch)})`;

/** Changes within the cap's window that reach its limit: not fought over. */
const capped = (
  policy: Policy,
  facts: RolloutFacts,
  now: Date,
): { count: number; window: string } | undefined => {
  const cap = policy.instances.rollout.change_cap;
  if (!cap) return undefined;
  const since = now.getTime() - msOf(cap.window);
  const count = facts.changes.filter((at) => Date.parse(at) > since).length;
  return count >= cap.changes ? { count, window: cap.window } : undefined;
};

/** What the rollout allows for one planned change. */
const decideRollout = (
  policy: Policy,
  change: PlannedChange,
  facts: RolloutFacts,
  now: Date,
): RolloutGate => {
  const stage = stageOf(policy, change.rule);
  const scope = change.rule === DEFAULT_RULE_NAME ? 'the account' : `rule "${change.rule}"`;
  if (stage === 'audit') {
    return {
      kind: 'audit',
      stage,
      reasons: [`rollout stage audit (${scope}): would ${describeChange(change)}; nothing changed`],
    };
  }
  const cap = capped(policy, facts, now);
  if (cap) {
    return {
      kind: 'cap',
      stage,
      ...cap,
      reasons: [
        `changed ${cap.count} time(s) by the guard within ${cap.window} and changed back each time; not changing it again (change_cap), ticketed instead`,
      ],
    };
  }
  const consumerGate = stage === 'enforce' && disables(change) && facts.consumer.length > 0;
  if (stage === 'enforce' && !consumerGate) return { kind: 'go', stage, reasons: [] };
  const grace = policy.instances.rollout.grace_period;
  const why = consumerGate ? 'consumer' : 'stage';
  const because =
    why === 'consumer'
      ? `likely uses the metadata service (${facts.consumer.join('; ')}), so it is never disabled without notice`
      : `rollout stage notify (${scope})`;
  if (!facts.notice) {
    const due = new Date(now.getTime() + msOf(grace)).toISOString();
    return {
      kind: 'notice',
      stage,
      due,
      why,
      reasons: [
        `${because}: the owner is told the guard will ${describeChange(change)} after ${grace} (at ${due}); nothing changed yet`,
      ],
    };
  }
  const dueMs = Date.parse(facts.notice.at) + msOf(grace);
  const due = new Date(dueMs).toISOString();
  if (now.getTime() < dueMs) {
    return {
      kind: 'wait',
      stage,
      noticed_at: facts.notice.at,
      due,
      reasons: [`${because}: notice given at ${facts.notice.at}; the change waits until ${due}`],
    };
  }
  return {
    kind: 'go',
    stage,
    notice: facts.notice,
    reasons: [`${because}: notice given at ${facts.notice.at}, grace period ${grace} ended at ${due}`],
  };
};

/** The per-minute limit on changes from events: the minute's name (UTC), for the slots it counts. */
const minuteOf = (now: Date): string => now.toISOString().slice(0, 16).replace(/[:]/g, '');

export type { ImageDetail, PlannedChange, RolloutFacts, RolloutGate };
export {
  consumerSignals,
  decideRollout,
  imageSignals,
  linkSignals,
  minuteOf,
  needsFacts,
  needsLinks,
  stageOf,
  usesNotices,
};
