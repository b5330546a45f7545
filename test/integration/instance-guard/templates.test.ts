// Theme 4 (continued): instance templates. A template's metadata_service cannot be patched, so a
// non-compliant one is replaced by a compliant copy made from it (`source_template`); instance groups
// are repointed when the policy allows; the original is kept; a redelivery reuses the copy.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type AtEventLike, asParams, bodyOf, decisionFor, startWorld, type World } from './support.ts';

const NO_TAGS = { access_tags: [] };
const REPLACE = {
  instances: { default: { mode: 'secure' }, exemptions: NO_TAGS },
  templates: { mode: 'replace', repoint_instance_groups: true },
};

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

/** Alice creates a template the way users do; returns it and the event it caused. */
const userCreatesTemplate = async (name: string, metadata?: Record<string, unknown>) => {
  const { vpcs, images } = await world.idsIn('us-south');
  const res = await world.vpcAs('us-south').createInstanceTemplate({
    instanceTemplatePrototype: {
      name,
      zone: { name: 'us-south-1' },
      vpc: { id: vpcs['prod-vpc'] as string },
      image: { id: images.ubuntu as string },
      profile: { name: 'cx2-2x4' },
      ...(metadata ? { metadata_service: metadata } : {}),
    },
  });
  const event = await world.lastEvent('is.instance.instance-template.create', res.result.crn);
  return { template: res.result, event };
};

/** A create event for a template of the scenario (built like the emulator's own, as alice). */
const createEventFor = async (name: string): Promise<AtEventLike> => {
  const t = (await world.templates()).find((x) => x.name === name);
  if (!t) throw new Error(`no template ${name}`);
  const { events } = await world.admin.call<{ events: AtEventLike[] }>('POST', '/events', {
    as: 'alice',
    change: {
      action: 'is.instance.instance-template.create',
      target: { id: t.crn, name: t.name, typeURI: 'is.instance/instance-template' },
      reasonCode: 201,
      message: `Virtual Server for VPC: create instance-template ${t.name}`,
      location: 'us-south-1',
    },
  });
  return events[0] as AtEventLike;
};

const vpcTrail = async (since: number): Promise<string[]> =>
  (await world.guardCalls(since, 'vpc')).map((c) => `${c.method} ${c.path.replace(/^\/vpc\/[^/]+\/v1/, '')}`);

