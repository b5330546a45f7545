import { expect, test } from 'vitest';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';

const request = (
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  query = '',
) => ({
  method: 'post',
  path: '/',
  query,
  headers,
  body: Buffer.from(body),
});

test('a JSON body is unfolded into params and kept Base64 in __ce_body; headers in canonical case', () => {
  // Act
  const params = paramsFromHttp(
    request('{"a":1,"__ce_method":"GET"}', { 'content-type': 'application/json', 'ce-id': 'x' }, 'a=0&b=2'),
  );
  // Assess: body keys win over query keys; __ce_* cannot be overridden.
  expect(params).toMatchObject({
    a: 1,
    b: '2',
    __ce_method: 'POST',
    __ce_headers: { 'Content-Type': 'application/json', 'Ce-Id': 'x' },
  });
  expect(Buffer.from(String(params.__ce_body), 'base64').toString()).toBe('{"a":1,"__ce_method":"GET"}');
});

test('a body or query key named __proto__ stays a plain key, never a prototype', () => {
  const params = paramsFromHttp(
    request('{"__proto__":{"polluted":true}}', { 'content-type': 'application/json' }, '__proto__=q'),
  );
  expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
  expect((params as { polluted?: unknown }).polluted).toBeUndefined();
  expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toEqual({ polluted: true });
});

test('text bodies stay text; binary bodies are Base64', () => {
  expect(paramsFromHttp(request('hello', { 'content-type': 'text/plain' })).__ce_body).toBe('hello');
  expect(paramsFromHttp(request('hi', { 'content-type': 'application/octet-stream' })).__ce_body).toBe(
    'aGk=',
  );
});
