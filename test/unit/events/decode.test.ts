// decodeDelivery beyond the fixtures: truncated Event Notifications, bounds, bad input, keys.
import { describe, expect, test } from 'vitest';
import { type DecodeResult, decodeDelivery, decodeParams } from '#events/decode.ts';
import { parsePartialJson } from '#events/partial-json.ts';
import { requestFromHttp } from '#events/request.ts';
import { loadEvents, loadFixture } from './load.ts';

const EVENTS = loadEvents();
const CREATE = EVENTS.get('is.instance.instance.create') as Record<string, unknown>;
const CREATE_TEXT = JSON.stringify(CREATE);

const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  decodeDelivery(requestFromHttp({ headers }, body));

/** An EN delivery of a Cloud Logs alert whose log_example is `log`. */
const enWith = (log: unknown, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: 'en-1',
  type: 'com.ibm.cloud.logs.StandardImmediateAlertEvent:AlertTriggered',
  source: 'crn:v1:bluemix:public:logs:us-south:a/x:y::',
  time: '2026-09-01T10:15:44.000000Z',
  data: { alert_definition: { name: 'a' }, log_example: log, log_example_truncated: true, ...extra },
});

const refusal = (r: DecodeResult) => {
  if (r.ok) throw new Error(`expected a refusal, got kind ${r.kind}`);
  return r;
};
const accepted = (r: DecodeResult) => {
  if (!r.ok) throw new Error(`refused ${r.status}: ${r.reason}`);
  return r;
};

describe('Event Notifications log_example', () => {
  test('cut at 1000 characters: the key fields come back, marked truncated', () => {
    // Prepare
    const log = CREATE_TEXT.slice(0, 1000);
    // Act
    const r = accepted(post(enWith(log)));
    // Assess
    const [e] = r.events;
    expect(r.kind).toBe('event-notifications');
    expect(e?.event).toMatchObject({
      action: 'is.instance.instance.create',
      outcome: 'success',
      id: CREATE.id,
      target: { id: (CREATE.target as { id: string }).id, name: 'web-01', typeURI: 'is.instance/instance' },
      initiator: { id: 'IBMid-6900012ABC' },
    });
    expect(e?.event.requestData).toBeUndefined(); // never half a requestData
    expect(e?.truncated).toEqual({ missing: [] });
    expect(e?.eventTime?.toISOString()).toBe('2026-09-01T10:15:42.180Z');
    expect(e?.idempotencyKey).toBe('en-1');
  });

  test('says what is missing when only the first fields survive', () => {
    // Prepare: the target comes first, then the cut.
    const { action, target, ...rest } = CREATE;
    const log = JSON.stringify({ action, target, ...rest }).slice(0, 320);
    // Act
    const r = accepted(post(enWith(log)));
    // Assess
    expect(r.events[0]?.truncated?.missing).toEqual(['initiator.id', 'eventTime', 'id', 'outcome']);
    expect(r.notes.join('\n')).toMatch(
      /cut at 320 characters; missing: initiator\.id, eventTime, id, outcome/,
    );
  });

  test('a cut through the target CRN is refused, naming what is lost and the action', () => {
    // Prepare
    const at = CREATE_TEXT.indexOf('"target":{"id":"') + 40;
    // Act
    const r = refusal(post(enWith(CREATE_TEXT.slice(0, at))));
    // Assess
    expect(r).toMatchObject({ status: 400, kind: 'event-notifications', deliveryId: 'en-1' });
    expect(r.reason).toMatch(/could not recover target\.id \(action is\.instance\.instance\.create\)/);
    expect(r.reason).toMatch(/cron sweep/);
  });

  test('a cut before the action is refused: action and target.id', () => {
    const r = refusal(post(enWith(CREATE_TEXT.slice(0, 30))));
    expect(r.reason).toMatch(/could not recover action and target\.id;/);
  });

  test('nested fields of the same name do not stand in for the top-level ones', () => {
    // Prepare: requestData carries `action` and `target.id`; the real ones were cut.
    const text = JSON.stringify({
      requestData: { action: 'is.instance.instance.create', target: { id: 'crn:fake' } },
      action: 'is.instance.instance.create',
    }).slice(0, 90);
    // Act
    const r = refusal(post(enWith(text)));
    // Assess
    expect(r.reason).toMatch(/could not recover action and target\.id/);
  });

  test('a cut legacy wrapper is read inside payload', () => {
    const text = JSON.stringify({ payload: CREATE }).slice(0, 1000);
    const r = accepted(post(enWith(text)));
    expect(r.events[0]?.event.target?.id).toBe((CREATE.target as { id: string }).id);
  });

  test('a complete JSON string is parsed whole', () => {
    const r = accepted(post(enWith(CREATE_TEXT, { log_example_truncated: false })));
    expect(r.events[0]?.event).toEqual(CREATE);
    expect(r.events[0]?.truncated).toBeUndefined();
  });

  test('an object flagged truncated is used whole, with a note', () => {
    const r = accepted(post(enWith(CREATE)));
    expect(r.events[0]?.event).toEqual(CREATE);
    expect(r.notes).toContain('log_example_truncated is true but log_example is a whole object');
  });

  test.each([
    [undefined, /without data\.log_example; the cron sweep/],
    ['[1,2]', /not a JSON object/],
    [42, /neither an object nor JSON text/],
  ])('log_example %j is refused', (log, reason) => {
    expect(refusal(post(enWith(log))).reason).toMatch(reason);
  });

  test.each([
    'com.ibm.cloud.logs.StandardImmediateAlertEvent:AlertResolved',
    'com.ibm.cloud.logs.test_event',
  ])('%s carries nothing to do', (type) => {
    const r = accepted(post({ ...enWith(CREATE), type }));
    expect(r).toMatchObject({ kind: 'event-notifications', events: [] });
  });

  test('in binary mode (ce-* headers, body = data) too', () => {
    const headers = { 'ce-type': 'com.ibm.cloud.logs.X:AlertTriggered', 'ce-id': 'n-2' };
    const r = accepted(post(enWith(CREATE).data, headers));
    expect(r).toMatchObject({ kind: 'event-notifications', deliveryId: 'n-2' });
    expect(r.events[0]?.idempotencyKey).toBe('n-2');
  });
});

