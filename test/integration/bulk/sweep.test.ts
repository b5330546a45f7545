// The cron sweep as Code Engine calls it: a ping → the bulk engine with --apply semantics within its
// budget. With a budget too small for the account it stops starting work in time, finishes what is in
// flight, reports what it did not reach (summary line and response), and a run given `resume` continues.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMain } from '#functions/sweep/index.ts';
import type { Unreached } from '#functions/sweep/summary.ts';
import { type DecisionRecord, isDecisionLine } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { paramsFromHttp } from '#shared/runtime/ce-params.ts';
import { envFor } from '../../helpers/emulator.ts';
import { type Account, GUARD_KEY, startAccount } from './support.ts';

const POLICY = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } };

let account: Account;

beforeAll(async () => {
  account = await startAccount({
    instances: 3000,
    regions: 3,
    seed: 'bulk-sweep',
    profiles: 0,
    templatesPerRegion: 0,
    groupsPerRegion: 0,
  });
});

afterAll(async () => {
  await account.close();
});

/** A Code Engine cron ping (what `sub cron create … --data '{…}'` sends), as the function's params. */
const ping = (data: Record<string, unknown>) =>
  paramsFromHttp({
    method: 'POST',
    path: '/',
    query: '',
    headers: {
      'content-type': 'application/json',
      'ce-id': `ping-${Math.random().toString(16).slice(2)}`,
      'ce-source': '/apis/v1/namespaces/k3x9qv2m7ta/pingsources/sweep-hourly',
      'ce-specversion': '1.0',
      'ce-time': '2026-09-01T12:17:00.000Z',
      'ce-type': 'dev.knative.sources.ping',
    },
    body: Buffer.from(JSON.stringify(data)),
  });

const sweep = () => {
  const logger = memoryLogger('info');
  const main = createMain({
    env: envFor(account.url, GUARD_KEY, { IMDS_GUARD_POLICY: JSON.stringify(POLICY) }),
    logger,
  });
  const decisions = () => logger.lines.filter(isDecisionLine) as unknown as DecisionRecord[];
  const summaryLine = () => logger.lines.find((l) => l.message === 'sweep summary');
  return { main, decisions, summaryLine };
};

interface SweepBody {
  outcome: string;
  complete: boolean;
  summary: { unreached?: Unreached[]; decided: number; elapsed_ms: number; budget_ms: number };
  resume?: Record<string, unknown>;
  decisions: DecisionRecord[];
}

describe('sweep', () => {
  test('a budget too small: stops in time, finishes in-flight work, reports what it did not reach; resume continues', async () => {
    // Prepare: after the first 300, every PATCH takes longer than the whole budget, so whatever the
    // machine's speed the PATCHes started before the budget ran out are still in flight when it does
    // (3,000 instances need one).
    const fault = await account.admin.fault({
      service: 'vpc',
      method: 'PATCH',
      latency_ms: 2_500,
      after: 300,
    });
    const first = sweep();
    const { instances } = account.inventory();
    const since = await account.mark();

    // Act
    const res = await first.main(
      ping({ mode: 'sweep', budget_seconds: 2, region_concurrency: 16, concurrency: 48 }),
    );

    // Assess: counts, not a wall-clock bound — no work started after the budget (a slow PATCH outlasts
    // it, so at most one per slot), every PATCH in flight was finished and recorded; incomplete, and
    // it says so
    const patches = (await account.journal(since, 'vpc')).filter((e) => e.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.length).toBeLessThanOrEqual(300 + 48);
    expect(patches.every((e) => e.status === 200)).toBe(true);
    const remediated = first.decisions().filter((r) => r.outcome === 'remediated');
    expect(remediated.length).toBe(patches.length);
    expect(res.statusCode).toBe(200);
    const body = res.body as unknown as SweepBody;
    expect(body.complete).toBe(false);
    expect(body.outcome).toBe('remediated');
    const line = first.summaryLine();
    expect(line).toMatchObject({
      level: 'warn',
      fn: 'sweep',
      complete: false,
      budget_ms: 2_000,
      exit_code: 5,
    });
    // Profiles (global, none here) may or may not have been listed before the budget ran out.
    const unreached = (body.summary.unreached ?? []).filter((u) => u.kind === 'instance');
    expect(unreached.map((u) => u.region).sort()).toEqual(['eu-de', 'us-east', 'us-south']);
    for (const u of unreached) expect(u).toMatchObject({ listing_finished: false });
    // Each region says where to continue: a later page token, or null (its first page again) when a
    // loaded machine did not get past the first page.
    for (const u of unreached) expect(u.resume_from === null || typeof u.resume_from === 'string').toBe(true);
    const resumed = unreached.some((u) => typeof u.resume_from === 'string');
    const decided = first.decisions();
    expect(new Set(decided.map((r) => r.target_crn)).size).toBe(decided.length);
    expect(decided.length).toBeGreaterThan(0);
    expect(decided.length).toBeLessThan(instances.length);
    expect(decided.every((r) => r.fn === 'sweep' && r.event_id === decided[0]?.event_id)).toBe(true);
    expect(body.resume?.instances).toBeDefined();

    // Act again: the next run takes the resume and more time
    await account.admin.call('DELETE', `/faults/${fault.faults[0]?.id}`);
    const second = sweep();
    const res2 = await second.main(ping({ mode: 'sweep', budget_seconds: 60, resume: body.resume }));

    // Assess: it continued where the first stopped, and the two together covered the account
    const body2 = res2.body as unknown as SweepBody;
    expect(body2.complete).toBe(true);
    const again = second.decisions();
    // A region that continues from a later page does not decide its first pages again.
    expect(again.length).toBeLessThanOrEqual(instances.length);
    if (resumed) expect(again.length).toBeLessThan(instances.length);
    const covered = new Set([...decided, ...again].map((r) => r.target_crn));
    expect(covered).toEqual(new Set(instances));
    expect(second.summaryLine()).toMatchObject({ level: 'info', complete: true, exit_code: 0 });
  }, 120_000);

  test('the sweep answers only cron pings and {"mode":"sweep"}', async () => {
    // Prepare
    const { main } = sweep();
    const event = JSON.parse(readFileSync('events/fixtures/at/is.instance.instance.update.json', 'utf8'));
    const asParams = (body: unknown) =>
      paramsFromHttp({
        method: 'POST',
        path: '/',
        query: '',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(body)),
      });

    // Act
    const ignored = await main(asParams(event));
    const refused = await main(asParams({ hello: 'world' }));
    const badParam = await main(ping({ mode: 'sweep', budget_seconds: 500 }));

    // Assess
    expect(ignored.statusCode).toBe(202);
    expect(refused.statusCode).toBe(400);
    expect(badParam).toMatchObject({ statusCode: 400, body: { outcome: 'refused' } });
    expect(JSON.stringify(badParam.body)).toMatch(/budget_seconds must be a whole number from 1 to 105/);
  });

  test('a manual {"mode":"sweep","dry_run":true} plans and changes nothing', async () => {
    const { main, decisions } = sweep();
    const since = await account.mark();
    const res = await main(
      paramsFromHttp({
        method: 'POST',
        path: '/',
        query: '',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ mode: 'sweep', dry_run: true, regions: 'us-south' })),
      }),
    );
    expect(res.statusCode).toBe(200);
    expect((res.body as unknown as SweepBody).complete).toBe(true);
    expect(decisions().every((r) => r.dry_run && r.detail?.region === 'us-south')).toBe(true);
    expect((await account.journal(since, 'vpc')).filter((e) => e.method === 'PATCH')).toEqual([]);
  });
});
