// The posture report over a big account: one complete scan of 20,000 instances (a quarter needing a
// change, some exempt, a few failures) plus 500 trusted profiles, as JSON lines the way `scan --output`
// writes them. Rows: time to read, aggregate and render the HTML (median of 3), and the page's size.
// Goals: under 5 s and under 5 MB.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DecisionInput, decisionRecord } from '#shared/audit/decision.ts';
import { renderHtml } from '#shared/audit/report/render-html.ts';
import { buildReport } from '#shared/audit/report/report.ts';
import { prng } from '../test/helpers/records.ts';
import { median, type Row } from './lib.ts';

const INSTANCES = 20_000;
const PROFILES = 500;
const RUNS = 3;
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const REGIONS = ['us-south', 'us-east', 'eu-de', 'eu-gb', 'jp-tok', 'br-sao', 'ca-tor', 'au-syd'];
const GROUPS = ['prod', 'platform', 'default', 'data', 'sandbox', 'edge'];
const RULES = ['default', 'container-hosts', 'metadata-consumers', 'sandbox-audit'];

const hex = (rand: () => number, n: number): string =>
  Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');

/** One instance of the scan: planned (needs a change), compliant, exempt, or failed. */
const instanceInput = (rand: () => number, i: number, runId: string): DecisionInput => {
  const region = REGIONS[i % REGIONS.length] ?? 'us-south';
  const r = rand();
  const outcome = r < 0.25 ? 'planned' : r < 0.27 ? 'exempt' : r < 0.275 ? 'failed' : 'compliant';
  const before = {
    enabled: true,
    protocol: rand() < 0.6 ? 'http' : 'https',
    response_hop_limit: 1 + Math.floor(rand() * 3),
  };
  const rule = RULES[Math.floor(rand() * RULES.length)] ?? 'default';
  const id = `0717_${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-8${hex(rand, 3)}-${hex(rand, 12)}`;
  const name = `vsi-${String(i).padStart(5, '0')}`;
  return {
    fn: 'scan',
    event_id: null,
    action: null,
    target_crn: `crn:v1:bluemix:public:is:${region}-${1 + (i % 3)}:a/${ACCOUNT}::instance:${id}`,
    outcome,
    reason:
      outcome === 'exempt'
        ? 'exempt: access tag "imds-guard:exempt" is attached'
        : outcome === 'failed'
          ? `IBM answered 400 instance_allowed_use_violation: The instance does not satisfy the allowed-use expression of its image (trace ${hex(rand, 8)})`
          : `rule "${rule}" applies (first match); metadata service reachable over plain HTTP; IBM recommends secure access (HTTPS)`,
    before,
    after: outcome === 'planned' ? { ...before, enabled: false } : before,
    initiator: null,
    correlation_id: runId,
    dry_run: true,
    api_calls: 1,
    latency_ms: Math.round(rand() * 400),
    detail: {
      kind: 'instance',
      name,
      region,
      resource_group: { id: hex(rand, 32), name: GROUPS[i % GROUPS.length] },
      vpc: { id: `r006-${hex(rand, 8)}`, name: `${region}-vpc-${i % 12}` },
      ...(outcome === 'exempt' ? { exemption: { by: 'access-tag', tag: 'imds-guard:exempt' } } : { rule }),
      ...(outcome === 'planned' ? { patch: { enabled: false } } : {}),
      ...(outcome === 'failed'
        ? { patch: { enabled: false }, ibm: { status: 400, code: 'instance_allowed_use_violation' } }
        : {}),
    },
  };
};

const profileInput = (rand: () => number, i: number, runId: string): DecisionInput => {
  const id = `Profile-${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`;
  const findings =
    rand() < 0.3
      ? [{ id: `long-session:rule/${hex(rand, 8)}`, rule_id: 'long-session', severity: 'low' }]
      : [];
  return {
    fn: 'scan',
    event_id: null,
    action: null,
    target_crn: `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::profile:${id}`,
    outcome: findings.length > 0 ? 'planned' : 'compliant',
    reason:
      findings.length > 0
        ? 'dry run: would open a ticket for 1 finding(s)'
        : 'no breadth rule fires and no ticket is open',
    before: { findings: findings.map((f) => f.id) },
    after: { findings: findings.map((f) => f.id) },
    initiator: null,
    correlation_id: runId,
    dry_run: true,
    api_calls: 7,
    latency_ms: 100,
    detail: {
      kind: 'profile',
      profile: { id, name: `profile-${i}` },
      findings,
      severity: findings.length > 0 ? 'low' : null,
    },
  };
};

/** The scan's JSON lines and its summary line. */
const scanLines = (): string => {
  const rand = prng(20_000);
  const runId = 'bench-run';
  const t0 = Date.parse('2026-01-05T02:00:00Z');
  const lines: string[] = [];
  for (let i = 0; i < INSTANCES; i += 1)
    lines.push(JSON.stringify(decisionRecord(instanceInput(rand, i, runId), new Date(t0 + i * 30))));
  for (let i = 0; i < PROFILES; i += 1)
    lines.push(
      JSON.stringify(decisionRecord(profileInput(rand, i, runId), new Date(t0 + INSTANCES * 30 + i * 100))),
    );
  lines.push(
    JSON.stringify({
      timestamp: new Date(t0 + 3_600_000).toISOString(),
      level: 'info',
      message: 'scan summary',
      fn: 'scan',
      run_id: runId,
      complete: true,
    }),
  );
  return `${lines.join('\n')}\n`;
};

const reportBench = async (): Promise<Row[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const file = join(dir, 'scan.jsonl');
    writeFileSync(file, scanLines());
    const times: number[] = [];
    let bytes = 0;
    let rows = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const t = performance.now();
      const summary = await buildReport([file]);
      const html = renderHtml(summary);
      times.push(performance.now() - t);
      bytes = Buffer.byteLength(html);
      rows = summary.posture.rows.length;
    }
    const seconds = Math.round(median(times)) / 1000;
    const mb = Math.round((bytes / 1024 / 1024) * 100) / 100;
    return [
      {
        bench: 'report',
        metric: `20,000-instance scan → HTML (${rows} rows)`,
        value: seconds,
        unit: 's',
        goal: '< 5',
        ok: seconds < 5,
        note: `median of ${RUNS}`,
      },
      { bench: 'report', metric: 'HTML size', value: mb, unit: 'MB', goal: '< 5', ok: mb < 5 },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export { reportBench, scanLines };
