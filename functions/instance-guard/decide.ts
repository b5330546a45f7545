// Policy × fresh state → what to do with one instance or instance template. Pure: no I/O, no clock
// (`now` comes in), so events, the cron sweep and bulk runs share one tested code path.
import { regionOf } from '#shared/cloud/crn.ts';
import type { InstanceMetadataService, InstanceMetadataServicePatch } from '#shared/cloud/vpc.ts';
import {
  type ExemptionTarget,
  exemptionMatches,
  firstMatchingRule,
  matchingTag,
  type Scope,
} from '#shared/policy/match.ts';
import {
  DEFAULT_HOP_LIMIT,
  DEFAULT_RULE_NAME,
  type ExemptionEntry,
  type Policy,
  type Target,
} from '#shared/policy/schema.ts';

// ---- Inputs --------------------------------------------------------------------------------------

/** The result of reading a resource's tags: the read can fail, and the policy says what that means. */
type TagRead = { ok: true; user: string[]; access: string[] } | { ok: false; error: string };

interface InstanceSnapshot {
  instance: {
    id: string;
    crn: string;
    name: string;
    region: string;
    zone: string;
    vpc: { id: string; name: string };
    resource_group: { id: string; name: string };
    metadata_service: InstanceMetadataService;
    status: string;
  };
  tags: TagRead;
}

interface TemplateSnapshot {
  template: {
    id: string;
    crn: string;
    name: string;
    region: string;
    zone?: string | undefined;
    vpc?: { id: string; name?: string | undefined } | undefined;
    resource_group: { id: string; name: string };
    /** Absent = instances get IBM's default (disabled). */
    metadata_service?: InstanceMetadataService | undefined;
  };
  tags: TagRead;
  /** Instance groups of the region (or only those using the template); filtered by template id here. */
  instance_groups: ReadonlyArray<{ id: string; name?: string; instance_template: { id: string } }>;
}

// ---- Outputs -------------------------------------------------------------------------------------

/** The metadata setting the policy wants; `audit` names the bar it reports against. */
type Desired =
  | { mode: 'disable' }
  | { mode: 'secure'; hop_limit: number }
  | { mode: 'audit'; hop_limit: number };

interface DesiredState {
  desired: Desired;
  /** The rule that chose it, or `default` when none matched. */
  rule: string;
}

type Exemption =
  | { by: 'access-tag'; tag: string }
  | { by: 'user-tag'; tag: string }
  | {
      by: 'list';
      /** Index in `instances.exemptions.list`. */
      entry: number;
      ticket: string;
      approver: string;
      expires: string;
      reason?: string;
    }
  | { by: 'tag-lookup-failed'; error: string };

type ExemptDecision = Exemption & { kind: 'exempt'; reasons: string[] };

type InstanceDecision =
  | { kind: 'compliant'; desired: Desired; rule: string; reasons: string[] }
  | ExemptDecision
  | { kind: 'patch'; patch: InstanceMetadataServicePatch; desired: Desired; rule: string; reasons: string[] }
  /** What `patch` would be; nothing is changed. */
  | { kind: 'audit'; patch: InstanceMetadataServicePatch; desired: Desired; rule: string; reasons: string[] };

/** A template copy with the wanted metadata settings (POST /instance/templates). */
interface TemplateReplacement {
  name: string;
  source_template: { id: string };
  metadata_service: InstanceMetadataServicePatch;
}

interface TemplateChange {
  prototype: TemplateReplacement;
  /** Instance groups to point at the copy; empty unless `templates.repoint_instance_groups`. */
  repoint_instance_groups: string[];
  desired: Desired;
  rule: string;
  reasons: string[];
}

type TemplateDecision =
  | { kind: 'compliant'; desired: Desired; rule: string; reasons: string[] }
  | ExemptDecision
  | ({ kind: 'replace' } & TemplateChange)
  /** What `replace` would do; nothing is created or repointed. */
  | ({ kind: 'audit' } & TemplateChange);

// ---- Helpers -------------------------------------------------------------------------------------

/** What IBM gives an instance whose template sets no metadata_service (facts §1.5). */
const IBM_DEFAULT_METADATA: InstanceMetadataService = {
  enabled: false,
  protocol: 'http',
  response_hop_limit: 1,
};

/** `us-south-1` → `us-south`: VPC zones are their region plus a number. */
const regionOfZone = regionOf;

