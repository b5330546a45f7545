// The decision record (contract, design.md): one JSON line per decision, one per target.
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
  'exempt',
  'compliant',
  'gone',
  'ignored',
];

/** The most significant outcome present (`ignored` when none is). */
const summariseOutcomes = (present: (o: Outcome) => boolean): Outcome =>
  OUTCOME_PRECEDENCE.find(present) ?? 'ignored';

type FunctionName = 'instance-guard' | 'profile-guard' | 'sweep' | 'scan' | 'revert';

interface DecisionRecord {
  timestamp: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: 'decision';
  fn: FunctionName;
  event_id: string | null;
  action: string | null;
  target_crn: string | null;
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

type DecisionInput = Omit<DecisionRecord, 'timestamp' | 'level' | 'message'> & {
  level?: DecisionRecord['level'];
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
} as const satisfies Record<Outcome, DecisionRecord['level']>;

/** Completes a decision into the contract shape (timestamp, level from outcome). */
const decisionRecord = (input: DecisionInput, now: Date = new Date()): DecisionRecord => ({
  ...input,
  timestamp: now.toISOString(),
  level: input.level ?? LEVEL_BY_OUTCOME[input.outcome],
  message: 'decision',
});

/** Writes the record as one JSON line through the logger (same shape IBM Cloud Logs parses). */
/** Writes the record through the logger; the line carries the record's own timestamp, not a second one. */
const logDecision = (logger: Logger, record: DecisionRecord): void => {
  const { level, message, ...fields } = record;
  logger[level](message, fields as Record<string, unknown>);
};

export type { DecisionInput, DecisionRecord, FunctionName, Outcome };
export { decisionRecord, LEVEL_BY_OUTCOME, logDecision, OUTCOME_PRECEDENCE, OUTCOMES, summariseOutcomes };
