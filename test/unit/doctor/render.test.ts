// The checklist: symbols on a terminal, words when piped, colour only when asked; fixes under their line.
import { describe, expect, test } from 'vitest';
import { renderJson, renderText } from '#shared/doctor/render.ts';
import { check, type DoctorReport } from '#shared/doctor/types.ts';

const report: DoctorReport = {
  account: 'a'.repeat(32),
  manifest: 'manifest.yaml',
  identity: {
    iamId: 'iam-ServiceId-1',
    accountId: 'a'.repeat(32),
    subType: 'ServiceId',
    kind: 'service-id',
    name: 'imds-guard',
  },
  ok: false,
  checks: [
    check('credentials', 'ok', 'credentials work', 'service ID imds-guard'),
    check('access:serviceName=iam-groups', 'fail', 'Viewer on IAM Access Groups', 'missing', [
      'ibmcloud iam …',
      'terraform: …',
    ]),
    check('exemptions', 'warn', 'no exemption ends within 14 days', 'one ends'),
    check('code-engine:subscriptions', 'skip', 'subscriptions exist', 'no API', [
      'ibmcloud ce sub cron get --name x',
    ]),
  ],
};

describe('renderText', () => {
  test('piped: words, no escape codes, fixes indented under their check', () => {
    const text = renderText(report, { tty: false, color: false });
    expect(text.split('\n')).toEqual([
      `imds-guard doctor: account ${'a'.repeat(32)} as imds-guard (manifest.yaml)`,
      'ok   credentials work: service ID imds-guard',
      'FAIL Viewer on IAM Access Groups: missing',
      '      fix: ibmcloud iam …',
      '           terraform: …',
      'warn no exemption ends within 14 days: one ends',
      'skip subscriptions exist: no API',
      '      check: ibmcloud ce sub cron get --name x',
      '1 ok, 1 failed, 1 to look at, 1 skipped: something the manifest needs does not hold: fix the FAIL lines, then run doctor again',
      '',
    ]);
  });

  test('a terminal: ✓ ✗ ! -, coloured unless colour is off (NO_COLOR)', () => {
    const plain = renderText(report, { tty: true, color: false });
    expect(plain).toContain('✓ credentials work');
    expect(plain).toContain('✗ Viewer on IAM Access Groups');
    expect(plain).toContain('! no exemption');
    expect(plain).toContain('- subscriptions exist');
    expect(plain).not.toContain('\u001b[');
    expect(renderText(report, { tty: true, color: true })).toContain('\u001b[31m✗\u001b[0m');
  });
});

test('renderJson is the report itself', () => {
  expect(JSON.parse(renderJson(report))).toEqual(report);
});
