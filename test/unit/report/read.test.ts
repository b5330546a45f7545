// The streaming reader over real sources: files (plain and gzip), in-memory streams cut at awkward
// places, several sources with malformed lines located as source:line, --since, pluggable schemes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSources } from '#shared/audit/report/read.ts';
import type { Decision } from '#shared/audit/report/record.ts';
import { buildReport } from '#shared/audit/report/report.ts';
import {
  type LineSource,
  RESOLVERS,
  resolveSources,
  SourceError,
  type SourceResolver,
} from '#shared/audit/report/sources.ts';
import { generateRecords, toJsonl, toLogLine } from '../../helpers/records.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A source whose bytes arrive in the given chunks. */
const memory = (label: string, chunks: (string | Uint8Array)[]): LineSource => ({
  label,
  open: async function* () {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
  },
});

const collect = async (sources: LineSource[], since?: Date) => {
  const decisions: Decision[] = [];
  const stats = await readSources(sources, (d) => decisions.push(d), since ? { since } : {});
  return { decisions, stats };
};

const records = generateRecords({ count: 40, seed: 21, start: '2025-03-12T00:00:00Z', spanMs: 86_400_000 });

describe('splitting lines', () => {
  test('lines and multi-byte characters cut across chunks are put back together', async () => {
    // Prepare: a reason with non-ASCII text, bytes cut every 7 bytes (inside characters too)
    const [first] = records;
    const line = toLogLine({ ...(first as NonNullable<typeof first>), reason: 'Größe → 10 m ✓ 日本' });
    const bytes = Buffer.from(`${line}\r\n${line}\n`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    // Act
    const { decisions, stats } = await collect([memory('cut', chunks)]);
    // Assess
    expect(stats.malformed).toBe(0);
    expect(decisions.map((d) => d.reason)).toEqual(['Größe → 10 m ✓ 日本', 'Größe → 10 m ✓ 日本']);
  });

  test('a last line without a newline is read', async () => {
    const { stats } = await collect([
      memory('x', [toLogLine(records[0] as NonNullable<(typeof records)[0]>)]),
    ]);
    expect(stats.decisions).toBe(1);
  });

  test('gzip input is recognised by its magic bytes, from files and streams alike', async () => {
    // Prepare
    const text = toJsonl(records);
    const path = join(dir, 'trail.jsonl.gz');
    await writeFile(path, gzipSync(Buffer.from(text)));
    // Act
    const fromFile = await collect(await resolveSources([path]));
    const fromStream = await collect([memory('gz', [gzipSync(Buffer.from(text))])]);
    // Assess
    expect(fromFile.stats.decisions).toBe(records.length);
    expect(fromStream.stats.decisions).toBe(records.length);
  });

  test('a corrupt gzip stream is an error of the read, not a hang', async () => {
    const broken = gzipSync(Buffer.from(toJsonl(records))).subarray(0, 60);
    await expect(collect([memory('bad.gz', [broken, Buffer.from('not gzip at all')])])).rejects.toThrow();
  });
});

describe('counting what was read', () => {
  test('malformed lines are counted and located as source:line, across sources', async () => {
    // Prepare
    const good = records.slice(0, 3).map(toLogLine);
    const a = memory('a.jsonl', [`${good[0]}\n\nnot json\n${good[1]}\n`]);
    const b = memory('b.jsonl', [
      `{"message":"decision","outcome":"won"}\n${good[2]}\n{"message":"listening"}\n`,
    ]);
    // Act
    const { stats } = await collect([a, b]);
    // Assess
    expect(stats).toMatchObject({
      sources: ['a.jsonl', 'b.jsonl'],
      lines: 6,
      decisions: 3,
      skipped: 1,
      malformed: 2,
    });
    expect(stats.malformed_samples.map((m) => `${m.source}:${m.line}`)).toEqual(['a.jsonl:3', 'b.jsonl:1']);
  });

  test('only the first samples are kept; all are counted', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `bad ${i}`).join('\n');
    const { stats } = await collect([memory('junk', [lines])]);
    expect(stats.malformed).toBe(50);
    expect(stats.malformed_samples).toHaveLength(20);
  });

  test('--since leaves older records out and says how many', async () => {
    const since = new Date('2025-03-12T12:00:00Z');
    const { decisions, stats } = await collect([memory('x', [toJsonl(records)])], since);
    const expected = records.filter((r) => Date.parse(r.timestamp) >= since.getTime()).length;
    expect(decisions).toHaveLength(expected);
    expect(stats.before_since).toBe(records.length - expected);
    expect(decisions.every((d) => d.at >= since.getTime())).toBe(true);
  });

  test('decision records are counted by the shape they came in', async () => {
    const { stats } = await collect([memory('x', [toJsonl(records, { wrapEvery: 2, noise: true })])]);
    expect(stats.decisions).toBe(records.length);
    expect(Object.values(stats.formats).reduce((a, b) => a + (b ?? 0), 0)).toBe(records.length);
    expect(Object.keys(stats.formats).sort()).toEqual([
      'cloud-logs-archive',
      'cloud-logs-ingest',
      'cloud-logs-query',
      'decision',
      'wrapped',
    ]);
    expect(stats.malformed).toBe(0);
  });
});

describe('sources', () => {
  test('a missing file, a directory, an unknown scheme: SourceError before any reading', async () => {
    await mkdir(join(dir, 'sub'), { recursive: true });
    await expect(resolveSources([join(dir, 'nope.jsonl')])).rejects.toThrow(/no such file/);
    await expect(resolveSources([join(dir, 'sub')])).rejects.toThrow(/is a directory/);
    await expect(resolveSources(['gs://bucket/trail/'])).rejects.toThrow(SourceError);
    await expect(resolveSources(['gs://bucket/trail/'])).rejects.toThrow(
      /gs:\/\/ inputs are not supported \(supported: cos:\/\/\)/,
    );
  });

  test('no specs, or -, is stdin', async () => {
    expect((await resolveSources([])).map((s) => s.label)).toEqual(['stdin']);
    expect((await resolveSources(['-'])).map((s) => s.label)).toEqual(['stdin']);
  });

  test('a new scheme plugs in as a resolver and may expand to several objects', async () => {
    // Prepare: what a COS trail source will look like — one source per object under a prefix
    const objects: Record<string, string> = {
      'trail/2025-03-12/a.jsonl': toJsonl(records.slice(0, 10)),
      'trail/2025-03-12/b.jsonl': toJsonl(records.slice(10, 25)),
    };
    const mem: SourceResolver = async (spec) => {
      const prefix = spec.replace(/^mem:\/\/bucket\//, '');
      return Object.entries(objects)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, text]) => memory(`mem://bucket/${key}`, [text]));
    };
    // Act
    const summary = await buildReport(['mem://bucket/trail/'], { resolvers: { ...RESOLVERS, mem } });
    // Assess
    expect(summary.input.sources).toEqual([
      'mem://bucket/trail/2025-03-12/a.jsonl',
      'mem://bucket/trail/2025-03-12/b.jsonl',
    ]);
    expect(summary.totals.decisions).toBe(25);
  });
});
