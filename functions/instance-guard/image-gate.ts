// The image gate: before instance-guard asks IBM to disable the metadata service, it reads the
// instance's image's allowed use (once per image per client) and never sends a PATCH IBM must refuse
// (issue 9, defect 6). When the image requires the metadata service, the policy's
// `instances.on_image_requires_metadata` chooses: `fallback` (secure access: https, hop limit 1) or
// `fail` (a failure record, nothing sent). `decideImageGate` is pure; `gateImage` does the read.
import { type AllowedUseValue, checkAllowedUse, instanceVariables } from '#shared/cloud/allowed-use.ts';
import { type ImageRead, readImageAllowedUse } from '#shared/cloud/images.ts';
import type { Instance, InstanceMetadataService, VpcClient } from '#shared/cloud/vpc.ts';
import { DEFAULT_HOP_LIMIT } from '#shared/policy/defaults.ts';
import type { ImageMetadataChoice } from '#shared/policy/schema.ts';
import { applyMetadataPatch, type Desired, evaluate, type InstanceDecision } from './decide.ts';

/** The reason a fallback record starts with (docs/scenarios.md, the report's causes). */
const FALLBACK_REASON = 'fallback: image requires the metadata service';

/** What else an allowed-use expression may read about the instance (IBM's instance variables). */
interface InstanceFacts {
  enable_secure_boot?: boolean | undefined;
  gpu?: { count: number; manufacturer: string; memory: number; model: string } | undefined;
}

interface GateInput {
  decision: InstanceDecision;
  /** The instance's metadata setting as read. */
  current: InstanceMetadataService;
  facts: InstanceFacts;
  /** The image read (absent: no image to read, e.g. the instance has none). */
  image: ImageRead | undefined;
  choice: ImageMetadataChoice;
}

type ImageGate =
  /** Not a disable, no expression, or the image allows the change: decide as before. */
  | { kind: 'pass' }
  /** The image or its expression could not be read here: IBM decides (a refusal is recorded as such). */
  | { kind: 'unknown'; note: string; expression?: string }
  /** Disabling is impossible: secure access instead (a patch, or compliant when already secure). */
  | { kind: 'fallback'; decision: InstanceDecision; expression: string }
  /** Nothing may be sent: the policy says fail, or no setting the policy allows satisfies the image. */
  | { kind: 'refuse'; reason: string; expression: string };

const isDisable = (d: InstanceDecision): d is InstanceDecision & { kind: 'patch' } =>
  d.kind === 'patch' && d.patch.enabled === false;

const variables = (state: InstanceMetadataService, facts: InstanceFacts): Record<string, AllowedUseValue> =>
  instanceVariables({ metadata_service: state, ...facts });

/** Decides what a disable comes to under the image's allowed use. Pure. */
const decideImageGate = (input: GateInput): ImageGate => {
  const { decision, current, facts, image, choice } = input;
  if (!isDisable(decision) || image === undefined) return { kind: 'pass' };
  if (!image.ok) return { kind: 'unknown', note: image.error };
  const expression = image.allowed_use.instance;
  if (expression === undefined) return { kind: 'pass' };
  const disabled = checkAllowedUse(expression, variables(applyMetadataPatch(current, decision.patch), facts));
  if (disabled.verdict === 'allowed') return { kind: 'pass' };
  if (disabled.verdict === 'unknown')
    return {
      kind: 'unknown',
      note: `allowed use \`${expression}\` not understood here (${disabled.reason})`,
      expression,
    };
  const needs = `image "${image.image.name}" allows only instances where \`${expression}\` (disabled: ${disabled.reason}), so IBM refuses to disable the metadata service`;
  if (choice !== 'fallback')
    return {
      kind: 'refuse',
      expression,
      reason: `${needs}; nothing sent (instances.on_image_requires_metadata: ${choice})`,
    };
  const desired: Desired = { mode: 'secure', hop_limit: DEFAULT_HOP_LIMIT };
  const { patch, findings } = evaluate(desired, current);
  const secured = checkAllowedUse(expression, variables(applyMetadataPatch(current, patch), facts));
  if (secured.verdict === 'refused')
    return {
      kind: 'refuse',
      expression,
      reason: `${needs}, and secure access does not satisfy it either (${secured.reason}); nothing sent`,
    };
  const reasons = [
    `${FALLBACK_REASON}: ${needs}; secure access instead (HTTPS, response hop limit ${desired.hop_limit})`,
    ...decision.reasons.filter(
      (r) => !r.startsWith('metadata service is enabled; the policy wants it disabled'),
    ),
    ...findings,
  ];
  const { rule } = decision;
  const next: InstanceDecision =
    Object.keys(patch).length === 0
      ? { kind: 'compliant', desired, rule, reasons }
      : { kind: 'patch', patch, desired, rule, reasons };
  return { kind: 'fallback', decision: next, expression };
};

/** IBM's instance variables besides the metadata setting, from the instance as read. */
const factsOf = (inst: Instance): InstanceFacts => {
  const gpu = inst.gpu as InstanceFacts['gpu'] | undefined;
  return {
    ...(typeof inst.enable_secure_boot === 'boolean' ? { enable_secure_boot: inst.enable_secure_boot } : {}),
    ...(gpu && typeof gpu.count === 'number' ? { gpu } : {}),
  };
};

/**
 * A change the gate stopped: recorded as failed, never retried (a redelivery would stop it again) — or,
 * under `on_image_requires_metadata: ticket`, handed to a person through a ticket (image-ticket.ts).
 */
interface GateRefusal {
  outcome: 'failed';
  reason: string;
  detail: Record<string, unknown>;
  ticket?: true;
}

/**
 * A judged instance through the gate: unchanged unless it is a disable of an instance with an image;
 * then the image is read (cached) and the decision becomes the fallback, or `blocked` says why nothing
 * may be sent. The record's detail names the image and its expression.
 */
const gateImage = async <J extends { decision: InstanceDecision; detail: Record<string, unknown> }>(
  vpc: VpcClient,
  inst: Instance,
  judged: J,
  choice: ImageMetadataChoice,
): Promise<J & { blocked?: GateRefusal }> => {
  const imageId = inst.image?.id;
  if (!isDisable(judged.decision) || !imageId) return judged;
  const image = await readImageAllowedUse(vpc, imageId);
  const gate = decideImageGate({
    decision: judged.decision,
    current: inst.metadata_service,
    facts: factsOf(inst),
    image,
    choice,
  });
  const about = image.ok ? { id: image.image.id, name: image.image.name } : { id: imageId };
  switch (gate.kind) {
    case 'pass':
      return judged;
    case 'unknown': {
      const expression = gate.expression ? { allowed_use: { instance: gate.expression } } : {};
      const image = { ...about, ...expression, allowed_use_unknown: gate.note };
      return { ...judged, detail: { ...judged.detail, image } };
    }
    case 'fallback': {
      const detail = { ...judged.detail, image: { ...about, allowed_use: { instance: gate.expression } } };
      return { ...judged, decision: gate.decision, detail: { ...detail, fallback: 'secure' } };
    }
    case 'refuse': {
      const detail = { ...judged.detail, image: { ...about, allowed_use: { instance: gate.expression } } };
      const ticket = choice === 'ticket' ? { ticket: true as const } : {};
      return { ...judged, detail, blocked: { outcome: 'failed', reason: gate.reason, detail, ...ticket } };
    }
  }
};

export type { GateInput, GateRefusal, ImageGate, InstanceFacts };
export { decideImageGate, FALLBACK_REASON, gateImage };
