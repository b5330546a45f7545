// `imds-guard report` as users run it: the built CLI (vitest's global setup rebuilds it) on a
// generated JSON-lines fixture, from files and stdin, as text, JSON and HTML, and with bad arguments.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReportSummary } from '#shared/audit/report/aggregate.ts';
import { generateRecords, toJsonl } from '../../helpers/records.ts';

const root = join(import.meta.dirname, '..', '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const run = (args: string[], stdin?: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', 'report', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });

const records = generateRecords({
  count: 1200,
  seed: 77,
  start: '2025-03-10T00:00:00Z',
  spanMs: 7 * 86_400_000,
});
const text = `${toJsonl(records, { wrapEvery: 10, noise: true })}this line is not json\n`;

let dir: string;
let fixture: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-cli-'));
  fixture = join(dir, 'decisions.jsonl');
  await writeFile(fixture, text);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reading', () => {
  test('a file: the human summary on stdout, exit 0, the malformed line reported on stderr', async () => {
    // Act
    const r = await run([fixture]);
    // Assess
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^imds-guard report · 10 Mar 2025, \d\d:\d\d → 16 Mar 2025, \d\d:\d\d UTC \(\d d/,
    );
    expect(r.stdout).toContain(`${(1200).toLocaleString('en-US')} decisions`);
    expect(r.stdout).toMatch(/Outcome\s+Decisions\s+Share/);
    expect(r.stdout).toContain('Exposure window');
    expect(r.stdout).toContain(`${fixture}:${text.trimEnd().split('\n').length}  not JSON`);
    expect(r.stderr).toContain('1 malformed line(s) skipped');
  });

  test('stdin (no file, or -) gives the same numbers as the file', async () => {
    // Act
    const [fromFile, fromStdin, fromDash] = await Promise.all([
      run([fixture, '--json']),
      run(['--json'], text),
      run(['-', '--json'], text),
    ]);
    // Assess
    const a = JSON.parse(fromFile.stdout) as ReportSummary;
    const b = JSON.parse(fromStdin.stdout) as ReportSummary;
    const c = JSON.parse(fromDash.stdout) as ReportSummary;
    expect(b.input.sources).toEqual(['stdin']);
    expect(b.totals).toEqual(a.totals);
    expect(c.outcomes).toEqual(a.outcomes);
    expect(b.exposure).toEqual(a.exposure);
  });

  test('--json: the whole summary, machine-readable', async () => {
    // Act
    const r = await run([fixture, '--json']);
    // Assess
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ReportSummary;
    expect(s.totals.decisions).toBe(1200);
    expect(Object.values(s.outcomes).reduce((a, b) => a + b, 0)).toBe(1200);
    expect(s.outcomes.failed).toBe(records.filter((x) => x.outcome === 'failed').length);
    expect(s.input).toMatchObject({ decisions: 1200, malformed: 1 });
    expect(s.input.formats.decision).toBeGreaterThan(1000);
    expect(s.input.formats['cloud-logs-query']).toBeGreaterThan(0);
    expect(s.input.formats['cloud-logs-archive']).toBeGreaterThan(0);
    expect(s.period.from).toBe(records[0]?.timestamp);
    expect(s.timeline.unit).toBe('6 h');
    expect(s.exposure.count).toBe(records.filter((x) => x.outcome === 'remediated').length);
  });

  test('several files, gzip among them, add up', async () => {
    // Prepare
    const gz = join(dir, 'more.jsonl.gz');
    await writeFile(gz, gzipSync(Buffer.from(toJsonl(records.slice(0, 100)))));
    // Act
    const r = await run([fixture, gz, '--json']);
    // Assess
    const s = JSON.parse(r.stdout) as ReportSummary;
    expect(s.totals.decisions).toBe(1300);
    expect(s.input.sources).toEqual([fixture, gz]);
  });

  test('--html writes the page and still prints the summary', async () => {
    const out = join(dir, 'report.html');
    const r = await run([fixture, '--html', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}`);
    expect(r.stdout).toContain('imds-guard report');
    const html = await readFile(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('data-chart="exposure"');
  });
});

describe('--since', () => {
  test('an ISO time keeps exactly the decisions from then on', async () => {
    const since = '2025-03-14T12:00:00Z';
    const r = await run([fixture, '--json', '--since', since]);
    const s = JSON.parse(r.stdout) as ReportSummary;
    const kept = records.filter((x) => Date.parse(x.timestamp) >= Date.parse(since)).length;
    expect(s.totals.decisions).toBe(kept);
    expect(s.input.before_since).toBe(1200 - kept);
    expect(s.period.since).toBe('2025-03-14T12:00:00.000Z');
  });

  test('a duration counts back from now', async () => {
    // Prepare: ten days up to now, none within ten minutes of the 24-hour boundary
    const now = Date.now();
    const recent = generateRecords({
      count: 400,
      seed: 5,
      start: new Date(now - 10 * 86_400_000),
      spanMs: 10 * 86_400_000 - 60_000,
    }).filter((x) => Math.abs(Date.parse(x.timestamp) - (now - 86_400_000)) > 10 * 60_000);
    // The generated days are quieter at night and on weekends: a decision near each end of the day,
    // so the kept ones span the day whatever time the test runs (the chart's step follows the span).
    const at = (ms: number) => ({
      ...(recent[0] as (typeof recent)[number]),
      timestamp: new Date(ms).toISOString(),
    });
    recent.push(at(now - 86_400_000 + 20 * 60_000), at(now - 2 * 60_000));
    const path = join(dir, 'recent.jsonl');
    await writeFile(path, toJsonl(recent));
    // Act
    const r = await run([path, '--json', '--since', '24h']);
    // Assess
    const s = JSON.parse(r.stdout) as ReportSummary;
    expect(s.totals.decisions).toBe(recent.filter((x) => Date.parse(x.timestamp) >= now - 86_400_000).length);
    expect(s.timeline.unit).toBe('hour');
  });
});

describe('bad arguments exit 2 with a message; --help documents the exit codes', () => {
  test.each([
    { args: ['--since', 'yesterday'], err: /--since.*not a time/ },
    { args: ['--since'], err: /argument missing/ },
    { args: ['--frobnicate'], err: /unknown option/ },
    {
      args: ['/nonexistent/decisions.jsonl'],
      err: /cannot read \/nonexistent\/decisions.jsonl: no such file/,
    },
    { args: ['.'], err: /is a directory/ },
    { args: ['gs://bucket/trail/'], err: /gs:\/\/ inputs are not supported/ },
  ])('$args', async ({ args, err }) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(err);
    expect(r.stdout).toBe('');
  });

  test('--help: exit 0, exit codes and input formats explained', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: imds-guard report [options] [files...]');
    expect(r.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*unexpected.*\n\s+2 .*bad arguments/);
    expect(r.stdout).toContain('IBM Cloud Logs');
  });

  test('an empty input is not an error: it says there was nothing', async () => {
    const r = await run([], '');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No decision records found.');
  });
});
