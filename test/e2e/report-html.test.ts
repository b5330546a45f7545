// The HTML report in a real browser (Debian's Chromium when installed, else Chromium from the npm
// registry: test/helpers/browser.ts). Two pages written by the built CLI: the demo's records, through
// the exact `report` command the demo prints, and a generated week of decisions with a hostile record.
// Every network request is blocked (and none is attempted), the Content-Security-Policy is in force
// and never violated, charts are drawn, nothing scrolls sideways at 1280 or 390 px, and search and
// filters work by typing and clicking. Screenshots go to test-output/ (docs/ keeps copies of the first
// screens: report-desktop.png, report-phone.png).
import { exec, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReportSummary } from '#shared/audit/report/aggregate.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { generateRecords, toJsonl } from '../helpers/records.ts';

const root = join(import.meta.dirname, '..', '..');
const OUTPUT = join(root, 'test-output');
const sh = promisify(exec);

const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/imds-guard.mjs', ...args], { cwd: root });
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

interface Opened {
  page: Page;
  url: string;
  requests: string[];
  blocked: string[];
  errors: string[];
}

let dir: string;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
let demo: Opened;
let week: Opened;
let demoSummary: ReportSummary;
let weekSummary: ReportSummary;
let printed = '';

/** Opens a page with every request but the page itself blocked, and CSP violations recorded. */
const open = async (file: string): Promise<Opened> => {
  const url = pathToFileURL(file).href;
  const o: Opened = { page: await context.newPage(), url, requests: [], blocked: [], errors: [] };
  await o.page.route('**/*', async (route) => {
    if (route.request().url() === url) return route.continue();
    o.blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  o.page.on('request', (r) => {
    o.requests.push(r.url());
  });
  o.page.on('console', (m) => {
    if (m.type() === 'error') o.errors.push(m.text());
  });
  o.page.on('pageerror', (e) => {
    o.errors.push(String(e));
  });
  // Runs before the page's own script; a violation of the page's policy lands in this list.
  await o.page.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI);
      });`,
  });
  await o.page.goto(url, { waitUntil: 'load' });
  await o.page.locator('#rows[data-ready="true"]').waitFor();
  return o;
};

const violations = (p: Page): Promise<string[]> => p.evaluate('window.cspViolations') as Promise<string[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-e2e-'));
  // Prepare 1: the demo, then the report command exactly as it printed it
  const ran = await cli(['demo', '--no-color', '--out', join(dir, 'demo')]);
  expect(ran.code, ran.stderr).toBe(0);
  printed = /^ {4}(npx imds-guard report .*)$/m.exec(ran.stdout)?.[1] ?? '';
  expect(printed).toContain('--html');
  const { stderr } = await sh(printed, { cwd: root });
  expect(stderr).toContain('wrote ');
  const demoRecords = join(dir, 'demo', 'decisions.jsonl');
  demoSummary = JSON.parse((await cli(['report', demoRecords, '--json'])).stdout) as ReportSummary;
  // Prepare 2: a week of decisions, some wrapped as Cloud Logs exports, one hostile record
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
  const input = join(dir, 'week.jsonl');
  await writeFile(input, toJsonl(records, { wrapEvery: 11, noise: true, legacyEvery: 5 }));
  const [written, json] = await Promise.all([
    cli(['report', input, '--html', join(dir, 'week.html')]),
    cli(['report', input, '--json']),
  ]);
  expect(written.code, written.stderr).toBe(0);
  weekSummary = JSON.parse(json.stdout) as ReportSummary;
  // Open both
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  demo = await open(join(dir, 'demo', 'report.html'));
  week = await open(join(dir, 'week.html'));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the page is self-contained and keeps to its policy', () => {
  test('no network request at all, no console error, no CSP violation', async () => {
    for (const o of [demo, week]) {
      expect(o.blocked).toEqual([]);
      expect(o.requests).toEqual([o.url]);
      expect(o.errors).toEqual([]);
      await expect(violations(o.page)).resolves.toEqual([]);
    }
    expect(await week.page.title()).toBe('imds-guard report · 10 Mar 2025 – 16 Mar 2025');
  });

  test('the policy is in force: an injected inline script and a fetch are both refused', async () => {
    const p = week.page;
    const outcome = await p.evaluate(`(async () => {
      const s = document.createElement('script');
      s.textContent = 'document.title = "ran"';
      document.body.append(s);
      try {
        await fetch('https://example.com/');
        return 'fetched';
      } catch {
        return 'refused';
      }
    })()`);
    expect(outcome).toBe('refused');
    expect(await p.title()).not.toBe('ran');
    const v = await violations(p);
    expect(v.some((x) => x.startsWith('script-src'))).toBe(true);
    expect(v.some((x) => x.startsWith('connect-src'))).toBe(true);
    expect(week.blocked).toEqual([]);
  });

  test('hostile record text shows as text: no element injected, no script run', async () => {
    const p = week.page;
    expect(await p.title()).not.toBe('pwned');
    expect(await p.locator('#injected').count()).toBe(0);
    expect(await p.locator('main img').count()).toBe(0);
    await expect(p.locator('#failures').textContent()).resolves.toContain(
      '<script>document.title="pwned"</script>',
    );
  });
});

describe('charts and numbers', () => {
  test('every chart is drawn: a box, a title, and shapes inside', async () => {
    for (const o of [demo, week]) {
      const charts = await o.page.locator('svg[data-chart], svg.meter').evaluateAll((svgs) =>
        svgs.map((s) => {
          const r = s.getBoundingClientRect();
          return {
            chart: s.getAttribute('data-chart') ?? 'meter',
            w: r.width,
            h: r.height,
            title: s.querySelector('title')?.textContent ?? '',
            shapes: s.querySelectorAll('rect, path, circle, line').length,
          };
        }),
      );
      const kinds = new Set(charts.map((c) => c.chart));
      for (const k of ['donut', 'timeline', 'exposure', 'trend-exposure', 'meter'])
        expect(kinds, k).toContain(k);
      for (const c of charts) {
        expect(c.w, c.chart).toBeGreaterThan(0);
        expect(c.h, c.chart).toBeGreaterThan(0);
        expect(c.title, c.chart).not.toBe('');
        expect(c.shapes, c.chart).toBeGreaterThan(0);
      }
    }
    // The demo has two scans: the share per run is a line through two dots.
    await expect(demo.page.locator('svg[data-chart="trend-share"] circle.dot').count()).resolves.toBe(2);
  });

  test('y labels are inside the chart, and percentile labels never overlap', async () => {
    const p = week.page;
    const clipped = await p.locator('svg[data-chart] text.y-label').evaluateAll(
      (ts) =>
        ts.filter((t) => {
          const svg = t.closest('svg')?.getBoundingClientRect();
          const r = t.getBoundingClientRect();
          return !svg || r.left < svg.left - 0.5;
        }).length,
    );
    expect(clipped).toBe(0);
    const boxes = await p
      .locator('svg[data-chart="exposure"] .marker-label')
      .evaluateAll((ts) =>
        ts
          .map((t) => t.getBoundingClientRect())
          .map((r) => ({ l: r.left, r: r.right, t: r.top, b: r.bottom })),
      );
    expect(boxes).toHaveLength(3);
    for (const a of boxes)
      for (const b of boxes)
        if (a !== b) expect(a.r <= b.l || b.r <= a.l || a.b <= b.t || b.b <= a.t).toBe(true);
  });

  // The demo spans 8 days since its staged-rollout scene waits out a grace period: its buckets are hours,
  // never one bar; a one-minute run gets seconds (aggregate.test.ts "short runs").
  test('the time axis adapts to the span: many buckets, not one bar', async () => {
    expect(demoSummary.timeline.step_ms).toBeLessThan(24 * 3_600_000);
    const bars = await demo.page.locator('svg[data-chart="timeline"] g.bucket').count();
    expect(bars).toBe(demoSummary.timeline.buckets.length);
    expect(bars).toBeGreaterThan(5);
  });

  test('scans have no initiators: the page shows decisions by function instead of an empty list', async () => {
    expect(demoSummary.by.initiator.items.length).toBeGreaterThan(0);
    // The week has initiators; a page of scans only would show #top-functions (unit-tested in render.test.ts).
    await expect(week.page.locator('#top-initiators li.row').count()).resolves.toBe(
      Math.min(8, weekSummary.by.initiator.items.length),
    );
  });
});

describe('the demo account, as the printed command shows it', { timeout: 120_000 }, () => {
  test('state now: X of Y, the old instances still on http listed with the rule that wants them changed', async () => {
    const p = demo.page;
    const i = demoSummary.posture.instances;
    await expect(p.locator('[data-headline="instances"] strong').textContent()).resolves.toBe(
      `${i.compliant + i.exempt} of ${i.total}`,
    );
    const needs = demoSummary.posture.rows.filter(
      (r) => r.status === 'noncompliant' && r.kind === 'instance',
    );
    // app-01 was disabled after its notice's grace period (the staged-rollout scene).
    expect(needs.map((r) => r.name)).toEqual(expect.arrayContaining(['web-01', 'web-02']));
    const listed = await p.locator('#needs-change tbody tr .res strong').allTextContents();
    for (const r of needs) expect(listed).toContain(r.name);
    await expect(p.locator('#needs-change').textContent()).resolves.toContain(
      'wants metadata service disabled',
    );
    const link = await p.locator('#needs-change a.ext').first().getAttribute('href');
    expect(link).toMatch(/^https:\/\/cloud\.ibm\.com\/vpc-ext\/compute\/vs\/[a-z-]+~[\w-]+\/overview$/);
  });

  test('nothing failed (the agent image falls back to secure access); exemptions with the one ending soon highlighted; the trend', async () => {
    const p = demo.page;
    // Before the image gate, agent-01 failed with IBM's instance_allowed_use_violation on every event;
    // now the guard reads the image and gives it secure access instead (failures by cause: unit tests).
    await expect(p.locator('#causes [data-cause]').count()).resolves.toBe(0);
    await expect(p.locator('#causes').textContent()).resolves.toContain('Nothing failed.');
    await expect(p.locator('#exemption-list tr.soon').textContent()).resolves.toMatch(
      /batch-01.*CHG0099001.*ends in \d+ days/s,
    );
    await expect(p.locator('#exemption-list tr[data-by="access-tag"]').textContent()).resolves.toContain(
      'legacy-01',
    );
    await expect(p.locator('#trend-share').textContent()).resolves.toContain('2 runs');
  });
});

describe('drill-down: search and filters, by typing and clicking', () => {
  test('typing narrows the rows; clearing brings them back', async () => {
    const p = demo.page;
    const all = demoSummary.posture.rows.length;
    await p.locator('#f-q').fill('web-0');
    const names = await p.locator('#rows tbody tr .res strong').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.includes('web-0'))).toBe(true);
    await expect(p.locator('#f-count').textContent()).resolves.toMatch(
      new RegExp(`of ${names.length} matching · ${all} resources`),
    );
    await p.locator('#f-q').fill('');
    await expect(p.locator('#rows tbody tr').count()).resolves.toBe(Math.min(100, all));
  });

  test('status, kind and region filters combine', async () => {
    const p = demo.page;
    await p.locator('#f-status').selectOption('exempt');
    const exempt = await p.locator('#rows tbody tr .res strong').allTextContents();
    expect(exempt.sort()).toEqual(['batch-01', 'legacy-01']);
    await p.locator('#f-status').selectOption('');
    await p.locator('#f-kind').selectOption('profile');
    const kinds = await p.locator('#rows tbody tr .crn').allTextContents();
    expect(kinds.length).toBe(demoSummary.posture.rows.filter((r) => r.kind === 'profile').length);
    expect(kinds.every((k) => k.startsWith('trusted profile'))).toBe(true);
    await p.locator('#f-kind').selectOption('');
    await p.locator('#f-region').selectOption('eu-de');
    const regions = await p
      .locator('#rows tbody tr td:nth-child(2)')
      .evaluateAll((tds) => tds.map((td) => td.firstChild?.textContent));
    expect(regions.length).toBeGreaterThan(0);
    expect(regions.every((r) => r === 'eu-de')).toBe(true);
    await p.locator('#f-region').selectOption('');
  });

  test('a long list pages by 100 with "Show 100 more"', async () => {
    const p = week.page;
    const total = weekSummary.posture.rows.length;
    expect(total).toBeGreaterThan(200);
    await expect(p.locator('#rows tbody tr').count()).resolves.toBe(100);
    await p.locator('#f-more').click();
    await expect(p.locator('#rows tbody tr').count()).resolves.toBe(200);
    expect(week.requests).toEqual([week.url]);
  });
});

describe('layout', () => {
  test('no horizontal scroll at 1280 and 390 px; screenshots of both', async () => {
    await mkdir(OUTPUT, { recursive: true });
    for (const [width, name, top] of [
      [1280, 'report-desktop', 1800],
      [390, 'report-phone', 2600],
    ] as const) {
      for (const o of [demo, week]) {
        await o.page.setViewportSize({ width, height: 900 });
        const overflow = Number(
          await o.page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        );
        expect(overflow, `${o.url} at ${width}`).toBeLessThanOrEqual(0);
      }
      // The whole page, and its first screens (what docs/ and the README show).
      await demo.page.screenshot({ path: join(OUTPUT, `${name}-full.png`), fullPage: true });
      await demo.page.screenshot({
        path: join(OUTPUT, `${name}.png`),
        fullPage: true,
        clip: { x: 0, y: 0, width, height: top },
      });
      const png = await readFile(join(OUTPUT, `${name}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(width);
    }
  });

  test('print keeps the charts', async () => {
    await demo.page.emulateMedia({ media: 'print' });
    const donut = await demo.page.locator('svg[data-chart="donut"]').boundingBox();
    expect(donut?.width ?? 0).toBeGreaterThan(0);
    await demo.page.emulateMedia({ media: 'screen' });
  });
});
