// Text and HTML renderings: aligned tables, and record text that cannot inject anything — no HTML or
// script into the page, no terminal escapes into the console.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { createAggregator, type ReportSummary } from '#shared/audit/report/aggregate.ts';
import { DRILLDOWN_SCRIPT, encodeRows } from '#shared/audit/report/html/drilldown.ts';
import { escapeHtml, h, raw } from '#shared/audit/report/markup.ts';
import { readLine } from '#shared/audit/report/read.ts';
import { CSP, renderHtml } from '#shared/audit/report/render-html.ts';
import { clean, renderText, table } from '#shared/audit/report/render-text.ts';
import { generateRecords, toLogLine } from '../../helpers/records.ts';

const summaryOf = (records: DecisionRecord[]): ReportSummary => {
  const agg = createAggregator();
  let n = 0;
  for (const r of records) {
    const got = readLine(toLogLine(r));
    if (got.kind !== 'decisions') continue;
    for (const d of got.decisions) {
      agg.add(d.decision);
      n += 1;
    }
  }
  return agg.summary(
    {
      sources: ['fixture.jsonl'],
      lines: n,
      decisions: n,
      before_since: 0,
      skipped: 0,
      malformed: 0,
      malformed_samples: [],
      formats: { decision: n },
    },
    { now: new Date('2025-03-20T00:00:00Z') },
  );
};

const realistic = summaryOf(
  generateRecords({ count: 800, seed: 4, start: '2025-03-10T00:00:00Z', spanMs: 5 * 86_400_000 }),
);

// Everything a hostile record can carry, in every field the report shows.
const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(2)>',
  "'><svg onload=alert(3)>",
  '</style><script>alert(4)</script>',
  '</title><script>alert(5)</script>',
  '<a href="javascript:alert(6)">x</a>',
  '&lt;already-escaped&gt; & <b>bold</b>',
  '\u001b[31mred\u001b[0m\u0007',
];

const hostile = (): DecisionRecord[] =>
  PAYLOADS.map((p, i) => ({
    timestamp: new Date(Date.parse('2025-03-12T09:00:00Z') + i * 60_000).toISOString(),
    level: 'error',
    message: p,
    app: 'imds-guard',
    subsystem: 'instance-guard',
    fn: 'instance-guard',
    event_id: p,
    action: p,
    target_crn: `crn:v1:bluemix:public:is:us-south-1:a/acct::instance:${p}`,
    account: p,
    outcome: i % 2 === 0 ? 'failed' : 'remediated',
    reason: p,
    before: null,
    after: null,
    initiator: p,
    correlation_id: null,
    dry_run: false,
    api_calls: 1,
    latency_ms: 5,
    detail: {
      rule: p,
      region: p,
      resource_group: { id: 'x', name: p },
      name: p,
      event_time: '2025-03-12T08:59:00Z',
    },
  }));

