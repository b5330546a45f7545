// The state now: which resources the records say exist, and in what state — from the latest complete
// scan or sweep, updated by every decision since.
import { describe, expect, test } from 'vitest';
import { createAggregator, type ReportSummary } from '#shared/audit/report/aggregate.ts';
import type { Decision } from '#shared/audit/report/record.ts';
import type { RunSummary } from '#shared/audit/report/run-summary.ts';
import { DAY, decision, HOUR, INPUT, MIN, runSummary, T0 } from './fixtures.ts';

const summarize = (ds: Decision[], runs: RunSummary[] = [], now = new Date(T0 + DAY)): ReportSummary => {
  const agg = createAggregator();
  for (const d of ds) agg.add(d);
  for (const r of runs) agg.run(r);
  return agg.summary(INPUT, { now });
};

const namesOf = (s: ReportSummary, status?: string): string[] =>
  s.posture.rows.filter((r) => status === undefined || r.status === status).map((r) => r.name ?? '');

describe('which resources exist now', () => {
  test('the latest complete run is the basis: what it covered but did not see is gone', () => {
    // Prepare: run 1 sees a, b (us-south) and c (eu-de); run 2 covers only us-south and sees a
    const ds = [
      decision({ outcome: 'planned', id: 'a' }),
      decision({ outcome: 'compliant', id: 'b' }),
      decision({ outcome: 'planned', id: 'c', region: 'eu-de', location: 'eu-de-1' }),
      decision({ outcome: 'planned', id: 'a', correlationId: 'run-2', at: T0 + HOUR }),
    ];
    // Act
    const s = summarize(ds, [runSummary(), runSummary({ runId: 'run-2', at: T0 + HOUR + MIN })]);
    // Assess: b was deleted (run 2 listed us-south without it); c is kept (run 2 did not look)
    expect(namesOf(s).sort()).toEqual(['a', 'c']);
    expect(s.posture.basis).toMatchObject({
      kind: 'run',
      fn: 'scan',
      run_id: 'run-2',
      complete: true,
      runs_seen: 2,
    });
  });

  test('a run that says it did not finish is not the basis; the one before it is', () => {
    const ds = [
      decision({ outcome: 'compliant', id: 'a' }),
      decision({ outcome: 'compliant', id: 'b' }),
      decision({ outcome: 'compliant', id: 'a', correlationId: 'run-2', at: T0 + HOUR }),
    ];
    const s = summarize(ds, [runSummary(), runSummary({ runId: 'run-2', complete: false, at: T0 + HOUR })]);
    expect(s.posture.basis).toMatchObject({ run_id: 'run-1', complete: true });
    expect(namesOf(s).sort()).toEqual(['a', 'b']);
  });

  test('a sharded job is complete only when every shard says so', () => {
    const ds = [decision({ outcome: 'compliant', id: 'a', fn: 'sweep', correlationId: 'job-1' })];
    const half = summarize(ds, [runSummary({ fn: 'sweep', runId: 'job-1', shard: '0/2' })]);
    const whole = summarize(ds, [
      runSummary({ fn: 'sweep', runId: 'job-1', shard: '0/2' }),
      runSummary({ fn: 'sweep', runId: 'job-1', shard: '1/2' }),
    ]);
    expect(half.trend.runs[0]?.complete).toBe(false);
    expect(whole.posture.basis).toMatchObject({ fn: 'sweep', run_id: 'job-1', complete: true });
  });

  test('decisions after the run update the state; gone removes; ignored and refused change nothing', () => {
    const ds = [
      decision({ outcome: 'planned', id: 'a' }),
      decision({ outcome: 'planned', id: 'b' }),
      decision({ outcome: 'planned', id: 'c' }),
      decision({
        outcome: 'remediated',
        id: 'a',
        fn: 'instance-guard',
        correlationId: 'e1',
        at: T0 + HOUR,
        metadata: { enabled: false, protocol: 'http', hopLimit: 1 },
      }),
      decision({ outcome: 'gone', id: 'b', fn: 'instance-guard', correlationId: 'e2', at: T0 + HOUR }),
      decision({ outcome: 'ignored', id: 'c', fn: 'instance-guard', correlationId: 'e3', at: T0 + HOUR }),
      decision({
        outcome: 'planned',
        id: 'new',
        fn: 'instance-guard',
        correlationId: 'e4',
        at: T0 + 2 * HOUR,
      }),
    ];
    const s = summarize(ds, [runSummary()]);
    expect(namesOf(s, 'compliant')).toEqual(['a']);
    expect(namesOf(s, 'noncompliant').sort()).toEqual(['c', 'new']);
    expect(s.posture.instances).toMatchObject({
      total: 3,
      compliant: 1,
      noncompliant: 2,
      on_http: 2,
      noncompliant_on_http: 2,
    });
  });

  test('without any run, the state is each resource’s latest decision (events only)', () => {
    const s = summarize([
      decision({ outcome: 'remediated', id: 'a', fn: 'instance-guard', correlationId: 'e1' }),
      decision({ outcome: 'exempt', id: 'b', fn: 'instance-guard', correlationId: 'e2' }),
    ]);
    expect(s.posture.basis.kind).toBe('events');
    expect(s.posture.instances).toMatchObject({ total: 2, compliant: 1, exempt: 1 });
    expect(s.trend.runs).toEqual([]);
  });
});

