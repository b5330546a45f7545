// The records every guard and the sweep build from what they decided: the runtime they decide in, the
// result shapes, and the decision record for an event. Acting code imports this, not guard.ts, so an
// acting bundle does not carry the runtime loader (configuration, policy schema, routes) a second time.
import type { ParsedEvent } from '#events/commons.ts';
import { dedupeKey } from '#events/dedupe.ts';
import type { GuardFunction, RoutedAction } from '#events/routes.ts';
import type { AtEvent } from '#events/schema.ts';
import { type DecisionInput, type DecisionRecord, decisionRecord, type Outcome } from '../audit/decision.ts';
import type { Logger } from '../audit/logger.ts';
import type { Crn } from '../cloud/crn.ts';
import type { Config } from '../config.ts';
import type { Policy } from '../policy/schema.ts';
import { authFailure } from './misconfigured.ts';
import type { SeenCache } from './seen.ts';

interface GuardRuntime {
  fn: GuardFunction;
  config: Config;
  logger: Logger;
  policy: Policy;
  dryRun: boolean;
  /** Delivery ids already handled by this warm container. */
  seen: SeenCache;
  now: () => Date;
}

/** An event that passed every check that needs no read. */
interface Actionable {
  parsed: ParsedEvent;
  event: AtEvent;
  action: RoutedAction;
  crn: string;
  /** The target CRN, read strictly at the edge (events/routes.ts checkTarget). */
  target: Crn & { account: string };
}

/** A decision plus whether the platform should deliver the event again (answer 5xx). */
interface Decided {
  record: DecisionRecord;
  retry?: boolean;
  /** Refused as bad input: it can never succeed, so the answer is 4xx (never a redelivery). */
  invalid?: true;
}

/** What guarding one resource gives, before it becomes a decision record (every guard and the sweep). */
interface Guarded {
  outcome: Outcome;
  reason: string;
  target_crn?: string;
  before: unknown;
  after: unknown;
  detail?: Record<string, unknown>;
  level?: 'info';
  /** The platform should deliver the event again (IBM or a sink kept failing: 429/5xx/no answer). */
  retry?: boolean;
}

const sinceMs = (started: number): number => Math.round((performance.now() - started) * 10) / 10;

/** A decision record for an event, with the fields every record carries. */
const recordFor = (
  rt: GuardRuntime,
  parsed: ParsedEvent | undefined,
  fields: Pick<DecisionInput, 'outcome' | 'reason'> & Partial<DecisionInput>,
  started: number,
): DecisionRecord => {
  const e = parsed?.event;
  return decisionRecord(
    {
      fn: rt.fn,
      event_id: e?.id ?? parsed?.idempotencyKey ?? null,
      action: e?.action ?? null,
      target_crn: e?.target?.id ?? null,
      before: null,
      after: null,
      initiator: e?.initiator?.id ?? null,
      correlation_id: e?.correlationId ?? null,
      dry_run: rt.dryRun,
      api_calls: 0,
      latency_ms: sinceMs(started),
      ...fields,
      ...(parsed?.eventTime && !fields.detail?.event_time
        ? { detail: { ...fields.detail, event_time: parsed.eventTime.toISOString() } }
        : {}),
    },
    rt.now(),
  );
};

/**
 * Without a token nothing can be read: every event fails. Only a transient failure (IAM 429/5xx, no
 * connection) is redelivered, its ids released; credentials that cannot work are answered once
 * (misconfigured.ts).
 */
const cannotAuthenticate = (
  rt: GuardRuntime,
  items: readonly Actionable[],
  err: unknown,
  started: number,
): Decided[] => {
  const { retry, reason } = authFailure(err);
  if (retry) for (const i of items) rt.seen.release(dedupeKey(i.parsed));
  return items.map((i) => ({
    record: recordFor(rt, i.parsed, { outcome: 'failed', reason }, started),
    retry,
  }));
};

export type { Actionable, Decided, Guarded, GuardRuntime };
export { cannotAuthenticate, recordFor, sinceMs };
