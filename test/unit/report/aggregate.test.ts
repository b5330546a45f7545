// The summary's tables from hand-made decisions: every number here can be checked by eye.
import { describe, expect, test } from 'vitest';
import type { Outcome } from '#shared/audit/decision.ts';
import { createAggregator, type InputStats } from '#shared/audit/report/aggregate.ts';
import type { Decision } from '#shared/audit/report/record.ts';

const INPUT: InputStats = {
  sources: ['t'],
  lines: 0,
  decisions: 0,
  before_since: 0,
  skipped: 0,
  malformed: 0,
  malformed_samples: [],
  formats: {},
};

const T0 = Date.parse('2025-03-12T09:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;

const decision = (over: Partial<Decision> & { outcome: Outcome }): Decision => {
  const at = over.at ?? T0;
  return {
    at,
    timestamp: new Date(at).toISOString(),
    fn: 'instance-guard',
    action: 'is.instance.instance.create',
    target: 'crn:v1:bluemix:public:is:us-south-1:a/acct::instance:0717_a',
    name: 'web-01',
    reason: 'r',
    initiator: 'IBMid-A',
    dryRun: false,
    audit: false,
    apiCalls: 2,
    latencyMs: 100,
    rules: ['default'],
    region: 'us-south',
    account: 'acct',
    resourceGroup: 'prod',
    exposureMs: null,
    eventId: 'e',
    correlationId: null,
    kind: 'instance',
    resourceId: '0717_a',
    location: 'us-south-1',
    vpc: 'prod-vpc',
    vpcId: null,
    metadata: null,
    patch: null,
    exemption: null,
    findings: [],
    severity: null,
    ibmStatus: null,
    ibmCode: null,
    ticketId: null,
    ...over,
  };
};

const summarize = (ds: Decision[], options: { failuresKept?: number; exactLimit?: number } = {}) => {
  const agg = createAggregator(options);
  for (const d of ds) agg.add(d);
  return agg.summary(INPUT, { now: new Date('2025-03-20T00:00:00Z') });
};

describe('breakdowns', () => {
  // Prepare: 6 decisions over two initiators, rules, regions and resource groups
  const ds = [
    decision({ outcome: 'remediated', initiator: 'IBMid-A', rules: ['container-hosts'], exposureMs: 1000 }),
    decision({ outcome: 'remediated', initiator: 'IBMid-A', rules: ['container-hosts'], exposureMs: 3000 }),
    decision({ outcome: 'failed', initiator: 'IBMid-B', rules: ['container-hosts'], region: 'eu-de' }),
    decision({ outcome: 'compliant', initiator: 'IBMid-B', rules: ['default'], resourceGroup: 'dev' }),
    decision({
      outcome: 'ticket_opened',
      fn: 'profile-guard',
      rules: ['long-session', 'cross-account-link'],
      region: 'global',
      resourceGroup: null,
      action: 'iam-identity.profile.create',
    }),
    decision({
      outcome: 'ignored',
      initiator: null,
      rules: [],
      region: null,
      resourceGroup: null,
      action: null,
    }),
  ];
  const s = summarize(ds);

  test('outcomes: every outcome present, zeros included', () => {
    expect(s.outcomes).toEqual({
      remediated: 2,
      compliant: 1,
      exempt: 0,
      ignored: 1,
      refused: 0,
      gone: 0,
      planned: 0,
      ticket_opened: 1,
      ticket_updated: 0,
      ticket_resolved: 0,
      failed: 1,
      deferred: 0,
    });
    expect(s.totals).toEqual({
      decisions: 6,
      remediated: 2,
      failed: 1,
      planned: 0,
      tickets: 1,
      dry_run: 0,
      remediation_attempts: 3,
    });
  });

  test.each([
    {
      dim: 'rule' as const,
      items: [
        ['container-hosts', 3, 2, 1],
        ['cross-account-link', 1, 0, 0],
        ['default', 1, 0, 0],
        ['long-session', 1, 0, 0],
      ],
      missing: 1,
    },
    {
      dim: 'initiator' as const,
      items: [
        ['IBMid-A', 3, 2, 0],
        ['IBMid-B', 2, 0, 1],
      ],
      missing: 1,
    },
    {
      dim: 'region' as const,
      items: [
        ['us-south', 3, 2, 0],
        ['eu-de', 1, 0, 1],
        ['global', 1, 0, 0],
      ],
      missing: 1,
    },
    {
      dim: 'resource_group' as const,
      items: [
        ['prod', 3, 2, 1],
        ['dev', 1, 0, 0],
      ],
      missing: 2,
    },
    {
      dim: 'function' as const,
      items: [
        ['instance-guard', 5, 2, 1],
        ['profile-guard', 1, 0, 0],
      ],
      missing: 0,
    },
    {
      dim: 'action' as const,
      items: [
        ['is.instance.instance.create', 4, 2, 1],
        ['iam-identity.profile.create', 1, 0, 0],
      ],
      missing: 1,
    },
  ])('by $dim: most first, ties by name, decisions without one counted apart', ({ dim, items, missing }) => {
    const b = s.by[dim];
    expect(b.items.map((c) => [c.key, c.count, c.remediated, c.failed])).toEqual(items);
    expect(b.missing).toBe(missing);
    expect(b.distinct).toBe(items.length);
  });

  test('the top N are kept, the rest summed as others', () => {
    const many = Array.from({ length: 7 }, (_, i) =>
      decision({ outcome: 'compliant', initiator: `user-${i}` }),
    ).concat([decision({ outcome: 'compliant', initiator: 'user-0' })]);
    const agg = createAggregator();
    for (const d of many) agg.add(d);
    const b = agg.summary(INPUT, { top: 3 }).by.initiator;
    expect(b.items.map((c) => c.key)).toEqual(['user-0', 'user-1', 'user-2']);
    expect([b.distinct, b.others]).toEqual([7, 4]);
  });
});

describe('exposure window', () => {
  test('percentiles and a log-binned histogram trimmed to the data (at least 6 bins)', () => {
    // Prepare: 10 remediations: 1.5 s ×4, 3 s ×3, 7 s ×2, 45 s ×1
    const ms = [1500, 1500, 1500, 1500, 3000, 3000, 3000, 7000, 7000, 45_000];
    const s = summarize(ms.map((exposureMs) => decision({ outcome: 'remediated', exposureMs })));
    // Assess
    expect(s.exposure).toMatchObject({
      count: 10,
      p50: 3000,
      p90: 7000,
      p99: 45_000,
      max: 45_000,
      min: 1500,
    });
    expect(s.exposure.histogram.map((b) => [b.label, b.count])).toEqual([
      ['1–2 s', 4],
      ['2–5 s', 3],
      ['5–10 s', 2],
      ['10–30 s', 0],
      ['30 s–1 m', 1],
      ['1–2 m', 0],
    ]);
    expect(s.exposure.histogram[0]).toMatchObject({ from_ms: 1000, to_ms: 2000 });
  });

  test('the last bin is open-ended; the trimmed range widens leftwards at the end', () => {
    const s = summarize([decision({ outcome: 'remediated', exposureMs: 8 * HOUR })]);
    const h = s.exposure.histogram;
    expect(h).toHaveLength(6);
    expect(h[h.length - 1]).toMatchObject({ label: '≥ 6 h', to_ms: null, count: 1 });
  });

  test('no remediations: no histogram', () => {
    expect(summarize([decision({ outcome: 'compliant' })]).exposure).toMatchObject({
      count: 0,
      p50: null,
      histogram: [],
    });
  });
});

describe('timeline: the bucket size fits the span', () => {
  test('a one-minute run is shown in 2-second buckets, not one hourly bar', () => {
    const s = summarize([
      decision({ outcome: 'remediated', at: T0 }),
      decision({ outcome: 'failed', at: T0 + 1_500 }),
      decision({ outcome: 'compliant', at: T0 + 59_000 }),
    ]);
    expect(s.timeline).toMatchObject({ unit: '2 s', step_ms: 2_000 });
    expect(s.timeline.buckets).toHaveLength(30);
    expect(s.timeline.buckets[0]).toMatchObject({ start: '2025-03-12T09:00:00.000Z', total: 2 });
    expect(s.timeline.buckets[0]?.by_category).toMatchObject({ remediated: 1, failed: 1, compliant: 0 });
    expect(s.timeline.buckets[29]).toMatchObject({ start: '2025-03-12T09:00:58.000Z', total: 1 });
  });

  test('a few hours are shown in 10-minute buckets, gaps filled with empty ones', () => {
    const s = summarize([
      decision({ outcome: 'remediated', at: T0 + 5 * MIN }),
      decision({ outcome: 'failed', at: T0 + 9 * MIN }),
      decision({ outcome: 'compliant', at: T0 + 3 * HOUR + 1 }),
    ]);
    expect(s.timeline.unit).toBe('10 min');
    expect(s.timeline.buckets).toHaveLength(19);
    expect(s.timeline.buckets.map((b) => b.total).reduce((a, b) => a + b, 0)).toBe(3);
    expect(s.timeline.buckets[0]).toMatchObject({ start: '2025-03-12T09:00:00.000Z', total: 2 });
    expect(s.timeline.buckets[1]?.total).toBe(0);
  });

  test('a month is shown by UTC day, outcomes grouped into categories', () => {
    const s = summarize([
      decision({ outcome: 'ticket_opened', at: T0 }),
      decision({ outcome: 'ticket_resolved', at: T0 + HOUR }),
      decision({ outcome: 'exempt', at: T0 + 29 * 24 * HOUR }),
      decision({ outcome: 'gone', at: T0 + 29 * 24 * HOUR }),
    ]);
    expect(s.timeline.unit).toBe('day');
    expect(s.timeline.buckets).toHaveLength(30);
    expect(s.timeline.buckets[0]).toMatchObject({ start: '2025-03-12T00:00:00.000Z', total: 2 });
    expect(s.timeline.buckets[0]?.by_category.tickets).toBe(2);
    expect(s.timeline.buckets[29]?.by_category).toMatchObject({ compliant: 1, other: 1 });
    expect(s.period).toMatchObject({ from: '2025-03-12T09:00:00.000Z', to: '2025-04-10T09:00:00.000Z' });
  });
});

describe('failures, dry runs, latency, API calls', () => {
  test('failures: most recent first, at most the kept number, all counted', () => {
    const ds = Array.from({ length: 25 }, (_, i) =>
      decision({ outcome: 'failed', at: T0 + i * MIN, reason: `r${i}` }),
    );
    const s = summarize(ds.reverse(), { failuresKept: 5 });
    expect(s.failures.count).toBe(25);
    expect(s.failures.recent.map((f) => f.reason)).toEqual(['r24', 'r23', 'r22', 'r21', 'r20']);
    expect(s.failures.recent[0]).toMatchObject({
      fn: 'instance-guard',
      name: 'web-01',
      region: 'us-south',
      rule: 'default',
    });
  });

  test('dry run and planned: dry-run plans and audit-mode plans told apart', () => {
    const s = summarize([
      decision({ outcome: 'planned', dryRun: true }),
      decision({ outcome: 'planned', dryRun: true }),
      decision({ outcome: 'planned', audit: true }),
      decision({ outcome: 'compliant', dryRun: true }),
    ]);
    expect(s.dry_run).toEqual({ records: 3, planned: 3, planned_dry_run: 2, planned_audit: 1 });
  });

  test('latency and API calls: percentiles, mean and total', () => {
    const s = summarize(
      [10, 20, 30, 40, 1000].map((latencyMs, i) =>
        decision({ outcome: 'compliant', latencyMs, apiCalls: i }),
      ),
    );
    expect(s.latency_ms).toMatchObject({ count: 5, p50: 30, p90: 1000, max: 1000, mean: 220 });
    expect(s.api_calls).toMatchObject({ total: 10, mean: 2, p50: 2, max: 4 });
  });

  test('no decisions: an empty but complete summary', () => {
    const s = summarize([]);
    expect(s.totals.decisions).toBe(0);
    expect(s.period).toMatchObject({ from: null, to: null, span_ms: 0 });
    expect(s.timeline.buckets).toEqual([]);
  });
});