describe('how the state reads', () => {
  test('X of Y by region, resource group, VPC and rule, the ones to fix first', () => {
    const s = summarize([
      decision({ outcome: 'planned', id: 'a', patch: { enabled: false } }),
      decision({
        outcome: 'compliant',
        id: 'b',
        rules: ['container-hosts'],
        resourceGroup: 'dev',
        metadata: { enabled: true, protocol: 'https', hopLimit: 2 },
      }),
      decision({
        outcome: 'exempt',
        id: 'c',
        region: 'eu-de',
        location: 'eu-de-1',
        vpc: 'eu-vpc',
        rules: [],
        exemption: {
          by: 'access-tag',
          tag: 'imds-guard:exempt',
          ticket: null,
          approver: null,
          expires: null,
          reason: null,
        },
      }),
    ]);
    const p = s.posture;
    expect(p.instances).toMatchObject({ total: 3, compliant: 1, exempt: 1, noncompliant: 1, on_http: 2 });
    expect(p.by.region.map((g) => [g.key, g.total, g.noncompliant])).toEqual([
      ['us-south', 2, 1],
      ['eu-de', 1, 0],
    ]);
    expect(p.by.resource_group.map((g) => g.key)).toEqual(['prod', 'dev']);
    expect(p.by.vpc.map((g) => g.key)).toEqual(['prod-vpc', 'eu-vpc']);
    expect(p.by.rule.map((g) => g.key)).toEqual(['default', '(exempt)', 'container-hosts']);
    expect(p.rows[0]).toMatchObject({
      name: 'a',
      status: 'noncompliant',
      rule: 'default',
      change: 'metadata service disabled',
    });
  });

  test('trusted profiles by their worst open finding; findings by rule', () => {
    const profile = (
      id: string,
      findings: { id: string; rule: string; severity: string | null }[],
      outcome: Decision['outcome'] = 'planned',
    ) =>
      decision({
        outcome,
        id,
        kind: 'profile',
        rules: findings.map((f) => f.rule),
        findings,
        metadata: null,
      });
    const s = summarize([
      profile('p1', [
        { id: 'x', rule: 'exposed-privileged-vsi', severity: 'critical' },
        { id: 'y', rule: 'long-session', severity: 'low' },
      ]),
      profile('p2', [{ id: 'z', rule: 'long-session', severity: 'low' }], 'ticket_opened'),
      profile('p3', [], 'compliant'),
    ]);
    expect(s.posture.profiles).toMatchObject({
      total: 3,
      compliant: 1,
      with_findings: 2,
      by_severity: { critical: 1, high: 0, medium: 0, low: 1 },
    });
    expect(s.posture.profiles.by_rule).toEqual([
      { rule: 'exposed-privileged-vsi', severity: 'critical', profiles: 1 },
      { rule: 'long-session', severity: 'low', profiles: 2 },
    ]);
    expect(s.posture.rows.find((r) => r.name === 'p1')?.severity).toBe('critical');
  });

  test('a kind the report does not know (network findings) is counted and listed generically', () => {
    const s = summarize([
      decision({ outcome: 'planned', id: 'sg-1', kind: 'network', metadata: null, severity: 'high' }),
      decision({ outcome: 'compliant', id: 'sg-2', kind: 'network', metadata: null }),
    ]);
    expect(s.posture.other).toEqual([
      {
        kind: 'network',
        total: 2,
        compliant: 1,
        exempt: 0,
        noncompliant: 1,
        on_http: 0,
        noncompliant_on_http: 0,
      },
    ]);
    expect(s.posture.instances.total).toBe(0);
  });

  test('the compliant share per run is the trend', () => {
    const s = summarize(
      [
        decision({ outcome: 'planned', id: 'a' }),
        decision({ outcome: 'compliant', id: 'b' }),
        decision({ outcome: 'compliant', id: 'a', correlationId: 'run-2', at: T0 + DAY }),
        decision({ outcome: 'exempt', id: 'b', correlationId: 'run-2', at: T0 + DAY }),
      ],
      [runSummary(), runSummary({ runId: 'run-2', at: T0 + DAY })],
    );
    expect(s.trend.runs.map((r) => [r.run_id, r.instances, r.share])).toEqual([
      ['run-1', 2, 0.5],
      ['run-2', 2, 1],
    ]);
  });
});
