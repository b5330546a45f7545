// 429 storms: a per-region rate limit (token buckets answering 429 + Retry-After) and bursts of
// injected 429s. The scan still completes, every resource is decided exactly once, nothing fails, and
// the lanes slow down (pause + halved concurrency) instead of hammering.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { EXIT, exitCodeFor } from '#functions/sweep/summary.ts';
import { type Account, count, crnsOnce, startAccount } from './support.ts';

const NO_TAGS = { instances: { default: { mode: 'secure' }, exemptions: { access_tags: [] } } } as const;
const TAG_EXEMPT = { instances: { default: { mode: 'secure' } } } as const;

let account: Account;

beforeAll(async () => {
  account = await startAccount({
    instances: 300,
    regions: 3,
    seed: 'bulk-storms',
    profiles: 0,
    templatesPerRegion: 0,
    groupsPerRegion: 0,
  });
});

beforeEach(async () => {
  await account.emu.reset();
});

afterAll(async () => {
  await account.close();
});

describe('429 storms', () => {
  test('per-region rate limit + a burst of 429s: the apply completes, each instance decided once', async () => {
    // Prepare: 40 requests/s per region, and 20 extra 429s on reads and 10 on PATCHes.
    await account.limit({ service: 'vpc', rps: 40, burst: 40 });
    await account.admin.fault([
      {
        service: 'vpc',
        method: 'GET',
        path: '/instances/',
        status: 429,
        retry_after: 1,
        count: 20,
        after: 30,
      },
      { service: 'vpc', method: 'PATCH', status: 429, retry_after: 1, count: 10, after: 20 },
    ]);
    const since = await account.mark();
    const { instances } = account.inventory();

    // Act
    const t0 = Date.now();
    const { summary, records } = await account.scan(NO_TAGS, {
      apply: true,
      include: ['instances'],
      regionConcurrency: 8,
    });
    const elapsed = Date.now() - t0;

    // Assess: complete and exact
    expect(new Set(crnsOnce(records))).toEqual(new Set(instances));
    expect(summary).toMatchObject({ complete: true, failures: 0 });
    expect(count(records, 'failed')).toBe(0);
    expect(exitCodeFor(summary)).toBe(EXIT.ok);
    const patches = (await account.journal(since, 'vpc')).filter(
      (e) => e.method === 'PATCH' && e.status === 200,
    );
    expect(patches.length).toBe(count(records, 'remediated'));
    // …and it backed off: every region was throttled, paused and cut, and few requests were refused.
    const regionLanes = summary.lanes.filter((l) => l.lane.startsWith('vpc:'));
    expect(regionLanes).toHaveLength(3);
    for (const lane of regionLanes) {
      expect(lane.throttled).toBeGreaterThan(0);
      expect(lane.cuts).toBeGreaterThan(0);
      expect(lane.pausedMs).toBeGreaterThanOrEqual(900);
    }
    const answers = await account.journal(since, 'vpc');
    const refused = answers.filter((e) => e.status === 429).length;
    expect(refused / answers.length).toBeLessThan(0.2);
    expect(elapsed).toBeGreaterThan(1_000);
  });

  test('429s from Global Tagging pause the tagging lane; the plan still decides everything once', async () => {
    // Prepare
    await account.admin.fault({ service: 'tagging', status: 429, retry_after: 1, count: 12, after: 5 });
    const { instances } = account.inventory();

    // Act
    const { summary, records } = await account.scan(TAG_EXEMPT, { include: ['instances'] });

    // Assess
    expect(new Set(crnsOnce(records))).toEqual(new Set(instances));
    expect(summary.failures).toBe(0);
    expect(records.some((r) => r.detail?.tag_lookup_error)).toBe(false);
    const tagging = summary.lanes.find((l) => l.lane === 'tagging');
    expect(tagging?.throttled).toBe(12);
    expect(tagging?.pausedMs).toBeGreaterThanOrEqual(900);
  });
});
