// 10,000 hostile deliveries: random params, headers and bodies, and mutated real payloads. The decoder
// must never throw and must always answer with a well-formed result (middy-style fuzzing, style.md).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DELIVERY_KINDS, type DecodeResult, decodeDelivery } from '#events/decode.ts';
import { requestFromHttp, requestFromParams } from '#events/request.ts';
import { allJsonSamples } from './load.ts';

const SAMPLES = allJsonSamples();
const ACTION = /^[a-z0-9][\w-]*(?:\.[a-z0-9][\w-]*){2,}$/i;

const isStringArray = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');

/** The union's contract, checked field by field. */
const wellFormed = (r: DecodeResult): boolean => {
  if (r.ok === false)
    return [400, 413, 415].includes(r.status) && typeof r.reason === 'string' && r.reason.length > 0;
  if (
    r.ok !== true ||
    !DELIVERY_KINDS.includes(r.kind) ||
    !isStringArray(r.notes) ||
    !Array.isArray(r.events)
  )
    return false;
  if (r.kind === 'cos' && !(r.cos.bucket && r.cos.key && r.cos.operation)) return false;
  if (r.deliveryTime !== undefined && Number.isNaN(r.deliveryTime.getTime())) return false;
  return r.events.every(
    (e) =>
      typeof e.event.action === 'string' &&
      ACTION.test(e.event.action) &&
      typeof e.idempotencyKey === 'string' &&
      e.idempotencyKey.length > 0 &&
      (e.eventTime === undefined || !Number.isNaN(e.eventTime.getTime())) &&
      (e.truncated === undefined || isStringArray(e.truncated.missing)),
  );
};

const CE_TYPES = [
  'dev.knative.kafka.event',
  'dev.knative.sources.ping',
  'com.ibm.cloud.cos.document.write',
  'com.ibm.cloud.cos.document.delete',
  'com.ibm.cloud.logs.StandardImmediateAlertEvent:AlertTriggered',
  'com.ibm.cloud.logs.StandardImmediateAlertEvent:AlertResolved',
  'com.ibm.cloud.logs.test_event',
  'something.else',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/octet-stream',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/xml',
  '',
];

const headerValue = fc.oneof(
  fc.constantFrom(...CE_TYPES, ...CONTENT_TYPES),
  fc.string(),
  fc.anything({ maxDepth: 1 }),
);
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom('Content-Type', 'content-type', 'Ce-Type', 'ce-id', 'Ce-Id', 'Ce-Time', 'Ce-Source'),
    fc.string(),
  ),
  headerValue,
  { maxKeys: 6 },
);

/** Sets or deletes one property somewhere inside a cloned sample. */
const mutate = (value: unknown, edits: [number, 'set' | 'delete', unknown][]): unknown => {
  const root = structuredClone(value);
  for (const [pick, op, replacement] of edits) {
    const slots: [Record<string, unknown>, string][] = [];
    const walk = (node: unknown, depth: number): void => {
      if (depth > 6 || typeof node !== 'object' || node === null) return;
      for (const [k, child] of Object.entries(node)) {
        slots.push([node as Record<string, unknown>, k]);
        walk(child, depth + 1);
      }
    };
    walk(root, 0);
    const slot = slots[pick % Math.max(slots.length, 1)];
    if (!slot) continue;
    if (op === 'delete') delete slot[0][slot[1]];
    else slot[0][slot[1]] = replacement;
  }
  return root;
};

const sample = fc.constantFrom(...SAMPLES);
const mutated = fc
  .tuple(
    sample,
    fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('set' as const, 'delete' as const), fc.anything({ maxDepth: 2 })),
      { maxLength: 4 },
    ),
  )
  .map(([value, edits]) => mutate(value, edits));
/** JSON text cut and garbled at random points. */
const garbledText = fc
  .tuple(sample, fc.nat(), fc.nat(), fc.string({ maxLength: 3 }))
  .map(([value, cut, at, junk]) => {
    const text = JSON.stringify(value);
    const cutText = text.slice(0, cut % (text.length + 1));
    const i = at % (cutText.length + 1);
    return cutText.slice(0, i) + junk + cutText.slice(i);
  });
const bodyText = fc.oneof(
  garbledText,
  mutated.map((v) => JSON.stringify(v) ?? ''),
  fc.json(),
  fc.string(),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
);

const ceParams = fc
  .record(
    {
      __ce_method: fc.oneof(fc.constantFrom('POST', 'GET'), fc.anything({ maxDepth: 1 })),
      __ce_path: fc.oneof(fc.constant('/'), fc.anything({ maxDepth: 1 })),
      __ce_query: fc.oneof(fc.string(), fc.anything({ maxDepth: 1 })),
      __ce_headers: fc.oneof(headers, fc.anything({ maxDepth: 2 })),
      __ce_body: fc.oneof(
        bodyText.map((t) => Buffer.from(t).toString('base64')),
        bodyText,
        fc.anything({ maxDepth: 2 }),
      ),
    },
    { requiredKeys: [] },
  )
  .chain((ce) =>
    fc
      .dictionary(fc.string(), fc.anything({ maxDepth: 2 }), { maxKeys: 4 })
      .map((extra) => ({ ...extra, ...ce })),
  );

/** A delivery of a real sample with the truncated-EN log_example garbled. */
const garbledEn = fc.tuple(garbledText, fc.boolean()).map(([log, flag]) => ({
  specversion: '1.0',
  id: 'n',
  type: 'com.ibm.cloud.logs.StandardImmediateAlertEvent:AlertTriggered',
  data: { log_example: log, log_example_truncated: flag },
}));

const params = fc.oneof(
  { weight: 3, arbitrary: ceParams },
  { weight: 3, arbitrary: mutated },
  { weight: 2, arbitrary: garbledEn },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
);

describe('fuzz', () => {
  test('decodeDelivery(requestFromParams(x)) never throws and always answers well-formed (10,000 runs)', () => {
    fc.assert(
      fc.property(params, (x) => wellFormed(decodeDelivery(requestFromParams(x)))),
      { numRuns: 10_000, seed: 20260901 },
    );
  });

  test('decodeDelivery(requestFromHttp(x)) too (2,000 runs)', () => {
    fc.assert(
      fc.property(fc.record({ headers, body: bodyText }), (x) =>
        wellFormed(decodeDelivery(requestFromHttp(x))),
      ),
      { numRuns: 2_000, seed: 20260902 },
    );
  });

  test('the samples themselves are all well-formed results', () => {
    const results = SAMPLES.map((s) => decodeDelivery(requestFromParams(s)));
    expect(results.every(wellFormed)).toBe(true);
  });
});
