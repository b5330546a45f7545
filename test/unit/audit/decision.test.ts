import { expect, test } from 'vitest';
import { decisionRecord, logDecision } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';

test('the logged line is the record: same timestamp, level from the outcome, every contract field', () => {
  // Prepare
  const logger = memoryLogger();
  const record = decisionRecord(
    {
      fn: 'instance-guard',
      event_id: 'e-1',
      action: 'is.instance.instance.update',
      target_crn: 'crn:v1:bluemix:public:is:us-south-1:a/acct::instance:0717_x',
      outcome: 'remediated',
      reason: 'disabled',
      before: { enabled: true },
      after: { enabled: false },
      initiator: 'IBMid-1',
      correlation_id: 'c-1',
      dry_run: false,
      api_calls: 2,
      latency_ms: 12.5,
    },
    new Date('2026-01-02T03:04:05.678Z'),
  );
  // Act
  logDecision(logger, record);
  // Assess
  expect(logger.lines).toEqual([record]);
  expect(logger.lines[0]).toMatchObject({
    timestamp: '2026-01-02T03:04:05.678Z',
    level: 'info',
    message: 'decision',
  });
});
