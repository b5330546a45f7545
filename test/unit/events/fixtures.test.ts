// Our fixtures: one event per handled action, and that event in every envelope, all decoding to it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { type DecodeResult, type DeliveryKind, decodeDelivery, type ParsedEvent } from '#events/decode.ts';
import { PARAMS_KINDS, renderFixtures } from '#events/fixtures/generate.ts';
import { requestFromHttp, requestFromParams } from '#events/request.ts';
import { ROUTES } from '#events/routes.ts';
import { AtEventSchema } from '#events/schema.ts';
import { ENVELOPE_KINDS, type EnvelopeKind, type HttpDelivery } from '../../helpers/deliveries.ts';
import { listOurFiles, loadEvents, loadFixture, OURS } from './load.ts';

const EVENTS = loadEvents();
const ACTIONS = [...EVENTS.keys()];

const KIND_OF = {
  at: 'at',
  'at-array': 'at-array',
  'cloudevents-binary': 'cloudevents-binary',
  'cloudevents-structured': 'cloudevents-structured',
  'event-notifications': 'event-notifications',
  'event-notifications-truncated': 'event-notifications',
} satisfies Record<EnvelopeKind, DeliveryKind>;

const single = (r: DecodeResult): ParsedEvent => {
  if (!r.ok) throw new Error(`refused ${r.status}: ${r.reason}`);
  expect(r.events).toHaveLength(1);
  return r.events[0] as ParsedEvent;
};

/** The delivery's own id, which becomes the idempotency key when there is one. */
const deliveryIdOf = (kind: EnvelopeKind, d: HttpDelivery, event: Record<string, unknown>): string => {
  const body = d.body as Record<string, unknown>;
  switch (kind) {
    case 'at':
    case 'at-array':
      return String(event.id);
    case 'cloudevents-binary':
      return String(d.headers['ce-id']);
    case 'cloudevents-structured':
    case 'event-notifications':
    case 'event-notifications-truncated':
      return String(body.id);
  }
};

const leaves = (x: unknown, prefix = ''): [string, unknown][] =>
  typeof x === 'object' && x !== null && !Array.isArray(x)
    ? Object.entries(x).flatMap(([k, val]) => leaves(val, `${prefix}${k}.`))
    : [[prefix.slice(0, -1), x]];

/** Full envelopes give the event back unchanged; a truncated one gives its key fields, each as sent. */
const assessSameEvent = (kind: EnvelopeKind, parsed: ParsedEvent, event: Record<string, unknown>): void => {
  if (kind !== 'event-notifications-truncated') {
    expect(parsed.event).toEqual(event);
    expect(parsed.truncated).toBeUndefined();
    return;
  }
  expect(parsed.truncated).toEqual({ missing: [] });
  const original = new Map(leaves(event));
  for (const [path, value] of leaves(parsed.event)) expect([path, original.get(path)]).toEqual([path, value]);
  for (const path of ['action', 'target.id', 'target.name', 'initiator.id', 'eventTime', 'id', 'outcome'])
    expect(leaves(parsed.event).map(([p]) => p)).toContain(path);
};

describe('fixture events', () => {
  test('one fixture per handled action, no more', () => {
    expect(ACTIONS).toEqual(Object.keys(ROUTES).sort());
  });

  test.each(ACTIONS)('%s is a valid AT event the schema leaves unchanged', (action) => {
    // Prepare
    const event = EVENTS.get(action);
    // Act
    const parsed = v.parse(AtEventSchema, structuredClone(event));
    // Assess
    expect(parsed).toEqual(event);
    expect(parsed.action).toBe(action);
    expect(JSON.stringify(event).length).toBeGreaterThan(1000); // so the truncated variant is real
  });
});

describe('every fixture in every envelope decodes to the same event', () => {
  const cases = ACTIONS.flatMap((action) => ENVELOPE_KINDS.map((kind) => [kind, action] as const));

  test.each(cases)('%s / %s over HTTP', (kind, action) => {
    // Prepare
    const event = EVENTS.get(action) as Record<string, unknown>;
    const delivery = (
      kind === 'at' ? { headers: {}, body: event } : loadFixture(kind, action)
    ) as HttpDelivery;
    // Act
    const result = decodeDelivery(requestFromHttp(delivery));
    // Assess
    const parsed = single(result);
    expect(result).toMatchObject({ ok: true, kind: KIND_OF[kind] });
    assessSameEvent(kind, parsed, event);
    expect(parsed.idempotencyKey).toBe(deliveryIdOf(kind, delivery, event));
    expect(parsed.eventTime?.getTime()).toBeGreaterThan(Date.UTC(2026, 0, 1));
  });

  const paramCases = ACTIONS.flatMap((action) => PARAMS_KINDS.map((kind) => [kind, action] as const));

  test.each(paramCases)('%s / %s as Code Engine function params', (kind, action) => {
    // Prepare
    const event = EVENTS.get(action) as Record<string, unknown>;
    const params = loadFixture(`params/${kind}`, action);
    const http = (kind === 'at' ? { headers: {}, body: event } : loadFixture(kind, action)) as HttpDelivery;
    // Act
    const viaParams = decodeDelivery(requestFromParams(params));
    const viaHttp = decodeDelivery(requestFromHttp(http));
    // Assess
    assessSameEvent(kind, single(viaParams), event);
    expect(viaParams).toEqual(viaHttp);
  });

  test.each(ACTIONS)('%s handed to invoke as a bare object (no __ce_* keys)', (action) => {
    const result = decodeDelivery(requestFromParams(structuredClone(EVENTS.get(action))));
    expect(result).toMatchObject({ ok: true, kind: 'at' });
    expect(single(result).event).toEqual(EVENTS.get(action));
  });

  test('the cron ping decodes as cron, over HTTP and as params', () => {
    // Prepare
    const delivery = loadFixture('cron', 'delivery') as HttpDelivery;
    const params = loadFixture('cron', 'params');
    // Act
    const results = [decodeDelivery(requestFromHttp(delivery)), decodeDelivery(requestFromParams(params))];
    // Assess
    for (const r of results)
      expect(r).toMatchObject({ ok: true, kind: 'cron', events: [], deliveryId: delivery.headers['ce-id'] });
  });
});

describe('generated files', () => {
  test('are up to date with at/ and the builders (npx tsx events/fixtures/generate.ts)', () => {
    // Prepare
    const rendered = renderFixtures();
    // Act
    const onDisk = new Set(listOurFiles().filter((f) => f.endsWith('.json') && !f.startsWith('at/')));
    const stale = [...rendered].filter(([rel, text]) => readFileSync(join(OURS, rel), 'utf8') !== text);
    // Assess
    expect(stale.map(([rel]) => rel)).toEqual([]);
    expect([...onDisk].sort()).toEqual([...rendered.keys()].sort());
  });
});
