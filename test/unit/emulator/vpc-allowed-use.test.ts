import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  AllowedUseSyntaxError,
  checkAllowedUse,
  instanceVariables,
  parseAllowedUse,
} from '#emulator/services/vpc-allowed-use.ts';

const instance = (enabled: boolean, protocol: 'http' | 'https' = 'http', hops = 1) =>
  instanceVariables({ metadata_service: { enabled, protocol, response_hop_limit: hops } });

describe('allowed-use expressions', () => {
  test.each([
    ['metadata_service.enabled == true', instance(true), true],
    ['metadata_service.enabled == true', instance(false), false],
    ['metadata_service.enabled', instance(true), true],
    ['!metadata_service.enabled', instance(true), false],
    ['metadata_service.protocol == "https"', instance(true, 'https'), true],
    ["metadata_service.protocol == 'https'", instance(true, 'http'), false],
    ['metadata_service.enabled && metadata_service.protocol == "https"', instance(true, 'http'), false],
    ['metadata_service.enabled || metadata_service.protocol == "https"', instance(false, 'https'), true],
    [
      '(metadata_service.enabled == true) && (metadata_service.response_hop_limit <= 2)',
      instance(true, 'http', 3),
      false,
    ],
    ['metadata_service.response_hop_limit > 1 || !metadata_service.enabled', instance(false), true],
    ['metadata_service.protocol in ["http", "https"]', instance(true, 'https'), true],
    ['true', instance(false), true],
    ['false', instance(true), false],
    ['gpu.count > 1 && gpu.manufacturer == "nvidia" && enable_secure_boot', instance(true), false],
    ['enable_secure_boot == false', instance(true), true],
    ['metadata_service.response_hop_limit != -1', instance(true), true],
  ])('%s → %s', (expr, vars, allowed) => {
    // Act
    const result = checkAllowedUse(expr, vars);
    // Assess
    expect(result.allowed).toBe(allowed);
  });

  test('&& binds tighter than ||', () => {
    // `a || b && c` is `a || (b && c)`: true when a is true even if c is false.
    expect(checkAllowedUse('metadata_service.enabled || false && false', instance(true)).allowed).toBe(true);
    expect(checkAllowedUse('(metadata_service.enabled || false) && false', instance(true)).allowed).toBe(
      false,
    );
  });

  test('an error on one side is absorbed when the other side decides (CEL semantics)', () => {
    // Act + Assess: `nope` is undeclared, an error unless the other side decides
    expect(checkAllowedUse('true || nope == 1', instance(true)).allowed).toBe(true);
    expect(checkAllowedUse('false && nope == 1', instance(true)).allowed).toBe(false);
    expect(checkAllowedUse('true && nope == 1', instance(true))).toMatchObject({ allowed: false });
  });

  test.each([
    ['metadata_service.enabled ==', 'unexpected end'],
    ['size(metadata_service.protocol) > 2', 'function calls'],
    ['metadata_service.protocol.startsWith("h")', 'function calls'],
    ['(metadata_service.enabled', "expected ')'"],
    ['metadata_service.enabled @ 1', 'unexpected character'],
    ['"unterminated', 'unterminated'],
  ])('%s is a syntax error (%s)', (expr, why) => {
    // Act + Assess
    expect(() => parseAllowedUse(expr)).toThrow(AllowedUseSyntaxError);
    expect(() => parseAllowedUse(expr)).toThrow(why);
    expect(checkAllowedUse(expr, instance(true))).toMatchObject({ allowed: false });
  });

  test.each([
    ['unknown_variable == 1', /undeclared reference/],
    ['metadata_service.colour == "red"', /no such key/],
    ['metadata_service.enabled == "true"', /no such overload/],
    ['metadata_service.protocol < 3', /no such overload/],
    ['metadata_service.response_hop_limit', /evaluates to number/],
  ])('%s refuses (%s)', (expr, reason) => {
    // Act
    const result = checkAllowedUse(expr, instance(true));
    // Assess
    expect(result.allowed).toBe(false);
    if (!result.allowed) expect(result.reason).toMatch(reason);
  });

  test('agrees with a direct JavaScript evaluation for random metadata settings', () => {
    // Prepare
    const expr =
      'metadata_service.enabled == true && (metadata_service.protocol == "https" || metadata_service.response_hop_limit <= 2)';
    // Act + Assess
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom('http', 'https'),
        fc.integer({ min: 1, max: 64 }),
        (e, p, h) => {
          const expected = e && (p === 'https' || h <= 2);
          expect(checkAllowedUse(expr, instance(e, p as 'http' | 'https', h)).allowed).toBe(expected);
        },
      ),
    );
  });
});
