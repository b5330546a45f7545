// Issue 9, defect 6 for instance templates: a template whose image's allowed use requires the metadata
// service must never get a copy that disables it (IBM refuses that POST, and every instance made from such
// a copy). The template's image is read first; `instances.on_image_requires_metadata` chooses between a
// copy with secure access (fallback, the default) and a failure with nothing sent (fail).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { decideTemplateImageGate } from '#functions/instance-guard/template-image-gate.ts';
import { asParams, decisionFor, startWorld, type World } from './support.ts';

const DISABLE = {
  instances: { default: { mode: 'disable' }, exemptions: { access_tags: [] } },
  templates: { mode: 'replace' },
};
const FAIL = { ...DISABLE, instances: { ...DISABLE.instances, on_image_requires_metadata: 'fail' } };
const HTTPS_1 = { enabled: true, protocol: 'https', response_hop_limit: 1 };

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

/** Alice creates a template from `image`; returns it and the event it caused. */
const userCreatesTemplate = async (name: string, image: string, metadata: Record<string, unknown>) => {
  const { vpcs, images } = await world.idsIn('us-south');
  const res = await world.vpcAs('us-south').createInstanceTemplate({
    instanceTemplatePrototype: {
      name,
      zone: { name: 'us-south-1' },
      vpc: { id: vpcs['prod-vpc'] as string },
      image: { id: images[image] as string },
      profile: { name: 'cx2-2x4' },
      metadata_service: metadata,
    },
  });
  const event = await world.lastEvent('is.instance.instance-template.create', res.result.crn);
  return { template: res.result, event, imageId: images[image] as string };
};

const vpcTrail = async (since: number): Promise<string[]> =>
  (await world.guardCalls(since, 'vpc')).map(
    (c) => `${c.method} ${c.path.replace(/^\/vpc\/[^/]+\/v1/, '')} ${c.status}`,
  );

describe('a template whose image requires the metadata service, policy disable', () => {
  test('fallback (default): the copy gets secure access, IBM accepts it, no refused POST', async () => {
    // Prepare
    const { template, event, imageId } = await userCreatesTemplate('agent-template', 'imds-agent-image', {
      enabled: true,
      protocol: 'http',
    });
    const guard = world.guard(DISABLE);
    const since = await world.mark();

    // Act
    const res = await guard.main(asParams(event));

    // Assess
    expect(res.statusCode).toBe(200);
    const trail = await vpcTrail(since);
    expect(trail).toContain(`GET /images/${imageId} 200`);
    expect(trail).toContain('POST /instance/templates 201');
    expect(trail.filter((c) => / 4\d\d$/.test(c))).toEqual([]);
    const line = decisionFor(guard.decisions(), template.crn);
    expect(line.outcome).toBe('remediated');
    expect(line.reason).toMatch(/^fallback: image requires the metadata service/);
    expect(line.detail).toMatchObject({
      fallback: 'secure',
      image: { id: imageId, name: 'imds-agent-image' },
    });
    const copy = (await world.templates()).find((t) => t.name === 'agent-template-imds-guard');
    expect(copy?.metadata_service).toEqual(HTTPS_1);
  });

  test('fallback: a template that already has secure access is compliant, nothing created', async () => {
    const { template, event } = await userCreatesTemplate('agent-secure', 'imds-agent-image', HTTPS_1);
    const guard = world.guard(DISABLE);
    const since = await world.mark();
    await guard.main(asParams(event));
    const line = decisionFor(guard.decisions(), template.crn);
    expect(line.outcome).toBe('compliant');
    expect(line.reason).toMatch(/^fallback: image requires the metadata service/);
    expect((await vpcTrail(since)).filter((c) => c.startsWith('POST'))).toEqual([]);
  });

  test('on_image_requires_metadata: fail → failed, no copy made, not retried', async () => {
    const { template, event } = await userCreatesTemplate('agent-template', 'imds-agent-image', {
      enabled: true,
      protocol: 'http',
    });
    const guard = world.guard(FAIL);
    const since = await world.mark();
    const res = await guard.main(asParams(event));
    expect(res.statusCode).toBe(200);
    const line = decisionFor(guard.decisions(), template.crn);
    expect(line).toMatchObject({ outcome: 'failed', level: 'error' });
    expect(line.reason).toMatch(/on_image_requires_metadata: fail/);
    expect((await vpcTrail(since)).filter((c) => c.startsWith('POST'))).toEqual([]);
    expect((await world.templates()).some((t) => t.name === 'agent-template-imds-guard')).toBe(false);
  });

  test('an image without an allowed use: the disabled copy is made as before', async () => {
    const { template, event, imageId } = await userCreatesTemplate('plain-template', 'ubuntu', {
      enabled: true,
      protocol: 'http',
    });
    const guard = world.guard(DISABLE);
    const since = await world.mark();
    await guard.main(asParams(event));
    expect(decisionFor(guard.decisions(), template.crn).outcome).toBe('remediated');
    expect(await vpcTrail(since)).toContain(`GET /images/${imageId} 200`);
    const copy = (await world.templates()).find((t) => t.name === 'plain-template-imds-guard');
    expect(copy?.metadata_service?.enabled).toBe(false);
  });
});

describe('decideTemplateImageGate (pure)', () => {
  test('not a copy that disables: pass without looking at the image', () => {
    const gate = decideTemplateImageGate({
      decision: { kind: 'compliant', desired: { mode: 'disable' }, rule: 'default', reasons: [] },
      current: undefined,
      facts: {},
      image: { ok: true, image: { id: 'i', name: 'n' }, allowed_use: { instance: 'false' } },
      choice: 'fallback',
      redecide: () => {
        throw new Error('not asked');
      },
    });
    expect(gate).toEqual({ kind: 'pass' });
  });
});
