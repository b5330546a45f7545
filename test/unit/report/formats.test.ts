// Each input shape the report accepts, one line at a time: as the functions write records, and as
// IBM Cloud Logs hands them back (query API events, archive rows, ingestion entries, wrappers).
import { describe, expect, test } from 'vitest';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { type LineResult, readLine } from '#shared/audit/report/read.ts';
import { generateRecords, toLogLine, WRAP_STYLES, wrapLine } from '../../helpers/records.ts';

const [record] = generateRecords({ count: 1, seed: 3, start: '2025-03-12T09:00:00Z', spanMs: 3_600_000 }) as [
  DecisionRecord,
];

const decisionsOf = (r: LineResult) => (r.kind === 'decisions' ? r.decisions : []);

const single = (r: LineResult) => {
  expect(r.kind).toBe('decisions');
  const ds = decisionsOf(r);
  expect(ds).toHaveLength(1);
  return ds[0] as NonNullable<(typeof ds)[number]>;
};

describe('the function log line', () => {
  test('is read as written by shared/audit/logger.ts', () => {
    // Act
    const got = single(readLine(toLogLine(record)));
    // Assess
    expect(got.format).toBe('decision');
    expect(got.decision).toMatchObject({
      timestamp: record.timestamp,
      fn: record.fn,
      outcome: record.outcome,
      action: record.action,
      target: record.target_crn,
      initiator: record.initiator,
      dryRun: record.dry_run,
      apiCalls: record.api_calls,
      latencyMs: record.latency_ms,
    });
  });

  test('with CRLF endings and surrounding blanks', () => {
    expect(single(readLine(`  ${toLogLine(record)}\r`)).format).toBe('decision');
  });
});

describe('IBM Cloud Logs exports', () => {
  test.each(WRAP_STYLES)('%s wraps the same record', (style) => {
    // Act
    const got = single(readLine(wrapLine(record, style)));
    // Assess
    expect(got.format).toBe(style === 'wrapped-message' ? 'wrapped' : style);
    expect(got.decision.outcome).toBe(record.outcome);
    expect(got.decision.timestamp).toBe(record.timestamp);
    expect(got.decision.target).toBe(record.target_crn);
  });

  test('a query API event with several results gives each of them', () => {
    // Prepare
    const rs = generateRecords({ count: 3, seed: 9, start: '2025-03-12T09:00:00Z', spanMs: 3_600_000 });
    const event = {
      result: {
        results: rs.map((r) => ({
          metadata: [{ key: 'timestamp', value: r.timestamp.replace('Z', '') }],
          labels: [{ key: 'applicationname', value: 'imds-guard' }],
          user_data: toLogLine(r),
        })),
      },
    };
    // Act
    const got = decisionsOf(readLine(`data: ${JSON.stringify(event)}`));
    // Assess
    expect(got.map((d) => d.decision.timestamp)).toEqual(rs.map((r) => r.timestamp));
    expect(new Set(got.map((d) => d.format))).toEqual(new Set(['cloud-logs-query']));
  });

  test('the Coralogix spelling userData, and one result per line (jq .result.results[])', () => {
    const line = JSON.stringify({
      metadata: [{ key: 'timestamp', value: '2025-03-12T09:00:00.000' }],
      labels: [{ key: 'subsystemname', value: 'instance-guard' }],
      userData: toLogLine(record),
    });
    expect(single(readLine(line)).format).toBe('cloud-logs-query');
  });

  test('Cloud Logs metadata fills a missing timestamp (zone-less, so UTC) and labels a missing fn', () => {
    // Prepare
    const { timestamp: _t, fn: _f, ...rest } = record;
    const line = JSON.stringify({
      src_obj__event_metadata: JSON.stringify({ timestamp: '2025-03-12T09:30:00.125', severity: 'Info' }),
      src_obj__event_labels: JSON.stringify({
        applicationname: 'imds-guard',
        subsystemname: 'profile-guard',
      }),
      src_obj__user_data: JSON.stringify(rest),
    });
    // Act
    const got = single(readLine(line));
    // Assess
    expect(got.decision.timestamp).toBe('2025-03-12T09:30:00.125Z');
    expect(got.decision.fn).toBe('profile-guard');
  });

  test('ingestion entries carry the line as text or as a JSON object; timestamps in ms', () => {
    const { timestamp: _t, ...rest } = record;
    const asObject = JSON.stringify({
      applicationName: 'imds-guard',
      subsystemName: 'instance-guard',
      severity: 3,
      timestamp: Date.parse('2025-03-12T10:00:00Z'),
      text: rest,
    });
    expect(single(readLine(asObject)).decision.timestamp).toBe('2025-03-12T10:00:00.000Z');
  });

  test('a JSON array of ingestion entries on one line', () => {
    const rs = generateRecords({ count: 2, seed: 5, start: '2025-03-12T09:00:00Z', spanMs: 60_000 });
    const line = JSON.stringify(rs.map((r) => JSON.parse(wrapLine(r, 'cloud-logs-ingest'))));
    expect(decisionsOf(readLine(line))).toHaveLength(2);
  });

  test('DataPrime $d / $m / $l rows', () => {
    const line = JSON.stringify({
      $m: { timestamp: '2025-03-12T09:00:00.000' },
      $l: { applicationname: 'imds-guard', subsystemname: record.fn },
      $d: JSON.parse(toLogLine(record)),
    });
    expect(single(readLine(line)).format).toBe('dataprime');
  });

  test.each(['userData', '_source', 'json', 'text', 'log', 'data', 'payload'])(
    'a record under "%s"',
    (key) => {
      const line = JSON.stringify({ '@timestamp': record.timestamp, [key]: JSON.parse(toLogLine(record)) });
      expect(single(readLine(line)).format).toBe('wrapped');
    },
  );

  test('a record double-encoded as a JSON string', () => {
    expect(single(readLine(JSON.stringify(toLogLine(record)))).format).toBe('decision');
  });

  test('a JSON array export, one element per line', () => {
    const line = toLogLine(record);
    expect(single(readLine(`[${line},`)).format).toBe('decision');
    expect(single(readLine(`${line},`)).format).toBe('decision');
    expect(single(readLine(`${line}]`)).format).toBe('decision');
    expect(readLine('[').kind).toBe('blank');
    expect(readLine(']').kind).toBe('blank');
  });
});

