// The sinks' pure parts: fitting texts into field limits without losing the tag block, and reading what
// a marker search returned (exact marker only, the last key written, open or not).
import { describe, expect, test } from 'vitest';
import { assessProfile } from '#functions/profile-guard/decide.ts';
import { parseTicketTags, renderTicket } from '#functions/profile-guard/ticket-plan.ts';
import {
  caseIsOpen,
  caseTicket,
  fitText,
  fitTitle,
  incidentTicket,
  snTimeToIso,
} from '#shared/tickets/text.ts';
import { ALL_SERVICES, claimRule, policy, snapshot, thresholds } from '../profile-guard/fixtures.ts';

const MARKER = 'imdsg-p-0123456789abcdef';
const OTHER = 'imdsg-p-fedcba9876543210';
const tags = (marker: string, key: string, findings: string[] = []) =>
  [
    '--',
    `imds-guard-marker: ${marker}`,
    `imds-guard-key: ${key}`,
    ...findings.map((f) => `imds-guard-finding: ${f}`),
  ].join('\n');

describe('fitText', () => {
  test('a short text is untouched', () => {
    // Prepare
    const text = `hello\n${tags(MARKER, 'imdsg-1')}`;

    // Act / Assess
    expect(fitText(text, 4000)).toBe(text);
  });

  test('a long ticket is cut in the middle: within the limit, the tag block whole', () => {
    // Prepare: a profile with many findings renders well over 4000 characters.
    const snap = snapshot({
      policies: Array.from({ length: 8 }, (_, i) =>
        policy({ id: `p${i}`, roles: ['Administrator'], resource: ALL_SERVICES }),
      ),
      rules: Array.from({ length: 6 }, (_, i) =>
        claimRule(`r${i}`, [['vpc_id', 'EQUALS', 'vpc-1']], { expiration: 43200 }),
      ),
    });
    const a = assessProfile(snap, thresholds(), new Date('2026-05-01T00:00:00Z'));
    const { text } = renderTicket(a);
    expect(text.length).toBeGreaterThan(4000);

    // Act
    const fitted = fitText(text, 4000);

    // Assess
    expect(fitted.length).toBeLessThanOrEqual(4000);
    expect(fitted).toMatch(/characters cut to fit the ticket/);
    expect(parseTicketTags(fitted)).toEqual(parseTicketTags(text));
    expect(parseTicketTags(fitted).finding_ids).toHaveLength(a.findings.length);
  });

  test('the markdown tag block is kept too', () => {
    // Prepare
    const text = `${'x'.repeat(500)}\n\`\`\`text\nimds-guard-marker: ${MARKER}\nimds-guard-key: imdsg-2\n\`\`\``;

    // Act
    const fitted = fitText(text, 200);

    // Assess
    expect(fitted.length).toBeLessThanOrEqual(200);
    expect(parseTicketTags(fitted)).toEqual({ marker: MARKER, key: 'imdsg-2', finding_ids: [] });
  });
});

describe('fitTitle', () => {
  test('a long profile name is shortened; the marker at the end survives', () => {
    // Prepare
    const title = `[imds-guard] Trusted profile ${'n'.repeat(300)} is too broad (${MARKER})`;

    // Act
    const fitted = fitTitle(title, 160);

    // Assess
    expect(fitted).toHaveLength(160);
    expect(fitted.endsWith(` (${MARKER})`)).toBe(true);
    expect(fitted.startsWith('[imds-guard] Trusted profile nnn')).toBe(true);
  });
});

describe('caseTicket (Case Management search results)', () => {
  test('the key is the last one written, in a later comment', () => {
    // Prepare
    const c = {
      number: 'CS1000007',
      created_at: '2026-05-01T10:00:00.000Z',
      status: 'In Progress',
      description: `body\n${tags(MARKER, 'imdsg-old', ['a'])}`,
      comments: [{ value: `changed\n${tags(MARKER, 'imdsg-new', ['a', 'b'])}` }],
    };

    // Act
    const t = caseTicket(c, MARKER);

    // Assess
    expect(t).toEqual({
      id: 'CS1000007',
      created_at: '2026-05-01T10:00:00.000Z',
      status: 'open',
      key: 'imdsg-new',
      marker: MARKER,
      finding_ids: ['a', 'b'],
    });
  });

  test('a near match of the free-text search (another marker) is dropped', () => {
    // Prepare
    const c = { number: 'CS1', description: `mentions ${MARKER}\n${tags(OTHER, 'imdsg-x')}` };

    // Act / Assess
    expect(caseTicket(c, MARKER)).toBeUndefined();
  });

  test('a case without a tag block is not ours', () => {
    expect(caseTicket({ number: 'CS2', description: `about ${MARKER}` }, MARKER)).toBeUndefined();
  });

  test.each([
    ['New', true],
    ['In Progress', true],
    ['Waiting on Client', true],
    ['Resolution Provided', true],
    ['resolved', false],
    ['Resolved', false],
    ['Closed', false],
  ])('status %s open: %s', (status, open) => {
    expect(caseIsOpen(status)).toBe(open);
  });
});

describe('incidentTicket (ServiceNow)', () => {
  test('work notes after the description carry the latest key; the time becomes ISO', () => {
    // Prepare
    const inc = {
      sys_id: 'a'.repeat(32),
      number: 'INC0010003',
      correlation_id: MARKER,
      state: '2',
      sys_created_on: '2026-05-01 10:00:00',
      description: `body\n${tags(MARKER, 'imdsg-1')}`,
    };

    // Act
    const t = incidentTicket(inc, MARKER, [`note\n${tags(MARKER, 'imdsg-2', ['f'])}`]);

    // Assess
    expect(t).toEqual({
      id: 'INC0010003',
      handle: 'a'.repeat(32),
      created_at: '2026-05-01T10:00:00Z',
      status: 'open',
      key: 'imdsg-2',
      marker: MARKER,
      finding_ids: ['f'],
    });
  });

  test('another correlation_id is not ours; resolved states are not open', () => {
    // Prepare
    const base = { sys_id: 'b'.repeat(32), number: 'INC1', description: tags(MARKER, 'k') };

    // Act / Assess
    expect(incidentTicket({ ...base, correlation_id: OTHER }, MARKER)).toBeUndefined();
    expect(incidentTicket({ ...base, correlation_id: MARKER, state: '6' }, MARKER)?.status).toBe('resolved');
  });

  test('snTimeToIso leaves other shapes alone', () => {
    expect(snTimeToIso('2026-01-15 09:00:00')).toBe('2026-01-15T09:00:00Z');
    expect(snTimeToIso('2026-01-15T09:00:00Z')).toBe('2026-01-15T09:00:00Z');
  });
});
