// What every guard function shares: a per-container runtime (config, logger, policy, seen ids), the
// checks made before any read, and the response. No IBM SDK here: the ignore path stays small.
import { type DecodeResult, dedupeKey, type ParsedEvent } from '#events/decode.ts';
import { type GuardFunction, type RoutedAction, routeEvent } from '#events/routes.ts';
import type { AtEvent } from '#events/schema.ts';
import {
  type DecisionInput,
  type DecisionRecord,
  decisionRecord,
  logDecision,
  type Outcome,
  summariseOutcomes,
} from '../audit/decision.ts';
import { createLogger, type Logger } from '../audit/logger.ts';
import { type Config, loadConfig } from '../config.ts';
import { loadRuntimePolicy } from '../policy/issues.ts';
import { accountAllowed, accountOfCrn, isSelfInitiator } from '../policy/match.ts';
import type { Policy } from '../policy/schema.ts';
import type { CeResponse } from './ce-params.ts';
import { createSeenCache, type SeenCache } from './seen.ts';

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

/** What tests (and `invoke`/`serve`) may inject instead of reading the process environment. */
interface RuntimeOverrides {
  env?: Record<string, string | undefined>;
  logger?: Logger;
  now?: () => Date;
}

/** An event that passed every check that needs no read. */
interface Actionable {
  parsed: ParsedEvent;
  event: AtEvent;
  action: RoutedAction;
  crn: string;
}

/** A decision plus whether the platform should deliver the event again (answer 5xx). */
interface Decided {
  record: DecisionRecord;
  retry?: boolean;
}

const buildRuntime = async (fn: GuardFunction, o: RuntimeOverrides = {}): Promise<GuardRuntime> => {
  const config = loadConfig(o.env ?? process.env);
  const logger = o.logger ?? createLogger({ level: config.logLevel, fields: { fn } });
  const loaded = await loadRuntimePolicy(config);
  for (const w of loaded.warnings)
    logger.warn('policy warning', { source: loaded.source, issue: w.message, path: w.path });
  return {
    fn,
    config,
    logger,
    policy: loaded.policy,
    dryRun: loaded.policy.dry_run || config.dryRun,
    seen: createSeenCache(),
    now: o.now ?? (() => new Date()),
  };
};

/** One runtime per container (per `createMain` call): config and policy are read once. */
const runtimeLoader = (fn: GuardFunction, overrides?: RuntimeOverrides): (() => Promise<GuardRuntime>) => {
  let rt: Promise<GuardRuntime> | undefined;
  return () => {
    rt ??= buildRuntime(fn, overrides);
    return rt;
  };
};

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

/** The checks before any read: ours? succeeded? allowed account? not our own change? not seen? */
const screen = (
  rt: GuardRuntime,
  delivery: Extract<DecodeResult, { ok: true }>,
  started: number,
): { actionable: Actionable[]; skipped: Decided[] } => {
  const actionable: Actionable[] = [];
  const skipped: Decided[] = [];
  const skip = (parsed: ParsedEvent | undefined, outcome: Outcome, reason: string): void => {
    skipped.push({ record: recordFor(rt, parsed, { outcome, reason }, started) });
  };
  if (delivery.kind === 'cron' || delivery.kind === 'cos') {
    skip(
      undefined,
      'ignored',
      `${delivery.kind} delivery: not an event for ${rt.fn} (the sweep handles these)`,
    );
    return { actionable, skipped };
  }
  if (delivery.events.length === 0) skip(undefined, 'ignored', 'delivery carried no events');
  for (const parsed of delivery.events) {
    const event = parsed.event;
    const route = routeEvent(event, rt.fn);
    if (!route.handled) {
      skip(parsed, 'ignored', `not ours: ${route.reason}`);
      continue;
    }
    if ((event.outcome ?? '').trim().toLowerCase() !== 'success') {
      skip(parsed, 'ignored', `outcome is ${event.outcome ?? 'missing'}, not success: nothing to act on`);
      continue;
    }
    const crn = event.target?.id;
    if (!crn?.startsWith('crn:')) {
      skip(parsed, 'refused', 'the event has no target CRN to re-read');
      continue;
    }
    const account = accountOfCrn(crn);
    // An empty `accounts` list means "the guard's own account", known only from its token (checked in act).
    if (rt.policy.accounts.length > 0 && !accountAllowed(rt.policy, account)) {
      skip(parsed, 'refused', `account ${account ?? '(none)'} is not one the policy allows`);
      continue;
    }
    if (isSelfInitiator(rt.policy, event.initiator?.id)) {
      skip(parsed, 'ignored', `own change (initiator ${event.initiator?.id})`);
      continue;
    }
    if (!rt.seen.claim(dedupeKey(parsed))) {
      skip(
        parsed,
        'ignored',
        `duplicate delivery ${parsed.idempotencyKey}: already handled by this instance`,
      );
      continue;
    }
    actionable.push({ parsed, event, action: route.action, crn });
  }
  return { actionable, skipped };
};

const summarise = (decided: Decided[]): Outcome =>
  summariseOutcomes((o) => decided.some((d) => d.record.outcome === o));

/** Logs every decision (one JSON line each) and answers as Code Engine expects. */
const respond = (rt: GuardRuntime, decided: Decided[]): CeResponse => {
  for (const d of decided) logDecision(rt.logger, d.record);
  const outcome = summarise(decided);
  const retry = decided.some((d) => d.retry);
  const allIgnored = decided.every((d) => d.record.outcome === 'ignored' || d.record.outcome === 'refused');
  // 5xx only when a redelivery is wanted; "not ours" is 202, not an error.
  const statusCode = retry ? 503 : allIgnored ? 202 : 200;
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json' },
    body: { outcome, decisions: decided.map((d) => d.record) },
  };
};

/** Bad input: 4xx with the reason, nothing read or changed. */
const refuse = (
  rt: GuardRuntime,
  delivery: Extract<DecodeResult, { ok: false }>,
  started: number,
): CeResponse => {
  const record = recordFor(rt, undefined, { outcome: 'refused', reason: delivery.reason }, started);
  logDecision(rt.logger, record);
  return {
    statusCode: delivery.status,
    headers: { 'Content-Type': 'application/json' },
    body: { outcome: 'refused', reason: delivery.reason, decisions: [record] },
  };
};

export type { Actionable, Decided, GuardRuntime, RuntimeOverrides };
export { recordFor, refuse, respond, runtimeLoader, screen, sinceMs };
