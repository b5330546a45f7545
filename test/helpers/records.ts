// Deterministic, realistic decision records for report tests: a week (or any span) of the guard at
// work — a dry-run start, a working-hours rhythm, remediations with exposure windows, tickets,
// failures with IBM's reasons — written as the functions write them or wrapped as IBM Cloud Logs
// exports them (query API events, archive rows, ingestion entries, JSON in `message`).
import type { DecisionRecord, FunctionName, Outcome } from '#shared/audit/decision.ts';
import { describeDecision } from '#shared/audit/decision-message.ts';

interface GenerateOptions {
  count: number;
  seed?: number;
  /** First possible timestamp. */
  start: Date | string;
  spanMs: number;
  /** Share of the span (from its start) during which the guard ran in dry run. */
  dryRunShare?: number;
}

type WrapStyle = 'cloud-logs-query' | 'cloud-logs-archive' | 'cloud-logs-ingest' | 'wrapped-message';

const WRAP_STYLES = [
  'cloud-logs-query',
  'cloud-logs-archive',
  'cloud-logs-ingest',
  'wrapped-message',
] as const satisfies readonly WrapStyle[];

/** mulberry32: small, fast, good enough for fixtures. */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const ACCOUNT = '0123456789abcdef0123456789abcdef';

const REGIONS = [
  ['us-south', 40],
  ['us-east', 20],
  ['eu-de', 18],
  ['eu-gb', 10],
  ['jp-tok', 7],
  ['br-sao', 5],
] as const;

const RESOURCE_GROUPS: readonly (readonly [{ id: string; name: string }, number])[] = [
  [{ id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'prod-payments' }, 28],
  [{ id: 'b2c3d4e5f60718293a4b5c6d7e8f90a1', name: 'platform' }, 24],
  [{ id: 'c3d4e5f60718293a4b5c6d7e8f90a1b2', name: 'default' }, 18],
  [{ id: 'd4e5f60718293a4b5c6d7e8f90a1b2c3', name: 'data-science' }, 14],
  [{ id: 'e5f60718293a4b5c6d7e8f90a1b2c3d4', name: 'sandbox' }, 10],
  [{ id: 'f60718293a4b5c6d7e8f90a1b2c3d4e5', name: 'edge-cdn' }, 6],
];

const INITIATORS = [
  ['IBMid-6650004ABC', 22],
  ['IBMid-270008KQ2P', 14],
  ['IBMid-55000FJ7NM', 9],
  ['iam-ServiceId-8c2f3a1e-4b5d-4e6f-9a7b-1c2d3e4f5a6b', 24],
  ['iam-ServiceId-2d4e6f80-1a3b-4c5d-8e9f-a0b1c2d3e4f5', 12],
  ['iam-Profile-9f8e7d6c-5b4a-4321-8765-43210fedcba9', 10],
  ['iam-ServiceId-schematics-7a6b5c4d', 6],
  ['IBMid-31000XR8TT', 3],
] as const;

const INSTANCE_RULES = [
  ['container-hosts', 30],
  ['metadata-consumers', 22],
  ['sandbox-audit', 12],
  ['default', 36],
] as const;

const PROFILE_RULES = [
  'broad-role-all-services',
  'broad-role-account-management',
  'broad-role-iam-services',
  'vsi-rule-unpinned',
  'long-session',
  'exposed-privileged-vsi',
  'cross-account-link',
  'too-many-vsi-links',
] as const;

const NAMES = ['web', 'api', 'batch-worker', 'kafka-broker', 'etl', 'bastion', 'ci-runner', 'gpu-train'];

const INSTANCE_FAILURES = [
  "IBM answered 409 instance_metadata_service_disable_not_supported: The image's allowed use requires the metadata service to stay enabled (trace 7f3c2a1b-0d4e-4f5a-9b8c-1d2e3f4a5b6c)",
  'IBM answered 403 not_authorized: The guard is not authorized to update this instance (trace 2b4c6d8e-1f3a-4b5c-8d9e-0f1a2b3c4d5e)',
  'IBM answered 429 too_many_requests: Request rate limit exceeded (trace 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d)',
  'the instance kept changing under us (412 three times); a redelivery will try again',
  'PATCH answered {"enabled":true,"protocol":"http","response_hop_limit":1}, not the wanted {"enabled":true,"protocol":"https","response_hop_limit":1}',
];

