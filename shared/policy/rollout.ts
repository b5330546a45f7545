// The `policy.instances.rollout` section and the `stage` of a rule: how far the guard may go with the
// instances a scope covers. `audit` reports only, `notify` tells the owner (a ticket per instance) and
// changes the instance once the grace period has passed, `enforce` changes at once — except that an
// instance likely to use the metadata service is never disabled without a notice first. Plus the brakes:
// a per-instance cap on changes per window (a person who keeps changing it back gets a ticket instead)
// and a per-minute limit on changes from events (the rest are deferred: the platform delivers them again).
import * as v from 'valibot';
import { objectMessage } from './blocks.ts';

/** From the most careful to the least; `enforce` is the default so existing policies behave as before. */
const ROLLOUT_STAGES = ['audit', 'notify', 'enforce'] as const;
type RolloutStage = (typeof ROLLOUT_STAGES)[number];

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const DURATION_MESSAGE =
  'expected a duration such as "7d", "12h", "30m" or "1d12h" (units w, d, h, m, s; at least one second)';

/** `"7d"`, `"1d12h"`, `"90m"` → milliseconds; undefined when it does not parse (or is zero). */
const parseDuration = (text: string): number | undefined => {
  const s = text.trim().toLowerCase();
  if (!/^(\d+[wdhms])+$/.test(s)) return undefined;
  let ms = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)([wdhms])/g)) {
    ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return ms >= 1000 && Number.isSafeInteger(ms) ? ms : undefined;
};

/** A duration as people write it; parsed once here, so a typo fails the policy load (exit 2). */
const Duration = v.pipe(
  v.string(DURATION_MESSAGE),
  v.check((s) => parseDuration(s) !== undefined, DURATION_MESSAGE),
);

const StageSchema = v.picklist(
  ROLLOUT_STAGES,
  (issue) => `stage must be one of ${ROLLOUT_STAGES.join(', ')} (got ${issue.received})`,
);

const COUNT_MESSAGE = 'expected a whole number of at least 1';
const Count = v.pipe(v.number(COUNT_MESSAGE), v.integer(COUNT_MESSAGE), v.minValue(1, COUNT_MESSAGE));

/** More than `changes` changes by the guard to one instance within `window`: ticket, do not fight. */
const ChangeCap = v.strictObject({ changes: Count, window: Duration }, objectMessage);

const RolloutPolicy = v.strictObject(
  {
    /** The account-wide stage; a rule's own `stage` overrides it for what the rule matches. */
    stage: v.nullish(StageSchema, 'enforce'),
    /** How long a notice stands before the change is made. */
    grace_period: v.nullish(Duration, '7d'),
    /**
     * A user or access tag that says "this workload reads the metadata service": such an instance is
     * never disabled without a notice first, whatever its stage (securing it is allowed).
     */
    consumer_tag: v.optional(
      v.pipe(v.string('expected a tag'), v.trim(), v.minLength(1, 'must not be empty')),
    ),
    change_cap: v.optional(ChangeCap),
    /** Changes made from events per minute, across every container (with a trail bucket). */
    max_changes_per_minute: v.optional(Count),
  },
  objectMessage,
);

type RolloutPolicy = v.InferOutput<typeof RolloutPolicy>;

export type { RolloutStage };
export { DURATION_MESSAGE, parseDuration, ROLLOUT_STAGES, RolloutPolicy, StageSchema };
