// The page reader of the instance lister: what it decodes of a page equals JSON.parse's reading of the
// same keys, whatever the JSON around them (escapes, whitespace, unicode, nesting, repeated keys), and a
// broken page is an error, never a partial page.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PageSyntaxError, pageReader, type Shape } from '#functions/sweep/listers/pick-json.ts';

const ITEM: Shape = {
  id: true,
  crn: true,
  name: true,
  metadata_service: true,
  'émoji✓': true,
  vpc: { id: true, name: true, zone: { name: true } },
};
const read = pageReader<Record<string, unknown>>({
  items: 'instances',
  item: ITEM,
  page: { next: true, total_count: true },
});

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** JSON.parse, then only the kept keys (an object under a nested shape: only its kept keys). */
const pick = (o: Record<string, unknown>, shape: Shape): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => Object.hasOwn(shape, k))
      .map(([k, v]) => {
        const keep = shape[k];
        return [k, keep !== true && keep !== undefined && isObject(v) ? pick(v, keep) : v];
      }),
  );

/** What the reader must return. */
const expected = (text: string): Record<string, unknown> => {
  const page = JSON.parse(text) as Record<string, unknown>;
  const out = pick(page, { next: true, total_count: true, instances: true });
  if (Array.isArray(page.instances))
    out.instances = (page.instances as Record<string, unknown>[]).map((i) => pick(i, ITEM));
  return out;
};

const same = (text: string): void => {
  expect(read(Buffer.from(text, 'utf8'))).toStrictEqual(expected(text));
};

describe('pageReader', () => {
  test('keeps only the named keys of the page and of each item', () => {
    const page = {
      first: { href: 'https://x/v1/instances?limit=2' },
      instances: [
        { id: 'a', crn: 'crn:a', name: 'web-01', profile: { name: 'bx2-2x8' }, disks: [], memory: 8 },
        { id: 'b', vpc: { id: 'v', crn: 'crn:v', name: 'prod' }, metadata_service: { enabled: true } },
      ],
      limit: 2,
      next: { href: 'https://x/v1/instances?start=abc&limit=2' },
      total_count: 5,
    };
    const text = JSON.stringify(page);
    expect(read(Buffer.from(text))).toStrictEqual({
      instances: [
        { id: 'a', crn: 'crn:a', name: 'web-01' },
        { id: 'b', vpc: { id: 'v', name: 'prod' }, metadata_service: { enabled: true } },
      ],
      next: { href: 'https://x/v1/instances?start=abc&limit=2' },
      total_count: 5,
    });
    same(JSON.stringify(page, null, 2));
  });

  test.each([
    ['escaped key', '{"instances":[{"\\u0069d":"x","n\\u0061me":"y"}]}'],
    ['escapes in a kept string', '{"instances":[{"name":"a\\"b\\\\c\\u00e9\\n","id":"\\/"}]}'],
    [
      'brackets and quotes in skipped strings',
      '{"instances":[{"x":"}]{[\\"","id":"1","y":["]",{"}":"{"}]}]}',
    ],
    ['multi-byte UTF-8', '{"instances":[{"name":"wéb-✓-𝄞","émoji✓":"😀","z":"ü"}]}'],
    ['repeated key: the last wins', '{"instances":[{"id":"1","id":"2"}],"total_count":1,"total_count":2}'],
    ['empty page', '{"instances":[]}'],
    ['empty item', '{"instances":[{}, {"id":""}]}'],
    [
      'whitespace everywhere',
      ' \n{ "instances" :\t[ { "id" : "1" , "vpc" : { "id" : "v" } } ] , "limit" : 1 }\r\n',
    ],
    ['numbers and literals', '{"instances":[{"id":-1.5e+3,"crn":null,"name":true,"x":false,"y":0}]}'],
    ['no items key', '{"next":{"href":"h"},"total_count":0}'],
    [
      'nested keys, in depth',
      '{"instances":[{"vpc":{"id":"v","crn":"c","zone":{"name":"z","href":"h"},"name":"n"}}]}',
    ],
    [
      'a nested shape over a value that is no object',
      '{"instances":[{"vpc":null},{"vpc":[1,{"id":2}]},{"vpc":"x"}]}',
    ],
  ])('%s', (_name, text) => same(text));

  test('a byte order mark is skipped, as axios skips it', () => {
    const text = '{"instances":[{"id":"1"}]}';
    expect(read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toStrictEqual(
      expected(text),
    );
  });

  test.each([
    ['truncated', '{"instances":[{"id":"1"}'],
    ['unterminated string', '{"instances":[{"id":"1'],
    ['unterminated skipped object', '{"instances":[{"x":{"a":1'],
    ['garbage after the page', '{"instances":[]} x'],
    ['not an object', '["instances"]'],
    ['missing colon', '{"instances" []}'],
    ['missing comma', '{"instances":[{"id":"1" "crn":"2"}]}'],
    ['bad kept value', '{"instances":[{"id":tru}]}'],
    ['empty body', ''],
  ])('%s: an error, not a partial page', (_name, text) => {
    expect(() => read(Buffer.from(text))).toThrow(SyntaxError);
  });

  test('its own errors say where', () => {
    expect(() => read(Buffer.from('{"instances" []}'))).toThrow(PageSyntaxError);
    expect(() => read(Buffer.from('{"instances" []}'))).toThrow(/expected : at byte 13/);
  });

  test('strings with escapes (quotes, backslashes) before, at and past the bytes looked at one by one', () => {
    // JSON.stringify writes each of these as an escape (`\"`, `\\`, `\n`, `\u0001`) in the page.
    for (const raw of ['"', '\\', '\\"', '\n', 'é"', '\u0001'])
      for (let n = 0; n <= 60; n += 1)
        for (const text of [`${'a'.repeat(n)}${raw}b`, `${raw}${'b'.repeat(n)}`]) {
          const page = {
            instances: [{ [text]: 1, id: text, x: [text], vpc: { [text]: text, name: text } }],
            next: text,
          };
          same(JSON.stringify(page));
        }
  });

  test('property: equals JSON.parse of the same page, for any JSON in the items', () => {
    const key = fc.oneof(
      fc.constantFrom(...Object.keys(ITEM), 'zone', 'x', 'profile'),
      fc.string({ unit: 'binary' }),
    );
    const near = fc.constantFrom('id', 'name', 'zone', 'crn', 'href');
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(near, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(near, fc.jsonValue()))),
    );
    const item = fc.dictionary(key, value, { maxKeys: 8 });
    const page = fc.record(
      {
        instances: fc.array(item, { maxLength: 6 }),
        next: fc.jsonValue({ maxDepth: 2 }),
        total_count: fc.nat(),
        limit: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['instances'] },
    );
    fc.assert(
      fc.property(page, fc.constantFrom(undefined, 1, '\t'), (p, space) =>
        same(JSON.stringify(p, null, space)),
      ),
      { numRuns: 200 },
    );
  });
});