describe('lines that are not decisions are skipped, not errors', () => {
  test.each([
    ': success',
    'event: message',
    'data: {"query_id":{"query_id":"009e11a2-78fb-4fa9-bb00-2cec624e7855"}}',
    '{"timestamp":"2025-03-12T09:00:00Z","level":"info","message":"listening","port":8080}',
    '{"message":"plain text from another logger"}',
    '{"result":{"results":[{"metadata":[],"labels":[],"user_data":"GET /health 200"}]}}',
    '{"result":{"results":[]}}',
    '[]',
    '42',
    'null',
  ])('%s', (line) => {
    expect(readLine(line).kind).toBe('skipped');
  });

  test('blank lines are not even counted', () => {
    expect(readLine('   ').kind).toBe('blank');
  });
});

describe('malformed lines say what is wrong', () => {
  test.each([
    { line: 'garbage', reason: /^not JSON/ },
    { line: '{"message":"decision","outcome":"rem', reason: /^not JSON/ },
    {
      line: '{"message":"decision","outcome":"bogus","timestamp":"2025-03-12T09:00:00Z"}',
      reason: /outcome: "bogus" is not a decision outcome/,
    },
    { line: '{"message":"decision","outcome":"failed"}', reason: /timestamp: missing/ },
    {
      line: '{"message":"decision","outcome":"failed","timestamp":"soon"}',
      reason: /timestamp: missing or not a time/,
    },
    {
      line: '{"message":"decision","outcome":"failed","timestamp":"2025-03-12T09:00:00Z","api_calls":"3"}',
      reason: /^api_calls: got "3"/,
    },
    { line: '{"userData":"{\\"message\\":\\"decision\\",\\"outc"}', reason: /embedded JSON does not parse/ },
  ])('$line', ({ line, reason }) => {
    const got = readLine(line);
    expect(got.kind).toBe('malformed');
    expect(got.kind === 'malformed' ? got.reason : '').toMatch(reason);
  });

  test('a good and a bad record in one event: the good one counts, the bad one is reported', () => {
    const event = {
      result: {
        results: [
          { labels: [], user_data: toLogLine(record) },
          {
            labels: [],
            user_data: '{"message":"decision","outcome":"nope","timestamp":"2025-03-12T09:00:00Z"}',
          },
        ],
      },
    };
    const got = readLine(JSON.stringify(event));
    expect(got.kind).toBe('decisions');
    expect(got.kind === 'decisions' ? [got.decisions.length, got.problems.length] : []).toEqual([1, 1]);
  });
});

