import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type DecisionInput, decisionRecord, isDecisionLine, logDecision } from '#shared/audit/decision.ts';
import { describePatch } from '#shared/audit/decision-message.ts';
import { memoryLogger } from '#shared/audit/logger.ts';

const INPUT: DecisionInput = {
  fn: 'instance-guard',
  event_id: 'e-1',
  action: 'is.instance.instance.update',
  target_crn: 'crn:v1:bluemix:public:is:us-south-1:a/acct::instance:0717_x',
  outcome: 'remediated',
  reason: 'no rule matched; instances.default applies; metadata service is enabled',
  before: { enabled: true },
  after: { enabled: false },
  initiator: 'IBMid-1',
  correlation_id: 'c-1',
  dry_run: false,
  api_calls: 2,
  latency_ms: 12.5,
  detail: { name: 'web-03', rule: 'default', patch: { enabled: false } },
};

test('the logged line is the record: same timestamp, level from the outcome, every contract field', () => {
  // Prepare
  const logger = memoryLogger();
  const record = decisionRecord(INPUT, new Date('2026-01-02T03:04:05.678Z'));
  // Act
  logDecision(logger, record);
  // Assess
  expect(logger.lines).toEqual([record]);
  expect(logger.lines[0]).toMatchObject({
    timestamp: '2026-01-02T03:04:05.678Z',
    level: 'info',
    app: 'imds-guard',
    subsystem: 'instance-guard',
  });
});

test("each record's timestamp is its own date's (the text of the last millisecond is reused)", () => {
  // Prepare
  const dates = [1, 1, 2, 1, 0].map((ms) => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, ms)));
  // Act
  const stamps = dates.map((d) => decisionRecord(INPUT, d).timestamp);
  // Assess
  expect(stamps).toEqual(dates.map((d) => d.toISOString()));
  expect(() => decisionRecord(INPUT, new Date(Number.NaN))).toThrow(RangeError);
});

describe('the message is the human summary IBM Cloud Logs lists', () => {
  test.each([
    [{}, 'remediated web-03: metadata service disabled (rule default)'],
    [
      {
        outcome: 'planned',
        detail: {
          name: 'api-01',
          rule: 'container-hosts',
          patch: { protocol: 'https', response_hop_limit: 2 },
        },
      },
      'planned api-01: would set metadata over https, hop limit 2 (rule container-hosts)',
    ],
    [
      {
        outcome: 'failed',
        reason: 'IBM answered 400 instance_allowed_use_violation: needs metadata',
        detail: { name: 'agent-01' },
      },
      'failed agent-01: IBM answered 400 instance_allowed_use_violation: needs metadata',
    ],
    [
      {
        outcome: 'ticket_opened',
        target_crn: 'crn:v1:bluemix:public:iam-identity::a/acct::profile:Profile-1',
        detail: {
          profile: { name: 'app-reader' },
          ticket: { sink: 'case-management', id: 'CS1' },
          findings: [{ rule_id: 'long-session', severity: 'low' }],
        },
      },
      'ticket_opened app-reader: case-management ticket CS1 opened: long-session (low)',
    ],
    [
      { outcome: 'ignored', reason: 'own change (initiator iam-Profile-x)', detail: {} },
      "ignored the guard's own change came back as an event",
    ],
  ] as const)('%o', (over, message) => {
    const r = decisionRecord({ ...INPUT, ...(over as Partial<DecisionInput>) } as DecisionInput);
    expect(r.message).toBe(message);
  });
});

test('describePatch reads as the parts that apply, joined by ", "', () => {
  const reference = (patch: Record<string, unknown>): string =>
    patch.enabled === false
      ? 'metadata service disabled'
      : [
          patch.enabled === true ? 'metadata service enabled' : '',
          patch.protocol ? `metadata over ${typeof patch.protocol === 'string' ? patch.protocol : ''}` : '',
          patch.response_hop_limit !== undefined ? `hop limit ${String(patch.response_hop_limit)}` : '',
        ]
          .filter(Boolean)
          .join(', ') || 'metadata settings changed';
  const value = fc.oneof(
    fc.boolean(),
    fc.constantFrom('http', 'https', ''),
    fc.integer(),
    fc.constant(undefined),
  );
  fc.assert(
    fc.property(
      fc.record({ enabled: value, protocol: value, response_hop_limit: value }, { requiredKeys: [] }),
      (patch) => {
        expect(describePatch(patch)).toBe(reference(patch));
      },
    ),
    { numRuns: 2000 },
  );
});

test('decision lines are recognised in the old shape (message "decision") and the new one', () => {
  const record = decisionRecord(INPUT);
  expect(isDecisionLine(record)).toBe(true);
  expect(isDecisionLine({ ...record, message: 'decision', app: undefined, subsystem: undefined })).toBe(true);
  const { fn: _fn, ...withoutFn } = record;
  expect(isDecisionLine(withoutFn)).toBe(true);
  expect(
    isDecisionLine({ message: 'sweep summary', fn: 'sweep', outcome: 'remediated', complete: true }),
  ).toBe(false);
  expect(isDecisionLine({ message: 'listening', port: 8080 })).toBe(false);
  expect(isDecisionLine(null)).toBe(false);
});
