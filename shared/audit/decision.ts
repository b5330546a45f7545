// The decision record (contract, design.md): one JSON line per decision, one per target. Its `message`
// is the human summary IBM Cloud Logs shows in the log list; `app` and `subsystem` name where it came
// from (Cloud Logs' applicationName / subsystemName vocabulary), so views can filter on them.
import { accountOf } from '../cloud/crn.ts';
import { describeDecision } from './decision-message.ts';
import type { Logger } from './logger.ts';

const OUTCOMES = [
  'remediated',
  'compliant',
  'exempt',
  'ignored',
  'refused',
  'gone',
  'planned',
  'ticket_opened',
  'ticket_updated',
  'ticket_resolved',
  'failed',
  /** Held back by the per-minute change limit; the platform delivers the event again (503). */
  'deferred',
] as const;

type Outcome = (typeof OUTCOMES)[number];

/** Which outcome summarises several (a response, a sweep), most significant first; every outcome once. */
const OUTCOME_PRECEDENCE: readonly Outcome[] = [
  'failed',
  'refused',
  'remediated',
  'ticket_opened',
  'ticket_updated',
  'ticket_resolved',
  'planned',
  'deferred',
  'exempt',
  'compliant',
  'gone',
  'ignored',
];

/** The most significant outcome present (`ignored` when none is). */
const summariseOutcomes = (present: (o: Outcome) => boolean): Outcome =>
  OUTCOME_PRECEDENCE.find(present) ?? 'ignored';

type FunctionName = 'instance-guard' | 'profile-guard' | 'sweep' | 'scan' | 'revert';

/** The `app` of every decision line. */
const APP = 'imds-guard';

interface DecisionRecord {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  /** One line for people: `remediated web-03: metadata service disabled (rule default)`. */
  message: string;
  app: typeof APP;
  /** The function that decided (= `fn`), as Cloud Logs' subsystem. */
  subsystem: FunctionName;
  fn: FunctionName;
  event_id: string | null;
  action: string | null;
  target_crn: string | null;
  /** The account the target belongs to (the account in its CRN), or null when there is none. */
  account: string | null;
  outcome: Outcome;
  reason: string;
  before: unknown;
  after: unknown;
  initiator: string | null;
  correlation_id: string | null;
  dry_run: boolean;
  api_calls: number;
  latency_ms: number;
  /** Optional extras (rule id, findings, ticket id, event time…); never credentials or payloads. */
  detail?: Record<string, unknown>;
}

type DecisionInput = Omit<
  DecisionRecord,
  'timestamp' | 'level' | 'message' | 'app' | 'subsystem' | 'account'
> & {
  level?: DecisionRecord['level'];
  /** Default: the account in `target_crn`. */
  account?: string | null;
};

const LEVEL_BY_OUTCOME = {
  remediated: 'info',
  compliant: 'info',
  exempt: 'info',
  ignored: 'debug',
  refused: 'warn',
  gone: 'info',
  planned: 'info',
  ticket_opened: 'warn',
  ticket_updated: 'info',
  ticket_resolved: 'info',
  failed: 'error',
  deferred: 'info',
} as const satisfies Record<Outcome, DecisionRecord['level']>;

/**
 * `now.toISOString()`, the last one kept: a bulk run writes thousands of records in the same
 * millisecond (~0.4 µs each). An invalid date still throws, as toISOString does.
 */
let isoMs = Number.NaN;
let isoText = '';
const isoOf = (now: Date): string => {
  const ms = now.getTime();
  if (ms !== isoMs) {
    isoText = now.toISOString();
    isoMs = ms;
  }
  return isoText;
};

/**
 * Completes a decision into the contract shape (timestamp, level from outcome, the human message). The
 * keys are those of `{ ...input, account, timestamp, level, message, app, subsystem }`, in that order,
 * built with Object.assign: V8 gives each object of that literal a map of its own (~15 µs and KB of
 * garbage each; a bulk run writes 100,000 records).
 */
const decisionRecord = (input: DecisionInput, now: Date = new Date()): DecisionRecord => {
  const rec: Record<string, unknown> = Object.assign({}, input);
  rec.account = input.account ?? (input.target_crn ? (accountOf(input.target_crn) ?? null) : null);
  rec.timestamp = isoOf(now);
  rec.level = input.level ?? LEVEL_BY_OUTCOME[input.outcome];
  rec.message = `${input.outcome} ${describeDecision(input)}`;
  rec.app = APP;
  rec.subsystem = input.fn;
  return rec as unknown as DecisionRecord;
};

/** Writes the record through the logger; the line carries the record's own timestamp, not a second one. */
const logDecision = (logger: Logger, record: DecisionRecord): void => {
  if (!logger.enabled(record.level)) return;
  const { level, message, ...fields } = record;
  logger[level](message, fields as Record<string, unknown>);
};

const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);

/**
 * Is this parsed log line a decision record? Lines written before the message became a summary say
 * `message: "decision"`; newer ones are recognised by their shape (an outcome, a function, a target).
 */
const isDecisionLine = (x: unknown): boolean => {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const r = x as Record<string, unknown>;
  if (r.message === 'decision') return true;
  return (
    typeof r.outcome === 'string' &&
    OUTCOME_SET.has(r.outcome) &&
    'target_crn' in r &&
    (r.app === APP || typeof r.fn === 'string')
  );
};

export type { DecisionInput, DecisionRecord, FunctionName, Outcome };
export {
  APP,
  decisionRecord,
  isDecisionLine,
  LEVEL_BY_OUTCOME,
  logDecision,
  OUTCOME_PRECEDENCE,
  OUTCOMES,
  summariseOutcomes,
};
