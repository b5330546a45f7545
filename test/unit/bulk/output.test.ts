// The JSON-lines writers: every line once, in order, whatever its size and characters (bytes gathered
// in one reused Buffer before each write).
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileWriter, streamWriter } from '#functions/sweep/output.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'imds-guard-output-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Short, long (over the 64 KB flush size) and non-ASCII lines. */
const LINES = [
  '{"a":1}',
  `{"long":"${'x'.repeat(70_000)}"}`,
  '{"name":"café — 東京 🚀"}',
  ...Array.from({ length: 3000 }, (_, i) => `{"i":${i},"pad":"${'é'.repeat(i % 50)}"}`),
  `{"wide":"${'東'.repeat(30_000)}"}`,
  '{"z":true}',
];
const EXPECTED = LINES.map((l) => `${l}\n`).join('');

describe('record writers', () => {
  it('a file gets every line once, in order, after close', () => {
    const path = join(tmp(), 'out.jsonl');
    const w = fileWriter(path);
    for (const l of LINES) w.write(l);
    w.close();
    w.write('{"after":"close"}');
    w.close();
    expect(readFileSync(path, 'utf8')).toBe(EXPECTED);
  });

  it('flush() puts what was written so far on disk', () => {
    const path = join(tmp(), 'out.jsonl');
    const w = fileWriter(path);
    w.write('{"first":1}');
    w.flush();
    expect(readFileSync(path, 'utf8')).toBe('{"first":1}\n');
    w.close();
  });

  it('a stream that is a file (stdout redirected) gets the same bytes', () => {
    const path = join(tmp(), 'out.jsonl');
    const fd = openSync(path, 'w');
    const w = streamWriter({ fd, write: () => true } as unknown as { write(chunk: string): unknown });
    for (const l of LINES) w.write(l);
    w.close();
    expect(readFileSync(path, 'utf8')).toBe(EXPECTED);
  });

  it('any other stream gets the text through write()', () => {
    let got = '';
    const w = streamWriter({ write: (c: string) => (got += c) });
    for (const l of LINES) w.write(l);
    w.close();
    expect(got).toBe(EXPECTED);
  });
});
