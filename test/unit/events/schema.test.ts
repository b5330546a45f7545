// The AT event schema: lenient on IBM's drift, strict on what we decide with.
import { describe, expect, test } from 'vitest';
import { parseAtEvent, parseEventTime } from '#events/schema.ts';
import { loadEvents } from './load.ts';

const BASE = loadEvents().get('is.instance.instance.create') as Record<string, unknown>;

describe('parseEventTime', () => {
  test.each([
    ['2026-09-01T10:15:42.18+0000', '2026-09-01T10:15:42.180Z'], // IBM's documented form
    ['2020-06-22T15:36:16.7+0000', '2020-06-22T15:36:16.700Z'], // 1 digit
    ['2020-03-17T22:18:40.325+0000', '2020-03-17T22:18:40.325Z'], // 3 digits
    ['2024-06-02T10:56:00.062572905Z', '2024-06-02T10:56:00.062Z'], // nanoseconds (Ce-Time)
    ['2019-12-20T16:38:06Z', '2019-12-20T16:38:06.000Z'],
    ['2019-12-11T16:00:58-06:00', '2019-12-11T22:00:58.000Z'],
    ['2020-03-08T12:22:01+00:00', '2020-03-08T12:22:01.000Z'],
    ['2026-09-01T10:15:42+0530', '2026-09-01T04:45:42.000Z'],
    ['2026-09-01T10:15:42', '2026-09-01T10:15:42.000Z'], // no zone: IBM says UTC
    ['2026-09-01 10:15:42.5Z', '2026-09-01T10:15:42.500Z'],
    [' 2026-09-01T10:15:42Z ', '2026-09-01T10:15:42.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseEventTime(text)?.toISOString()).toBe(iso);
  });

  test.each([
    '',
    'yesterday',
    '2026-09-01',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-09-01T24:00:00Z',
    '2026-09-01T10:60:00Z',
    '2026-09-01T10:15:42+2500',
    '2026-09-01T10:15:42.Z',
    '06/06/2022, 14:23:01',
    '2023-12-08 18:23:11.02356592 +0000 UTC m=+8401.056818844',
  ])('%j is not a time', (text) => {
    expect(parseEventTime(text)).toBeUndefined();
  });
});

describe('parseAtEvent', () => {
  test('keeps unknown fields at every level', () => {
    // Prepare
    const input = {
      ...structuredClone(BASE),
      brandNew: { nested: [1, 2] },
      target: { ...(BASE.target as object), futureField: 'x' },
    };
    // Act
    const r = parseAtEvent(input);
    // Assess
    expect(r).toMatchObject({
      ok: true,
      event: { brandNew: { nested: [1, 2] }, target: { futureField: 'x' } },
    });
  });

  test.each([
    ['null', null, null],
    ['an object', { a: 1 }, { a: 1 }],
    ['a JSON string of an object', '{"a":{"b":2}}', { a: { b: 2 } }],
    ['a JSON string of an array', '[1,2]', null],
    ['text that is not JSON', 'not json', null],
    ['a number', 42, null],
  ])('requestData as %s', (_label, requestData, expected) => {
    const r = parseAtEvent({ ...structuredClone(BASE), requestData, responseData: requestData });
    expect(r).toMatchObject({ ok: true, event: { requestData: expected, responseData: expected } });
  });

  test('absent requestData stays absent', () => {
    const { requestData: _r, responseData: _s, ...rest } = structuredClone(BASE);
    const r = parseAtEvent(rest);
    expect(r.ok && 'requestData' in r.event && r.event.requestData !== undefined).toBe(false);
  });

  test.each([
    [
      { dataEvent: 'true', saveServiceCopy: 'FALSE' },
      { dataEvent: true, saveServiceCopy: false },
    ],
    [{ dataEvent: 'maybe' }, { dataEvent: undefined }],
    [{ reason: { reasonCode: '201', reasonType: 'Created' } }, { reason: { reasonCode: 201 } }],
    [{ reason: { reasonCode: 'abc' } }, { reason: { reasonCode: undefined } }],
  ])('coerces drifting types %j', (patch, expected) => {
    const r = parseAtEvent({ ...structuredClone(BASE), ...patch });
    expect(r).toMatchObject({ ok: true, event: expected });
  });

  test('unwraps the legacy payload/meta wrapper; the payload wins, outside fields are kept', () => {
    // Prepare
    const legacy = {
      logSourceCRN: 'crn:outer',
      saveServiceCopy: true,
      meta: { serviceProviderName: 'is' },
      payload: { action: 'is.volume.volume.update', logSourceCRN: 'crn:inner', requestData: '{"x":1}' },
    };
    // Act
    const r = parseAtEvent(legacy);
    // Assess
    expect(r).toEqual({
      ok: true,
      legacy: true,
      event: {
        action: 'is.volume.volume.update',
        logSourceCRN: 'crn:inner',
        saveServiceCopy: true,
        meta: { serviceProviderName: 'is' },
        requestData: { x: 1 },
      },
    });
  });

  test.each([
    [{ ...BASE, action: undefined }, /no "action" field/],
    [{ ...BASE, action: 7 }, /no "action" field/],
    [{ ...BASE, action: 'create' }, /action: action must look like service\.object\.verb/],
    [{ ...BASE, action: 'is.instance' }, /service\.object\.verb/],
    [{ ...BASE, action: 'is..instance.create' }, /service\.object\.verb/],
    [{ ...BASE, target: null }, /^invalid Activity Tracker event: target: /],
    [{ ...BASE, initiator: { id: 42 } }, /initiator\.id: /],
    [[BASE], /not a JSON object/],
    ['is.instance.instance.create', /not a JSON object/],
  ])('refuses %#', (input, reason) => {
    const r = parseAtEvent(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  test('trims the action', () => {
    expect(parseAtEvent({ action: '  is.instance.instance.create ' })).toMatchObject({
      ok: true,
      event: { action: 'is.instance.instance.create' },
    });
  });
});
