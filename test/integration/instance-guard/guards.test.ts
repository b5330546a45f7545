// Theme 2: every check made before any read. Failed requests, other accounts, the guard's own changes
// and duplicate deliveries end as one decision line each, and the emulator's journal shows that no VPC
// call was made for them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type AtEventLike,
  asParams,
  bodyOf,
  decisionFor,
  inOtherAccount,
  SPARE_GUARD_KEY,
  startWorld,
  type World,
} from './support.ts';

const POLICY = { instances: { default: { mode: 'secure' } } };

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world.close();
});

/** An event built by the emulator exactly like its own, injected without changing anything. */
const inject = async (change: Record<string, unknown>, as = 'alice'): Promise<AtEventLike> => {
  const res = await world.admin.call<{ events: AtEventLike[] }>('POST', '/events', { change, as });
  return res.events[0] as AtEventLike;
};

describe('checks before any read', () => {
  test('outcome failure → ignored, nothing called', async () => {
    // Prepare
    const web = await world.instance('web-01');
    const event = await inject({
      action: 'is.instance.instance.update',
      outcome: 'failure',
      target: { id: web.crn, name: web.name, typeURI: 'is.instance/instance' },
      reasonCode: 403,
      reasonForFailure: 'The caller does not have the required role',
      message: 'Virtual Server for VPC: update instance web-01 -failure',
      location: web.zone,
    });
    const guard = world.guard(POLICY);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(202);
    const line = decisionFor(guard.decisions(), web.crn);
    expect(line).toMatchObject({ outcome: 'ignored', level: 'debug', event_id: event.id });
    expect(line.reason).toMatch(/failure/);
    expect(await world.calls(since)).toEqual([]);
  });

  test('outcome pending → ignored, nothing called', async () => {
    // Prepare
    const event = await world.userSets('web-02', { enabled: true });
    event.outcome = 'pending';
    const guard = world.guard(POLICY);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(decisionFor(guard.decisions(), event.target.id)).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringMatching(/outcome is pending/),
    });
    expect(await world.calls(since)).toEqual([]);
  });

  test('another account, policy.accounts set → refused and logged at warn, nothing called', async () => {
    // Prepare
    const event = await world.userSets('web-02', { enabled: true });
    const foreign = inOtherAccount(event.target.id);
    event.target.id = foreign;
    const guard = world.guard({ ...POLICY, accounts: [world.account] });
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res).outcome).toBe('refused');
    const line = decisionFor(guard.decisions(), foreign);
    expect(line).toMatchObject({ outcome: 'refused', level: 'warn' });
    expect(line.reason).toMatch(/0000000000000000000000000000beef is not one the policy allows/);
    expect(await world.calls(since)).toEqual([]);
  });

  test('another account, policy.accounts empty → refused by the token’s own account, no VPC call', async () => {
    // Prepare
    const event = await world.userSets('web-02', { enabled: true });
    const foreign = inOtherAccount(event.target.id);
    event.target.id = foreign;
    const guard = world.guard({ ...POLICY, accounts: [] });
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(202);
    const line = decisionFor(guard.decisions(), foreign);
    expect(line).toMatchObject({ outcome: 'refused', level: 'warn', api_calls: 0 });
    expect(line.reason).toMatch(/not the guard's own account/);
    // Only the IAM token (if this process had none yet) may have been fetched.
    const made = await world.calls(since);
    expect(made.filter((c) => c.service !== 'iam-token')).toEqual([]);
  });

  test('own account with policy.accounts empty → acted on (the token names the account)', async () => {
    // Prepare
    const event = await world.userSets('web-02', { enabled: true, protocol: 'http' });
    const guard = world.guard({ ...POLICY, accounts: [] });

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(decisionFor(guard.decisions(), event.target.id).outcome).toBe('remediated');
  });

  test('configured self_ids → ignored, nothing called', async () => {
    // Prepare
    const event = await world.userSets('batch-01', { protocol: 'http' });
    const alice = world.iamIdOf('alice');
    const guard = world.guard({ ...POLICY, self_ids: [alice] });
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(202);
    const line = decisionFor(guard.decisions(), event.target.id);
    expect(line).toMatchObject({ outcome: 'ignored', initiator: alice });
    expect(line.reason).toMatch(/own change/);
    expect(await world.calls(since)).toEqual([]);
  });

  test('IMDS_GUARD_SELF_IDS adds to self_ids → ignored, nothing called', async () => {
    // Prepare
    const event = await world.userSets('batch-01', { protocol: 'http' });
    const guard = world.guard(POLICY, { IMDS_GUARD_SELF_IDS: `someone-else, ${world.iamIdOf('alice')}` });
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(decisionFor(guard.decisions(), event.target.id).outcome).toBe('ignored');
    expect(await world.calls(since)).toEqual([]);
  });

  test('the guard’s own PATCH comes back as an event → ignored by its token’s iam_id, no second PATCH', async () => {
    // Prepare: a user makes web-01 insecure and the guard fixes it.
    const guard = world.guard(POLICY);
    const users = await world.userSets('web-01', { enabled: true, protocol: 'http' });
    await guard.main(asParams(users));
    const own = await world.lastEvent('is.instance.instance.update', users.target.id);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(own));

    // Assess
    expect(own.initiator?.id).toBe(world.guardIamId);
    expect(own.id).not.toBe(users.id);
    expect(res.statusCode).toBe(202);
    const lines = guard.decisions().filter((l) => l.event_id === own.id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: 'ignored', initiator: world.guardIamId });
    expect(lines[0]?.reason).toMatch(/guard's own identity/);
    expect(await world.calls(since)).toEqual([]);
  });

  test('the same event twice in a warm container → processed once, then ignored as a duplicate', async () => {
    // Prepare
    const event = await world.userSets('tok-cache-01', { protocol: 'http', response_hop_limit: 2 });
    const guard = world.guard(POLICY);
    const first = await guard.main(asParams(event));
    const since = await world.mark();

    // Act
    const second = await guard.main(asParams(event));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(bodyOf(first).outcome).toBe('remediated');
    expect(second.statusCode).toBe(202);
    const lines = guard.decisions().filter((l) => l.event_id === event.id);
    expect(lines.map((l) => l.outcome)).toEqual(['remediated', 'ignored']);
    expect(lines[1]?.reason).toMatch(/duplicate delivery/);
    expect(await world.calls(since)).toEqual([]);
  });

  test('a delivery with no target CRN → refused (bad input), nothing called', async () => {
    // Prepare
    const event = await world.userSets('web-02', { enabled: true });
    event.target.id = 'web-02';
    const guard = world.guard(POLICY);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(bodyOf(res).outcome).toBe('refused');
    expect(guard.decisions()[0]?.reason).toMatch(/no target CRN/);
    expect(await world.calls(since)).toEqual([]);
  });
});