describe('bounds and bad input', () => {
  test('a body over 5 MB is refused with 413 before it is read', () => {
    const body = Buffer.alloc(5 * 1024 * 1024 + 1, 0x20);
    expect(refusal(post(body))).toMatchObject({
      status: 413,
      reason: expect.stringMatching(/limit is 5242880/),
    });
  });

  test('the size limit is an option', () => {
    expect(post(Buffer.from(CREATE_TEXT)).ok).toBe(true);
    const r = decodeDelivery(requestFromHttp({ body: CREATE_TEXT }), { maxBodyBytes: 100 });
    expect(r).toMatchObject({ ok: false, status: 413 });
  });

  test('more than 1000 events in an array is refused; 1000 is fine', () => {
    // Prepare
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...CREATE, id: `e-${i}` }));
    // Act
    const over = post(many(1001));
    const at = post(many(1000));
    // Assess
    expect(refusal(over)).toMatchObject({
      status: 400,
      kind: 'at-array',
      reason: '1001 events in one delivery; the limit is 1000',
    });
    expect(accepted(at).events).toHaveLength(1000);
  });

  test.each([
    ['{"action": "is.instance.instance.create",', /^body is not JSON \(/],
    ['', /^body is empty: expected an Activity Tracker event$/],
    ['   ', /^body is empty/],
    ['"just a string"', /neither an object nor an array/],
    ['null', /neither an object nor an array/],
  ])('body %j is refused with 400', (body, reason) => {
    expect(refusal(post(body))).toMatchObject({ status: 400, reason: expect.stringMatching(reason) });
  });

  test.each(['application/xml', 'multipart/form-data', 'application/x-www-form-urlencoded', 'image/png'])(
    '%s is refused with 415',
    (type) => {
      expect(refusal(post(CREATE_TEXT, { 'content-type': type }))).toMatchObject({ status: 415 });
    },
  );

  test('CloudEvents batch mode is refused with 415', () => {
    const r = refusal(post([], { 'content-type': 'application/cloudevents-batch+json' }));
    expect(r).toMatchObject({ status: 415, reason: expect.stringMatching(/batch/) });
  });

  test.each(['text/plain', 'application/octet-stream', 'application/json; charset=utf-8', ''])(
    'JSON sent as %j is read',
    (type) => {
      expect(post(CREATE_TEXT, type ? { 'content-type': type } : {})).toMatchObject({ ok: true, kind: 'at' });
    },
  );

  test('a byte-order mark does not matter', () => {
    expect(post(`\uFEFF${CREATE_TEXT}`).ok).toBe(true);
  });

  test('an array keeps its valid events and notes the others', () => {
    // Prepare
    const body = [CREATE, { nope: 1 }, { ...CREATE, id: undefined, eventTime: 'soon' }];
    // Act
    const r = accepted(post(body));
    // Assess
    expect(r.events.map((e) => e.idempotencyKey)).toEqual([CREATE.id, expect.stringMatching(/^sha256:/)]);
    expect(r.notes).toContain('skipped event[1]: not an Activity Tracker event: no "action" field');
    expect(r.notes).toContain('event[2]: eventTime "soon" is not a time; ignored');
    expect(r.events[1]?.eventTime).toBeUndefined();
  });

  test('an array of nothing valid is refused, naming the first problems', () => {
    const r = refusal(post([1, 2, 3, 4, { action: 'x' }]));
    expect(r.reason).toMatch(
      /^no valid event in event: event\[0\]: .*; event\[1\]: .*; event\[2\]: .*; and 2 more$/,
    );
  });

  test('an empty array is accepted with nothing to do', () => {
    expect(accepted(post([]))).toMatchObject({
      kind: 'at-array',
      events: [],
      notes: ['empty array: no events'],
    });
  });

  test('absurd nesting is bad input, not a crash', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(post(deep)).toMatchObject({ ok: false, status: 400 });
    const event = `{"action":"a.b.c","requestData":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => post(event)).not.toThrow();
  });
});

describe('CloudEvents', () => {
  test('binary mode without Content-Type: ce-id is the key; an array gets ce-id#index', () => {
    // Prepare
    const headers = { 'ce-type': 'dev.knative.kafka.event', 'ce-id': 'partition:2/offset:9' };
    // Act
    const one = accepted(post(CREATE_TEXT, headers));
    const two = accepted(post([CREATE, CREATE], headers));
    // Assess
    expect(one.events[0]?.idempotencyKey).toBe('partition:2/offset:9');
    expect(two.events.map((e) => e.idempotencyKey)).toEqual([
      'partition:2/offset:9#0',
      'partition:2/offset:9#1',
    ]);
  });

  test('binary mode with an unknown ce-type still reads an AT event body', () => {
    const r = accepted(post(CREATE, { 'ce-type': 'com.example.other' }));
    expect(r.kind).toBe('cloudevents-binary');
  });

  test('structured mode reads data, data as JSON text, and data_base64', () => {
    // Prepare
    const ce = { specversion: '1.0', id: 'c-1', type: 't', source: 's' };
    // Act
    const results = [
      post({ ...ce, data: CREATE }, { 'content-type': 'application/cloudevents+json' }),
      post({ ...ce, data: CREATE_TEXT }),
      post({ ...ce, data_base64: Buffer.from(CREATE_TEXT).toString('base64') }),
    ];
    // Assess
    for (const r of results) {
      expect(r).toMatchObject({ ok: true, kind: 'cloudevents-structured', deliveryId: 'c-1' });
      expect(accepted(r).events[0]?.event).toEqual(CREATE);
    }
  });

  test('structured mode with undecodable data is refused', () => {
    const r = post({ specversion: '1.0', id: 'c-2', type: 't', data: '{oops' });
    expect(refusal(r)).toMatchObject({
      kind: 'cloudevents-structured',
      reason: expect.stringMatching(/^CloudEvent data is not JSON/),
    });
  });

  test.each([
    ['dev.knative.sources.ping', 'cron'],
    ['com.ibm.cloud.cos.document.write', 'cos'],
  ])('a structured %s is %s', (type, kind) => {
    const data = { bucket: 'b', key: 'k', operation: 'Object:Write' };
    expect(post({ specversion: '1.0', id: 'x', type, data })).toMatchObject({ ok: true, kind });
  });

  test('a cron ping takes any body, even none', () => {
    const r = post(Buffer.alloc(0), { 'ce-type': 'dev.knative.sources.ping', 'ce-id': 'p-1' });
    expect(r).toMatchObject({ ok: true, kind: 'cron', events: [], deliveryId: 'p-1' });
  });

  test('a COS notification without bucket or key is refused', () => {
    const r = post('{}', { 'ce-type': 'com.ibm.cloud.cos.document.delete' });
    expect(refusal(r)).toMatchObject({ kind: 'cos', reason: expect.stringMatching(/bucket and object key/) });
  });
});

describe('idempotency keys', () => {
  test('without ids, the same event hashes the same whatever its key order', () => {
    // Prepare
    const { id: _id, ...noId } = CREATE;
    const reordered = Object.fromEntries(Object.entries(noId).reverse());
    // Act
    const [a, b, c] = [noId, reordered, { ...noId, outcome: 'failure' }].map(
      (e) => accepted(post(e)).events[0]?.idempotencyKey,
    );
    // Assess
    expect(a).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  test('a ce-id header on a plain delivery wins over the event id', () => {
    expect(accepted(post(CREATE, { 'ce-id': 'd-1' })).events[0]?.idempotencyKey).toBe('d-1');
  });
});

describe('decodeParams', () => {
  test('is decodeDelivery(requestFromParams(params))', () => {
    const params = loadFixture('params/event-notifications-truncated', 'iam-groups.member.add');
    expect(decodeParams(params)).toMatchObject({ ok: true, kind: 'event-notifications' });
  });
});

describe('parsePartialJson', () => {
  test.each([
    ['{"a":"x","b":{"c":"y","d":"unfinish', { a: 'x', b: { c: 'y' } }],
    ['{"a":[1,2,{"b":true}],"n":20', { a: [1, 2, { b: true }] }],
    ['{"a":"esc\\"aped","b":nul', { a: 'esc"aped' }],
    ['{"a":1} trailing', { a: 1 }],
    ['[{"a":1},{"b":', [{ a: 1 }, {}]],
    ['', undefined],
  ])('%j → %j', (text, value) => {
    expect(parsePartialJson(text).value).toEqual(value);
  });

  test('complete JSON is complete', () => {
    expect(parsePartialJson(CREATE_TEXT)).toEqual({ value: CREATE, complete: true });
  });
});