const TICKET_FAILURES = [
  'case-management answered 503 service_unavailable: try again later',
  'servicenow answered 401: the integration user cannot create incidents',
];

const OUTCOMES_BY_FN = {
  'instance-guard': [
    ['compliant', 36],
    ['remediated', 30],
    ['ignored', 11],
    ['exempt', 6],
    ['failed', 1.6],
    ['gone', 3],
    ['refused', 2],
    ['planned', 7],
  ],
  'profile-guard': [
    ['compliant', 38],
    ['ticket_opened', 18],
    ['ticket_updated', 14],
    ['ticket_resolved', 10],
    ['exempt', 6],
    ['ignored', 8],
    ['failed', 1.5],
    ['planned', 3],
  ],
  sweep: [
    ['compliant', 70],
    ['remediated', 14],
    ['planned', 8],
    ['gone', 4],
    ['failed', 1],
  ],
} as const satisfies Partial<Record<FunctionName, readonly (readonly [Outcome, number])[]>>;

type GeneratedFn = keyof typeof OUTCOMES_BY_FN;

const FN_WEIGHTS = [
  ['instance-guard', 62],
  ['profile-guard', 24],
  ['sweep', 14],
] as const satisfies readonly (readonly [GeneratedFn, number])[];

const ACTIONS = {
  'instance-guard': [
    ['is.instance.instance.create', 55],
    ['is.instance.instance.update', 33],
    ['is.instance-template.instance-template.create', 12],
  ],
  'profile-guard': [
    ['iam-identity.profile.create', 25],
    ['iam-identity.profile-link.create', 30],
    ['iam-identity.profile-rule.update', 25],
    ['iam-am.policy.create', 20],
  ],
} as const;