describe('template create event → replaced by a compliant copy', () => {
  test('a user’s new http template → copy from source_template with https, original kept', async () => {
    // Prepare
    const { template, event } = await userCreatesTemplate('web-template-v2', {
      enabled: true,
      protocol: 'http',
    });
    const guard = world.guard(REPLACE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(200);
    const line = decisionFor(guard.decisions(), template.crn);
    expect(line.outcome).toBe('remediated');
    const all = await world.vpcAs('us-south').listInstanceTemplates();
    const copy = all.result.templates.find((t) => t.name === 'web-template-v2-imds-guard');
    const original = all.result.templates.find((t) => t.id === template.id);
    expect(copy?.metadata_service).toEqual({ enabled: true, protocol: 'https', response_hop_limit: 1 });
    // Everything else comes from the source template.
    expect(copy).toMatchObject({ profile: { name: 'cx2-2x4' }, zone: { name: 'us-south-1' } });
    expect(original?.metadata_service).toEqual({ enabled: true, protocol: 'http', response_hop_limit: 1 });
    expect(line.detail).toMatchObject({ replacement: copy?.id, original_kept: template.id });
    expect(line.after).toMatchObject({ template: { id: copy?.id, name: 'web-template-v2-imds-guard' } });
    expect(await vpcTrail(since)).toEqual([
      `GET /instance/templates/${template.id}`,
      'GET /instance_groups',
      'GET /instance/templates',
      'POST /instance/templates',
    ]);
  });

  test('a template behind an instance group, repoint_instance_groups: true → the group uses the copy', async () => {
    // Prepare
    const event = await createEventFor('workers-template-v1');
    const guard = world.guard(REPLACE);

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(200);
    const [group] = await world.groups();
    const templates = await world.templates();
    const copy = templates.find((t) => t.name === 'workers-template-v1-imds-guard');
    const original = templates.find((t) => t.name === 'workers-template-v1');
    expect(copy).toBeDefined();
    expect(original).toBeDefined();
    expect(group?.template_id).toBe(copy?.id);
    const line = decisionFor(guard.decisions(), event.target.id);
    expect(line).toMatchObject({
      outcome: 'remediated',
      before: { instance_groups: [group?.id] },
      after: { instance_groups: [group?.id] },
    });
  });

  test('repoint_instance_groups: false → copy made, the group left alone and named in the reason', async () => {
    // Prepare
    const event = await createEventFor('workers-template-v1');
    const guard = world.guard({ ...REPLACE, templates: { mode: 'replace' } });

    // Act
    await guard.main(asParams(event));

    // Assess
    const [group] = await world.groups();
    const original = (await world.templates()).find((t) => t.name === 'workers-template-v1');
    expect(group?.template_id).toBe(original?.id);
    const line = decisionFor(guard.decisions(), event.target.id);
    expect(line.outcome).toBe('remediated');
    expect(line.reason).toMatch(/instance groups still use it .*repoint_instance_groups is off.*workers/);
  });

  test('redelivery to a cold container reuses the copy instead of creating another', async () => {
    // Prepare
    const event = await createEventFor('workers-template-v1');
    await world.guard(REPLACE).main(asParams(event));
    const countBefore = (await world.templates()).length;
    const guard = world.guard(REPLACE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess: nothing is created or repointed again, so it is not reported as a new remediation.
    expect(bodyOf(res).outcome).toBe('compliant');
    expect((await world.templates()).length).toBe(countBefore);
    const trail = await vpcTrail(since);
    expect(trail.filter((c) => c.startsWith('POST'))).toEqual([]);
    const copy = (await world.templates()).find((t) => t.name === 'workers-template-v1-imds-guard');
    expect(decisionFor(guard.decisions(), event.target.id).detail?.replacement).toBe(copy?.id);
  });

  test('a template already named like the copy but with other settings is not reused → failed, no repoint', async () => {
    // Prepare: a copy made under an older policy (hop limit 1); the policy now wants hop limit 2.
    const event = await createEventFor('workers-template-v1');
    await world.guard(REPLACE).main(asParams(event));
    const stale = (await world.templates()).find((t) => t.name === 'workers-template-v1-imds-guard');
    const [group] = await world.groups();
    const original = (await world.templates()).find((t) => t.name === 'workers-template-v1');
    await world
      .vpcAs('us-south')
      .updateInstanceGroup({ id: group?.id ?? '', instanceTemplate: { id: original?.id ?? '' } });
    const policy = {
      ...REPLACE,
      instances: { default: { mode: 'secure', hop_limit: 2 }, exemptions: NO_TAGS },
    };
    const guard = world.guard(policy);

    // Act
    const res = await guard.main(asParams(event));

    // Assess: never point a group at a template that is not what the policy wants.
    expect(res.statusCode).toBe(200);
    const line = decisionFor(guard.decisions(), event.target.id);
    expect(line.outcome).toBe('failed');
    expect(line.reason).toMatch(/workers-template-v1-imds-guard.*already exists/);
    expect((await world.groups())[0]?.template_id).toBe(original?.id);
    expect(stale?.metadata_service?.response_hop_limit).toBe(1);
  });

  test('the copy’s own create event comes back → ignored (the guard made it)', async () => {
    // Prepare
    const { template, event } = await userCreatesTemplate('web-template-v3', {
      enabled: true,
      protocol: 'http',
    });
    const guard = world.guard(REPLACE);
    await guard.main(asParams(event));
    const copy = (await world.templates()).find((t) => t.name === `${template.name}-imds-guard`);
    const own = await world.lastEvent('is.instance.instance-template.create', copy?.crn ?? '');
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(own));

    // Assess
    expect(res.statusCode).toBe(202);
    expect(decisionFor(guard.decisions(), own.target.id).outcome).toBe('ignored');
    expect(await world.calls(since)).toEqual([]);
  });
});

describe('templates that need nothing, and report-only modes', () => {
  test('templates.mode audit (the default) → planned, nothing created', async () => {
    const event = await createEventFor('workers-template-v1');
    const guard = world.guard({ instances: { default: { mode: 'secure' }, exemptions: NO_TAGS } });
    const since = await world.mark();
    const res = await guard.main(asParams(event));
    expect(bodyOf(res).outcome).toBe('planned');
    const line = decisionFor(guard.decisions(), event.target.id);
    expect(line.reason).toMatch(/templates\.mode audit: reported only/);
    expect(line.detail).toMatchObject({
      mode: 'audit',
      prototype: { name: 'workers-template-v1-imds-guard' },
    });
    expect((await vpcTrail(since)).filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  test('an instance rule in mode audit → planned even with templates.mode replace', async () => {
    const event = await createEventFor('workers-template-v1');
    const guard = world.guard({ ...REPLACE, instances: { default: { mode: 'audit' }, exemptions: NO_TAGS } });
    const res = await guard.main(asParams(event));
    expect(bodyOf(res).outcome).toBe('planned');
    expect(decisionFor(guard.decisions(), event.target.id).reason).toMatch(/mode audit: reported only/);
  });

  test('dry run → planned, nothing created', async () => {
    const event = await createEventFor('workers-template-v1');
    const guard = world.guard(REPLACE, { IMDS_GUARD_DRY_RUN: 'true' });
    const countBefore = (await world.templates()).length;
    const res = await guard.main(asParams(event));
    expect(bodyOf(res).outcome).toBe('planned');
    expect(decisionFor(guard.decisions(), event.target.id).dry_run).toBe(true);
    expect((await world.templates()).length).toBe(countBefore);
  });

  test('a compliant template (https, hop limit 1) → compliant', async () => {
    const event = await createEventFor('api-template');
    const guard = world.guard(REPLACE);
    expect(bodyOf(await guard.main(asParams(event))).outcome).toBe('compliant');
  });

  test('a template without metadata_service gives IBM’s default (disabled): compliant under disable', async () => {
    const event = await createEventFor('batch-template');
    const guard = world.guard({
      ...REPLACE,
      instances: { default: { mode: 'disable' }, exemptions: NO_TAGS },
    });
    const res = await guard.main(asParams(event));
    expect(bodyOf(res).outcome).toBe('compliant');
    expect(decisionFor(guard.decisions(), event.target.id).reason).toMatch(/IBM's default \(disabled\)/);
  });

  test('… and replaced with a secure copy under secure', async () => {
    const event = await createEventFor('batch-template');
    const guard = world.guard(REPLACE);
    expect(bodyOf(await guard.main(asParams(event))).outcome).toBe('remediated');
    const copy = (await world.templates()).find((t) => t.name === 'batch-template-imds-guard');
    expect(copy?.metadata_service).toEqual({ enabled: true, protocol: 'https', response_hop_limit: 1 });
  });
});