describe('the markup builder', () => {
  test('escapes text and attribute values; only raw() passes markup through', () => {
    const out = h('p', { title: '"x" <y>' }, '<b>&</b>', raw('<i>ok</i>')).html;
    expect(out).toBe('<p title="&quot;x&quot; &lt;y&gt;">&lt;b&gt;&amp;&lt;/b&gt;<i>ok</i></p>');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  test('refuses tag and attribute names it cannot vouch for', () => {
    expect(() => h('p onclick=x')).toThrow();
    expect(() => h('p', { 'onload="x"': 1 })).toThrow();
  });
});

describe('HTML', () => {
  const html = renderHtml(summaryOf(hostile()));

  test('record text never becomes markup', () => {
    // The page's own scripts: the drill-down's data block and its one hashed script, nothing else.
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toEqual(['<script type="application/json" id="rows-data">', '<script>']);
    expect(html).toContain(`<script>${DRILLDOWN_SCRIPT}</script>`);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(html).not.toMatch(/<a href="javascript/i);
    expect(html).not.toMatch(/<b>bold/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&amp;lt;already-escaped&amp;gt;');
    // The only <style> and <title> elements are the page's own.
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    // The data block cannot close its element: every "<" in it is escaped, and it parses back.
    const data = /<script type="application\/json" id="rows-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(data).not.toContain('<');
    expect(JSON.stringify(JSON.parse(data))).toContain('<script>alert(1)</script>');
  });

  test('a Content-Security-Policy allows only the page’s own stylesheet and script, by hash, and no fetch', () => {
    const csp =
      /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1]?.replace(/&#39;/g, "'") ?? '';
    const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const css = /<style>(.*?)<\/style>/s.exec(html)?.[1] ?? '';
    expect(csp).toBe(
      `default-src 'none'; style-src ${hash(css)}; script-src ${hash(DRILLDOWN_SCRIPT)}; base-uri 'none'; form-action 'none'`,
    );
    expect(CSP).toBe(csp);
    // No inline style attribute anywhere (the policy would block it).
    expect(html).not.toMatch(/ style=/);
  });

  test('self-contained: nothing to fetch; the only links are in-page anchors and IBM Cloud console pages', () => {
    const page = renderHtml(realistic);
    expect(page).not.toMatch(/<link|<iframe|<object|<img|@import|url\(/i);
    expect(page).not.toMatch(/ src=/i);
    const hrefs = [...page.matchAll(/ href="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(hrefs.length).toBeGreaterThan(6);
    for (const href of hrefs) expect(href).toMatch(/^(#[a-z-]+|https:\/\/cloud\.ibm\.com\/)/);
    const urls = page.match(/https?:\/\/[^"'\s<)]+/g) ?? [];
    expect(
      urls.every((u) => u === 'http://www.w3.org/2000/svg' || u.startsWith('https://cloud.ibm.com/')),
    ).toBe(true);
  });

  test('every chart is an accessible image with a title', () => {
    const page = renderHtml(realistic);
    const svgs = page.match(/<svg[^>]*>/g) ?? [];
    expect(svgs.length).toBeGreaterThan(10);
    for (const tag of svgs) expect(tag).toMatch(/role="img"/);
    const bodies = page.split('<svg').slice(1);
    for (const body of bodies) expect(body).toMatch(/^[^>]*>\s*<title/);
    expect(page).toMatch(/<title>imds-guard report · 10 Mar 2025 – 14 Mar 2025<\/title>/);
  });

  test('the numbers on the page are the summary’s', () => {
    const page = renderHtml(realistic);
    const total = realistic.totals.decisions.toLocaleString('en-US');
    expect(page).toMatch(
      new RegExp(
        `data-kpi="decisions"[^>]*><span class="label">Decisions</span><span class="value">${total}</span>`,
      ),
    );
    expect(page).toContain(`data-chart="donut"`);
    expect(page.match(/class="slice"/g)).toHaveLength(
      Object.values(realistic.outcomes).filter((n) => n > 0).length,
    );
    expect(page.match(/class="bucket"/g)).toHaveLength(realistic.timeline.buckets.length);
    expect(page.match(/class="bin"/g)).toHaveLength(realistic.exposure.histogram.length);
    expect(page.match(/class="marker"/g)).toHaveLength(3);
  });

  test('scans have no initiators: the page lists decisions by function instead of an empty card', () => {
    const scans = generateRecords({ count: 60, seed: 9, start: '2025-03-10T00:00:00Z', spanMs: 60_000 }).map(
      (r) => ({
        ...r,
        fn: 'scan' as const,
        subsystem: 'scan' as const,
        initiator: null,
      }),
    );
    const page = renderHtml(summaryOf(scans));
    expect(page).not.toContain('id="top-initiators"');
    expect(page).toContain('id="top-functions"');
  });

  test('the drill-down data holds every row, each string once', () => {
    const summary = summaryOf(
      generateRecords({ count: 300, seed: 3, start: '2025-03-10T00:00:00Z', spanMs: 86_400_000 }),
    );
    const data = encodeRows(summary.posture.rows);
    expect(data.r).toHaveLength(summary.posture.rows.length);
    expect(new Set(data.s).size).toBe(data.s.length);
    const names = data.r.map((r) => data.s[r[1] ?? -1] ?? data.s[r[2] ?? -1]);
    expect(names).toEqual(summary.posture.rows.map((r) => r.name ?? r.id ?? r.crn));
  });

  test('no decisions: a page that says so', () => {
    const page = renderHtml(summaryOf([]));
    expect(page).toContain('No decision records were found in the input.');
    expect(page).not.toContain('<svg');
  });
});

describe('text', () => {
  test('tables align numbers right and text left', () => {
    const lines = table(
      [{ header: 'Rule' }, { header: 'Decisions', align: 'right' }],
      [
        ['default', '1,234'],
        ['container-hosts', '7'],
      ],
    );
    expect(lines).toEqual([
      '  Rule             Decisions',
      '  ───────────────  ─────────',
      '  default              1,234',
      '  container-hosts          7',
    ]);
  });

  test('control characters from records cannot reach the terminal', () => {
    const out = renderText(summaryOf(hostile()));
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    expect(clean('a\u001b[2Jb\nc', 80)).toBe('a [2Jb c');
  });

  test('long text is cut with an ellipsis', () => {
    expect(clean('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  test('the realistic summary reads as sections with totals', () => {
    const out = renderText(realistic);
    expect(out).toMatch(/^imds-guard report · 10 Mar 2025, \d\d:\d\d → 14 Mar 2025, \d\d:\d\d UTC/);
    expect(out).toContain(`${realistic.totals.decisions} decisions`);
    for (const heading of [
      'Outcome',
      'Exposure window',
      'Latency',
      'API calls',
      'Rule',
      'Initiator',
      'Resource group',
      'Region',
      'Function',
      'Action',
    ])
      expect(out).toContain(heading);
  });

  test('no decisions: says so', () => {
    expect(renderText(summaryOf([]))).toContain('No decision records found.');
  });
});
