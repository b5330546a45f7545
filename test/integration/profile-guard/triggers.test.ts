// Every action profile-guard handles leads to the right trusted profiles, read fresh: a profile update, a
// policy on a profile, a policy on an access group with a profile member, a member added to a group, a
// new instance with a default trusted profile, a template assignment. Intake is shared, so the same
// event works in every delivery envelope. The log sink (the default) keeps these tests about targets.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ENVELOPE_KINDS } from '../../helpers/deliveries.ts';
import { decisionOn, detailOf, startWorld, type World } from './support.ts';

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

const ids = (d: Parameters<typeof detailOf>[0]) =>
  detailOf(d)
    .findings.map((f) => f.rule_id)
    .sort();

describe('profile-guard triggers', () => {
  test.each(ENVELOPE_KINDS)(
    'account-profile.update in %s: the broad profile is re-read and ticketed',
    async (kind) => {
      // Prepare
      const guard = world.guard();
      const broad = await world.profile('broad-ops');
      const event = await world.touchProfile('broad-ops');

      // Act
      const res = await world.send(guard, event, kind);

      // Assess
      expect(res.statusCode).toBe(200);
      const d = decisionOn(res, broad.crn);
      expect(d.outcome).toBe('ticket_opened');
      expect(d.fn).toBe('profile-guard');
      expect(d.action).toBe('iam-identity.account-profile.update');
      expect(ids(d)).toEqual([
        'broad-role-all-services',
        'exposed-privileged-vsi',
        'long-session',
        'vsi-rule-unpinned',
      ]);
      expect(detailOf(d).marker).toMatch(/^imdsg-p-[0-9a-f]{16}$/);
      expect(detailOf(d).key).toMatch(/^imdsg-[0-9a-f]{16}$/);
      const ticketLines = guard.logger.lines.filter((l) => l.message === 'ticket');
      expect(ticketLines).toHaveLength(1);
      expect(ticketLines[0]).toMatchObject({ sink: 'log', type: 'open', marker: detailOf(d).marker });
    },
  );

  test('a tight profile is compliant; nothing is ticketed', async () => {
    // Prepare
    const guard = world.guard();
    const tight = await world.profile('tight');
    const event = await world.touchProfile('tight');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, tight.crn);
    expect(d.outcome).toBe('compliant');
    expect(detailOf(d).findings).toEqual([]);
    expect(d.api_calls).toBeGreaterThanOrEqual(5);
  });

  test('iam-am.policy.create on a profile: the grant makes it broad', async () => {
    // Prepare
    const guard = world.guard();
    const tight = await world.profile('tight');
    const { id, event } = await world.grantAll({ iam_id: tight.iam_id });

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, tight.crn);
    expect(d.outcome).toBe('ticket_opened');
    expect(d.action).toBe('iam-am.policy.create');
    expect(detailOf(d).findings.map((f) => f.id)).toContain(`broad-role-all-services:policy/${id}`);
  });

  test('iam-am.policy.create on an access group: every profile member inherits it', async () => {
    // Prepare
    const guard = world.guard();
    const grouped = await world.profile('grouped');
    const opsGroup = await world.group('ops-group');
    const { event } = await world.grantAll({ access_group_id: opsGroup.id });

    // Act
    const res = await world.send(guard, event);

    // Assess: alice is a member too, but only the profile is assessed.
    expect(res.decisions).toHaveLength(1);
    const d = decisionOn(res, grouped.crn);
    expect(d.outcome).toBe('ticket_opened');
    expect(ids(d)).toEqual(['broad-role-all-services']);
  });

  test('iam-am.policy.create for a user: not a profile, ignored after one read', async () => {
    // Prepare
    const guard = world.guard();
    const { event } = await world.grantAll({ iam_id: 'IBMid-not-a-profile' }, ['Viewer']);

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(202);
    expect(res.decisions[0]?.outcome).toBe('ignored');
    expect(res.decisions[0]?.reason).toMatch(/not a trusted profile/);
  });

  test('iam-groups.member.add: the added profile joins a broad group', async () => {
    // Prepare
    const guard = world.guard();
    const loner = await world.profile('loner');
    const admins = await world.group('platform-admins');
    await world.groups.addMembersToAccessGroup({
      accessGroupId: admins.id,
      members: [{ iam_id: loner.iam_id, type: 'profile' }],
    });
    const event = await world.lastEvent('iam-groups.member.add');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, loner.crn);
    expect(d.outcome).toBe('ticket_opened');
    expect(ids(d)).toEqual(['broad-role-account-management']);
  });

  test('iam-groups.member.add without requestData: the group is asked for its profile members', async () => {
    // Prepare
    const guard = world.guard();
    const loner = await world.profile('loner');
    const admins = await world.group('platform-admins');
    await world.groups.addMembersToAccessGroup({
      accessGroupId: admins.id,
      members: [{ iam_id: loner.iam_id, type: 'profile' }],
    });
    const event = { ...(await world.lastEvent('iam-groups.member.add')), requestData: null };
    const since = await world.mark();

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(decisionOn(res, loner.crn).outcome).toBe('ticket_opened');
    const members = (await world.calls(since, 'iam-groups')).filter((c) => c.path.endsWith('/members'));
    expect(members.length).toBeGreaterThanOrEqual(1);
  });

  test('is.instance.instance.create with a default trusted profile: the profile and the new instance', async () => {
    // Prepare
    const guard = world.guard();
    const broad = await world.profile('broad-ops');
    const { crn, event } = await world.createInstance('new-01', broad.id, 'http');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('ticket_opened');
    expect(detailOf(d).findings.map((f) => f.id)).toContain(`exposed-privileged-vsi:${crn}`);
  });

  test('is.instance.instance.create without a default trusted profile: ignored', async () => {
    // Prepare
    const guard = world.guard();
    const { event } = await world.createInstance('new-02');

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(202);
    expect(res.decisions[0]?.outcome).toBe('ignored');
    expect(res.decisions[0]?.reason).toMatch(/no default trusted profile/);
  });

  test('profile-template.assign: no profile from the template yet → said so, nothing acted on', async () => {
    // Prepare
    const guard = world.guard();
    const enterprise = '2b8d6f0a4c1e4a7b9d3f5e8c0a6b2d41';
    const event = world.event(
      'iam-identity.profile-template.assign',
      {
        id: `crn:v1:bluemix:public:iam-identity::a/${enterprise}::profile-template:ProfileTemplate-5b891484-88fb-4d48-945e-77dade896fb7`,
        name: 'vpc-reader-template',
        typeURI: 'iam-identity/profile-template',
      },
      {
        requestData: {
          template_id: 'ProfileTemplate-5b891484-88fb-4d48-945e-77dade896fb7',
          template_version: 1,
          target_type: 'Account',
          target: world.account,
        },
      },
    );
    const since = await world.mark();

    // Act
    const res = await world.send(guard, event);

    // Assess: the profiles of our account were listed and none came from the template.
    expect(res.statusCode).toBe(202);
    expect(res.decisions[0]?.outcome).toBe('ignored');
    expect(res.decisions[0]?.reason).toMatch(
      /no trusted profile in account .* comes from template ProfileTemplate-5b89/,
    );
    const listed = (await world.calls(since, 'iam-identity')).filter((c) => c.path === '/v1/profiles');
    expect(listed).toHaveLength(1);
  });

  test('profile-template.assignment-update into an account the policy does not allow: refused', async () => {
    // Prepare
    const guard = world.guard();
    const event = world.event(
      'iam-identity.profile-template.assignment-update',
      {
        id: 'crn:v1:bluemix:public:iam-identity::a/2b8d6f0a4c1e4a7b9d3f5e8c0a6b2d41::profile-template:ProfileTemplate-1',
        name: 't',
        typeURI: 'iam-identity/profile-template',
      },
      {
        requestData: {
          assignment_id: 'TemplateAssignment-1',
          target_type: 'Account',
          target: '0000000000000000000000000000beef',
        },
      },
    );

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.decisions[0]?.outcome).toBe('refused');
  });

  test("the guard's own change comes back as an event: ignored", async () => {
    // Prepare
    const guard = world.guard();
    const event = await world.touchProfile('broad-ops');
    event.initiator = { id: world.guardIamId, name: 'imds-guard' };

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(202);
    expect(res.decisions[0]?.outcome).toBe('ignored');
    expect(res.decisions[0]?.reason).toMatch(/own/);
  });

  test('a deleted profile is gone', async () => {
    // Prepare
    const guard = world.guard();
    const loner = await world.profile('loner');
    const event = await world.touchProfile('loner');
    await world.identity.deleteProfile({ profileId: loner.id });

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.decisions[0]?.outcome).toBe('gone');
  });

  test('dry run: the ticket is planned, nothing is sent', async () => {
    // Prepare
    const guard = world.guard(
      { profiles: { ticket: { sink: 'case-management' } } },
      { IMDS_GUARD_DRY_RUN: 'true' },
    );
    const broad = await world.profile('broad-ops');
    const event = await world.touchProfile('broad-ops');

    // Act
    const res = await world.send(guard, event);

    // Assess
    const d = decisionOn(res, broad.crn);
    expect(d.outcome).toBe('planned');
    expect(d.dry_run).toBe(true);
    expect(detailOf(d).ticket).toMatchObject({ action: 'planned' });
    expect(await world.casesFor(detailOf(d).marker)).toEqual([]);
  });
});

