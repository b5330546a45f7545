import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  buildDelivery,
  CL_EVENT_TYPE,
  type DeliveryMeta,
  ENVELOPE_KINDS,
  EnvelopeError,
  LOG_EXAMPLE_LIMIT,
  logExample,
} from '#emulator/events/envelopes.ts';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/ibm-docs/${name}`, import.meta.url), 'utf8'));

const EVENT = {
  eventTime: '2026-09-01T10:15:42.18+0000',
  action: 'is.instance.instance.update',
  outcome: 'success',
  id: 'e1',
  target: { id: 'crn:v1:bluemix:public:is:us-south-1:a/acct::instance:0717_x', name: 'web-01' },
};

const META: DeliveryMeta = {
  offset: 167,
  project: 'glxo4k7nj7d',
  subscription: 'mykafkasubscription',
  topic: 'kafka-topic1',
  time: new Date('2022-03-31T22:19:36.499Z'),
  account: 'acct',
  uuid: (() => {
    let n = 0;
    return () => `uuid-${++n}`;
  })(),
};

/** An event whose JSON text is exactly `length` characters. */
const eventOfLength = (length: number): Record<string, string> => {
  const base = JSON.stringify({ action: 'a.b.c', pad: '' }).length;
  return { action: 'a.b.c', pad: 'x'.repeat(length - base) };
};

describe('buildDelivery: Activity Tracker bodies', () => {
  test('at: one event as application/json', () => {
    // Act
    const d = buildDelivery('at', [EVENT], META);
    // Assess
    expect(d.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(d.body)).toEqual(EVENT);
  });

  test('at-array: a JSON array, never empty', () => {
    // Act
    const d = buildDelivery('at-array', [EVENT, { ...EVENT, id: 'e2' }], META);
    // Assess
    expect(d.headers['content-type']).toBe('application/json');
    expect(JSON.parse(d.body).map((e: { id: string }) => e.id)).toEqual(['e1', 'e2']);
    expect(() => buildDelivery('at-array', [], META)).toThrow(EnvelopeError);
  });

  test.each(ENVELOPE_KINDS.filter((k) => k !== 'at-array'))('%s refuses anything but one event', (kind) => {
    expect(() => buildDelivery(kind, [EVENT, EVENT], META)).toThrow(EnvelopeError);
  });
});

describe('buildDelivery: Code Engine Kafka subscription (CloudEvents)', () => {
  test('binary: the ce-* headers of IBM’s published delivery, body the record value as-is', () => {
    // Prepare
    const published = fixture('ce-kafka-app--delivery.json').headers as Record<string, string>;
    const publishedCe = Object.fromEntries(
      Object.entries(published)
        .filter(([k]) => k.toLowerCase().startsWith('ce-'))
        .map(([k, val]) => [k.toLowerCase(), val]),
    );
    // Act
    const d = buildDelivery('cloudevents-binary', [EVENT], META);
    // Assess
    expect(d.headers).toEqual(publishedCe);
    expect(d.headers).not.toHaveProperty('content-type');
    expect(JSON.parse(d.body)).toEqual(EVENT);
  });

  test('binary: ids follow the offset; ce-time is RFC 3339 with milliseconds', () => {
    // Act
    const d = buildDelivery('cloudevents-binary', [EVENT], { offset: 0, time: new Date(0) });
    // Assess
    expect(d.headers).toMatchObject({
      'ce-id': 'partition:0/offset:0',
      'ce-subject': 'partition:0#0',
      'ce-time': '1970-01-01T00:00:00.000Z',
      'ce-type': 'dev.knative.kafka.event',
      'ce-source': expect.stringMatching(
        /^\/apis\/v1\/namespaces\/[a-z0-9-]+\/kafkasources\/[a-z0-9-]+#[\w.-]+$/,
      ),
    });
  });

  test('structured: application/cloudevents+json with the AT event as data', () => {
    // Act
    const d = buildDelivery('cloudevents-structured', [EVENT], META);
    // Assess
    expect(d.headers).toEqual({ 'content-type': 'application/cloudevents+json' });
    expect(JSON.parse(d.body)).toEqual({
      specversion: '1.0',
      id: 'partition:0/offset:167',
      source: '/apis/v1/namespaces/glxo4k7nj7d/kafkasources/mykafkasubscription#kafka-topic1',
      subject: 'partition:0#167',
      type: 'dev.knative.kafka.event',
      time: '2022-03-31T22:19:36.499Z',
      datacontenttype: 'application/json',
      data: EVENT,
    });
  });
});

describe('buildDelivery: Event Notifications (Cloud Logs alert)', () => {
  test('has the keys of IBM’s published Cloud Logs → EN payload, at every level', () => {
    // Prepare
    const published = fixture('cl-alert-en--StandardMoreThanAlertEvent.AlertTriggered.json');
    const pd = published.data as Record<string, unknown>;
    // Act
    const body = JSON.parse(buildDelivery('event-notifications', [EVENT], META).body);
    // Assess
    expect(Object.keys(body).sort()).toEqual(Object.keys(published).sort());
    expect(Object.keys(body.data).sort()).toEqual(Object.keys(pd).sort());
    expect(Object.keys(body.data.alert_definition).sort()).toEqual(
      Object.keys(pd.alert_definition as object).sort(),
    );
    expect(Object.keys(body.data.links).sort()).toEqual(Object.keys(pd.links as object).sort());
  });

  test('is a triggered Cloud Logs alert event with the AT event as log_example', () => {
    // Act
    const d = buildDelivery('event-notifications', [EVENT], META);
    const body = JSON.parse(d.body);
    // Assess
    expect(d.headers).toEqual({ 'content-type': 'application/json' });
    expect(CL_EVENT_TYPE).toMatch(/^com\.ibm\.cloud\.logs\.[A-Za-z]+AlertEvent:AlertTriggered$/);
    expect(body).toMatchObject({
      type: CL_EVENT_TYPE,
      specversion: '1.0',
      datacontenttype: 'application/json',
      time: '2022-03-31T22:19:36.499000Z',
      source: expect.stringMatching(/^crn:v1:bluemix:public:logs:eu-de:a\/acct:[0-9a-f-]+::$/),
      data: {
        status: 'triggered',
        log_example: EVENT,
        log_example_truncated: false,
        latest_event_timestamp: Date.parse('2026-09-01T10:15:42.180Z'),
        alert_definition: { name: 'mykafkasubscription' },
      },
    });
    expect(body.ibmensourceid).toBe(body.source);
  });

  test(`log_example is the object up to exactly ${LOG_EXAMPLE_LIMIT} characters of JSON`, () => {
    // Prepare
    const event = eventOfLength(LOG_EXAMPLE_LIMIT);
    // Act
    const body = JSON.parse(buildDelivery('event-notifications', [event], META).body);
    // Assess
    expect(JSON.stringify(event)).toHaveLength(1000);
    expect(body.data.log_example).toEqual(event);
    expect(body.data.log_example_truncated).toBe(false);
  });

  test('one character more: the first 1000 characters of the JSON text, flagged truncated', () => {
    // Prepare
    const event = eventOfLength(LOG_EXAMPLE_LIMIT + 1);
    // Act
    const body = JSON.parse(buildDelivery('event-notifications', [event], META).body);
    // Assess
    expect(body.data.log_example).toBe(JSON.stringify(event).slice(0, 1000));
    expect(body.data.log_example).toHaveLength(1000);
    expect(body.data.log_example_truncated).toBe(true);
  });

  test('logExample on its own', () => {
    expect(logExample({ a: 1 })).toEqual({ log_example: { a: 1 }, log_example_truncated: false });
    expect(logExample('x'.repeat(2000)).log_example).toHaveLength(1000);
  });
});
