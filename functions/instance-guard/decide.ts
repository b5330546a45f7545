// Policy × fresh state → what to do with one instance or instance template. Pure: no I/O, no clock
// (`now` comes in), so events, the cron sweep and bulk runs share one tested code path. The instance
// decision is here; templates, policy matching, metadata diffs and the types are in decide-*.ts.
import { regionOf } from '#shared/cloud/crn.ts';
import type { InstanceMetadataService } from '#shared/cloud/vpc.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { evaluate, isEmptyPatch } from './decide-metadata.ts';
import { desiredState, exempt, findExemption, instanceScope, ruleReason } from './decide-policy.ts';
import type { InstanceDecision, InstanceSnapshot, TagRead } from './decide-types.ts';

/** `us-south-1` → `us-south`: VPC zones are their region plus a number. */
const regionOfZone = regionOf;

// ---- Instances -----------------------------------------------------------------------------------

/** What to do with one instance, from a fresh read of it and its tags. */
const decideInstance = (policy: Policy, snapshot: InstanceSnapshot, now: Date): InstanceDecision => {
  const { instance, tags } = snapshot;
  const { exemption, notes } = findExemption(policy, instance, tags, now);
  if (exemption) return exempt(exemption, notes);
  const state = desiredState(policy, instanceScope(instance, tags, policy.instances.match_user_tags));
  const { patch, findings } = evaluate(state.desired, instance.metadata_service);
  const reasons = [...notes, ruleReason(state), ...findings];
  const { desired, rule } = state;
  if (isEmptyPatch(patch)) return { kind: 'compliant', desired, rule, reasons };
  if (desired.mode === 'audit') {
    return {
      kind: 'audit',
      patch,
      desired,
      rule,
      reasons: [...reasons, 'mode audit: reported only, nothing changed'],
    };
  }
  return { kind: 'patch', patch, desired, rule, reasons };
};

// ---- Snapshots from wire objects (for callers) ---------------------------------------------------

/** Builds the snapshot from a VPC `Instance`; region defaults to the zone's region. */
const instanceSnapshot = (
  instance: {
    id: string;
    crn: string;
    name: string;
    status: string;
    zone: { name: string };
    vpc: { id: string; name?: string };
    resource_group: { id: string; name: string };
    metadata_service: InstanceMetadataService;
  },
  tags: TagRead,
  region: string = regionOfZone(instance.zone.name),
): InstanceSnapshot => ({
  instance: {
    id: instance.id,
    crn: instance.crn,
    name: instance.name,
    region,
    zone: instance.zone.name,
    vpc: { id: instance.vpc.id, name: instance.vpc.name ?? '' },
    resource_group: { id: instance.resource_group.id, name: instance.resource_group.name },
    metadata_service: { ...instance.metadata_service },
    status: instance.status,
  },
  tags,
});

// The entry callers import: the instance decision here, the rest from the decide-*.ts files.
export type { Evaluation } from './decide-metadata.ts';
export { applyMetadataPatch, evaluate, IBM_DEFAULT_METADATA } from './decide-metadata.ts';
export {
  desiredState,
  findExemption,
  instanceScope,
  tagTypesNeeded,
  templateScope,
} from './decide-policy.ts';
export { decideTemplate, replacementName, templateMetadata } from './decide-template.ts';
export type * from './decide-types.ts';
export { decideInstance, instanceSnapshot, regionOfZone };
