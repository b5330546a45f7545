// A function bundle can hold two copies of shared/errors.ts (the acting file and its lazily loaded
// ticketing file, scripts/build.mjs): an error one copy throws is still recognised by the other.
import { expect, test } from 'vitest';
import { CloudApiError, ConfigError, InvalidInputError } from '#shared/errors.ts';
import { IssuesError } from '#shared/policy/issues.ts';
import { TicketSinkError } from '#shared/tickets/types.ts';

const secondCopy = async <T>(path: string): Promise<T> => {
  const spec = `../../../${path}?second-copy`;
  return (await import(/* @vite-ignore */ spec)) as T;
};

test("an error from another copy of the module passes the first copy's instanceof", async () => {
  // Prepare: second module instances, as separately bundled files would have.
  const errors = await secondCopy<typeof import('#shared/errors.ts')>('shared/errors.ts');
  const tickets = await secondCopy<typeof import('#shared/tickets/types.ts')>('shared/tickets/types.ts');
  expect(errors.CloudApiError).not.toBe(CloudApiError);
  // Act
  const ibm = new errors.CloudApiError('IBM answered 503', { status: 503 });
  const sink = new tickets.TicketSinkError('jira', 'down', { status: 502, retryable: true });
  // Assess: recognised across copies, and only as what they are.
  expect(ibm instanceof CloudApiError).toBe(true);
  expect(ibm instanceof ConfigError).toBe(false);
  expect(new errors.ConfigError('x') instanceof ConfigError).toBe(true);
  expect(new errors.InvalidInputError('x') instanceof InvalidInputError).toBe(true);
  expect(sink instanceof TicketSinkError).toBe(true);
  expect(sink instanceof CloudApiError).toBe(false);
  expect(new Error('plain') instanceof CloudApiError).toBe(false);
  expect((null as unknown as object) instanceof CloudApiError).toBe(false);
});

test('a subclass keeps its own check: its parent is not one of it', () => {
  expect(new IssuesError('policy.yaml', []) instanceof ConfigError).toBe(true);
  expect(new ConfigError('x') instanceof IssuesError).toBe(false);
  expect(new IssuesError('policy.yaml', []) instanceof IssuesError).toBe(true);
});
