import { expect, test } from 'vitest';
import { parseCrn, regionOf } from '#shared/cloud/crn.ts';

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

test('zones map to their region; regions and global stay', () => {
  expect([regionOf('eu-de-3'), regionOf('eu-de'), regionOf('global')]).toEqual(['eu-de', 'eu-de', 'global']);
});
