// The pure decision for one instance template: keep it, leave it (exempt), or replace it with a copy.
import type { InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { evaluate, IBM_DEFAULT_METADATA, isEmptyPatch } from './decide-metadata.ts';
import { desiredState, exempt, findExemption, ruleReason, templateScope } from './decide-policy.ts';
import type {
  Desired,
  DesiredState,
  TemplateDecision,
  TemplateReplacement,
  TemplateSnapshot,
} from './decide-types.ts';

// ---- Templates -----------------------------------------------------------------------------------

const MAX_NAME = 63;

/** `<name><suffix>` within VPC's 63 characters, never equal to the original (names are unique). */
const replacementName = (name: string, suffix: string): string => {
  const withTail = (tail: string) => name.slice(0, MAX_NAME - tail.length).replace(/-+$/, '') + tail;
  const candidate = withTail(suffix);
  return candidate === name ? withTail(`-r${suffix}`) : candidate;
};

/** The full setting a replacement template carries (its source may set anything, or nothing). */
const templateMetadata = (desired: Desired): InstanceMetadataServicePatch => {
  switch (desired.mode) {
    case 'disable':
      return { enabled: false };
    case 'secure':
    case 'audit':
      return { enabled: true, protocol: 'https', response_hop_limit: desired.hop_limit };
    default:
      return desired satisfies never;
  }
};

/**
 * What to do with one instance template. Templates cannot be patched (only renamed): a copy replaces it.
 * `override` replaces the matching rule's setting (the image gate's fallback, template-image-gate.ts).
 */
const decideTemplate = (
  policy: Policy,
  snapshot: TemplateSnapshot,
  now: Date,
  override?: DesiredState,
): TemplateDecision => {
  const { template, tags } = snapshot;
  const { exemption, notes } = findExemption(policy, template, tags, now);
  if (exemption) return exempt(exemption, notes);
  const state =
    override ?? desiredState(policy, templateScope(template, tags, policy.instances.match_user_tags));
  const { desired, rule } = state;
  const absent = template.metadata_service === undefined;
  const { patch, findings } = evaluate(desired, template.metadata_service ?? IBM_DEFAULT_METADATA);
  const reasons = [
    ...notes,
    ruleReason(state),
    ...(absent ? ["template sets no metadata_service, so its instances get IBM's default (disabled)"] : []),
    ...findings,
  ];
  if (isEmptyPatch(patch)) return { kind: 'compliant', desired, rule, reasons };

  const groups = snapshot.instance_groups.filter((g) => g.instance_template.id === template.id);
  const repoint = policy.templates.repoint_instance_groups ? groups.map((g) => g.id) : [];
  const prototype: TemplateReplacement = {
    name: replacementName(template.name, policy.templates.name_suffix),
    source_template: { id: template.id },
    metadata_service: templateMetadata(desired),
  };
  reasons.push(
    `instance templates cannot be changed in place (only renamed); a copy "${prototype.name}" with the wanted metadata settings replaces it`,
  );
  if (groups.length > 0) {
    const names = groups.map((g) => g.name ?? g.id).join(', ');
    reasons.push(
      policy.templates.repoint_instance_groups
        ? `instance groups using it are pointed at the copy: ${names}`
        : `instance groups still use it and keep creating non-compliant instances (repoint_instance_groups is off): ${names}`,
    );
  }
  const change = { prototype, repoint_instance_groups: repoint, desired, rule };
  if (desired.mode === 'audit' || policy.templates.mode === 'audit') {
    const why = desired.mode === 'audit' ? 'mode audit' : 'templates.mode audit';
    return {
      kind: 'audit',
      ...change,
      reasons: [...reasons, `${why}: reported only, nothing created or repointed`],
    };
  }
  return { kind: 'replace', ...change, reasons };
};

export { decideTemplate, replacementName, templateMetadata };