/** Generates `count` records in timestamp order; the same options always give the same records. */
const generateRecords = (options: GenerateOptions): DecisionRecord[] => {
  const rand = prng(options.seed ?? 42);
  const start = new Date(options.start).getTime();
  const pick = <T>(weighted: readonly (readonly [T, number])[]): T => {
    const total = weighted.reduce((n, [, w]) => n + w, 0);
    let r = rand() * total;
    for (const [value, w] of weighted) {
      r -= w;
      if (r < 0) return value;
    }
    return (weighted[weighted.length - 1] as readonly [T, number])[0];
  };
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const logNormal = (median: number, sigma: number): number => Math.exp(Math.log(median) + sigma * normal());
  // Working hours and weekdays are busier: accept a uniform time with an hour-of-day weight.
  const when = (): number => {
    for (;;) {
      const t = start + rand() * options.spanMs;
      const d = new Date(t);
      const hour = d.getUTCHours();
      const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
      const weight = (hour >= 7 && hour <= 18 ? 1 : 0.25) * (weekend ? 0.35 : 1);
      if (rand() < weight) return t;
    }
  };
  const times = Array.from({ length: options.count }, when).sort((a, b) => a - b);
  const dryRunUntil = start + options.spanMs * (options.dryRunShare ?? 0.12);

  return times.map((at): DecisionRecord => {
    const fn = pick(FN_WEIGHTS);
    const dryRun = at < dryRunUntil;
    let outcome: Outcome = pick(OUTCOMES_BY_FN[fn]);
    if (dryRun && (outcome === 'remediated' || outcome === 'ticket_opened')) outcome = 'planned';
    const region = pick(REGIONS);
    const rg = pick(RESOURCE_GROUPS);
    const name = `${NAMES[Math.floor(rand() * NAMES.length)]}-${String(Math.floor(rand() * 40) + 1).padStart(2, '0')}`;
    const isProfile = fn === 'profile-guard';
    const isTemplate = !isProfile && rand() < 0.08;
    const target = isProfile
      ? `crn:v1:bluemix:public:iam-identity::a/${ACCOUNT}::profile:Profile-${uuid()}`
      : `crn:v1:bluemix:public:is:${region}-${1 + Math.floor(rand() * 3)}:a/${ACCOUNT}::${isTemplate ? 'instance-template' : 'instance'}:0717_${uuid()}`;
    const action = fn === 'sweep' ? null : pick(ACTIONS[fn]);
    const initiator = fn === 'sweep' ? null : pick(INITIATORS);
    const exposureMs =
      outcome === 'remediated'
        ? Math.round(rand() < 0.04 ? logNormal(240_000, 0.8) : logNormal(5_500, 0.9))
        : undefined;
    const eventTime = action ? at - (exposureMs ?? Math.round(logNormal(1_800, 0.7))) : undefined;
    const latencyMs = Math.round(outcome === 'ignored' ? logNormal(4, 0.5) : logNormal(420, 0.65));
    const apiCalls =
      outcome === 'ignored' || outcome === 'refused'
        ? 0
        : outcome === 'remediated' || outcome === 'failed'
          ? 3 + Math.floor(rand() * 5)
          : 1 + Math.floor(rand() * 3);
    const rule = isProfile ? undefined : pick(INSTANCE_RULES);
    const findings =
      isProfile && outcome !== 'compliant' && outcome !== 'ignored'
        ? Array.from(
            { length: 1 + Math.floor(rand() * 2) },
            () => `${PROFILE_RULES[Math.floor(rand() * PROFILE_RULES.length)]}:${hex(6)}`,
          )
        : undefined;
    const reason = ((): string => {
      switch (outcome) {
        case 'failed':
          return isProfile
            ? (TICKET_FAILURES[Math.floor(rand() * TICKET_FAILURES.length)] ?? '')
            : (INSTANCE_FAILURES[Math.floor(rand() * INSTANCE_FAILURES.length)] ?? '');
        case 'remediated':
          return `rule "${rule}" applies (first match); metadata service: protocol http → https, hop limit 3 → 1`;
        case 'compliant':
          return isProfile ? 'no findings' : `rule "${rule}" applies (first match); already compliant`;
        case 'planned':
          return dryRun
            ? 'dry run: would PATCH {"protocol":"https","response_hop_limit":1}'
            : 'audit mode: would PATCH {"enabled":false}';
        case 'exempt':
          return 'exempt by access tag imds-guard:exempt (expires 2026-01-31)';
        case 'ignored':
          return rand() < 0.5
            ? 'not ours: is.volume.volume.update is not routed to this function'
            : 'own change (initiator iam-Profile-imds-guard)';
        case 'refused':
          return 'account 9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f is not one the policy allows';
        case 'gone':
          return 'instance not found (deleted, or never became visible)';
        case 'ticket_opened':
        case 'ticket_updated':
        case 'ticket_resolved':
          return `${outcome.replace('_', ' ')}: ${findings?.length ?? 0} findings`;
      }
    })();
    const inScope = outcome !== 'ignored' && outcome !== 'refused';
    const detail: Record<string, unknown> = {
      ...(inScope ? { name, region: isProfile ? 'global' : region, resource_group: rg } : {}),
      ...(rule && inScope ? { rule } : {}),
      ...(findings ? { findings } : {}),
      ...(outcome.startsWith('ticket_') ? { ticket: `CS${1_000_000 + Math.floor(rand() * 900_000)}` } : {}),
      ...(outcome === 'planned' && !dryRun ? { mode: 'audit' } : {}),
      ...(eventTime !== undefined ? { event_time: new Date(eventTime).toISOString() } : {}),
      ...(exposureMs !== undefined ? { exposure_ms: exposureMs } : {}),
    };
    const targetCrn = outcome === 'refused' && rand() < 0.5 ? null : target;
    return {
      timestamp: new Date(at).toISOString(),
      level: outcome === 'failed' ? 'error' : outcome === 'ignored' ? 'debug' : 'info',
      message: `${outcome} ${describeDecision({ outcome, reason, target_crn: targetCrn, detail })}`,
      app: 'imds-guard',
      subsystem: fn,
      fn,
      event_id: action ? uuid() : null,
      action,
      target_crn: targetCrn,
      account: targetCrn ? (/:a\/([0-9a-f]{32}):/.exec(targetCrn)?.[1] ?? null) : null,
      outcome,
      reason,
      before: null,
      after: null,
      initiator,
      correlation_id: action ? uuid() : null,
      dry_run: dryRun,
      api_calls: apiCalls,
      latency_ms: latencyMs,
      detail,
    };
  });
};

