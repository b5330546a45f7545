// Theme 5: what an event costs in API calls, read from the emulator's journal. A non-compliant
// instance costs GET + PATCH, a compliant one GET; tags are read only when the policy uses them (one
// call per tag type); the IAM token is fetched once per process, however many events and containers.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import { criticalPathRoundTrips } from '../../helpers/round-trips.ts';
import { asParams, decisionFor, SPARE_GUARD_KEY, startWorld, type World } from './support.ts';

const SECURE = { default: { mode: 'secure' } };
const POLICIES = {
  'no tags': { instances: { ...SECURE, exemptions: { access_tags: [] } } },
  'exempt access tag': { instances: { ...SECURE } },
  'tag rule': {
    instances: {
      ...SECURE,
      exemptions: { access_tags: [] },
      rules: [
        { name: 'hosts', match: { tags: ['imds-guard:container-host'] }, mode: 'secure', hop_limit: 2 },
      ],
    },
  },
  'access and user tags': { instances: { ...SECURE, exemptions: { user_tags: ['imds-guard:exempt'] } } },
} as const;

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

beforeEach(async () => {
  await world.admin.reset();
});

afterAll(async () => {
  await world.close();
});

describe('calls per event', () => {
  test.each([
    { policy: 'no tags', state: 'non-compliant', vpc: ['GET', 'PATCH'], tagging: 0 },
    { policy: 'no tags', state: 'compliant', vpc: ['GET'], tagging: 0 },
    { policy: 'exempt access tag', state: 'non-compliant', vpc: ['GET', 'PATCH'], tagging: 1 },
    { policy: 'exempt access tag', state: 'compliant', vpc: ['GET'], tagging: 1 },
    { policy: 'tag rule', state: 'non-compliant', vpc: ['GET', 'PATCH'], tagging: 1 },
    { policy: 'access and user tags', state: 'compliant', vpc: ['GET'], tagging: 2 },
  ] as const)(
    '$state instance, policy "$policy" → VPC $vpc, $tagging tagging call(s)',
    async ({ policy, state, vpc, tagging }) => {
      // Prepare
      const change: InstanceMetadataServicePatch = {
        enabled: true,
        protocol: state === 'compliant' ? 'https' : 'http',
        response_hop_limit: 1,
      };
      const event = await world.userSets('web-01', change);
      const guard = world.guard(POLICIES[policy]);
      await guard.main(asParams(await world.userSets('web-02', change))); // the token is fetched here
      const since = await world.mark();

      // Act
      await guard.main(asParams(event));

      // Assess
      const calls = await world.guardCalls(since);
      expect(calls.filter((c) => c.service === 'vpc').map((c) => c.method)).toEqual(vpc);
      expect(calls.filter((c) => c.service === 'tagging')).toHaveLength(tagging);
      expect(calls.filter((c) => c.service !== 'vpc' && c.service !== 'tagging')).toEqual([]);
      expect(await world.tokenCalls(since)).toEqual([]);
      expect(decisionFor(guard.decisions(), event.target.id).api_calls).toBe(vpc.length + tagging);
    },
  );
});

describe('round trips on the critical path', () => {
  // Every VPC and tagging call answers after 80 ms, so requests that overlap do so by construction;
  // the count is read from the journal's start times and durations, not from a wall clock.
  test.each([
    { policy: 'no tags', calls: 2, trips: 2 },
    { policy: 'tag rule', calls: 3, trips: 2 },
    { policy: 'access and user tags', calls: 4, trips: 2 },
  ] as const)(
    'non-compliant instance, policy "$policy" → $calls calls, $trips round trips',
    async ({ policy, calls, trips }) => {
      // Prepare
      const event = await world.userSets('web-01', { protocol: 'http' });
      const guard = world.guard(POLICIES[policy]);
      await guard.main(asParams(await world.userSets('web-02', { protocol: 'http' }))); // token
      for (const service of ['vpc', 'tagging'] as const) await world.admin.fault({ service, latency_ms: 80 });
      const since = await world.mark();

      // Act
      await guard.main(asParams(event));

      // Assess
      const journal = await world.guardCalls(since);
      expect(journal).toHaveLength(calls);
      expect(criticalPathRoundTrips(journal)).toBe(trips);
    },
  );
});

describe('tokens', () => {
  test('one IAM token per process: many events, a second container, one POST /identity/token', async () => {
    // Prepare: the users' changes first, so every token request after the mark is the guard's.
    const names = ['web-01', 'web-02', 'batch-01', 'legacy-01', 'tok-cache-01', 'eu-web-01'];
    const events = [];
    for (const name of names) events.push(await world.userSets(name, { protocol: 'http' }));
    const guard = world.guard(POLICIES['no tags'], {}, SPARE_GUARD_KEY);
    const since = await world.mark();

    // Act
    for (const event of events.slice(0, -1)) await guard.main(asParams(event));
    const secondContainer = world.guard(POLICIES['no tags'], {}, SPARE_GUARD_KEY);
    await secondContainer.main(asParams(events.at(-1)));

    // Assess
    expect(await world.tokenCalls(since)).toHaveLength(1);
    const spare = world.iamIdOf('imds-guard-spare');
    const vpc = await world.calls(since, { caller: spare, service: 'vpc' });
    expect(vpc).toHaveLength(2 * names.length);
    expect([...guard.decisions(), ...secondContainer.decisions()].map((d) => d.outcome)).toEqual(
      names.map(() => 'remediated'),
    );
  });

  test('several events in one delivery (at-array) share the token and cost 2 calls each', async () => {
    // Prepare
    const events = [];
    for (const name of ['web-01', 'web-02', 'batch-01'])
      events.push(await world.userSets(name, { protocol: 'http' }));
    const guard = world.guard(POLICIES['no tags']);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(events));

    // Assess
    expect(res.statusCode).toBe(200);
    const vpc = await world.guardCalls(since, 'vpc');
    expect(vpc.map((c) => c.method)).toEqual(['GET', 'PATCH', 'GET', 'PATCH', 'GET', 'PATCH']);
    expect(guard.decisions().map((d) => d.api_calls)).toEqual([2, 2, 2]);
    expect((await world.tokenCalls(since)).length).toBeLessThanOrEqual(1);
  });
});
