// The demo's script: what users do in the demo account, step by step. Each step makes real API calls
// with a user's key; the emulator turns them into Activity Tracker events for the guard.

import GlobalTaggingV1 from '@ibm-cloud/platform-services/global-tagging/v1.js';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1.js';
import { IamAuthenticator } from 'ibm-cloud-sdk-core';
import type { Instance, InstancePrototype } from '#shared/cloud/vpc.ts';
import { VpcClient } from '#shared/cloud/vpc.ts';

type Who = 'alice' | 'bob';

const KEYS = { alice: 'alice-demo-key', bob: 'bob-demo-key' } as const satisfies Record<Who, string>;

interface Actor {
  vpc: (region: string) => VpcClient;
  tagging: GlobalTaggingV1;
  identity: IamIdentityV1;
  policies: IamPolicyManagementV1;
}

interface World {
  url: string;
  account: string;
  actor: (who: Who) => Actor;
  /** An instance of us-south by name (fresh read). */
  instance: (name: string) => Promise<Instance>;
  /** A trusted profile by name. */
  profile: (name: string) => Promise<{ id: string; iam_id: string; name: string }>;
  /** Values one step leaves for a later one (e.g. a policy id). */
  remember: (key: string, value: string) => void;
  recall: (key: string) => string;
}

interface Step {
  who: Who;
  /** What the user did, as the timeline shows it. */
  did: string;
  /** What the guard should do, in a few words (the audience's expectation). */
  expect: string;
  /** Which function(s) must be deployed for the step to make sense. */
  needs?: 'profile-guard';
  run: (world: World) => Promise<void>;
}

const actorFor = (url: string, who: Who): Actor => {
  const authenticator = new IamAuthenticator({ apikey: KEYS[who], url });
  return {
    vpc: (region) => new VpcClient({ authenticator, serviceUrl: `${url}/vpc/${region}/v1` }),
    tagging: new GlobalTaggingV1({ authenticator, serviceUrl: url }),
    identity: new IamIdentityV1({ authenticator, serviceUrl: url }),
    policies: new IamPolicyManagementV1({ authenticator, serviceUrl: url }),
  };
};

const patchMetadata = async (
  world: World,
  who: Who,
  name: string,
  ms: Record<string, unknown>,
): Promise<void> => {
  const inst = await world.instance(name);
  await world.actor(who).vpc('us-south').updateInstance({ id: inst.id, metadataService: ms });
};

/** A new us-south instance beside `like` (its zone, VPC and image); `extra` adds to or overrides that. */
const createLike = async (
  world: World,
  who: Who,
  like: string,
  name: string,
  extra: InstancePrototype = {},
): Promise<void> => {
  const from = await world.instance(like);
  await world
    .actor(who)
    .vpc('us-south')
    .createInstance({
      instancePrototype: {
        name,
        zone: { name: from.zone.name },
        vpc: { id: from.vpc.id },
        profile: { name: 'bx2-2x8' },
        ...(from.image ? { image: { id: from.image.id } } : {}),
        ...extra,
      },
    });
};

