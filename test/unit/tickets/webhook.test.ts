// The webhook signature: HMAC-SHA256 of the exact body, `sha256=<hex>`, checked in constant time.
import { describe, expect, test } from 'vitest';
import { signBody, verifySignature } from '#shared/tickets/webhook.ts';

describe('webhook signature', () => {
  test('RFC 4231 test case 2', () => {
    // Prepare / Act
    const sig = signBody('Jefe', 'what do ya want for nothing?');

    // Assess
    expect(sig).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  test('a receiver accepts the body it was sent, and nothing else', () => {
    // Prepare
    const body = JSON.stringify({
      type: 'open',
      marker: 'imdsg-p-0123456789abcdef',
      key: 'imdsg-0123456789abcdef',
    });
    const header = signBody('s3cret', body);

    // Act / Assess
    expect(verifySignature('s3cret', body, header)).toBe(true);
    expect(verifySignature('s3cret', `${body} `, header)).toBe(false);
    expect(verifySignature('other', body, header)).toBe(false);
    expect(verifySignature('s3cret', body, undefined)).toBe(false);
    expect(verifySignature('s3cret', body, 'sha256=00')).toBe(false);
  });
});
