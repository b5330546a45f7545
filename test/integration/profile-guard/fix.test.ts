// The opt-in fix (`policy.profiles.fix.cap_session_expiration`): a claim rule's session expiration is
// capped to `max_session_seconds` with a PUT carrying If-Match (the emulator refuses a PUT without one,
// and a stale one with 409); on 409/412 the rule is read once more. The ticket then tells what remains.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { decisionOn, detailOf, FIXER_KEY, startWorld, type World } from './support.ts';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

beforeEach(async () => {
  await world.emu.reset();
});

afterAll(async () => {
  await world.close();
});

const FIX = { profiles: { fix: { cap_session_expiration: true }, ticket: { sink: 'case-management' } } };

const rulePuts = async (since: number) =>
  (await world.calls(since, 'iam-identity')).filter((c) => c.method === 'PUT' && c.path.includes('/rules/'));

describe('opt-in claim-rule fix', () => {
  test('a long session is capped; nothing else is wrong, so no ticket', async () => {
    // Prepare
    const guard = world.guard(FIX, {}, FIXER_KEY);
    const sessions = await world.profile('sessions');
    const event = await world.touchProfile('sessions');
    const since = await world.mark();

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, sessions.crn);
    expect(d.outcome).toBe('remediated');
    expect(detailOf(d).fix).toEqual({
      status: 'applied',
      caps: [{ id: sessions.rules[0]?.id, name: 'api-01-only', from: 43200, to: 3600 }],
    });
    expect(detailOf(d).findings).toEqual([]);
    expect(detailOf(d).ticket.action).toBe('none');
    expect(d.before).toMatchObject({ rules: [{ id: sessions.rules[0]?.id, expiration: 43200 }] });
    expect(d.after).toMatchObject({ rules: [{ id: sessions.rules[0]?.id, expiration: 3600 }] });
    expect((await world.profile('sessions')).rules[0]?.expiration).toBe(3600);
    const puts = await rulePuts(since);
    expect(puts.map((p) => p.status)).toEqual([200]);
    expect(await world.casesFor(detailOf(d).marker)).toEqual([]);
  });

  test('a broad profile: sessions capped, the ticket lists only what remains', async () => {
    // Prepare
    const guard = world.guard(FIX, {}, FIXER_KEY);
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('remediated');
    expect(d.reason).toMatch(/capped session expiration .* opened ticket CS/);
    const rules = detailOf(d).findings.map((f) => f.rule_id);
    expect(rules).not.toContain('long-session');
    expect(rules).toContain('broad-role-all-services');
    const [c] = await world.casesFor(detailOf(d).marker);
    expect(c?.description).not.toMatch(/imds-guard-finding: long-session/);
  });

  test('409 on the PUT: the rule is read once more and the PUT repeated with its tag', async () => {
    // Prepare
    const guard = world.guard(FIX, {}, FIXER_KEY);
    const sessions = await world.profile('sessions');
    const event = await world.touchProfile('sessions');
    await world.admin.fault({
      service: 'iam-identity',
      method: 'PUT',
      path: '/rules/',
      status: 409,
      count: 1,
    });
    const since = await world.mark();

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(decisionOn(res, sessions.crn).outcome).toBe('remediated');
    const ruleCalls = (await world.calls(since, 'iam-identity')).filter((c) => c.path.includes('/rules/'));
    expect(ruleCalls.map((c) => `${c.method} ${c.status}`)).toEqual(['PUT 409', 'GET 200', 'PUT 200']);
  });

  test('412 twice: the fix is reported failed, the ticket still opens for the long session', async () => {
    // Prepare
    const guard = world.guard(FIX, {}, FIXER_KEY);
    const sessions = await world.profile('sessions');
    const event = await world.touchProfile('sessions');
    await world.admin.fault({
      service: 'iam-identity',
      method: 'PUT',
      path: '/rules/',
      status: 412,
      count: 2,
    });

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, sessions.crn);
    expect(d.outcome).toBe('ticket_opened');
    expect(d.reason).toMatch(/capping claim rule .* failed: IBM answered 412/);
    expect(detailOf(d).fix?.status).toBe('failed');
    expect(detailOf(d).findings.map((f) => f.rule_id)).toEqual(['long-session']);
  });

  test('without IAM Identity Administrator the PUT is refused: reported, the ticket opens', async () => {
    // Prepare: the guard's read-only key with the fix switched on.
    const guard = world.guard(FIX);
    const sessions = await world.profile('sessions');
    const event = await world.touchProfile('sessions');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, sessions.crn);
    expect(d.outcome).toBe('ticket_opened');
    expect(d.reason).toMatch(/IBM answered 403/);
    expect((await world.profile('sessions')).rules[0]?.expiration).toBe(43200);
  });

  test('off by default: nothing is changed', async () => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'case-management' } } }, {}, FIXER_KEY);
    const sessions = await world.profile('sessions');
    const since = await world.mark();

    // Act
    const res = await world.send(guard, await world.touchProfile('sessions'));

    // Assess
    expect(decisionOn(res, sessions.crn).outcome).toBe('ticket_opened');
    expect(await rulePuts(since)).toEqual([]);
  });

  test('dry run: the cap is planned, and so is no ticket, since nothing would remain', async () => {
    // Prepare
    const guard = world.guard(FIX, { IMDS_GUARD_DRY_RUN: 'true' }, FIXER_KEY);
    const sessions = await world.profile('sessions');
    const since = await world.mark();

    // Act
    const res = await world.send(guard, await world.touchProfile('sessions'));

    // Assess
    const d = decisionOn(res, sessions.crn);
    expect(d.outcome).toBe('planned');
    expect(d.reason).toMatch(/dry run: would cap session expiration/);
    expect(detailOf(d).fix?.status).toBe('planned');
    expect(await rulePuts(since)).toEqual([]);
    expect(await world.casesFor(detailOf(d).marker)).toEqual([]);
  });

  test("the fix's own profile update comes back as an event: ignored", async () => {
    // Prepare
    const guard = world.guard(FIX, {}, FIXER_KEY);
    const sessions = await world.profile('sessions');
    await world.send(guard, await world.touchProfile('sessions'));
    const own = await world.lastEvent('iam-identity.account-profile.update', sessions.crn);

    // Act
    const res = await world.send(guard, own);

    // Assess
    expect(res.statusCode).toBe(202);
    expect(res.decisions[0]?.reason).toMatch(/own change/);
  });
});
