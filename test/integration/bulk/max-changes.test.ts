// The blast-radius limit: with --apply and --max-changes, a plan comes first; more changes than the
// limit → nothing is changed at all, and the run says so (exit 4). Within the limit → applied.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXIT, exitCodeFor } from '#functions/sweep/summary.ts';
import { type Account, count, crnsOnce, SECURE, startAccount } from './support.ts';

let account: Account;

beforeAll(async () => {
  account = await startAccount({ instances: 400, regions: 2, seed: 'bulk-max-changes', profiles: 0 });
});

afterAll(async () => {
  await account.close();
});

describe('--max-changes', () => {
  test('a plan with more changes than the limit → refused, nothing changed, no records', async () => {
    // Prepare
    const plan = await account.scan(SECURE);
    const since = await account.mark();

    // Act
    const { summary, records } = await account.scan(SECURE, { apply: true, maxChanges: 10 });

    // Assess
    expect(plan.summary.changes.planned).toBeGreaterThan(10);
    expect(summary.refused).toEqual({
      max_changes: 10,
      planned_changes: plan.summary.changes.planned,
      plan_complete: true,
    });
    expect(exitCodeFor(summary)).toBe(EXIT.refused);
    expect(records).toEqual([]);
    const writes = (await account.journal(since, 'vpc')).filter((e) => e.method !== 'GET');
    expect(writes).toEqual([]);
  });

  test('a limit equal to the plan → the plan is applied, once', async () => {
    // Prepare
    const plan = await account.scan(SECURE);
    const changes = plan.summary.changes.planned;
    const since = await account.mark();

    // Act
    const { summary, records } = await account.scan(SECURE, { apply: true, maxChanges: changes });

    // Assess
    crnsOnce(records);
    expect(summary.refused).toBeUndefined();
    expect(count(records, 'remediated')).toBe(changes);
    expect((await account.journal(since, 'vpc')).filter((e) => e.method === 'PATCH').length).toBe(changes);
    expect(exitCodeFor(summary)).toBe(EXIT.ok);
  });

  test('--max-changes 0 on a compliant account applies nothing and succeeds', async () => {
    const { summary } = await account.scan(SECURE, { apply: true, maxChanges: 0 });
    expect(summary.refused).toBeUndefined();
    expect(summary.changes).toEqual({ planned: 0, applied: 0 });
    expect(exitCodeFor(summary)).toBe(EXIT.ok);
  });
});
