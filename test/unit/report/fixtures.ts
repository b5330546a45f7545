// Hand-made decisions and run summaries for the posture tests: every field the reader fills, with
// defaults that a test overrides.
import type { InputStats } from '#shared/audit/report/aggregate.ts';
import type { Decision } from '#shared/audit/report/record.ts';
import type { RunSummary } from '#shared/audit/report/run-summary.ts';

const T0 = Date.parse('2025-03-12T09:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const INPUT: InputStats = {
  sources: ['t'],
  lines: 0,
  decisions: 0,
  before_since: 0,
  skipped: 0,
  malformed: 0,
  malformed_samples: [],
  formats: {},
};

const crnOf = (kind: string, id: string, location = 'us-south-1'): string =>
  kind === 'profile'
    ? `crn:v1:bluemix:public:iam-identity::a/acct::profile:${id}`
    : `crn:v1:bluemix:public:is:${location}:a/acct::${kind}:${id}`;

/** An instance decision of a scan run by default; `id` names the resource. */
const decision = (over: Partial<Decision> & { outcome: Decision['outcome']; id?: string }): Decision => {
  const { id = 'i-1', ...rest } = over;
  const kind = rest.kind ?? 'instance';
  const at = rest.at ?? T0;
  return {
    at,
    timestamp: new Date(at).toISOString(),
    fn: 'scan',
    action: null,
    target: crnOf(kind, id),
    name: id,
    reason: 'r',
    initiator: null,
    dryRun: true,
    audit: false,
    apiCalls: 1,
    latencyMs: 10,
    rules: ['default'],
    region: kind === 'profile' ? 'global' : 'us-south',
    account: 'acct',
    resourceGroup: 'prod',
    exposureMs: null,
    eventId: null,
    correlationId: 'run-1',
    kind,
    resourceId: id,
    location: kind === 'profile' ? 'global' : 'us-south-1',
    vpc: 'prod-vpc',
    vpcId: 'r006-1',
    metadata: kind === 'instance' ? { enabled: true, protocol: 'http', hopLimit: 1 } : null,
    patch: null,
    exemption: null,
    findings: [],
    severity: null,
    ibmStatus: null,
    ibmCode: null,
    ticketId: null,
    ...rest,
  };
};

const runSummary = (over: Partial<RunSummary> = {}): RunSummary => ({
  fn: 'scan',
  runId: 'run-1',
  at: T0 + MIN,
  complete: true,
  shard: null,
  ...over,
});

export { crnOf, DAY, decision, HOUR, INPUT, MIN, runSummary, T0 };
