// The image gate for instance templates (issue 9, defect 6): a template cannot be patched, so the guard
// replaces a non-compliant one with a copy (`source_template`). When the policy wants the copy's metadata
// service disabled but the template's image's allowed use requires it, IBM refuses the POST (and would
// refuse every instance made from such a copy), so the same gate and the same policy choice as for
// instances apply: `fallback` makes the copy with secure access (https, hop limit 1) — or none at all
// when the template already has it — and `fail` records a failure with nothing sent.
// `decideTemplateImageGate` is pure; `gateTemplateImage` reads the image (cached, images.ts).
import { checkAllowedUse, instanceVariables } from '#shared/cloud/allowed-use.ts';
import { parseCrn } from '#shared/cloud/crn.ts';
import { type ImageRead, readImageAllowedUse } from '#shared/cloud/images.ts';
import type { InstanceMetadataService, InstanceTemplate, VpcClient } from '#shared/cloud/vpc.ts';
import { DEFAULT_HOP_LIMIT } from '#shared/policy/defaults.ts';
import type { ImageMetadataChoice } from '#shared/policy/schema.ts';
import { applyMetadataPatch, type Desired, IBM_DEFAULT_METADATA, type TemplateDecision } from './decide.ts';
import { FALLBACK_REASON, type GateRefusal, type InstanceFacts } from './image-gate.ts';

interface TemplateGateInput {
  decision: TemplateDecision;
  /** The template's metadata setting (absent: its instances get IBM's default). */
  current: InstanceMetadataService | undefined;
  facts: InstanceFacts;
  /** The image read (absent: the template names no image, e.g. it boots from a volume or an offering). */
  image: ImageRead | undefined;
  choice: ImageMetadataChoice;
  /** The policy's decision for this template had its rule asked for `desired` instead (pure). */
  redecide: (desired: Desired) => TemplateDecision;
}

type TemplateImageGate =
  | { kind: 'pass' }
  | { kind: 'unknown'; note: string }
  | { kind: 'fallback'; decision: TemplateDecision; expression: string }
  | { kind: 'refuse'; reason: string; expression: string };

const SECURE: Desired = { mode: 'secure', hop_limit: DEFAULT_HOP_LIMIT };

/** Decides what a copy that disables the metadata service comes to under the image's allowed use. */
const decideTemplateImageGate = (input: TemplateGateInput): TemplateImageGate => {
  const { decision, current, facts, image, choice } = input;
  if (decision.kind !== 'replace' || decision.prototype.metadata_service.enabled !== false)
    return { kind: 'pass' };
  if (image === undefined) return { kind: 'pass' };
  if (!image.ok) return { kind: 'unknown', note: image.error };
  const expression = image.allowed_use.instance;
  if (expression === undefined) return { kind: 'pass' };
  const base = current ?? IBM_DEFAULT_METADATA;
  const check = (patch: typeof decision.prototype.metadata_service) =>
    checkAllowedUse(
      expression,
      instanceVariables({ metadata_service: applyMetadataPatch(base, patch), ...facts }),
    );
  const disabled = check(decision.prototype.metadata_service);
  if (disabled.verdict === 'allowed') return { kind: 'pass' };
  if (disabled.verdict === 'unknown')
    return {
      kind: 'unknown',
      note: `allowed use \`${expression}\` not understood here (${disabled.reason})`,
    };
  const needs = `image "${image.image.name}" allows only instances where \`${expression}\` (disabled: ${disabled.reason}), so IBM refuses a template copy that disables the metadata service`;
  if (choice !== 'fallback')
    return {
      kind: 'refuse',
      expression,
      reason: `${needs}; nothing sent (instances.on_image_requires_metadata: ${choice})`,
    };
  const next = input.redecide(SECURE);
  if (next.kind === 'replace' || next.kind === 'audit') {
    const secured = check(next.prototype.metadata_service);
    if (secured.verdict === 'refused')
      return {
        kind: 'refuse',
        expression,
        reason: `${needs}, and secure access does not satisfy it either (${secured.reason}); nothing sent`,
      };
  }
  const why = `${FALLBACK_REASON}: ${needs}; secure access instead (HTTPS, response hop limit ${SECURE.hop_limit})`;
  return { kind: 'fallback', expression, decision: { ...next, reasons: [why, ...next.reasons] } };
};

/** The template's image id: IBM answers with the identity the template was made with (id, crn or href). */
const imageIdOf = (t: InstanceTemplate): string | undefined => {
  const image = t.image as { id?: unknown; crn?: unknown; href?: unknown } | undefined;
  if (typeof image?.id === 'string' && image.id !== '') return image.id;
  if (typeof image?.crn === 'string') return parseCrn(image.crn)?.id || undefined;
  if (typeof image?.href === 'string') return image.href.split('/').pop() || undefined;
  return undefined;
};

const factsOf = (t: InstanceTemplate): InstanceFacts =>
  typeof t.enable_secure_boot === 'boolean' ? { enable_secure_boot: t.enable_secure_boot } : {};

/**
 * A judged template through the gate: unchanged unless its copy would disable the metadata service and
 * the template names an image; then the image is read (once per image per client) and the decision
 * becomes the fallback, or `blocked` says why nothing may be sent. The detail names the image.
 */
const gateTemplateImage = async <J extends { decision: TemplateDecision; detail: Record<string, unknown> }>(
  vpc: VpcClient,
  t: InstanceTemplate,
  judged: J,
  choice: ImageMetadataChoice,
  rejudge: (override: { desired: Desired; rule: string }) => J,
): Promise<J & { blocked?: GateRefusal }> => {
  const { decision } = judged;
  const imageId = imageIdOf(t);
  if (decision.kind !== 'replace' || decision.prototype.metadata_service.enabled !== false || !imageId)
    return judged;
  const image = await readImageAllowedUse(vpc, imageId);
  let fallback: J | undefined;
  const redecide = (desired: Desired): TemplateDecision => {
    fallback = rejudge({ desired, rule: decision.rule });
    return fallback.decision;
  };
  const gate = decideTemplateImageGate({
    decision,
    current: t.metadata_service,
    facts: factsOf(t),
    image,
    choice,
    redecide,
  });
  const about = image.ok ? { id: image.image.id, name: image.image.name } : { id: imageId };
  switch (gate.kind) {
    case 'pass':
      return judged;
    case 'unknown':
      return { ...judged, detail: { ...judged.detail, image: { ...about, allowed_use_unknown: gate.note } } };
    case 'fallback': {
      const base = fallback ?? judged;
      const image = { ...about, allowed_use: { instance: gate.expression } };
      return { ...base, decision: gate.decision, detail: { ...base.detail, image, fallback: 'secure' } };
    }
    case 'refuse': {
      const detail = { ...judged.detail, image: { ...about, allowed_use: { instance: gate.expression } } };
      const ticket = choice === 'ticket' ? { ticket: true as const } : {};
      return { ...judged, detail, blocked: { outcome: 'failed', reason: gate.reason, detail, ...ticket } };
    }
  }
};

export type { TemplateGateInput, TemplateImageGate };
export { decideTemplateImageGate, gateTemplateImage, imageIdOf };