const STORY: Step[] = [
  {
    who: 'bob',
    did: 'created web-03 with the metadata service on plain http',
    expect: 'disable it (policy default)',
    run: (world) =>
      createLike(world, 'bob', 'web-01', 'web-03', {
        zone: { name: 'us-south-1' },
        metadata_service: { enabled: true, protocol: 'http', response_hop_limit: 1 },
      }),
  },
  {
    who: 'alice',
    did: 'created report-01 with the metadata service off',
    expect: 'nothing to do',
    run: (world) => createLike(world, 'alice', 'db-01', 'report-01'),
  },
  {
    who: 'bob',
    did: 'raised the hop limit of container host k8s-worker-02 to 3',
    expect: 'https with hop limit 2 (container-hosts rule)',
    run: (world) => patchMetadata(world, 'bob', 'k8s-worker-02', { response_hop_limit: 3 }),
  },
  {
    who: 'bob',
    did: 'changed legacy-01, which carries the access tag imds-guard:exempt',
    expect: 'leave it alone (exempt)',
    run: (world) => patchMetadata(world, 'bob', 'legacy-01', { response_hop_limit: 2 }),
  },
  {
    who: 'bob',
    did: 'changed agent-01, whose image requires the metadata service',
    expect: 'reads its image, cannot disable it, so https instead (no PATCH IBM refuses)',
    run: (world) => patchMetadata(world, 'bob', 'agent-01', { response_hop_limit: 2 }),
  },
  {
    who: 'alice',
    did: 'tagged agent-01 imds-guard:metadata-consumer (access tag), then renamed it agent-01a',
    expect: 'https with hop limit 1 (metadata-consumers rule)',
    run: async (world) => {
      const agent = await world.instance('agent-01');
      const alice = world.actor('alice');
      await alice.tagging.attachTag({
        resources: [{ resource_id: agent.crn }],
        tagNames: ['imds-guard:metadata-consumer'],
        tagType: 'access',
      });
      await alice.vpc('us-south').updateInstance({ id: agent.id, name: 'agent-01a' });
    },
  },
  {
    who: 'bob',
    did: 'switched db-01 to metadata on http with hop limit 5',
    expect: 'disable it',
    run: (world) =>
      patchMetadata(world, 'bob', 'db-01', { enabled: true, protocol: 'http', response_hop_limit: 5 }),
  },
  {
    who: 'alice',
    did: 'created instance template web-template-v2 with the metadata service on http',
    expect: 'templates cannot be patched: audit reports the replacement it would make',
    run: async (world) => {
      const vpc = world.actor('alice').vpc('us-south');
      const templates = (await vpc.listInstanceTemplates()).result.templates;
      const source = templates.find((t) => t.name === 'api-template') ?? templates[0];
      if (!source) throw new Error('the demo scenario has no instance template');
      await vpc.createInstanceTemplate({
        instanceTemplatePrototype: {
          name: 'web-template-v2',
          source_template: { id: source.id },
          metadata_service: { enabled: true, protocol: 'http', response_hop_limit: 1 },
        },
      });
    },
  },
  {
    who: 'alice',
    did: 'granted trusted profile app-reader Administrator on all IAM-enabled services',
    expect: 'judge the profile: too broad, and linked to an instance on http → one ticket',
    needs: 'profile-guard',
    run: async (world) => {
      const alice = world.actor('alice');
      const profile = await world.profile('app-reader');
      const created = await alice.policies.createV2Policy({
        type: 'access',
        description: 'demo: far too broad',
        control: { grant: { roles: [{ role_id: 'crn:v1:bluemix:public:iam::::role:Administrator' }] } },
        subject: { attributes: [{ key: 'iam_id', operator: 'stringEquals', value: profile.iam_id }] },
        resource: {
          attributes: [
            { key: 'accountId', operator: 'stringEquals', value: world.account },
            { key: 'serviceType', operator: 'stringEquals', value: 'service' },
          ],
        },
      });
      world.remember('broad-policy', created.result.id ?? '');
    },
  },
  {
    who: 'alice',
    did: "edited app-reader's description (same access)",
    expect: 'same findings: no second ticket',
    needs: 'profile-guard',
    run: async (world) => {
      const alice = world.actor('alice');
      const profile = await world.profile('app-reader');
      const current = await alice.identity.getProfile({ profileId: profile.id });
      await alice.identity.updateProfile({
        profileId: profile.id,
        ifMatch: current.result.entity_tag ?? '*',
        name: profile.name,
        description: 'Reads reports (edited)',
      });
    },
  },
  {
    who: 'alice',
    did: 'narrowed that grant to Viewer',
    expect: 'the profile is tight again: the ticket is resolved',
    needs: 'profile-guard',
    run: async (world) => {
      const alice = world.actor('alice');
      const id = world.recall('broad-policy');
      const current = await alice.policies.getV2Policy({ id });
      await alice.policies.replaceV2Policy({
        id,
        ifMatch: current.headers.etag ?? '*',
        type: 'access',
        description: 'demo: narrowed',
        control: { grant: { roles: [{ role_id: 'crn:v1:bluemix:public:iam::::role:Viewer' }] } },
        subject: current.result.subject,
        resource: current.result.resource,
      });
    },
  },
];

export type { Actor, Step, Who, World };
export { actorFor, KEYS, STORY };
