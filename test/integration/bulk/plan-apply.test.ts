// Plan and apply over a generated 2,000-instance, 4-region account through the real SDK clients: one
// record per resource, tags read only where they can change the outcome, the apply acting through the
// guards, and a second plan with nothing left to do.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXIT, exitCodeFor } from '#functions/sweep/summary.ts';
import { isDecisionLine } from '#shared/audit/decision.ts';
import { type Account, count, crnsOnce, SECURE, startAccount } from './support.ts';

let account: Account;

beforeAll(async () => {
  account = await startAccount({ instances: 2000, regions: 4, seed: 'bulk-plan-apply', profiles: 0 });
});

afterAll(async () => {
  await account.close();
});

// Thousands of requests through the real SDK on a shared, loaded machine: a generous timeout, no wall-clock assertion.
describe('scan over a generated multi-region account', { timeout: 120_000 }, () => {
  let planned = 0;

  test('plan: one record per instance and template, changes counted, nothing changed', async () => {
    // Prepare
    const since = await account.mark();
    const { instances, templates } = account.inventory();

    // Act
    const { summary, records } = await account.scan(SECURE);

    // Assess
    expect(new Set(crnsOnce(records))).toEqual(new Set([...instances, ...templates]));
    expect(records.every((r) => r.fn === 'scan' && isDecisionLine(r) && r.dry_run)).toBe(true);
    expect(records.every((r) => r.correlation_id === summary.run_id)).toBe(true);
    expect(Object.keys(summary.regions).sort()).toEqual(['eu-de', 'eu-gb', 'us-east', 'us-south']);
    planned = records.filter((r) => r.outcome === 'planned' && r.detail?.mode !== 'audit').length;
    expect(planned).toBeGreaterThan(1000);
    expect(summary.changes.planned).toBe(planned);
    expect(summary).toMatchObject({ complete: true, failures: 0, mode: 'plan' });
    expect(exitCodeFor(summary)).toBe(EXIT.changes);
    const writes = (await account.journal(since)).filter(
      (e) => e.method !== 'GET' && e.service !== 'iam-token',
    );
    expect(writes).toEqual([]);
    // A planned instance says what would change, why, and under which rule.
    const one = records.find((r) => r.detail?.kind === 'instance' && r.outcome === 'planned');
    expect(one?.detail).toMatchObject({
      rule: 'default',
      patch: expect.any(Object),
      region: expect.any(String),
    });
    expect(one?.reason).toMatch(/^dry run: would PATCH/);
  });

  test('tags are looked up only for instances they could change (the non-compliant ones here)', async () => {
    // Prepare: the policy exempts by access tag and has no tag rules.
    const since = await account.mark();

    // Act
    const { records } = await account.scan(SECURE, { include: ['instances'] });

    // Assess
    const outcomeOf = new Map(records.map((r) => [r.target_crn, r.outcome]));
    const looked = (await account.journal(since, 'tagging')).map((e) => e.query.attached_to);
    expect(looked.length).toBe(count(records, 'planned') + count(records, 'exempt'));
    expect(looked.every((crn) => ['planned', 'exempt'].includes(outcomeOf.get(crn ?? '') ?? ''))).toBe(true);
    expect(count(records, 'compliant')).toBeGreaterThan(300);
    // Compliant instances cost nothing beyond their share of the listing.
    const compliant = records.filter((r) => r.outcome === 'compliant');
    expect(compliant.every((r) => r.api_calls === 0)).toBe(true);
  });

  test('a policy without tags makes no Global Tagging call at all', async () => {
    const since = await account.mark();
    await account.scan(
      { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } },
      {
        include: ['instances'],
      },
    );
    expect(await account.journal(since, 'tagging')).toEqual([]);
  });

  test('apply: the planned changes are made through the guards; a second plan has nothing to do', async () => {
    // Prepare
    const since = await account.mark();

    // Act
    const applied = await account.scan(SECURE, { apply: true });
    const again = await account.scan(SECURE);

    // Assess
    crnsOnce(applied.records);
    expect(count(applied.records, 'remediated')).toBe(planned);
    expect(applied.summary).toMatchObject({ mode: 'apply', failures: 0, complete: true });
    expect(applied.summary.changes).toEqual({ planned: 0, applied: planned });
    expect(exitCodeFor(applied.summary)).toBe(EXIT.ok);
    // Each change: a fresh GET for the ETag, then the PATCH with If-Match.
    const vpc = await account.journal(since, 'vpc');
    expect(vpc.filter((e) => e.method === 'PATCH').length).toBe(planned);
    expect(applied.records.filter((r) => r.outcome === 'remediated').every((r) => !r.dry_run)).toBe(true);
    expect(again.summary.changes.planned).toBe(0);
    expect(count(again.records, 'remediated') + count(again.records, 'failed')).toBe(0);
    expect(exitCodeFor(again.summary)).toBe(EXIT.ok);
  });

  test('a dry-run policy turns --apply into a plan', async () => {
    const since = await account.mark();
    const { summary } = await account.scan(
      { ...SECURE, dry_run: true, instances: { default: { mode: 'disable' } } },
      { apply: true, include: ['instances'] },
    );
    expect(summary.mode).toBe('plan');
    expect(summary.changes.planned).toBeGreaterThan(0);
    expect((await account.journal(since, 'vpc')).filter((e) => e.method === 'PATCH')).toEqual([]);
    expect(exitCodeFor(summary)).toBe(EXIT.changes);
  });
});