describe('what the report reads out of a record', () => {
  const base = {
    timestamp: '2025-03-12T09:00:10.000Z',
    level: 'info',
    message: 'decision',
    fn: 'instance-guard',
    event_id: 'e1',
    action: 'is.instance.instance.create',
    target_crn: 'crn:v1:bluemix:public:is:eu-de-2:a/acct::instance:0717_x',
    outcome: 'remediated',
    reason: 'r',
    before: null,
    after: null,
    initiator: 'IBMid-1',
    correlation_id: null,
    dry_run: false,
    api_calls: 3,
    latency_ms: 120,
  };
  const read = (over: Record<string, unknown>) =>
    single(readLine(JSON.stringify({ ...base, ...over }))).decision;

  test('exposure: detail.exposure_ms first, else timestamp − detail.event_time', () => {
    expect(read({ detail: { exposure_ms: 4200, event_time: '2025-03-12T09:00:00Z' } }).exposureMs).toBe(4200);
    expect(read({ detail: { event_time: '2025-03-12T09:00:00Z' } }).exposureMs).toBe(10_000);
    expect(read({ detail: {} }).exposureMs).toBeNull();
    expect(read({ outcome: 'compliant', detail: { exposure_ms: 5 } }).exposureMs).toBeNull();
    // An event time after the fix is a clock problem, not a negative window.
    expect(read({ detail: { event_time: '2025-03-12T09:01:00Z' } }).exposureMs).toBeNull();
  });

  test('region: detail.region, else the CRN location (a zone becomes its region; IAM is global)', () => {
    expect(read({ detail: { region: 'us-east' } }).region).toBe('us-east');
    expect(read({}).region).toBe('eu-de');
    expect(read({ target_crn: 'crn:v1:bluemix:public:iam-identity::a/acct::profile:Profile-1' }).region).toBe(
      'global',
    );
    expect(read({ target_crn: null }).region).toBeNull();
  });

  test('rules: detail.rule and the rules of findings (objects or "<rule>:<subject>" ids), once each', () => {
    expect(read({ detail: { rule: 'container-hosts' } }).rules).toEqual(['container-hosts']);
    expect(
      read({
        detail: {
          findings: [
            { id: 'long-session:p1', rule_id: 'long-session' },
            'broad-role-all-services:pol-1',
            'broad-role-all-services:pol-2',
            { id: 'cross-account-link:l1' },
          ],
          finding_ids: ['too-many-vsi-links:profile'],
        },
      }).rules,
    ).toEqual(['long-session', 'broad-role-all-services', 'cross-account-link', 'too-many-vsi-links']);
  });

  test('resource group: the name, else the id', () => {
    expect(read({ detail: { resource_group: { id: 'rg1', name: 'prod' } } }).resourceGroup).toBe('prod');
    expect(read({ detail: { resource_group: { id: 'rg1' } } }).resourceGroup).toBe('rg1');
  });

  test('audit-mode plans and dry runs are told apart', () => {
    expect(read({ outcome: 'planned', detail: { mode: 'audit' } }).audit).toBe(true);
    expect(read({ outcome: 'planned', dry_run: true }).dryRun).toBe(true);
  });

  test('unknown fields and functions are fine (records evolve)', () => {
    const d = read({ fn: 'firewall', new_field: { x: 1 } });
    expect(d.fn).toBe('firewall');
  });
});