describe('the whole target CRN is checked at the edge', () => {
  test.each([
    [
      'a kms CRN on a profile event',
      (crn: string) => crn.replace(':iam-identity:', ':kms:'),
      /targets iam-identity, not kms/,
    ],
    ['a staging CRN', (crn: string) => crn.replace(':bluemix:', ':staging:'), /cloud name must be bluemix/],
    [
      'a __proto__ account',
      (crn: string) => crn.replace(/:a\/[0-9a-f]+:/, ':a/__proto__:'),
      /scope must be a\/<32/,
    ],
    [
      'a path as the id',
      (crn: string) => crn.replace(/profile:.*$/, 'profile:..%2F..%2Fx'),
      /characters an id cannot have/,
    ],
  ])('%s → 400 refused, no IBM call, no ticket', async (_what, mutate, reason) => {
    // Prepare
    const guard = world.guard({ profiles: { ticket: { sink: 'case-management' } } });
    const event = await world.touchProfile('broad-ops');
    event.target.id = mutate(event.target.id);
    const since = await world.mark();

    // Act
    const res = await world.send(guard, event);

    // Assess
    expect(res.statusCode).toBe(400);
    expect(res.decisions[0]?.outcome).toBe('refused');
    expect(res.decisions[0]?.reason).toMatch(reason);
    expect(await world.calls(since)).toEqual([]);
  });
});