/** The line exactly as shared/audit/logger.ts writes it: timestamp, level, message first. */
const toLogLine = (r: DecisionRecord): string => {
  const { timestamp, level, message, ...fields } = r;
  return JSON.stringify({ timestamp, level, message, ...fields });
};

/** The line as the functions wrote it before the message became a summary: `message:"decision"`, no app. */
const toLegacyLine = (r: DecisionRecord): string => {
  const { timestamp, level, message: _message, app: _app, subsystem: _subsystem, ...fields } = r;
  return JSON.stringify({ timestamp, level, message: 'decision', ...fields });
};

/** Cloud Logs' metadata timestamp: ISO without the zone (it is UTC), as the archive example shows. */
const clTimestamp = (iso: string): string => iso.replace(/Z$/, '');

const SEVERITY = { debug: 'Debug', info: 'Info', warn: 'Warning', error: 'Error' } as const;
const SEVERITY_NUMBER = { debug: 1, info: 3, warn: 4, error: 5 } as const;

/** One record as an IBM Cloud Logs export line of the given style. */
const wrapLine = (r: DecisionRecord, style: WrapStyle): string => {
  const line = toLogLine(r);
  const labels = { applicationname: 'imds-guard', subsystemname: r.fn };
  switch (style) {
    case 'cloud-logs-query':
      return `data: ${JSON.stringify({
        result: {
          results: [
            {
              metadata: [
                { key: 'timestamp', value: clTimestamp(r.timestamp) },
                { key: 'severity', value: SEVERITY[r.level] },
                { key: 'logid', value: `log-${r.timestamp}` },
              ],
              labels: Object.entries(labels).map(([key, value]) => ({ key, value })),
              user_data: line,
            },
          ],
        },
      })}`;
    case 'cloud-logs-archive':
      return JSON.stringify({
        src_obj__event_metadata: JSON.stringify({
          timestamp: clTimestamp(r.timestamp),
          severity: SEVERITY[r.level],
          priorityclass: 'high',
          logid: `log-${r.timestamp}`,
        }),
        src_obj__event_labels: JSON.stringify(labels),
        src_obj__user_data: line,
      });
    case 'cloud-logs-ingest':
      return JSON.stringify({
        applicationName: 'imds-guard',
        subsystemName: r.fn,
        severity: SEVERITY_NUMBER[r.level],
        timestamp: Date.parse(r.timestamp),
        text: line,
      });
    case 'wrapped-message':
      return JSON.stringify({ timestamp: r.timestamp, labels, message: line });
  }
};

interface JsonlOptions {
  /** Every `wrapEvery`-th record is written in a Cloud Logs export shape (cycling); 0: none. */
  wrapEvery?: number;
  /** Add non-decision lines (startup logs, query API progress events) every so often. */
  noise?: boolean;
  /** Every `legacyEvery`-th plain line is written in the old shape (`message:"decision"`); 0: none. */
  legacyEvery?: number;
}

/** JSON lines as a function's log or a Cloud Logs export would hold them. */
const toJsonl = (records: readonly DecisionRecord[], options: JsonlOptions = {}): string => {
  const out: string[] = [];
  if (options.noise)
    out.push(': success', 'data: {"query_id":{"query_id":"009e11a2-78fb-4fa9-bb00-2cec624e7855"}}');
  records.forEach((r, i) => {
    const every = options.wrapEvery ?? 0;
    if (every > 0 && i % every === every - 1) {
      out.push(wrapLine(r, WRAP_STYLES[Math.floor(i / every) % WRAP_STYLES.length] ?? 'cloud-logs-query'));
    } else {
      const legacy = (options.legacyEvery ?? 0) > 0 && i % (options.legacyEvery ?? 1) === 0;
      out.push(legacy ? toLegacyLine(r) : toLogLine(r));
    }
    if (options.noise && i % 97 === 0)
      out.push(JSON.stringify({ timestamp: r.timestamp, level: 'info', message: 'listening', port: 8080 }));
  });
  return `${out.join('\n')}\n`;
};

export type { GenerateOptions, JsonlOptions, WrapStyle };
export { generateRecords, prng, toJsonl, toLegacyLine, toLogLine, WRAP_STYLES, wrapLine };