describe('authentication', () => {
  test('no token (IAM answers 503 once) → failed, 503, no VPC call; the redelivery is then processed', async () => {
    // Prepare: a key this process has no token for yet.
    const event = await world.userSets('batch-01', { protocol: 'http' });
    await world.admin.fault({ service: 'iam-token', status: 503, count: 1 });
    const guard = world.guard(POLICY, {}, SPARE_GUARD_KEY);
    const since = await world.mark();

    // Act
    const first = await guard.main(asParams(event));
    const again = await guard.main(asParams(event));

    // Assess
    expect(first.statusCode).toBe(503);
    expect(bodyOf(first).decisions[0]).toMatchObject({ outcome: 'failed', level: 'error' });
    expect(bodyOf(first).decisions[0]?.reason).toMatch(/^cannot authenticate/);
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again).outcome).toBe('remediated');
    const vpc = await world.calls(since, { service: 'vpc' });
    expect(vpc.map((c) => c.method)).toEqual(['GET', 'PATCH']);
  });
});

describe('the whole target CRN is checked at the edge (bad input: 400, nothing called, id not released)', () => {
  const mutated = (crn: string, at: number, value: string): string => {
    const parts = crn.split(':');
    parts[at] = value;
    return parts.join(':');
  };

  test.each([
    [
      'a path-like id in a __proto__ account',
      (crn: string) => `${crn.split(':a/')[0]}:a/__proto__::instance:../../x`,
      /scope must be a\/<32 lowercase hex>/,
    ],
    ['another cloud name', (crn: string) => mutated(crn, 2, 'staging'), /cloud name must be bluemix/],
    ['a private cloud type', (crn: string) => mutated(crn, 3, 'private'), /cloud type must be public/],
    ['another version', (crn: string) => mutated(crn, 1, 'v2'), /version must be v1/],
    ['another service', (crn: string) => mutated(crn, 4, 'kms'), /targets is, not kms/],
    ['another resource type', (crn: string) => mutated(crn, 8, 'volume'), /not a volume/],
    ['an empty instance id', (crn: string) => mutated(crn, 9, ''), /names no instance id/],
    [
      'an id with a slash',
      (crn: string) => mutated(crn, 9, 'a/b'),
      /exactly 10|characters an id cannot have/,
    ],
    ['a global location', (crn: string) => mutated(crn, 5, ''), /regional/],
  ])('%s → 400 refused, no IBM call', async (_what, mutate, reason) => {
    // Prepare
    const event = await world.userSets('web-01', { protocol: 'http' });
    event.target.id = mutate(event.target.id);
    const guard = world.guard(POLICY);
    const since = await world.mark();

    // Act
    const first = await guard.main(asParams(event));
    const again = await guard.main(asParams(event));

    // Assess: bad input is 4xx (never a redelivery), every time, and nothing was read or changed.
    expect(first.statusCode).toBe(400);
    expect(again.statusCode).toBe(400);
    expect(bodyOf(first).decisions[0]).toMatchObject({ outcome: 'refused' });
    expect(bodyOf(first).decisions[0]?.reason).toMatch(reason);
    expect(await world.calls(since)).toEqual([]);
  });
});
