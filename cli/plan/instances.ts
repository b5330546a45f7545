// A planned ibm_is_instance / ibm_is_instance_template → the snapshot decideInstance / decideTemplate
// take → a check result. The decision is the guards' own (no second decision path); this file only says
// when the plan cannot support one (values known only after apply) and words the outcome for a plan.
import {
  decideInstance,
  decideTemplate,
  IBM_DEFAULT_METADATA,
  type InstanceDecision,
  type InstanceSnapshot,
  instanceScope,
  type TagRead,
  type TemplateDecision,
  type TemplateSnapshot,
  templateMetadata,
  templateScope,
} from '#functions/instance-guard/decide.ts';
import type { InstanceMetadataService, InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import type { Scope } from '#shared/policy/match.ts';
import type { Policy } from '#shared/policy/schema.ts';
import {
  deleting,
  describeKeys,
  maybeTagExempt,
  type PlannedAttributes,
  plannedAttributes,
  unknownKeys,
} from './attributes.ts';
import { INSTANCE, type PlannedMetadata, plannedMetadata, TEMPLATE } from './metadata.ts';
import type { ResourceChange } from './read.ts';
import { ruleChoice } from './scope.ts';
import { type CheckResult, METADATA_SEVERITY, type MetadataCheckId } from './types.ts';
import { knownString, type PlanIndex, referencedAddress, slotAt } from './values.ts';

const GROUP = 'ibm_is_instance_group';

const SHORT = { enabled: 'enabled', protocol: 'protocol', response_hop_limit: 'hop limit' } as const;

/** `enabled true→false, protocol http→https`. */
const describePatch = (before: InstanceMetadataService, patch: InstanceMetadataServicePatch): string =>
  (Object.keys(patch) as (keyof InstanceMetadataService)[])
    .map((k) => `${SHORT[k]} ${String(before[k])}→${String(patch[k])}`)
    .join(', ');

type Base = Pick<CheckResult, 'address' | 'type' | 'actions' | 'check'>;

const baseOf = (rc: ResourceChange, check: MetadataCheckId): Base => ({
  address: rc.address,
  type: rc.type,
  actions: [...rc.change.actions],
  check,
});

const unknownResult = (base: Base, why: string, reasons: string[] = []): CheckResult => ({
  ...base,
  verdict: 'unknown',
  severity: null,
  summary: `cannot tell before apply: ${why}`,
  reasons: [...reasons, `cannot tell before apply: ${why}`],
});

/** What keeps the plan from a decision, if anything: unknown metadata, rule choice, or exemption tags. */
const blocker = (
  policy: Policy,
  attrs: PlannedAttributes,
  metadata: PlannedMetadata,
  scope: Scope,
  compliant: boolean,
): string | undefined => {
  if (metadata.state === 'unknown') return metadata.why;
  const value = metadata.state === 'known' ? metadata.value : IBM_DEFAULT_METADATA;
  const choice = ruleChoice(policy, scope, unknownKeys(attrs, policy), value);
  if (choice.ambiguous)
    return `which rule applies depends on ${describeKeys(choice.on)}, known only after apply (candidates: ${choice.rules.join(', ')}), and they want different settings`;
  const tagTypes = maybeTagExempt(attrs, policy);
  if (!compliant && tagTypes.length > 0)
    return `its ${tagTypes.join(' and ')} tags are known only after apply, and an exemption tag would leave it alone`;
  return undefined;
};

const alternativesNote = (
  policy: Policy,
  attrs: PlannedAttributes,
  metadata: PlannedMetadata,
  scope: Scope,
) => {
  if (metadata.state === 'unknown') return [];
  const value = metadata.state === 'known' ? metadata.value : IBM_DEFAULT_METADATA;
  const choice = ruleChoice(policy, scope, unknownKeys(attrs, policy), value);
  return !choice.ambiguous && choice.alternatives.length > 0
    ? [
        `rule(s) ${choice.alternatives.join(', ')} may apply instead, depending on ${describeKeys(choice.on)} (known only after apply); the result is the same`,
      ]
    : [];
};

const instanceSnapshotOf = (
  attrs: PlannedAttributes,
  tags: TagRead,
  metadata: InstanceMetadataService,
): InstanceSnapshot => ({
  instance: {
    id: attrs.id ?? '',
    crn: attrs.crn ?? '',
    name: attrs.name ?? '',
    region: attrs.region ?? '',
    zone: attrs.zone ?? '',
    vpc: { id: attrs.vpc.id ?? '', name: attrs.vpc.name ?? '' },
    resource_group: { id: attrs.resource_group.id ?? '', name: attrs.resource_group.name ?? '' },
    metadata_service: metadata,
    status: 'pending',
  },
  tags,
});

const instanceVerdict = (base: Base, decision: InstanceDecision, before: InstanceMetadataService) => {
  switch (decision.kind) {
    case 'exempt':
      return {
        ...base,
        verdict: 'exempt',
        severity: null,
        summary: decision.reasons.at(-1) ?? 'exempt',
      } as const;
    case 'compliant':
      return {
        ...base,
        verdict: 'pass',
        severity: null,
        summary: 'metadata service as the policy wants',
      } as const;
    case 'patch':
    case 'audit': {
      const change = describePatch(before, decision.patch);
      const wanted = templateMetadata(decision.desired);
      return decision.kind === 'patch'
        ? ({
            ...base,
            verdict: 'change',
            severity: METADATA_SEVERITY,
            summary: `after apply the instance guard would change it: ${change}`,
            wanted,
          } as const)
        : ({
            ...base,
            verdict: 'audit',
            severity: 'medium',
            summary: `the policy (mode audit) would report it: ${change}`,
            wanted,
          } as const);
    }
    default:
      return decision satisfies never;
  }
};

/** One planned instance, judged by decideInstance. */
const judgeInstance = (ix: PlanIndex, rc: ResourceChange, policy: Policy, now: Date): CheckResult => {
  const base = baseOf(rc, 'instance-metadata');
  const attrs = plannedAttributes(ix, rc);
  const metadata = plannedMetadata(ix, rc);
  const tags: TagRead = { ok: true, user: attrs.tags.user, access: attrs.tags.access };
  const value = metadata.state === 'known' ? metadata.value : { ...IBM_DEFAULT_METADATA };
  const snapshot = instanceSnapshotOf(attrs, tags, value);
  const decision = decideInstance(policy, snapshot, now);
  const notes = metadata.state === 'unknown' ? [] : metadata.notes;
  if (decision.kind === 'exempt')
    return { ...instanceVerdict(base, decision, value), reasons: [...notes, ...decision.reasons] };
  const scope = instanceScope(snapshot.instance, tags, policy.instances.match_user_tags);
  const why = blocker(policy, attrs, metadata, scope, decision.kind === 'compliant');
  if (why) return unknownResult(base, why, notes);
  return {
    ...instanceVerdict(base, decision, value),
    rule: decision.rule,
    reasons: [...notes, ...decision.reasons, ...alternativesNote(policy, attrs, metadata, scope)],
  };
};

/** Instance groups of the plan whose instance_template refers to this template. */
const groupsUsing = (
  ix: PlanIndex,
  template: ResourceChange,
  id: string,
): TemplateSnapshot['instance_groups'] =>
  (ix.byType.get(GROUP) ?? [])
    .filter((g) => !deleting(g))
    .filter((g) => referencedAddress(ix, g, ['instance_template'], [TEMPLATE]) === template.address)
    .map((g) => ({
      id: g.address,
      name: knownString(slotAt(g.change, ['name'])) ?? g.address,
      instance_template: { id },
    }));

const templateVerdict = (base: Base, decision: TemplateDecision) => {
  switch (decision.kind) {
    case 'exempt':
      return {
        ...base,
        verdict: 'exempt',
        severity: null,
        summary: decision.reasons.at(-1) ?? 'exempt',
      } as const;
    case 'compliant':
      return {
        ...base,
        verdict: 'pass',
        severity: null,
        summary: 'metadata service as the policy wants',
      } as const;
    case 'replace':
      return {
        ...base,
        verdict: 'change',
        severity: METADATA_SEVERITY,
        summary: `after apply the instance guard would replace it with a copy "${decision.prototype.name}" that has the wanted metadata settings`,
        wanted: decision.prototype.metadata_service,
      } as const;
    case 'audit':
      return {
        ...base,
        verdict: 'audit',
        severity: 'medium',
        summary:
          'the policy (audit) would report it: its instances would not get the wanted metadata settings',
        wanted: decision.prototype.metadata_service,
      } as const;
    default:
      return decision satisfies never;
  }
};

/** One planned instance template, judged by decideTemplate. */
const judgeTemplate = (ix: PlanIndex, rc: ResourceChange, policy: Policy, now: Date): CheckResult => {
  const base = baseOf(rc, 'template-metadata');
  const attrs = plannedAttributes(ix, rc);
  const metadata = plannedMetadata(ix, rc);
  const tags: TagRead = { ok: true, user: attrs.tags.user, access: attrs.tags.access };
  const id = attrs.id ?? rc.address;
  const snapshot: TemplateSnapshot = {
    template: {
      id,
      crn: attrs.crn ?? '',
      name: attrs.name ?? '',
      region: attrs.region ?? '',
      zone: attrs.zone,
      vpc: { id: attrs.vpc.id ?? '', name: attrs.vpc.name },
      resource_group: { id: attrs.resource_group.id ?? '', name: attrs.resource_group.name ?? '' },
      metadata_service: metadata.state === 'known' ? metadata.value : undefined,
    },
    tags,
    instance_groups: groupsUsing(ix, rc, id),
  };
  const decision = decideTemplate(policy, snapshot, now);
  const notes = metadata.state === 'unknown' ? [] : metadata.notes;
  if (decision.kind === 'exempt')
    return { ...templateVerdict(base, decision), reasons: [...notes, ...decision.reasons] };
  const scope = templateScope(snapshot.template, tags, policy.instances.match_user_tags);
  const why = blocker(policy, attrs, metadata, scope, decision.kind === 'compliant');
  if (why) return unknownResult(base, why, notes);
  return {
    ...templateVerdict(base, decision),
    rule: decision.rule,
    reasons: [...notes, ...decision.reasons, ...alternativesNote(policy, attrs, metadata, scope)],
  };
};

const JUDGES = {
  [INSTANCE]: judgeInstance,
  [TEMPLATE]: judgeTemplate,
} satisfies Record<string, (ix: PlanIndex, rc: ResourceChange, policy: Policy, now: Date) => CheckResult>;

export { describePatch, JUDGES, judgeInstance, judgeTemplate };
