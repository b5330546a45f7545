// The reader against the demo account over real HTTP: the postures of every VPC that holds instances,
// and the findings the demo scenario was written to contain — no more, no fewer.
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningEmulator } from '#emulator/index.ts';
import { assessNetwork } from '#functions/network/decide.ts';
import { readRegionPostures } from '#functions/network/read.ts';
import type { NetworkFinding, VpcPosture } from '#functions/network/types.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';
import { NetworkPolicy } from '#shared/policy/network.ts';
import { authFor, withEmulator } from '../../helpers/emulator.ts';

const REGIONS = ['us-south', 'eu-de', 'jp-tok'];
const POLICY = v.parse(NetworkPolicy, { private_paths: { vpcs: ['prod-*'] } });
const NOW = new Date('2026-06-01T00:00:00Z');

/** What a finding is about, by name, so the table reads like demo.yaml. */
const label = (f: NetworkFinding): string => {
  switch (f.kind) {
    case 'inbound':
      return `${f.rule_id} ${f.resource.name} (${f.ports.join(', ')})`;
    case 'flow-logs':
      return f.rule_id === 'flow-logs-partial'
        ? `${f.rule_id} (${f.uncovered.map((u) => u.name).join(', ')})`
        : f.rule_id;
    case 'private-path':
      return `${f.rule_id}${f.service ? ` ${f.service}` : ''}`;
  }
};

let emu: RunningEmulator;
let postures: VpcPosture[];

beforeAll(async () => {
  emu = await withEmulator();
  postures = [];
  for (const region of REGIONS) {
    const vpc = new VpcClient({
      authenticator: authFor(emu.url, 'imds-guard-demo-key'),
      serviceUrl: `${emu.url}/vpc/${region}/v1`,
    });
    postures.push(...(await readRegionPostures(vpc, region)));
  }
});
afterAll(async () => {
  await emu.close();
});

describe('the demo account', () => {
  test('every VPC with instances is read, with its own collectors, groups, ACLs and gateways', () => {
    // Assess
    expect(postures.map((p) => `${p.region}/${p.vpc.name}`)).toEqual([
      'us-south/prod-vpc',
      'us-south/dev-vpc',
      'us-south/containers-vpc',
      'eu-de/eu-prod-vpc',
      'jp-tok/tok-vpc',
    ]);
    const containers = postures.find((p) => p.vpc.name === 'containers-vpc');
    expect(containers?.account_id).toBe(emu.emulator.state.account.id);
    expect(containers?.security_groups.map((g) => g.name)).toEqual(['k8s-workers-sg']);
    expect(containers?.network_acls.map((a) => a.name)).toEqual(['containers-acl']);
    expect(containers?.vpn_gateways.map((g) => g.name)).toEqual(['containers-vpn']);
    expect(containers?.endpoint_gateways.map((g) => g.name)).toEqual(['containers-cos-vpe']);
    expect(containers?.instances.map((i) => i.nic_ids.length)).toEqual([1, 1]);
  });

  test('the findings are exactly the ones demo.yaml describes', () => {
    // Act
    const byVpc = Object.fromEntries(
      postures.map((p) => [p.vpc.name, assessNetwork(p, POLICY, NOW).findings.map(label).sort()]),
    );
    // Assess
    expect(byVpc).toEqual({
      'prod-vpc': ['sg-open-ssh prod-web-sg (tcp 22)', 'vpe-missing cloud-object-storage'],
      'dev-vpc': [
        'acl-open-all-ports dev-acl (tcp 1-65535, udp 1-65535)',
        'flow-logs-missing',
        'sg-open-rdp dev-windows-sg (tcp 3389)',
      ],
      'containers-vpc': [],
      'eu-prod-vpc': ['flow-logs-partial (eu-db-01, eu-api-01)'],
      'tok-vpc': ['flow-logs-missing'],
    });
  });
});
