// A scan of the demo account with `--include network`, through the bulk engine and the Case Management
// sink over real HTTP: every VPC with findings gets exactly one ticket, a second scan changes nothing,
// a partly fixed VPC gets a comment and a fully fixed one has its ticket resolved.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { runScan } from '#functions/sweep/engine.ts';
import type { ScanSummary } from '#functions/sweep/summary.ts';
import type { DecisionRecord } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import { createAggregator } from '#shared/audit/report/aggregate.ts';
import { normalizeDecision } from '#shared/audit/report/record.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { vpcNetwork } from '#shared/cloud/vpc-network.ts';
import type { PolicyInput } from '#shared/policy/schema.ts';
import { runtimeLoader } from '#shared/runtime/guard.ts';
import { adminClient, authFor, envFor, withEmulator } from '../../helpers/emulator.ts';

const POLICY: PolicyInput = {
  profiles: { ticket: { sink: 'case-management' } },
  network: { private_paths: { vpcs: ['prod-*'] } },
};

interface CaseState {
  number: string;
  short_description: string;
  status: string;
  comments: { value: string }[];
}

let emu: RunningEmulator;

const scan = async (): Promise<{ summary: ScanSummary; records: DecisionRecord[] }> => {
  const rt = await runtimeLoader('instance-guard', {
    env: envFor(emu.url, 'imds-guard-demo-key', { IMDS_GUARD_POLICY: JSON.stringify(POLICY) }),
    logger: memoryLogger('warn'),
  })();
  const records: DecisionRecord[] = [];
  const summary = await runScan(rt, {
    fn: 'scan',
    apply: true,
    include: ['network'],
    regions: ['us-south', 'eu-de', 'jp-tok'],
    concurrency: 8,
    regionConcurrency: 4,
    onRecord: (r) => records.push(r),
  });
  return { summary, records };
};

const cases = async (): Promise<CaseState[]> =>
  (await adminClient(emu.url).state<{ cases: CaseState[] }>(true)).cases.filter((c) =>
    c.short_description.includes('Network posture of VPC'),
  );

/** VPC name → what the scan did with its ticket. */
const byVpc = (records: readonly DecisionRecord[]): Record<string, string> =>
  Object.fromEntries(
    records.map((r) => [
      (r.detail?.vpc as { name?: string } | undefined)?.name ?? '?',
      `${r.outcome} ${r.detail?.findings ? (r.detail.findings as unknown[]).length : '?'}`,
    ]),
  );

const editor = (region: string) =>
  vpcNetwork(
    new VpcClient({
      authenticator: authFor(emu.url, 'bob-demo-key'),
      serviceUrl: `${emu.url}/vpc/${region}/v1`,
    }),
  );

beforeAll(async () => {
  emu = await withEmulator();
});
afterAll(async () => {
  await emu.close();
});

describe('scan --include network on the demo account', () => {
  test('one ticket per VPC finding set; a second scan opens none; fixes comment and resolve', async () => {
    // Act: the first scan
    const first = await scan();
    const opened = await cases();
    // Assess
    expect(byVpc(first.records)).toEqual({
      'prod-vpc': 'ticket_opened 2',
      'dev-vpc': 'ticket_opened 3',
      'containers-vpc': 'compliant 0',
      'eu-prod-vpc': 'ticket_opened 1',
      'tok-vpc': 'ticket_opened 1',
    });
    expect(first.records.every((r) => r.detail?.kind === 'vpc-network' && r.fn === 'scan')).toBe(true);
    expect(first.summary.kinds['vpc-network']).toEqual({ ticket_opened: 4, compliant: 1 });
    expect(opened.map((c) => c.status)).toEqual(['new', 'new', 'new', 'new']);
    expect(new Set(opened.map((c) => c.short_description)).size).toBe(4);
    // The report counts the network records as their own kind and lists each VPC
    const agg = createAggregator();
    for (const r of first.records) {
      const n = normalizeDecision(JSON.parse(JSON.stringify(r)));
      if (n.ok) agg.add(n.decision);
    }
    const posture = agg.summary(
      {
        sources: ['scan'],
        lines: 5,
        decisions: 5,
        before_since: 0,
        skipped: 0,
        malformed: 0,
        malformed_samples: [],
        formats: {},
      },
      { now: new Date() },
    ).posture;
    expect(posture.other).toMatchObject([{ kind: 'vpc-network', total: 5, compliant: 1, noncompliant: 4 }]);
    expect(
      posture.rows
        .filter((row) => row.kind === 'vpc-network')
        .map((row) => row.name)
        .sort(),
    ).toEqual(['containers-vpc', 'dev-vpc', 'eu-prod-vpc', 'prod-vpc', 'tok-vpc']);

    // Act: the same account again
    const second = await scan();
    // Assess: the same tickets, nothing opened
    expect(byVpc(second.records)).toEqual({
      'prod-vpc': 'ignored 2',
      'dev-vpc': 'ignored 3',
      'containers-vpc': 'compliant 0',
      'eu-prod-vpc': 'ignored 1',
      'tok-vpc': 'ignored 1',
    });
    expect((await cases()).map((c) => c.number)).toEqual(opened.map((c) => c.number));

    // Prepare: SSH closed on prod-web-sg; tok-vpc gets an active, VPC-wide flow log collector
    const us = editor('us-south');
    const sgs = (await us.listSecurityGroups({})).result.security_groups;
    const web = sgs.find((g) => g.name === 'prod-web-sg');
    const ssh = web?.rules.find((r) => r.port_min === 22);
    await us.deleteSecurityGroupRule({ securityGroupId: web?.id ?? '', id: ssh?.id ?? '' });
    // The VPC's own collector is inactive and IBM allows one per target: collect at the subnet instead.
    const tokVpc = new VpcClient({
      authenticator: authFor(emu.url, 'bob-demo-key'),
      serviceUrl: `${emu.url}/vpc/jp-tok/v1`,
    });
    const tokInstances = (await tokVpc.listInstances({})).result.instances;
    const subnets = [
      ...new Set(
        tokInstances.flatMap((i) =>
          i.primary_network_interface ? [i.primary_network_interface.subnet.id] : [],
        ),
      ),
    ];
    for (const subnet of subnets)
      await editor('jp-tok').createFlowLogCollector({
        flowLogCollectorPrototype: {
          storage_bucket: { name: 'tok-2' },
          target: { id: subnet },
          active: true,
        },
      });
    // Act
    const third = await scan();
    const after = await cases();
    // Assess
    expect(byVpc(third.records)).toMatchObject({
      'prod-vpc': 'ticket_updated 1',
      'tok-vpc': 'ticket_resolved 0',
      'dev-vpc': 'ignored 3',
    });
    expect(after.map((c) => c.number)).toEqual(opened.map((c) => c.number));
    const tokCase = after.find((c) => c.short_description.includes('tok-vpc'));
    expect(tokCase?.status).toBe('resolved');
    const prodCase = after.find((c) => c.short_description.includes('VPC prod-vpc '));
    expect(prodCase?.comments.at(-1)?.value).toContain('Removed: sg-open-ssh:');
  });
});
