// What a run over many accounts left: each account's unfinished listings carry the account; an account
// that could not be acted in at all is one `account` entry with its error.
import { describe, expect, test } from 'vitest';
import { unreachedOf } from '#functions/sweep/summary.ts';

const listing = (over: Record<string, unknown> = {}) => ({
  listed: 3,
  owned: 3,
  pages: 1,
  listing_finished: true,
  complete: false,
  not_reached: 2,
  resume_from: 'tok',
  ...over,
});

describe('unreachedOf with accounts', () => {
  test('per account, the account named; a failed account whole', () => {
    const out = unreachedOf({
      regions: {},
      accounts: {
        a: { via: 'own', complete: false, regions: { 'us-south': { instances: listing() } } },
        b: { via: 'assume', complete: false, error: 'cannot act in account b: IAM said no' },
        c: {
          via: 'apikey',
          complete: true,
          regions: { 'eu-de': { instances: listing({ complete: true }) } },
        },
      },
    });
    expect(out).toEqual([
      {
        account: 'a',
        kind: 'instance',
        region: 'us-south',
        not_reached: 2,
        listing_finished: true,
        pages_listed: 1,
        resume_from: 'tok',
      },
      {
        account: 'b',
        kind: 'account',
        not_reached: 0,
        listing_finished: false,
        pages_listed: 0,
        resume_from: null,
        error: 'cannot act in account b: IAM said no',
      },
    ]);
  });
});
