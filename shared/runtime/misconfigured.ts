// What a function answers when it cannot act for want of working credentials. A misconfiguration
// (ConfigError) or credentials IAM refuses (4xx) will not heal by itself: a 5xx would have the
// platform redeliver the event over and over, and a 4xx would blame a caller that sent nothing wrong.
// So the answer is 200 with `outcome: failed` and the reason, logged at error level (Cloud Logs alerts
// on failed decisions; the sweep re-judges every resource once the configuration is fixed). A token
// request that failed for a transient reason (IAM 429/5xx, no connection) is retried: 503.
// No SDK import: the entry bundle uses this before the acting code loads.
import { type DecisionRecord, decisionRecord, type FunctionName, logDecision } from '../audit/decision.ts';
import { createLogger, type Logger, parseLevel } from '../audit/logger.ts';
import { ConfigError, errorMessage } from '../errors.ts';
import type { CeResponse } from './ce-params.ts';

interface AuthFailure {
  /** Worth a redelivery: the same credentials may well work in a minute. */
  retry: boolean;
  reason: string;
}

/** sdk-core's errors carry the HTTP status (`status`), or a network code (`statusText`) with none. */
const statusOf = (err: unknown): { status?: number; network?: string } => {
  const e = err as { status?: unknown; statusText?: unknown };
  return {
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(typeof e.statusText === 'string' && /^E[A-Z]+$/.test(e.statusText) ? { network: e.statusText } : {}),
  };
};

/** Why acting could not start, and whether waiting can help. */
const authFailure = (err: unknown): AuthFailure => {
  if (err instanceof ConfigError) return { retry: false, reason: `configuration: ${err.message}` };
  const { status, network } = statusOf(err);
  const transient = status === undefined ? network !== undefined : status === 429 || status >= 500;
  const how = status !== undefined ? ` (HTTP ${status})` : network ? ` (${network})` : '';
  return {
    retry: transient,
    reason: transient
      ? `cannot authenticate${how}, will be retried: ${errorMessage(err)}`
      : `cannot authenticate${how}, not retried until the configuration is fixed: ${errorMessage(err)}`,
  };
};

/** A refusal that waiting cannot heal: a misconfiguration, or IBM's 4xx (not 408/429) to our request. */
const failsForGood = (err: unknown): boolean => {
  if (err instanceof ConfigError) return true;
  const { status } = statusOf(err);
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
};

/** The answer of a function that cannot act for good (see above): one failed record, never a 5xx. */
const failedForGood = (fn: FunctionName, reason: string, logger: Logger, now = new Date()): CeResponse => {
  const record: DecisionRecord = decisionRecord(
    {
      fn,
      event_id: null,
      action: null,
      target_crn: null,
      outcome: 'failed',
      reason,
      before: null,
      after: null,
      initiator: null,
      correlation_id: null,
      dry_run: false,
      api_calls: 0,
      latency_ms: 0,
    },
    now,
  );
  logDecision(logger, record);
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: { outcome: 'failed', reason: record.reason, decisions: [record] },
  };
};

/** The answer of a function whose configuration cannot be loaded. */
const misconfigured = (fn: FunctionName, err: ConfigError, logger: Logger, now = new Date()): CeResponse =>
  failedForGood(fn, `configuration: ${err.message}`, logger, now);

/**
 * A function's `main` that answers a configuration it cannot load (a ConfigError: unknown auth type,
 * bad endpoint, bad policy) with one failed decision instead of crashing into a 500.
 */
const answeringMisconfiguration =
  <P>(
    fn: FunctionName,
    main: (params: P) => Promise<CeResponse>,
    options: {
      logger?: Logger | undefined;
      env?: Readonly<Record<string, string | undefined>> | undefined;
    } = {},
  ): ((params: P) => Promise<CeResponse>) =>
  async (params) => {
    try {
      return await main(params);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const level = parseLevel((options.env ?? process.env).IMDS_GUARD_LOG_LEVEL);
      return misconfigured(fn, err, options.logger ?? createLogger({ level, fields: { fn } }));
    }
  };

export type { AuthFailure };
export { answeringMisconfiguration, authFailure, failedForGood, failsForGood, misconfigured };
