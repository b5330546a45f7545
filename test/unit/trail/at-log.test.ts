// Reading an Activity Tracker object from COS: gzip or plain; JSON lines, a JSON array, one object or
// an export wrapper; bad lines kept in place as problems; an empty (20-byte gzip) file has no events.
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { parseAtLog } from '#functions/cos-job/at-log.ts';

const A = { action: 'is.instance.instance.update', id: 'a' };
const B = { action: 'iam-identity.account-profile.update', id: 'b' };

describe('parseAtLog', () => {
  test.each([
    {
      name: 'JSON lines',
      text: `${JSON.stringify(A)}\n${JSON.stringify(B)}\n`,
      format: 'json-lines',
      lines: [1, 2],
    },
    {
      name: 'JSON lines with CRLF and blank lines',
      text: `${JSON.stringify(A)}\r\n\r\n${JSON.stringify(B)}`,
      format: 'json-lines',
      lines: [1, 3],
    },
    { name: 'a JSON array', text: JSON.stringify([A, B]), format: 'json-array', lines: [1, 1] },
    {
      name: 'a pretty-printed array',
      text: JSON.stringify([A, B], null, 2),
      format: 'json-array',
      lines: [1, 1],
    },
    {
      name: 'a {"logs": […]} wrapper',
      text: JSON.stringify({ logs: [A, B] }),
      format: 'json-object',
      lines: [1, 1],
    },
  ])('$name, plain and gzip', ({ text, format, lines }) => {
    for (const bytes of [Buffer.from(text), gzipSync(Buffer.from(text))]) {
      // Act
      const log = parseAtLog(bytes);

      // Assess
      expect(log.format).toBe(format);
      expect(log.problems).toEqual([]);
      expect(log.candidates).toEqual([
        { line: lines[0], value: A },
        { line: lines[1], value: B },
      ]);
    }
  });

  test('a bad line stays where it is, as a problem; the lines around it are read', () => {
    // Act
    const log = parseAtLog(Buffer.from(`${JSON.stringify(A)}\n{oops\n${JSON.stringify(B)}\n`));

    // Assess
    expect(log.candidates.map((c) => ('problem' in c ? `problem@${c.line}` : `event@${c.line}`))).toEqual([
      'event@1',
      'problem@2',
      'event@3',
    ]);
    expect(log.problems).toEqual([{ line: 2, reason: expect.stringMatching(/^not JSON/) }]);
  });

  test('the 20-byte gzip of nothing, and an empty object, hold no events', () => {
    // Prepare
    const empty = gzipSync(Buffer.alloc(0));

    // Act / Assess
    expect(empty.length).toBe(20);
    expect(parseAtLog(empty)).toEqual({ candidates: [], problems: [], format: 'empty', gzip: true });
    expect(parseAtLog(Buffer.alloc(0))).toEqual({
      candidates: [],
      problems: [],
      format: 'empty',
      gzip: false,
    });
  });

  test('a corrupt gzip file is one problem, not an exception', () => {
    // Act
    const log = parseAtLog(Buffer.from([0x1f, 0x8b, 1, 2, 3]));

    // Assess
    expect(log.candidates).toEqual([{ line: 0, problem: expect.stringMatching(/^cannot gunzip/) }]);
  });
});