const toDesired = (target: Target): Desired => {
  switch (target.mode) {
    case 'disable':
      return { mode: 'disable' };
    case 'secure':
    case 'audit':
      return { mode: target.mode, hop_limit: target.hop_limit ?? DEFAULT_HOP_LIMIT };
    default:
      return target.mode satisfies never;
  }
};

/** The metadata setting a scope should have: the first matching rule, else `instances.default`. */
const desiredState = (policy: Policy, scope: Scope): DesiredState => {
  const hit = firstMatchingRule(policy.instances.rules, scope);
  return hit
    ? { desired: toDesired(hit.rule), rule: hit.rule.name }
    : { desired: toDesired(policy.instances.default), rule: DEFAULT_RULE_NAME };
};

/**
 * Tags as rules see them: access tags, plus user tags only when the policy opts in; none when they
 * could not be read (the fail-closed reading).
 */
const scopeTags = (tags: TagRead, matchUserTags: boolean): string[] =>
  tags.ok ? (matchUserTags ? [...tags.user, ...tags.access] : [...tags.access]) : [];

const instanceScope = (
  instance: InstanceSnapshot['instance'],
  tags: TagRead,
  matchUserTags = false,
): Scope => ({
  region: instance.region,
  zone: instance.zone,
  resource_group: instance.resource_group,
  vpc: instance.vpc,
  name: instance.name,
  tags: scopeTags(tags, matchUserTags),
});

const templateScope = (
  template: TemplateSnapshot['template'],
  tags: TagRead,
  matchUserTags = false,
): Scope => ({
  region: template.region,
  zone: template.zone,
  resource_group: template.resource_group,
  vpc: template.vpc,
  name: template.name,
  tags: scopeTags(tags, matchUserTags),
});

/** Which tag types a decision needs read (one Global Tagging call each); none when the policy uses no tags. */
const tagTypesNeeded = (policy: Policy): ('access' | 'user')[] => {
  const rulesUseTags = policy.instances.rules.some((r) => (r.match?.tags?.length ?? 0) > 0);
  const types: ('access' | 'user')[] = [];
  // The rollout's consumer tag may be either kind (the owner sets a user tag, an administrator an access tag).
  const consumer = policy.instances.rollout.consumer_tag !== undefined;
  if (policy.instances.exemptions.access_tags.length > 0 || rulesUseTags || consumer) types.push('access');
  if (
    consumer ||
    policy.instances.exemptions.user_tags.length > 0 ||
    (rulesUseTags && policy.instances.match_user_tags)
  ) {
    types.push('user');
  }
  return types;
};

/** Merge-patch semantics, as the VPC API applies it. */
const applyMetadataPatch = (
  state: InstanceMetadataService,
  patch: InstanceMetadataServicePatch,
): InstanceMetadataService => ({ ...state, ...patch });

const isEmptyPatch = (patch: InstanceMetadataServicePatch): boolean => Object.keys(patch).length === 0;

interface Evaluation {
  /** Only the fields that differ; empty when compliant. */
  patch: InstanceMetadataServicePatch;
  /** Plain-language findings, one per field that differs (or why the state is fine). */
  findings: string[];
}

const hopFinding = (current: number, wanted: number): string =>
  current > wanted
    ? `response hop limit is ${current}; the policy wants ${wanted}, so metadata responses cannot travel further than the workload needs`
    : `response hop limit is ${current}; the policy wants ${wanted} so the workload (e.g. containers on the host) can reach the metadata service`;

/** Enabled over HTTPS with hop limit N: the only enabled state IBM calls secure access. */
const secureDiff = (state: InstanceMetadataService, hop: number): Evaluation => {
  const patch: InstanceMetadataServicePatch = {};
  const findings: string[] = [];
  if (!state.enabled) {
    patch.enabled = true;
    findings.push(
      `metadata service is disabled; the policy wants it enabled with secure access (HTTPS) and response hop limit ${hop} for this workload`,
    );
  }
  if (state.protocol !== 'https') {
    patch.protocol = 'https';
    if (state.enabled) {
      findings.push('metadata service reachable over plain HTTP; IBM recommends secure access (HTTPS)');
    }
  }
  if (state.response_hop_limit !== hop) {
    patch.response_hop_limit = hop;
    if (state.enabled) findings.push(hopFinding(state.response_hop_limit, hop));
  }
  if (isEmptyPatch(patch)) {
    findings.push(
      `metadata service uses secure access (HTTPS) with response hop limit ${hop}, as the policy wants`,
    );
  }
  return { patch, findings };
};

const DISABLED_OK =
  "metadata service is disabled, IBM's first security recommendation for instances that do not need it";

