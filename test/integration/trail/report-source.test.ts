// `imds-guard report cos://bucket/prefix`: the trail objects under a prefix (plain and gzip) listed,
// streamed and summarised — through the report builder and through the built CLI.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DecisionRecord, decisionRecord, type Outcome } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import type { ReportSummary } from '#shared/audit/report/aggregate.ts';
import { buildReport } from '#shared/audit/report/report.ts';
import { RESOLVERS, SourceError } from '#shared/audit/report/sources.ts';
import { flushTrail } from '#shared/audit/trail/index.ts';
import { cosSources, parseCosSpec } from '#shared/audit/trail/read.ts';
import { loadConfig } from '#shared/config.ts';
import { type S3Server, startS3 } from './s3-server.ts';

const run = promisify(execFile);
const BUCKET = 'report-trail';
const PREFIX = 'imds-guard/decisions';

const record = (n: number, outcome: Outcome, at: Date): DecisionRecord =>
  decisionRecord(
    {
      fn: 'instance-guard',
      event_id: `evt-${n}`,
      action: 'is.instance.instance.update',
      target_crn: `crn:v1:bluemix:public:is:us-south-1:a/0123456789abcdef0123456789abcdef::instance:0717_${n}`,
      outcome,
      reason: outcome === 'failed' ? 'IBM answered 500' : 'metadata service over http',
      before: null,
      after: null,
      initiator: 'IBMid-alice',
      correlation_id: null,
      dry_run: false,
      api_calls: 2,
      latency_ms: 10,
    },
    at,
  );

let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  // Three objects over two hours: plain, gzip, plain.
  const write = async (at: Date, gzip: boolean, records: DecisionRecord[]) => {
    const config = loadConfig(s3.trailEnv(BUCKET, gzip ? { IMDS_GUARD_TRAIL_GZIP: 'true' } : {}));
    await flushTrail(
      { config, logger: memoryLogger(), now: () => at },
      { pending: [] },
      'instance-guard',
      records,
    );
  };
  const t1 = new Date('2026-05-04T10:05:00Z');
  const t2 = new Date('2026-05-04T11:10:00Z');
  await write(t1, false, [record(1, 'remediated', t1), record(2, 'compliant', t1)]);
  await write(t2, true, [record(3, 'remediated', t2), record(4, 'failed', t2)]);
  await write(t2, false, [record(5, 'exempt', t2)]);
});

afterAll(async () => {
  await s3.close();
});

describe('cos:// input', () => {
  test('parses cos://bucket/prefix', () => {
    // Act / Assess
    expect(parseCosSpec('cos://b/p/q')).toEqual({ bucket: 'b', prefix: 'p/q' });
    expect(parseCosSpec('cos://b')).toEqual({ bucket: 'b', prefix: '' });
    expect(() => parseCosSpec('cos:///p')).toThrow(SourceError);
  });

  test('every object under the prefix, in time order, is read — gzip included', async () => {
    // Prepare
    const env = s3.trailEnv(BUCKET);
    const resolvers = { ...RESOLVERS, cos: (spec: string) => cosSources(spec, env) };

    // Act
    const summary = await buildReport([`cos://${BUCKET}/${PREFIX}/2026/05/04`], { resolvers });

    // Assess
    expect(summary.input.sources).toHaveLength(3);
    expect(summary.input.sources[0]).toMatch(/\/2026\/05\/04\/10\/instance-guard-/);
    expect(summary.input.malformed).toBe(0);
    expect(summary.totals).toMatchObject({ decisions: 5, remediated: 2, failed: 1 });
  });

  test('an empty prefix and an unknown bucket are input errors, before any reading', async () => {
    // Prepare
    const env = s3.trailEnv(BUCKET);

    // Act / Assess
    await expect(cosSources(`cos://${BUCKET}/nothing-here`, env)).rejects.toThrow(
      /no objects under this prefix/,
    );
    await expect(cosSources('cos://no-such-bucket/x', env)).rejects.toThrow(/NoSuchBucket/);
  });

  test('the imds-guard report command reads cos:// with the trail credentials from the environment', async () => {
    // Act
    const { stdout } = await run(
      process.execPath,
      ['bin/imds-guard.mjs', 'report', `cos://${BUCKET}/${PREFIX}`, '--json'],
      { env: { PATH: process.env.PATH ?? '', ...s3.trailEnv(BUCKET) } },
    );

    // Assess
    const summary = JSON.parse(stdout) as ReportSummary;
    expect(summary.totals.decisions).toBe(5);
    expect(summary.outcomes).toMatchObject({ remediated: 2, compliant: 1, failed: 1, exempt: 1 });
  });
});
