// Set-up for the staged rollout's integration tests: a small world (web servers, an instance a trusted
// profile is linked to, one whose image's allowed use the guard cannot read), the guard function as a
// warm container runs it with an injected clock (no sleeps: the grace period passes by moving the clock),
// and the support cases the notices open.
import { createMain } from '#functions/instance-guard/index.ts';
import { rolloutMarker } from '#functions/instance-guard/rollout-ticket.ts';
import { isDecisionLine } from '#shared/audit/decision.ts';
import { memoryLogger } from '#shared/audit/logger.ts';
import type { PolicyInput } from '#shared/policy/schema.ts';
import type { CeResponse } from '#shared/runtime/ce-params.ts';
import {
  ALICE_KEY,
  type AtEventLike,
  asParams,
  type DecisionLine,
  GUARD_KEY,
  startWorld,
} from '../instance-guard/support.ts';

/** A key with the guard's rights except IAM Identity. */
const NO_IAM_KEY = 'imds-guard-no-iam-key';

const SCENARIO = `
seed: rollout-it
resource_groups: [{ name: default }, { name: prod }]
api_keys:
  - name: imds-guard
    key: ${GUARD_KEY}
    kind: serviceid
    roles: { is: [Editor], global-tagging: [Viewer], iam-identity: [Viewer], support: [Editor] }
  # The guard's rights without IAM Identity: the trusted profiles' links cannot be read.
  - name: imds-guard-no-iam
    key: ${NO_IAM_KEY}
    kind: serviceid
    roles: { is: [Editor], global-tagging: [Viewer], support: [Editor] }
  - { name: alice, key: ${ALICE_KEY}, kind: user, roles: { '*': [Administrator, Manager] } }
regions:
  - name: us-south
    vpcs: [{ name: prod-vpc, resource_group: prod }]
    images:
      - name: ubuntu
      - name: imds-agent-image
        allowed_use: { instance: 'metadata_service.enabled == true' }
      - name: vendor-image
        allowed_use: { instance: 'metadata_service.enabled == true || vendor.licensed' }
    instances:
      - { name: web-01, vpc: prod-vpc, metadata_service: { enabled: true, protocol: http } }
      - { name: web-02, vpc: prod-vpc, metadata_service: { enabled: true, protocol: http } }
      - { name: web-03, vpc: prod-vpc, metadata_service: { enabled: true, protocol: http } }
      - { name: app-01, vpc: prod-vpc, metadata_service: { enabled: true, protocol: http } }
      - { name: agent-01, vpc: prod-vpc, image: imds-agent-image, metadata_service: { enabled: true, protocol: http } }
      - { name: vendor-01, vpc: prod-vpc, image: vendor-image, metadata_service: { enabled: true, protocol: http } }
profiles:
  - name: app-reader
    links: [{ cr_type: VSI, instance: app-01 }]
  - name: unrelated
    links: [{ cr_type: VSI, instance: web-03 }]
`;

interface CaseState {
  number: string;
  short_description: string;
  status: string;
  comments: { value: string }[];
}

/** A moving clock: the guard reads it through `now`, tests move it. */
const clock = (start: string) => {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
  };
};

const startRolloutWorld = async () => {
  const world = await startWorld(SCENARIO);

  /** The guard as one warm container runs it: inline policy, the injected clock, a memory logger. */
  const guard = (policy: PolicyInput, now: () => Date, env: Record<string, string> = {}) => {
    const logger = memoryLogger();
    const main = createMain({
      env: {
        IMDS_GUARD_ENDPOINT: world.url,
        IMDS_GUARD_APIKEY: GUARD_KEY,
        IMDS_GUARD_POLICY: JSON.stringify(policy),
        ...env,
      },
      logger,
      now,
    });
    const decisions = () => logger.lines.filter(isDecisionLine) as DecisionLine[];
    /** One delivery; its response and the decision it logged last. */
    const send = async (
      event: AtEventLike | AtEventLike[],
    ): Promise<{ res: CeResponse; line: DecisionLine }> => {
      const res = await main(asParams(event));
      const line = decisions().at(-1);
      if (!line) throw new Error('no decision logged');
      return { res, line };
    };
    return { main, logger, decisions, send };
  };

  /** The support cases opened about an instance (its rollout marker is in the title). */
  const casesOf = async (name: string): Promise<CaseState[]> => {
    const inst = await world.instance(name);
    const marker = rolloutMarker(world.account, inst.id);
    const { cases } = await world.admin.state<{ cases: CaseState[] }>(true);
    return cases.filter((c) => c.short_description.includes(marker));
  };

  /** The instance's metadata service as alice reads it through the VPC SDK (what IBM would answer). */
  const metadataOf = async (name: string) => {
    const inst = await world.instance(name);
    return (await world.vpcAs(inst.region).getInstance({ id: inst.id })).result.metadata_service;
  };

  return { ...world, guard, casesOf, metadataOf };
};

type RolloutWorld = Awaited<ReturnType<typeof startRolloutWorld>>;

export type { CaseState, RolloutWorld };
export { clock, NO_IAM_KEY, startRolloutWorld };