/** Compares a metadata state with what the policy wants. */
const evaluate = (desired: Desired, state: InstanceMetadataService): Evaluation => {
  switch (desired.mode) {
    case 'disable':
      // Protocol and hop limit apply only while the service is enabled, so they are not compared.
      return state.enabled
        ? {
            patch: { enabled: false },
            findings: [
              "metadata service is enabled; the policy wants it disabled, following IBM's first security recommendation (disable it where it is not needed)",
            ],
          }
        : { patch: {}, findings: [DISABLED_OK] };
    case 'secure':
      return secureDiff(state, desired.hop_limit);
    case 'audit':
      // Audit never asks to turn the service on: disabled is at least as safe as the bar.
      return state.enabled ? secureDiff(state, desired.hop_limit) : { patch: {}, findings: [DISABLED_OK] };
    default:
      return desired satisfies never;
  }
};

const ruleReason = ({ rule }: DesiredState): string =>
  rule === DEFAULT_RULE_NAME
    ? 'no rule matched; instances.default applies'
    : `rule "${rule}" applies (first match)`;

const describeEntry = (entry: ExemptionEntry): string =>
  `ticket ${entry.ticket}, approved by ${entry.approver}`;

/**
 * Is the resource exempt? Checked in order: a live list entry (explicit and time-boxed), access tags,
 * user tags (only when the policy opts in). Returns notes for exemptions that did not apply.
 */
const findExemption = (
  policy: Policy,
  target: ExemptionTarget,
  tags: TagRead,
  now: Date,
): { exemption?: Exemption; notes: string[] } => {
  const { exemptions, on_tag_lookup_failure } = policy.instances;
  const notes: string[] = [];
  for (const [entry, item] of exemptions.list.entries()) {
    if (!exemptionMatches(item.match, target)) continue;
    if (Date.parse(item.expires) > now.getTime()) {
      return {
        exemption: {
          by: 'list',
          entry,
          ticket: item.ticket,
          approver: item.approver,
          expires: item.expires,
          ...(item.reason !== undefined ? { reason: item.reason } : {}),
        },
        notes,
      };
    }
    notes.push(`exemption (${describeEntry(item)}) expired at ${item.expires} and was ignored`);
  }
  if (!tags.ok) {
    switch (on_tag_lookup_failure) {
      case 'fail-open':
        return { exemption: { by: 'tag-lookup-failed', error: tags.error }, notes };
      case 'fail-closed':
        notes.push(
          `tags could not be read (${tags.error}); decided as if there were none: no tag exemption, no tag-selected rule (on_tag_lookup_failure: fail-closed)`,
        );
        return { notes };
      default:
        return on_tag_lookup_failure satisfies never;
    }
  }
  const access = matchingTag(exemptions.access_tags, tags.access);
  if (access !== undefined) return { exemption: { by: 'access-tag', tag: access }, notes };
  const user = matchingTag(exemptions.user_tags, tags.user);
  if (user !== undefined) return { exemption: { by: 'user-tag', tag: user }, notes };
  return { notes };
};

const exemptionReason = (exemption: Exemption): string => {
  switch (exemption.by) {
    case 'access-tag':
      return `exempt: access tag "${exemption.tag}" is attached`;
    case 'user-tag':
      return `exempt: user tag "${exemption.tag}" is attached (policy honours user tags)`;
    case 'list':
      return `exempt until ${exemption.expires} (ticket ${exemption.ticket}, approved by ${exemption.approver}${exemption.reason ? `: ${exemption.reason}` : ''})`;
    case 'tag-lookup-failed':
      return `tags could not be read (${exemption.error}); left alone (on_tag_lookup_failure: fail-open)`;
    default:
      return exemption satisfies never;
  }
};

const exempt = (exemption: Exemption, notes: string[]): ExemptDecision => ({
  ...exemption,
  kind: 'exempt',
  reasons: [...notes, exemptionReason(exemption)],
});

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

export type {
  Desired,
  DesiredState,
  Evaluation,
  ExemptDecision,
  Exemption,
  InstanceDecision,
  InstanceSnapshot,
  TagRead,
  TemplateChange,
  TemplateDecision,
  TemplateReplacement,
  TemplateSnapshot,
};
export {
  applyMetadataPatch,
  decideInstance,
  decideTemplate,
  desiredState,
  evaluate,
  findExemption,
  IBM_DEFAULT_METADATA,
  instanceScope,
  instanceSnapshot,
  regionOfZone,
  replacementName,
  tagTypesNeeded,
  templateMetadata,
  templateScope,
};
