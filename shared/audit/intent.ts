// Write-ahead records of changes (style rule 18): the intent — target, state before, the change — is
// durable before the change is sent, and its outcome is written as soon as IBM answers. A process
// killed in between leaves an intent without an outcome, which the next run reconciles by reading the
// resource again. Functions and jobs write both as log lines (stdout, what IBM Cloud Logs keeps: a
// synchronous write on pipes and files); `imds-guard scan` writes them to a journal file.
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger.ts';

type ChangeKind = 'instance' | 'instance-template';

/** What is about to change: written (durably) before the request that changes it. */
interface ChangeIntent {
  intent_id: string;
  target_crn: string;
  kind: ChangeKind;
  region: string;
  /** The resource as decided (instances: `metadata_service`). */
  before: unknown;
  /** The change to send (instances: the metadata patch; templates: the copy and the groups to repoint). */
  change: unknown;
}

/**
 * How the change ended: `applied` (IBM answered success), `not_applied` (IBM refused it, or it was never
 * sent), `unknown` (no answer: the request may or may not have landed; a later read decides).
 */
type ChangeResult = 'applied' | 'not_applied' | 'unknown';

interface ChangeOutcome {
  intent_id: string;
  target_crn: string;
  result: ChangeResult;
  after?: unknown;
  reason?: string;
}

/** Where a guard writes intents and outcomes. `intent` resolves once the line is durable. */
interface ChangeLog {
  intent(intent: Omit<ChangeIntent, 'intent_id'>): Promise<ChangeIntent>;
  outcome(outcome: ChangeOutcome): void;
}

const newIntent = (fields: Omit<ChangeIntent, 'intent_id'>): ChangeIntent => ({
  intent_id: randomUUID(),
  ...fields,
});

/** Intents and outcomes as log lines (`change intent` / `change outcome`), next to the decisions. */
const loggedChanges = (logger: Logger, context: { fn: string; correlation_id?: string }): ChangeLog => ({
  intent: (fields) => {
    const intent = newIntent(fields);
    if (logger.enabled('info')) logger.info('change intent', { ...context, ...intent });
    return Promise.resolve(intent);
  },
  outcome: (outcome) => {
    if (logger.enabled('info')) logger.info('change outcome', { ...context, ...outcome });
  },
});

export type { ChangeIntent, ChangeKind, ChangeLog, ChangeOutcome, ChangeResult };
export { loggedChanges, newIntent };
