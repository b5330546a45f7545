// The hand-written parse of the hot path (events/schema.ts `parseFast`) against valibot's: wherever it
// answers, its output is valibot's, key order included; where it does not, valibot parses as before.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { AtEventSchema, parseFast } from '#events/schema.ts';

const FIXTURES = new URL('../../../events/fixtures/', import.meta.url).pathname;

/** Every object in the fixtures that has an `action` (events inside envelopes too). */
const candidates = (): Record<string, unknown>[] => {
  const out: Record<string, unknown>[] = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) for (const i of x) visit(i);
    else if (x && typeof x === 'object') {
      if (typeof (x as { action?: unknown }).action === 'string') out.push(x as Record<string, unknown>);
      for (const value of Object.values(x)) visit(value);
    }
  };
  for (const dir of readdirSync(FIXTURES, { withFileTypes: true }))
    if (dir.isDirectory())
      for (const f of readdirSync(join(FIXTURES, dir.name)))
        if (f.endsWith('.json')) visit(JSON.parse(readFileSync(join(FIXTURES, dir.name, f), 'utf8')));
  return out;
};

/** Equal values with equal key order at every level (toStrictEqual ignores order). */
const shape = (x: unknown): unknown =>
  Array.isArray(x)
    ? x.map(shape)
    : x && typeof x === 'object'
      ? Object.entries(x).map(([k, value]) => [k, value === undefined ? '(undefined)' : shape(value)])
      : x;

const sameAsValibot = (input: Record<string, unknown>): boolean => {
  const fast = parseFast(input);
  const slow = v.safeParse(AtEventSchema, input);
  if (fast === undefined) return true;
  expect(slow.success).toBe(true);
  expect(shape(fast)).toStrictEqual(shape(slow.output));
  return true;
};

describe('parseFast', () => {
  test('answers for every fixture event, exactly as valibot does', () => {
    const events = candidates();
    expect(events.length).toBeGreaterThan(20);
    for (const e of events) {
      expect(parseFast(e)).toBeDefined();
      sameAsValibot(e);
    }
  });

  test('drifting fields: coerced as valibot coerces them, or left to valibot', () => {
    const base = { action: ' is.instance.instance.update ' };
    for (const extra of [
      { dataEvent: 'TRUE', saveServiceCopy: 'no', reason: { reasonCode: ' 200 ' } },
      { requestData: '{"a":1}', responseData: 'nope', eventTime: undefined },
      { initiator: { id: 'x', host: { agent: 'y', extra: 1 }, credential: { type: 'apikey' } } },
      { target: { id: 1 } },
      { target: [] },
      { observer: null },
      { action: 'not an action' },
      { __proto__: { id: 'inherited' }, severity: 'normal' },
      JSON.parse('{"__proto__": {"polluted": true}, "message": "m"}'),
    ])
      sameAsValibot({ ...base, ...extra });
    expect(parseFast({ ...base, target: { id: 1 } })).toBeUndefined();
  });

  test('random events: valibot output wherever it answers', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const field = fc.oneof(
      leaf,
      fc.dictionary(fc.constantFrom('id', 'name', 'host', 'address', 'type', 'x'), leaf),
    );
    const event = fc.record(
      {
        action: fc.constantFrom('is.instance.instance.update', ' iam-am.policy.create', 'x'),
        id: field,
        eventTime: field,
        dataEvent: field,
        initiator: field,
        target: field,
        reason: fc.dictionary(fc.constantFrom('reasonCode', 'reasonType'), leaf),
        requestData: field,
        other: field,
      },
      { requiredKeys: ['action'] },
    );
    fc.assert(
      fc.property(event, (e) => sameAsValibot(e as Record<string, unknown>)),
      { numRuns: 1000 },
    );
  });
});
