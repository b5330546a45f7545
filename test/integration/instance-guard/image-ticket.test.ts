// `instances.on_image_requires_metadata: ticket` (issue 9, defect 6): an instance (or a template's copy)
// whose image requires the metadata service is left as it is — no PATCH, no POST IBM must refuse — and a
// person is asked to decide through the profiles' ticket sink: one ticket per resource, found open again
// by a later event or sweep instead of a second one.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { asParams, decisionFor, startWorld, type World } from './support.ts';

const WORLD = `
seed: image-ticket-it
resource_groups: [{ name: default }, { name: prod }]
api_keys:
  - name: imds-guard
    key: imds-guard-demo-key
    kind: serviceid
    roles: { is: [Editor], global-tagging: [Viewer], support: [Editor] }
  - { name: alice, key: alice-demo-key, kind: user, roles: { '*': [Administrator, Manager] } }
regions:
  - name: us-south
    vpcs: [{ name: prod-vpc, resource_group: prod }]
    images:
      - name: ubuntu
      - name: imds-agent-image
        allowed_use: { instance: 'metadata_service.enabled == true' }
    instances:
      - { name: agent-01, vpc: prod-vpc, image: imds-agent-image, metadata_service: { enabled: true, protocol: http } }
    templates:
      - name: agent-template
        vpc: prod-vpc
        image: imds-agent-image
        metadata_service: { enabled: true, protocol: http }
`;

const policy = (sink: 'log' | 'case-management') => ({
  instances: {
    default: { mode: 'disable' },
    exemptions: { access_tags: [] },
    on_image_requires_metadata: 'ticket',
  },
  templates: { mode: 'replace' },
  profiles: { ticket: { sink } },
});

let world: World;

beforeAll(async () => {
  world = await startWorld(WORLD);
});

beforeEach(async () => {
  await world.admin.reset();
});

afterAll(async () => {
  await world.close();
});

const writes = async (since: number): Promise<string[]> =>
  (await world.guardCalls(since, 'vpc'))
    .filter((c) => c.method !== 'GET')
    .map((c) => `${c.method} ${c.path}`);

const cases = async (): Promise<{ number: string; status: string }[]> =>
  (await world.admin.state<{ cases?: { number: string; status: string }[] }>(true)).cases ?? [];

describe('on_image_requires_metadata: ticket', () => {
  test('an instance event: nothing sent to VPC, one Case Management ticket; a second event opens no other', async () => {
    // Prepare
    const event = await world.userSets('agent-01', { protocol: 'http' });
    const agent = await world.instance('agent-01');
    const guard = world.guard(policy('case-management'));
    const since = await world.mark();

    // Act
    const first = await guard.main(asParams(event));
    const again = await guard.main(asParams({ ...event, id: `${String(event.id)}-2` }));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBeLessThan(300);
    expect(await writes(since)).toEqual([]);
    const [opened, later] = guard.decisions().filter((d) => d.target_crn === agent.crn);
    expect(opened).toMatchObject({
      outcome: 'ticket_opened',
      detail: { ticket: { sink: 'case-management' } },
    });
    expect(opened?.reason).toMatch(/on_image_requires_metadata: ticket/);
    // Found open, findings unchanged: recorded like the profile guard's unchanged tickets.
    const ticketOf = (d: typeof opened) =>
      (d?.detail as { ticket?: { id?: string } } | undefined)?.ticket?.id;
    expect(later?.outcome).toBe('ignored');
    expect(ticketOf(later)).toBe(ticketOf(opened));
    expect(ticketOf(opened)).toMatch(/^CS/);
    expect((await cases()).filter((c) => c.status !== 'resolved')).toHaveLength(1);
    expect((await world.instance('agent-01')).metadata_service).toMatchObject({
      enabled: true,
      protocol: 'http',
    });
  });

  test('the log sink: ticket_opened, nothing changed', async () => {
    const event = await world.userSets('agent-01', { protocol: 'http' });
    const agent = await world.instance('agent-01');
    const guard = world.guard(policy('log'));
    const since = await world.mark();
    await guard.main(asParams(event));
    expect(await writes(since)).toEqual([]);
    expect(decisionFor(guard.decisions(), agent.crn)).toMatchObject({
      outcome: 'ticket_opened',
      detail: { ticket: { sink: 'log' }, image: { name: 'imds-agent-image' } },
    });
  });

  test('a template: no copy is made, a ticket is opened', async () => {
    const t = (await world.templates()).find((x) => x.name === 'agent-template');
    if (!t) throw new Error('no agent-template');
    const { events } = await world.admin.call<{ events: { target: { id: string } }[] }>('POST', '/events', {
      as: 'alice',
      change: {
        action: 'is.instance.instance-template.create',
        target: { id: t.crn, name: t.name, typeURI: 'is.instance/instance-template' },
        reasonCode: 201,
        message: `Virtual Server for VPC: create instance-template ${t.name}`,
        location: 'us-south-1',
      },
    });
    const guard = world.guard(policy('log'));
    const since = await world.mark();
    await guard.main(asParams(events[0]));
    expect(await writes(since)).toEqual([]);
    expect(decisionFor(guard.decisions(), t.crn).outcome).toBe('ticket_opened');
  });
});
