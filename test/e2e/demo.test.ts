// `npm start` runs `imds-guard demo`: the whole story plays out and exits 0; the decision records it
// produced go to a file it names, which `imds-guard report` reads as is (as does the demo's nested
// `--json` output); `--report` writes the HTML; the summary never lists an exempt instance among those
// a bulk run would change. (The printed report command is run as printed in report-html.test.ts.)
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ReportSummary } from '#shared/audit/report/aggregate.ts';

const root = join(import.meta.dirname, '..', '..');

const run = (args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['bin/imds-guard.mjs', ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });

interface DemoSummary {
  event: string;
  outcomes: Record<string, number>;
  step_errors: number;
  function_5xx: number;
  records: string;
  report_command: string;
  report_html: string | null;
  account_now: { instances: number; comply: number; needs_change: string[]; exempt: string[] };
}

let dir: string;
let lines: Record<string, unknown>[];
let summary: DemoSummary;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-e2e-'));
  const { code, stdout, stderr } = await run(['demo', '--json', '--out', dir, '--report']);
  expect(code, stderr).toBe(0);
  lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  summary = lines.at(-1) as unknown as DemoSummary;
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the demo tells the whole story and exits 0', () => {
  expect(summary.event).toBe('summary');
  expect(summary.step_errors).toBe(0);
  expect(summary.function_5xx).toBe(0);
  for (const outcome of [
    'remediated',
    'compliant',
    'exempt',
    // No 'failed': agent-01's image requires the metadata service, so it falls back to https.
    'planned',
    'ticket_opened',
    'ticket_resolved',
  ])
    expect(summary.outcomes[outcome], outcome).toBeGreaterThan(0);
  const decisions = lines
    .filter((l) => l.event === 'step')
    .flatMap(
      (l) => (l.decisions as { outcome: string; reason: string; detail?: Record<string, unknown> }[]) ?? [],
    );
  // The container host got hop limit 2, the image that needs metadata was refused by IBM, not retried.
  expect(
    decisions.some(
      (d) =>
        d.outcome === 'remediated' &&
        (d.detail?.patch as { response_hop_limit?: number })?.response_hop_limit === 2,
    ),
  ).toBe(true);
  // agent-01's image requires the metadata service: secure access instead of a PATCH IBM would refuse.
  expect(
    decisions.some(
      (d) =>
        d.outcome === 'remediated' && d.reason.startsWith('fallback: image requires the metadata service'),
    ),
  ).toBe(true);
});

test('exempt instances are never among those a bulk run brings into line', () => {
  const { needs_change, exempt } = summary.account_now;
  expect(exempt.sort()).toEqual(['batch-01', 'legacy-01']);
  expect(needs_change.length).toBeGreaterThan(0);
  expect(needs_change.filter((n) => exempt.includes(n))).toEqual([]);
});

test('the records file is flat JSON lines the report reads as is, and --report wrote the page', async () => {
  // Prepare
  expect(summary.records).toBe(join(dir, 'decisions.jsonl'));
  expect(summary.report_command).toContain(`report ${summary.records} --html`);
  const text = await readFile(summary.records, 'utf8');
  const records = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const decisions = records.filter((r) => r.app === 'imds-guard' && 'target_crn' in r);
  // Act
  const r = await run(['report', summary.records, '--json']);
  // Assess
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout) as ReportSummary;
  expect(s.totals.decisions).toBe(decisions.length);
  expect(s.input.malformed).toBe(0);
  expect(s.posture.basis).toMatchObject({ kind: 'run', complete: true, runs_seen: 2 });
  expect(s.posture.instances.total).toBe(summary.account_now.instances);
  expect(s.exemptions.rows.map((e) => e.name).sort()).toEqual(['batch-01', 'legacy-01']);
  expect(summary.report_html).toBe(join(dir, 'report.html'));
  expect((await stat(join(dir, 'report.html'))).size).toBeGreaterThan(10_000);
});

test('the nested --json output is report input too (piped on stdin): the same decisions', async () => {
  const text = lines.map((l) => JSON.stringify(l)).join('\n');
  const r = await run(['report', '-', '--json'], text);
  expect(r.code, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout) as ReportSummary;
  const nested = lines.flatMap((l) => (Array.isArray(l.decisions) ? l.decisions : []));
  expect(s.totals.decisions).toBe(nested.length);
  expect(s.input.formats.demo).toBe(nested.length);
  expect(s.posture.instances.total).toBe(summary.account_now.instances);
});

test('the check-plan scene: a plan with a compliant and a non-compliant instance gives one finding, exit 3', async () => {
  const scene = lines.find((l) => l.event === 'check-plan') as
    | { exit: number; results: { address: string; verdict: string }[]; sarif: string }
    | undefined;
  expect(scene?.exit).toBe(3);
  expect(scene?.results).toEqual([
    expect.objectContaining({ address: 'ibm_is_instance.web', verdict: 'change' }),
    expect.objectContaining({ address: 'ibm_is_instance.db', verdict: 'pass' }),
  ]);
  const sarif = JSON.parse(await readFile(scene?.sarif ?? '', 'utf8')) as {
    version: string;
    runs: { results: { ruleId: string; locations?: unknown[] }[] }[];
  };
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.runs[0]?.results).toHaveLength(1);
});

test('the staged-rollout scene: app-01 (a trusted profile linked) gets notice first, is disabled after the grace', () => {
  const scene = lines.filter((l) => l.event === 'step' && String(l.did).includes('app-01'));
  const [notice, enforced] = scene.map(
    (l) => (l.decisions as { outcome: string; detail?: { rollout?: { gate?: string } } }[])[0],
  );
  expect(notice).toMatchObject({ outcome: 'ticket_opened', detail: { rollout: { gate: 'notice' } } });
  expect(enforced).toMatchObject({ outcome: 'remediated', detail: { rollout: { gate: 'go' } } });
});
