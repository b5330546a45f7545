import { describe, expect, test } from 'vitest';
import type { InstanceDecision } from '#functions/instance-guard/decide.ts';
import { decideImageGate, FALLBACK_REASON } from '#functions/instance-guard/image-gate.ts';
import type { ImageRead } from '#shared/cloud/images.ts';

const HTTP = { enabled: true, protocol: 'http' as const, response_hop_limit: 1 };
const DISABLE: InstanceDecision = {
  kind: 'patch',
  patch: { enabled: false },
  desired: { mode: 'disable' },
  rule: 'default',
  reasons: ['no rule matched; instances.default applies'],
};
const image = (instance?: string): ImageRead => ({
  ok: true,
  image: { id: 'r006-img', name: 'agent-image' },
  allowed_use: instance === undefined ? {} : { instance },
});
const gate = (img: ImageRead | undefined, choice: 'fallback' | 'fail' | 'ticket' = 'fallback', d = DISABLE) =>
  decideImageGate({ decision: d, current: HTTP, facts: {}, image: img, choice });

describe('decideImageGate (pure)', () => {
  test('an image that requires the metadata service: fallback to https + hop limit 1', () => {
    const g = gate(image('metadata_service.enabled == true'));
    expect(g).toMatchObject({ kind: 'fallback', decision: { kind: 'patch', patch: { protocol: 'https' } } });
    if (g.kind === 'fallback') expect(g.decision.reasons[0]?.startsWith(FALLBACK_REASON)).toBe(true);
  });

  test('fail: refused, nothing to send', () => {
    expect(gate(image('metadata_service.enabled == true'), 'fail')).toMatchObject({ kind: 'refuse' });
  });

  test('ticket: refused here too (nothing to send); the caller opens the ticket', () => {
    const g = gate(image('metadata_service.enabled == true'), 'ticket');
    expect(g).toMatchObject({ kind: 'refuse' });
    if (g.kind === 'refuse') expect(g.reason).toMatch(/on_image_requires_metadata: ticket\)$/);
  });

  test('an image that allows disabling, or sets no expression: pass', () => {
    expect(gate(image('true'))).toEqual({ kind: 'pass' });
    expect(gate(image())).toEqual({ kind: 'pass' });
    expect(gate(undefined)).toEqual({ kind: 'pass' });
  });

  test('a read that failed, or an expression not understood here: unknown (IBM decides)', () => {
    expect(gate({ ok: false, error: 'x' })).toMatchObject({ kind: 'unknown' });
    expect(gate(image('size(gpu.model) > 1'))).toMatchObject({ kind: 'unknown' });
  });

  test('secure access that does not satisfy the image either: refuse', () => {
    const g = gate(image('metadata_service.enabled && metadata_service.protocol == "http"'));
    expect(g).toMatchObject({ kind: 'refuse' });
  });

  test('not a disable: pass without looking', () => {
    const secure: InstanceDecision = {
      ...DISABLE,
      patch: { protocol: 'https' },
      desired: { mode: 'secure', hop_limit: 1 },
    };
    expect(gate(image('false'), 'fallback', secure)).toEqual({ kind: 'pass' });
  });
});
