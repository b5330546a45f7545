import fc from 'fast-check';
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { accountOf, CrnSchema, parseCrn, readCrn, regionOf } from '#shared/cloud/crn.ts';

test.each([
  [
    'crn:v1:bluemix:public:is:us-south-1:a/0123456789abcdef0123456789abcdef::instance:0717_e21b7391-2ca2-4ab5-84a8-b92157a633b0',
    {
      service: 'is',
      location: 'us-south-1',
      region: 'us-south',
      account: '0123456789abcdef0123456789abcdef',
      type: 'instance',
      id: '0717_e21b7391-2ca2-4ab5-84a8-b92157a633b0',
    },
  ],
  [
    'crn:v1:bluemix:public:iam-identity::a/acct::profile:Profile-9fd84246',
    {
      service: 'iam-identity',
      location: '',
      region: '',
      account: 'acct',
      type: 'profile',
      id: 'Profile-9fd84246',
    },
  ],
  ['crn:v1:bluemix:public:is:us-south:a/::instance:x', { account: undefined }],
] as const)('%s', (crn, parts) => {
  expect(parseCrn(crn)).toMatchObject(parts);
});

test.each(['', 'not-a-crn', 'crn:v1:bluemix:public:is'])('%j is not a CRN', (crn) => {
  expect(parseCrn(crn)).toBeUndefined();
});

test('accountOf is parseCrn(…)?.account for any string made of CRN-like segments', () => {
  const segment = fc.oneof(
    fc.constantFrom('crn', 'v1', 'is', '', 'a/', 'a/acct', 'a/0123456789abcdef0123456789abcdef', 'a', 'x/y'),
    fc.string({ maxLength: 6 }),
  );
  const crnLike = fc
    .tuple(fc.constantFrom('crn', 'crn ', ''), fc.array(segment, { minLength: 7, maxLength: 12 }))
    .map(([head, rest]) => [head, ...rest].join(':'));
  fc.assert(
    fc.property(fc.oneof(crnLike, fc.string()), (text) => {
      expect(accountOf(text)).toBe(parseCrn(text)?.account);
    }),
    { numRuns: 2000 },
  );
});

test('zones map to their region; regions and global stay', () => {
  expect([regionOf('eu-de-3'), regionOf('eu-de'), regionOf('global')]).toEqual(['eu-de', 'eu-de', 'global']);
});

// readCrn reads a well-formed CRN with one expression and falls back to CrnSchema for the reason: both
// must agree on every input, valid or one character off.
test('readCrn agrees with CrnSchema on valid CRNs and on every one-character mutation', () => {
  const seeds = [
    'crn:v1:bluemix:public:is:us-south-1:a/0123456789abcdef0123456789abcdef::instance:0717_e21b7391-2ca2-4ab5-84a8-b92157a633b0',
    'crn:v1:bluemix:public:is:eu-de:a/0123456789abcdef0123456789abcdef::instance-template:r010-abc',
    'crn:v1:bluemix:public:iam-identity::a/0123456789abcdef0123456789abcdef::profile:Profile-9fd84246',
    'crn:v1:bluemix:public:iam-identity:global:a/0123456789abcdef0123456789abcdef::profile:',
  ];
  const alphabet = ['', ':', '/', 'a', 'Z', '0', '-', '_', '.', ' ', '%', 'é', '\n'];
  const reference = (text: unknown) => {
    const out = v.safeParse(CrnSchema, text);
    return out.success ? { ok: true, crn: out.output } : { ok: false, reason: out.issues[0].message };
  };
  let checked = 0;
  for (const seed of seeds) {
    expect(readCrn(seed).ok).toBe(true);
    for (let i = 0; i <= seed.length; i += 1)
      for (const c of alphabet)
        for (const cut of [0, 1]) {
          const text = seed.slice(0, i) + c + seed.slice(i + cut);
          expect(readCrn(text)).toEqual(reference(text));
          checked += 1;
        }
  }
  for (const odd of [undefined, null, 42, {}, `${seeds[0]}${'x'.repeat(512)}`, seeds[0]?.toUpperCase()])
    expect(readCrn(odd)).toEqual(reference(odd));
  expect(checked).toBeGreaterThan(1000);
});
