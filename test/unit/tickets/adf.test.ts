// Ticket text → Atlassian Document Format → text: the tag block survives the round trip, so the Jira
// sink reads back the marker, key and findings it wrote.
import { describe, expect, test } from 'vitest';
import { parseTicketTags } from '#functions/profile-guard/ticket-plan.ts';
import { adfFromText, adfText } from '#shared/tickets/adf.ts';
import { notificationId } from '#shared/tickets/event-notifications.ts';

describe('adfFromText', () => {
  test('paragraphs become ADF paragraphs, the tag block a code block; the tags read back', () => {
    // Prepare
    const text =
      'First line\nsecond line\n\nNext paragraph\n--\nimds-guard-marker: imdsg-p-1\nimds-guard-key: imdsg-2\nimds-guard-finding: f-1';

    // Act
    const doc = adfFromText(text);

    // Assess
    expect(doc.type).toBe('doc');
    expect(doc.content.map((n) => n.type)).toEqual(['paragraph', 'paragraph', 'codeBlock']);
    expect(doc.content[0]?.content?.map((n) => n.type)).toEqual(['text', 'hardBreak', 'text']);
    expect(parseTicketTags(adfText(doc))).toEqual({
      marker: 'imdsg-p-1',
      key: 'imdsg-2',
      finding_ids: ['f-1'],
    });
  });

  test('never makes an empty text node (Jira refuses them)', () => {
    // Act
    const doc = adfFromText('a\n\n\nb\n\nline one\n\nline two\n');

    // Assess
    const texts = JSON.stringify(doc).match(/"text":"[^"]*"/g) ?? [];
    expect(texts.every((t) => t !== '"text":""')).toBe(true);
  });
});

describe('notificationId', () => {
  test('the same step gives the same id; another step another', () => {
    // Act
    const a = notificationId('open', 'imdsg-p-1', '3', 'imdsg-k');
    const b = notificationId('open', 'imdsg-p-1', '3', 'imdsg-k');
    const c = notificationId('open', 'imdsg-p-1', '4', 'imdsg-k');

    // Assess
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^imdsg-n-[0-9a-f]{24}$/);
  });
});
