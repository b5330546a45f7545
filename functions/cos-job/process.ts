// The events of one object, in file order, through the same code as the guard functions: the same
// validation, the same screening (ours? succeeded? allowed account? own change? seen?) and the same
// acting code, each guard's loaded only when an event needs it. One event's failure is recorded and
// the next one still runs. Every decision is logged as soon as it is made.
import type { ParsedEvent } from '#events/decode.ts';
import { functionsFor, type GuardFunction } from '#events/routes.ts';
import { type AtEvent, parseAtEvent, parseEventTime } from '#events/schema.ts';
import { GUARDS } from '#functions/guards.ts';
import { logDecision } from '#shared/audit/decision.ts';
import { errorMessage } from '#shared/errors.ts';
import { type Decided, type GuardRuntime, recordFor } from '#shared/runtime/records.ts';
import type { Candidate } from './at-log.ts';

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

/** One event through one guard's decide → act (the same wiring as its function). Never throws. */
const guardEvent = async (rt: GuardRuntime, parsed: ParsedEvent): Promise<Decided[]> => {
  const started = performance.now();
  const delivery = { ok: true as const, kind: 'at-array' as const, events: [parsed], notes: [] };
  try {
    return await (await GUARDS[rt.fn]()).guardDelivery(rt, delivery, started);
  } catch (err) {
    const reason = `the guard failed unexpectedly: ${errorMessage(err)}`;
    return [{ record: recordFor(rt, parsed, { outcome: 'failed', reason }, started), retry: true }];
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
