// Front doors: Code Engine function params, HTTP app requests and job env → one request shape.
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { requestFromHttp, requestFromJobEnv, requestFromParams } from '#events/request.ts';
import { buildDelivery, type EnvelopeMeta, paramsFromDelivery } from '../../helpers/deliveries.ts';
import { loadEvents } from './load.ts';

const EVENT = loadEvents().get('iam-am.policy.create') as Record<string, unknown>;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('requestFromParams', () => {
  test('decodes a Base64 __ce_body and lower-cases canonical header names', () => {
    // Prepare
    const params = {
      __ce_method: 'post',
      __ce_path: '/hook',
      __ce_query: 'dry=1',
      __ce_headers: { 'Content-Type': 'application/json', 'Ce-Id': 'x-1', 'X-Count': 3 },
      __ce_body: b64('{"action":"a.b.c"}'),
      action: 'a.b.c',
    };
    // Act
    const r = requestFromParams(params);
    // Assess
    expect(r).toMatchObject({
      method: 'POST',
      path: '/hook',
      query: 'dry=1',
      headers: { 'content-type': 'application/json', 'ce-id': 'x-1', 'x-count': '3' },
    });
    expect(r.body.toString()).toBe('{"action":"a.b.c"}');
  });

  test('takes a text/plain __ce_body as it is', () => {
    const r = requestFromParams({ __ce_headers: { 'Content-Type': 'text/plain' }, __ce_body: 'aGVsbG8=' });
    expect(r.body.toString()).toBe('aGVsbG8=');
  });

  test('takes a JSON __ce_body that is not Base64 as text (hand-written params)', () => {
    const r = requestFromParams({ __ce_headers: {}, __ce_body: '{"action":"a.b.c"}' });
    expect(r.body.toString()).toBe('{"action":"a.b.c"}');
  });

  test('without __ce_body, rebuilds the JSON body from unfolded keys, minus __ce_* and query keys', () => {
    // Prepare
    const params = {
      __ce_method: 'POST',
      __ce_headers: { 'Content-Type': 'application/json' },
      __ce_query: 'planet3=Uranus&same=1',
      planet1: 'Mars',
      planet3: 'Uranus',
      same: 2, // a body key that overrode the query value stays
    };
    // Act
    const r = requestFromParams(params);
    // Assess
    expect(JSON.parse(r.body.toString())).toEqual({ planet1: 'Mars', same: 2 });
  });

  test('cron params with text data in `body` (IBM sample shape)', () => {
    const r = requestFromParams({
      __ce_headers: { 'Ce-Type': 'dev.knative.sources.ping', 'Content-Type': 'text/plain' },
      body: 'hello stranger',
    });
    expect(r).toMatchObject({
      method: 'POST',
      path: '/',
      headers: { 'ce-type': 'dev.knative.sources.ping' },
    });
    expect(r.body.toString()).toBe('hello stranger');
  });

  test('params without any __ce_* key are the event itself', () => {
    const r = requestFromParams(EVENT);
    expect(r.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(r.body.toString())).toEqual(EVENT);
  });

  test.each([
    [null, 'null'],
    [undefined, ''],
    [42, '42'],
    ['text', '"text"'],
    [[{ action: 'a.b.c' }], '[{"action":"a.b.c"}]'],
    [{ a: 10n }, ''],
  ])('odd params %# never throw', (params, body) => {
    expect(requestFromParams(params).body.toString()).toBe(body);
  });

  test('odd __ce_* values fall back to defaults', () => {
    const r = requestFromParams({ __ce_method: 7, __ce_path: null, __ce_headers: 'x', __ce_body: { a: 1 } });
    expect(r).toMatchObject({ method: 'POST', path: '/', query: '', headers: {} });
    expect(r.body.toString()).toBe('{"a":1}');
  });

  test('a header named __proto__ stays a plain key', () => {
    const headers = JSON.parse('{"__proto__": "x", "Content-Type": "application/json"}');
    const r = requestFromParams({ __ce_headers: headers, __ce_body: '' });
    expect(Object.getPrototypeOf(r.headers)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(r.headers, '__proto__')?.value).toBe('x');
  });

  test('round-trips what Code Engine builds from an HTTP delivery', () => {
    // Prepare
    const meta: EnvelopeMeta = { time: new Date(0) };
    const delivery = buildDelivery('cloudevents-structured', EVENT, meta);
    const params = paramsFromDelivery(delivery, { query: 'x=1' });
    // Act
    const r = requestFromParams(params);
    // Assess
    expect(r.headers['content-type']).toBe('application/cloudevents+json');
    expect(r.query).toBe('x=1');
    expect(JSON.parse(r.body.toString())).toEqual(delivery.body);
  });
});

describe('requestFromHttp', () => {
  test('splits the url and joins repeated headers', () => {
    const r = requestFromHttp(
      {
        method: 'post',
        url: '/app?a=1&b=2',
        headers: { 'Ce-Id': 'p', 'x-multi': ['1', '2'], skip: undefined },
      },
      Buffer.from('{}'),
    );
    expect(r).toEqual({
      method: 'POST',
      path: '/app',
      query: 'a=1&b=2',
      headers: { 'ce-id': 'p', 'x-multi': '1, 2' },
      body: Buffer.from('{}'),
    });
  });

  test("takes node's IncomingMessage as it is", () => {
    // Prepare
    const msg = new IncomingMessage(new Socket());
    msg.method = 'POST';
    msg.url = '/app?x=1';
    msg.headers = { 'ce-id': 'partition:0/offset:1', 'content-length': '2' };
    // Act
    const r = requestFromHttp(msg, Buffer.from('{}'));
    // Assess
    expect(r).toMatchObject({ path: '/app', query: 'x=1', headers: { 'ce-id': 'partition:0/offset:1' } });
  });

  test('JSON-encodes a parsed fixture body and keeps strings and bytes', () => {
    expect(requestFromHttp({ body: { a: 1 } }).body.toString()).toBe('{"a":1}');
    expect(requestFromHttp({ body: 'test1: 1' }).body.toString()).toBe('test1: 1');
    expect(requestFromHttp({}, new Uint8Array([123, 125])).body.toString()).toBe('{}');
    expect(requestFromHttp({ path: '/p', query: '?q=1' })).toMatchObject({ path: '/p', query: 'q=1' });
  });
});

describe('requestFromJobEnv', () => {
  test('CE_DATA is the body and CE_* the ce-* headers', () => {
    const r = requestFromJobEnv({
      CE_DATA: '{"x":1}',
      CE_ID: 'partition:0/offset:46',
      CE_TYPE: 'dev.knative.kafka.event',
      CE_SUBDOMAIN: 'ignored',
    });
    expect(r.headers).toEqual({ 'ce-id': 'partition:0/offset:46', 'ce-type': 'dev.knative.kafka.event' });
    expect(r.body.toString()).toBe('{"x":1}');
  });

  test('Event Notifications → job: the payload is in ibmendata', () => {
    expect(requestFromJobEnv({ ibmendata: '{"data":{}}' }).body.toString()).toBe('{"data":{}}');
  });
});
