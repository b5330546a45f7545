// What every guard function shares: a per-container runtime (config, logger, policy, seen ids), the
// checks made before any read, and the response (decision lines, status, the COS trail). No IBM SDK
// here: the ignore path stays small. Nothing here calls back into a function's own code.
import type { DecodedDelivery, DecodeResult, ParsedEvent } from '#events/decode.ts';
import { dedupeKey } from '#events/dedupe.ts';
import { checkTarget, type GuardFunction, routeEvent } from '#events/routes.ts';
import { type DecisionRecord, logDecision, type Outcome, summariseOutcomes } from '../audit/decision.ts';
import { createLogger, type Logger } from '../audit/logger.ts';
import { flushTrail, stateFor } from '../audit/trail/index.ts';
import { accessFor } from '../cloud/accounts.ts';
import { loadConfig } from '../config.ts';
import { accountAllowed, isSelfInitiator } from '../policy/match.ts';
import { loadRuntimePolicy } from '../policy/runtime.ts';
import type { CeResponse } from './ce-params.ts';
import { type Actionable, type Decided, type GuardRuntime, recordFor } from './records.ts';
import { createSeenCache } from './seen.ts';

/** What tests (and `invoke`/`serve`) may inject instead of reading the process environment. */
interface RuntimeOverrides {
  env?: Record<string, string | undefined>;
  logger?: Logger;
  now?: () => Date;
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

/** The checks before any read: ours? succeeded? a valid target? allowed account? not our own change? not seen? */
const screen = (
  rt: GuardRuntime,
  delivery: DecodedDelivery,
  started: number,
): { actionable: Actionable[]; skipped: Decided[] } => {
  const actionable: Actionable[] = [];
  const skipped: Decided[] = [];
  const skip = (parsed: ParsedEvent | undefined, outcome: Outcome, reason: string, invalid = false): void => {
    const record = recordFor(rt, parsed, { outcome, reason }, started);
    skipped.push(invalid ? { record, invalid } : { record });
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
      skip(parsed, 'refused', 'the event has no target CRN to re-read', true);
      continue;
    }
    const target = checkTarget(route.action, crn);
    if (!target.ok) {
      skip(parsed, 'refused', `target CRN refused: ${target.reason}`, true);
      continue;
    }
    const account = target.crn.account;
    // Many accounts: only those IMDS_GUARD_ACCOUNTS lists (each with its credentials); nothing is called.
    if (rt.config.accounts.length > 0 && !accessFor(rt.config.accounts, account)) {
      skip(parsed, 'refused', `account ${account} is not one the guard's accounts list`);
      continue;
    }
    // An empty `accounts` list means "the guard's own account", known only from its token (checked in act).
    if (rt.policy.accounts.length > 0 && !accountAllowed(rt.policy, account)) {
      skip(parsed, 'refused', `account ${account} is not one the policy allows`);
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
    actionable.push({ parsed, event, action: route.action, crn, target: target.crn });
  }
  return { actionable, skipped };
};

const summarise = (decided: readonly Decided[]): Outcome =>
  summariseOutcomes((o) => decided.some((d) => d.record.outcome === o));

type JsonResponse = CeResponse & { body: Record<string, unknown> };

const json = (statusCode: number, body: Record<string, unknown>): JsonResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body,
});

/** 5xx only when a redelivery is wanted; bad input is 4xx; "not ours" is 202, not an error. */
const statusOf = (decided: readonly Decided[]): number => {
  if (decided.some((d) => d.retry)) return 503;
  const allIgnored = decided.every((d) => d.record.outcome === 'ignored' || d.record.outcome === 'refused');
  if (allIgnored && decided.some((d) => d.invalid)) return 400;
  return allIgnored ? 202 : 200;
};

/**
 * Writes the decisions to the COS trail (when configured). A lasting transient failure of an accepted
 * delivery answers 503 and forgets its ids, so the platform's redelivery is processed again.
 */
const withTrail = async (
  rt: GuardRuntime,
  response: JsonResponse,
  records: readonly DecisionRecord[],
  delivery?: DecodedDelivery,
): Promise<CeResponse> => {
  if (!rt.config.trail.bucket) return response;
  const flushed = await flushTrail(rt, stateFor(rt), rt.fn, records);
  if (flushed.ok)
    return flushed.written.length
      ? { ...response, body: { ...response.body, trail: { objects: flushed.written } } }
      : response;
  const trail = {
    written: false,
    object: flushed.object,
    error: `${flushed.failure.code}${flushed.failure.status ? ` (HTTP ${flushed.failure.status})` : ''}`,
    kept_in_memory: flushed.pending,
  };
  const noted = { ...response, body: { ...response.body, trail } };
  // Only an accepted delivery is worth redelivering, and only when waiting can help.
  if (!flushed.retryable || response.statusCode >= 300) return noted;
  for (const e of delivery?.events ?? []) rt.seen.release(dedupeKey(e));
  return { ...noted, statusCode: 503 };
};

/** Logs every decision (one JSON line each), writes the trail, and answers as Code Engine expects. */
const respond = async (
  rt: GuardRuntime,
  decided: readonly Decided[],
  delivery?: DecodedDelivery,
): Promise<CeResponse> => {
  for (const d of decided) logDecision(rt.logger, d.record);
  const records = decided.map((d) => d.record);
  const response = json(statusOf(decided), { outcome: summarise(decided), decisions: records });
  return withTrail(rt, response, records, delivery);
};

/** Bad input: 4xx with the reason, nothing read or changed. */
const refuse = async (
  rt: GuardRuntime,
  delivery: Extract<DecodeResult, { ok: false }>,
  started: number,
): Promise<CeResponse> => {
  const record = recordFor(rt, undefined, { outcome: 'refused', reason: delivery.reason }, started);
  logDecision(rt.logger, record);
  const response = json(delivery.status, {
    outcome: 'refused',
    reason: delivery.reason,
    decisions: [record],
  });
  return withTrail(rt, response, [record]);
};

export type { RuntimeOverrides };
export { refuse, respond, runtimeLoader, screen };
