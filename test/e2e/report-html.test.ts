// The HTML report in a real browser: Debian's headless Chromium opens the page written by the built
// CLI for a realistic week of decisions, with every network request blocked (and none attempted),
// checks each chart rendered with the summary's numbers, and saves a full-page screenshot to
// test-output/report.png for people to look at.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReportSummary } from '#shared/audit/report/aggregate.ts';
import { generateRecords, toJsonl } from '../helpers/records.ts';

const root = join(import.meta.dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(root, 'test-output', 'report.png');

const runReport = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
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
  });

let dir: string;
let pageUrl: string;
let summary: ReportSummary;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const blocked: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing: ${CHROMIUM} does not exist. Install Debian's package (sudo apt-get install -y chromium); .ci/run does this in CI.`,
    );
  // Prepare: a realistic week, a few lines wrapped as Cloud Logs exports, one hostile record
  dir = await mkdtemp(join(tmpdir(), 'report-e2e-'));
  const records = generateRecords({
    count: 2400,
    seed: 2025,
    start: '2025-03-10T00:00:00Z',
    spanMs: 7 * 86_400_000,
  });
  const [victim] = records.filter((r) => r.outcome === 'failed').slice(-1);
  if (victim) {
    victim.reason = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>';
    victim.detail = { ...victim.detail, name: '<b id="injected">web-99</b>' };
  }
  const input = join(dir, 'decisions.jsonl');
  await writeFile(input, toJsonl(records, { wrapEvery: 11, noise: true }));
  const html = join(dir, 'report.html');
  const [written, json] = await Promise.all([
    runReport([input, '--html', html]),
    runReport([input, '--json']),
  ]);
  expect(written.code, written.stderr).toBe(0);
  summary = JSON.parse(json.stdout) as ReportSummary;
  pageUrl = pathToFileURL(html).href;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  // Block everything except the page itself, and remember what was tried.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.on('request', (r) => {
    requests.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => {
    consoleErrors.push(String(e));
  });
  await page.goto(pageUrl, { waitUntil: 'load' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the report page in Chromium', () => {
  test('makes no network request at all, runs no script, logs no error', async () => {
    expect(blocked).toEqual([]);
    expect(requests).toEqual([pageUrl]);
    expect(consoleErrors).toEqual([]);
    expect(await page.title()).toMatch(/^imds-guard report · 10 Mar 2025 – 16 Mar 2025$/);
  });

  test('hostile record text shows as text: no element injected, no script run', async () => {
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.locator('main img, main script').count()).toBe(0);
    await expect(page.locator('#failures').textContent()).resolves.toContain(
      '<script>document.title="pwned"</script>',
    );
  });

  test('every SVG is present and drawn with a non-zero box and a title', async () => {
    const boxes = await page.locator('svg').evaluateAll((svgs) =>
      svgs.map((s) => {
        const r = s.getBoundingClientRect();
        return {
          w: r.width,
          h: r.height,
          role: s.getAttribute('role'),
          title: s.querySelector('title')?.textContent ?? '',
        };
      }),
    );
    // donut + timeline + histogram + one meter per top-list row
    const rows = ['rule', 'initiator', 'resource_group', 'region'] as const;
    const meters = rows.reduce((n, k) => n + Math.min(8, summary.by[k].items.length), 0);
    expect(boxes).toHaveLength(3 + meters);
    for (const b of boxes) {
      expect(b.w).toBeGreaterThan(0);
      expect(b.h).toBeGreaterThan(0);
      expect(b.role).toBe('img');
      expect(b.title).not.toBe('');
    }
  });

  test('outcome donut: one slice per outcome that occurred, the total in the middle', async () => {
    const present = Object.values(summary.outcomes).filter((n) => n > 0).length;
    await expect(page.locator('svg[data-chart="donut"] path.slice').count()).resolves.toBe(present);
    await expect(page.locator('svg[data-chart="donut"] .donut-total').textContent()).resolves.toBe(
      summary.totals.decisions.toLocaleString('en-US'),
    );
    const sliceBoxes = await page
      .locator('svg[data-chart="donut"] path.slice')
      .evaluateAll((ps) => ps.map((p) => (p as unknown as { getBBox(): { width: number } }).getBBox().width));
    expect(sliceBoxes.every((w) => w > 0)).toBe(true);
  });

  test('decisions over time: one bar per day, stacked segments adding up to the totals', async () => {
    expect(summary.timeline.unit).toBe('day');
    await expect(page.locator('svg[data-chart="timeline"] g.bucket').count()).resolves.toBe(
      summary.timeline.buckets.length,
    );
    const titles = await page.locator('svg[data-chart="timeline"] g.bucket > title').allTextContents();
    expect(titles.map((t) => t.split(': ')[1]?.split(' decisions')[0])).toEqual(
      summary.timeline.buckets.map((b) => b.total.toLocaleString('en-US')),
    );
    const heights = await page
      .locator('svg[data-chart="timeline"] rect.seg')
      .evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().height));
    expect(heights.length).toBeGreaterThanOrEqual(summary.timeline.buckets.length);
    expect(heights.every((h) => h > 0)).toBe(true);
    await expect(page.locator('svg[data-chart="timeline"] text.tick').count()).resolves.toBe(
      summary.timeline.buckets.length,
    );
  });

  test('exposure histogram: one bin per class, a bar per non-empty one, p50/p90/p99 markers', async () => {
    const bins = summary.exposure.histogram;
    await expect(page.locator('svg[data-chart="exposure"] g.bin').count()).resolves.toBe(bins.length);
    await expect(page.locator('svg[data-chart="exposure"] rect.bar').count()).resolves.toBe(
      bins.filter((b) => b.count > 0).length,
    );
    await expect(page.locator('svg[data-chart="exposure"] text.tick').allTextContents()).resolves.toEqual(
      bins.map((b) => b.label),
    );
    const markers = await page.locator('svg[data-chart="exposure"] .marker-label').allTextContents();
    expect(markers.map((m) => m.split(' ')[0])).toEqual(['p50', 'p90', 'p99']);
    // Markers are ordered left to right like the percentiles.
    const xs = await page
      .locator('svg[data-chart="exposure"] g.marker line')
      .evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('x1'))));
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  test('top rules, initiators, resource groups and regions: a labelled bar per entry (top 8)', async () => {
    const lists = [
      ['rules', summary.by.rule],
      ['initiators', summary.by.initiator],
      ['resource-groups', summary.by.resource_group],
      ['regions', summary.by.region],
    ] as const;
    for (const [id, b] of lists) {
      const items = b.items.slice(0, 8);
      const rows = page.locator(`#top-${id} li.row`);
      await expect(rows.count()).resolves.toBe(items.length);
      await expect(page.locator(`#top-${id} .row-label`).allTextContents()).resolves.toEqual(
        items.map((i) => i.key),
      );
      const widths = await page
        .locator(`#top-${id} svg.meter rect.seg`)
        .evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().width));
      expect(widths.every((w) => w > 0)).toBe(true);
    }
  });

  test('header and totals carry the summary’s numbers', async () => {
    const kpi = async (key: string): Promise<string> =>
      (await page.locator(`[data-kpi="${key}"] .value`).textContent()) ?? '';
    await expect(kpi('decisions')).resolves.toBe(summary.totals.decisions.toLocaleString('en-US'));
    await expect(kpi('remediated')).resolves.toBe(summary.totals.remediated.toLocaleString('en-US'));
    await expect(kpi('failed')).resolves.toBe(summary.totals.failed.toLocaleString('en-US'));
    await expect(kpi('planned')).resolves.toBe(summary.totals.planned.toLocaleString('en-US'));
    await expect(page.locator('.lede').textContent()).resolves.toMatch(
      /^10 Mar 2025, \d\d:\d\d – 16 Mar 2025, \d\d:\d\d UTC/,
    );
    const shownFailures = await page.locator('#failures tbody tr').count();
    expect(shownFailures).toBe(summary.failures.recent.length);
  });

  test('responsive: no horizontal page scroll on a phone; print layout keeps the charts', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await page.emulateMedia({ media: 'print' });
    const donut = await page.locator('svg[data-chart="donut"]').boundingBox();
    expect(donut?.width ?? 0).toBeGreaterThan(0);
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('saves a full-page screenshot to test-output/report.png', async () => {
    await mkdir(join(root, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = await readFile(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(50_000);
  });
});
