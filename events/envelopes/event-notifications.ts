// Event Notifications delivering a Cloud Logs alert: `data.log_example` is the Activity Tracker event as
// an object, or — when its JSON exceeds 1000 characters — the first 1000 characters of its JSON text
// with `data.log_example_truncated: true`, from which the key fields are recovered.
import * as v from 'valibot';
import {
  baseOf,
  CE_TYPES,
  clip,
  type DecodedDelivery,
  decodeEvents,
  type Envelope,
  EnvelopeParseError,
  hashOf,
  type Incoming,
  type Limits,
  type Meta,
  nonEmpty,
  toParsedEvent,
} from '../commons.ts';
import { parsePartialJson } from '../partial-json.ts';
import { isRecord, parseAtEvent } from '../schema.ts';

/** `data` of a Cloud Logs alert notification. */
const EnData = v.looseObject({
  log_example: v.optional(v.unknown()),
  log_example_truncated: v.optional(v.unknown()),
  alert_definition: v.optional(v.unknown()),
});

/** A plain (not CloudEvents) delivery whose `data` carries an alert. */
const EnBody = v.looseObject({ type: v.optional(v.unknown()), data: EnData });

class EventNotificationsParseError extends EnvelopeParseError {
  override name = 'EventNotificationsParseError';
}

/** Key fields a truncated `log_example` is searched for; the rest of the event is left out on purpose. */
const KEY_FIELDS = [
  'action',
  'target.id',
  'target.name',
  'initiator.id',
  'eventTime',
  'id',
  'outcome',
] as const;
const EXTRA_FIELDS = [
  'message',
  'severity',
  'correlationId',
  'logSourceCRN',
  'initiator.name',
  'initiator.typeURI',
  'target.typeURI',
  'target.resourceGroupId',
] as const;

const WHAT = 'Event Notifications log_example';
const SWEEP_HINT = 'the cron sweep reconciles what this delivery cannot name';

const looksLikeEn = (data: unknown): boolean =>
  isRecord(data) && ('log_example' in data || 'alert_definition' in data);

const pathValue = (root: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), root);

/** Rebuilds the readable part of a cut event; only complete strings count. */
const recoverTruncated = (text: string): { candidate: Record<string, unknown>; missing: string[] } => {
  const partial = parsePartialJson(text).value;
  const root =
    isRecord(partial) && isRecord(partial.payload) && !('action' in partial) ? partial.payload : partial;
  const candidate: Record<string, unknown> = {};
  for (const path of [...KEY_FIELDS, ...EXTRA_FIELDS]) {
    const value = pathValue(root, path);
    if (typeof value !== 'string') continue;
    const [head, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) candidate[head] = value;
    else candidate[head] = { ...(isRecord(candidate[head]) ? candidate[head] : {}), [leaf]: value };
  }
  const missing = KEY_FIELDS.filter((path) => typeof pathValue(candidate, path) !== 'string');
  return { candidate, missing };
};

const fail = (reason: string, cause?: unknown): EventNotificationsParseError =>
  new EventNotificationsParseError(reason, { cause });

/** `log_example` cut short: the key fields must survive, or the sweep has to catch the change. */
const decodeTruncated = (log: string, meta: Meta, notes: string[]): DecodedDelivery => {
  const { candidate, missing } = recoverTruncated(log);
  const lost = (['action', 'target.id'] as const).filter((f) => missing.includes(f));
  if (lost.length > 0) {
    const what = typeof candidate.action === 'string' ? ` (action ${candidate.action})` : '';
    throw fail(
      `Event Notifications log_example cut at ${log.length} characters: could not recover ${lost.join(' and ')}${what}; ${SWEEP_HINT}`,
    );
  }
  const parsed = parseAtEvent(candidate);
  if (!parsed.ok) throw fail(`Event Notifications log_example cut short and unreadable: ${parsed.reason}`);
  notes.push(`log_example cut at ${log.length} characters; missing: ${missing.join(', ') || 'none'}`);
  const key = meta.deliveryId || nonEmpty(parsed.event.id) || hashOf(log);
  const keySource = meta.deliveryId ? meta.source : undefined;
  return {
    ...baseOf(meta, notes),
    events: [toParsedEvent(parsed.event, key, meta.what, notes, { truncated: { missing }, keySource })],
  };
};

const wholeJson = (log: unknown): unknown => {
  if (isRecord(log)) return log;
  if (typeof log !== 'string') return undefined;
  try {
    return JSON.parse(log);
  } catch {
    return undefined;
  }
};

const decodeEn = (d: Incoming, limits: Limits): DecodedDelivery => {
  const plain = d.ce ? undefined : v.parse(EnBody, d.body.ok ? d.body.value : {});
  const type = d.ce ? d.ce.type : String(plain?.type ?? '');
  const meta: Meta = {
    kind: 'event-notifications',
    deliveryId: d.deliveryId,
    deliveryTime: d.ce?.time,
    source: d.ce?.source ?? nonEmpty(d.request.headers['ce-source']),
    what: WHAT,
  };
  if (type.endsWith(':AlertResolved') || type === `${CE_TYPES.logsPrefix}test_event`)
    return baseOf(meta, [`${clip(type)}: nothing to do (only triggered alerts carry a change)`]);
  if (d.ce && !d.ce.data.ok) throw fail(`Event Notifications body is ${d.ce.data.error}`);
  const data = d.ce ? (d.ce.data.ok ? d.ce.data.value : undefined) : plain?.data;
  if (!v.is(EnData, data)) throw fail('Event Notifications delivery without a data object');
  const log = data.log_example;
  const flagged = data.log_example_truncated === true;
  if (log === undefined || log === null)
    throw fail(`Event Notifications delivery without data.log_example; ${SWEEP_HINT}`);
  const notes: string[] = [];
  if (isRecord(log) && flagged) notes.push('log_example_truncated is true but log_example is a whole object');
  const whole = wholeJson(log);
  if (whole !== undefined) {
    if (!isRecord(whole))
      throw fail('Event Notifications log_example is not a JSON object: no Activity Tracker event');
    const decoded = decodeEvents([whole], meta, limits, fail);
    decoded.notes.unshift(...notes);
    return decoded;
  }
  if (typeof log !== 'string')
    throw fail('Event Notifications log_example is neither an object nor JSON text');
  if (!flagged) notes.push('log_example is not whole JSON although log_example_truncated is not true');
  return decodeTruncated(log, meta, notes);
};

const eventNotifications = {
  kind: 'event-notifications',
  matches: (d) => {
    // looksLikeEn first (both are pure): an AT event has no `data`, so EnBody's issues are not built.
    if (!d.ce)
      return (
        d.body.ok &&
        looksLikeEn((d.body.value as { data?: unknown } | null)?.data) &&
        v.is(EnBody, d.body.value)
      );
    if (d.ce.type.startsWith(CE_TYPES.logsPrefix)) return true;
    return d.ce.mode === 'structured' && d.ce.data.ok && looksLikeEn(d.ce.data.value);
  },
  decode: decodeEn,
} satisfies Envelope;

export { EnBody, EnData, EventNotificationsParseError, eventNotifications };
