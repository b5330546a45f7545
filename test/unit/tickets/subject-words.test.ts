// Sinks word a ticket after its subject: a trusted profile, or a VPC's network posture.
import { describe, expect, test } from 'vitest';
import { closingNote, subjectNoun } from '#shared/tickets/text.ts';

const ACCOUNT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const profile = {
  id: 'Profile-1',
  name: 'ci-deployer',
  account_id: ACCOUNT,
  crn: `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::profile:Profile-1`,
};
const vpc = {
  id: 'r006-vpc',
  name: 'prod-vpc',
  account_id: ACCOUNT,
  crn: `crn:v1:bluemix:public:is:us-south:a/${ACCOUNT}::vpc:r006-vpc`,
};

describe('subject words', () => {
  test('a trusted profile, a VPC, anything else', () => {
    expect([subjectNoun(profile), subjectNoun(vpc), subjectNoun({ ...vpc, crn: 'crn:v1:x' })]).toEqual([
      'trusted profile',
      'VPC',
      'resource',
    ]);
  });

  test('closing notes say what became compliant or exempt', () => {
    expect(closingNote(profile, 'compliant')).toBe(
      'imds-guard: trusted profile ci-deployer is no longer too broad.',
    );
    expect(closingNote(vpc, 'compliant')).toBe('imds-guard: VPC prod-vpc is compliant.');
    expect(closingNote(vpc, 'exempt')).toBe('imds-guard: VPC prod-vpc is exempt.');
  });
});
