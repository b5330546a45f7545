// The events of one object, in file order, through the same code as the guard functions: the same
// validation, the same screening (ours? succeeded? allowed account? own change? seen?) and the same
// acting code, each guard's loaded only when an event needs it. One event's failure is recorded and
// the next one still runs. Every decision is logged as soon as it is made.
import type { ParsedEvent } from '#events/decode.ts';
import { functionsFor, type GuardFunction } from '#events/routes.ts';
import { type AtEvent, parseAtEvent, parseEventTime } from '#events/schema.ts';
import { logDecision } from '#shared/audit/decision.ts';
import { errorMessage } from '#shared/errors.ts';
import {
  type Actionable,
  type Decided,
  type GuardRuntime,
  recordFor,
  screen,
} from '#shared/runtime/guard.ts';
import type { Candidate } from './at-log.ts';

type ActOnEvents = (rt: GuardRuntime, items: Actionable[], started: number) => Promise<Decided[]>;

// Relative paths: the bundler turns them into requires of each guard's own acting file.
const ACTORS = {
  'instance-guard': async () => (await import('../instance-guard/act.ts')).actOnEvents,
  'profile-guard': async () => (await import('../profile-guard/act.ts')).actOnEvents,
} satisfies Record<GuardFunction, () => Promise<ActOnEvents>>;

type Runtimes = Record<GuardFunction, () => Promise<GuardRuntime>>;

interface ProcessResult {
  decided: Decided[];
  /** Some event asked to be processed again (IBM kept failing): the object is not done. */
  retry: boolean;
}

/** Where a record came from, kept under `detail` (the contract's place for extras). */
interface Origin {
  /** `cos://bucket/key` */
  object: string;
  line: number;
}

const nonEmpty = (x: unknown): string | undefined =>
  typeof x === 'string' && x.trim() !== '' ? x.trim() : undefined;

/** The event's own id keys it; without one, its position in this object (stable on reprocessing). */
const parsedEvent = (event: AtEvent, fallbackKey: string): ParsedEvent => {
  const eventTime = event.eventTime === undefined ? undefined : parseEventTime(event.eventTime);
  return { event, idempotencyKey: nonEmpty(event.id) ?? fallbackKey, ...(eventTime ? { eventTime } : {}) };
};

const decorate = (d: Decided, origin: Origin): Decided => {
  d.record.detail = { ...d.record.detail, cos_object: origin.object, cos_line: origin.line };
  return d;
};

/** One event through one guard: screen, then act if it passed. Never throws. */
const guardEvent = async (rt: GuardRuntime, parsed: ParsedEvent): Promise<Decided[]> => {
  const started = performance.now();
  const delivery = { ok: true as const, kind: 'at-array' as const, events: [parsed], notes: [] };
  const { actionable, skipped } = screen(rt, delivery, started);
  if (actionable.length === 0) return skipped;
  try {
    const act = await ACTORS[rt.fn]();
    return [...skipped, ...(await act(rt, actionable, started))];
  } catch (err) {
    const reason = `the guard failed unexpectedly: ${errorMessage(err)}`;
    return [
      ...skipped,
      { record: recordFor(rt, parsed, { outcome: 'failed', reason }, started), retry: true },
    ];
  }
};

/** Every candidate in order; each decision is logged before the next event starts. */
const processEvents = async (
  runtimes: Runtimes,
  candidates: readonly Candidate[],
  object: string,
): Promise<ProcessResult> => {
  const decided: Decided[] = [];
  const any = await runtimes['instance-guard']();
  const keep = (rt: GuardRuntime, d: Decided, line: number): void => {
    decorate(d, { object, line });
    logDecision(rt.logger, d.record);
    decided.push(d);
  };
  for (const [index, c] of candidates.entries()) {
    if ('problem' in c) {
      const reason = `line ${c.line}: ${c.problem}`;
      keep(
        any,
        { record: recordFor(any, undefined, { outcome: 'refused', reason }, performance.now()) },
        c.line,
      );
      continue;
    }
    const checked = parseAtEvent(c.value);
    if (!checked.ok) {
      const record = recordFor(
        any,
        undefined,
        { outcome: 'refused', reason: checked.reason },
        performance.now(),
      );
      keep(any, { record }, c.line);
      continue;
    }
    const parsed = parsedEvent(checked.event, `${object}#${index}`);
    const fns = functionsFor(checked.event.action);
    // An action no guard handles still gets its one record ("not ours"), from the first guard.
    for (const fn of fns.length > 0 ? fns : (['instance-guard'] as const)) {
      const rt = await runtimes[fn]();
      for (const d of await guardEvent(rt, parsed)) keep(rt, d, c.line);
    }
  }
  return { decided, retry: decided.some((d) => d.retry) };
};

export type { ProcessResult, Runtimes };
export { processEvents };
