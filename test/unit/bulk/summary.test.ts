// Exit codes, what counts as a change, and option values shared by the CLI, the job and the sweep.
import { describe, expect, test } from 'vitest';
import {
  parseCount,
  parseFlag,
  parseInclude,
  parseRegions,
  sweepBudgetMs,
} from '#functions/sweep/options.ts';
import { changeOf, EXIT, exitCodeFor } from '#functions/sweep/summary.ts';
import { OUTCOME_PRECEDENCE, OUTCOMES, summariseOutcomes } from '#shared/audit/decision.ts';
import { InvalidInputError } from '#shared/errors.ts';

const summary = (o: Partial<Parameters<typeof exitCodeFor>[0]> = {}) => ({
  failures: 0,
  complete: true,
  changes: { planned: 0, applied: 0 },
  ...o,
});

describe('exitCodeFor', () => {
  test.each([
    ['nothing to do', summary(), EXIT.ok],
    ['everything applied', summary({ changes: { planned: 0, applied: 12 } }), EXIT.ok],
    ['a plan with changes', summary({ changes: { planned: 3, applied: 0 } }), EXIT.changes],
    [
      'failures beat pending changes',
      summary({ failures: 1, changes: { planned: 3, applied: 0 } }),
      EXIT.failures,
    ],
    ['stopped at the time limit', summary({ complete: false }), EXIT.incomplete],
    ['failures beat the time limit', summary({ complete: false, failures: 2 }), EXIT.failures],
    [
      'a refusal beats everything',
      summary({ failures: 1, refused: { max_changes: 1, planned_changes: 5, plan_complete: true } }),
      EXIT.refused,
    ],
  ])('%s → %i', (_why, s, code) => {
    expect(exitCodeFor(s)).toBe(code);
  });

  test('the codes are the documented ones', () => {
    expect(EXIT).toEqual({ ok: 0, failures: 1, usage: 2, changes: 3, refused: 4, incomplete: 5 });
  });
});

describe('changeOf', () => {
  test.each([
    [{ outcome: 'planned' as const }, 'planned'],
    [{ outcome: 'planned' as const, detail: { mode: 'audit' } }, undefined],
    [{ outcome: 'remediated' as const }, 'applied'],
    [{ outcome: 'ticket_opened' as const }, 'applied'],
    [{ outcome: 'compliant' as const }, undefined],
    [{ outcome: 'exempt' as const }, undefined],
    [{ outcome: 'failed' as const }, undefined],
  ])('%o → %s', (r, want) => {
    expect(changeOf(r)).toBe(want);
  });
});

describe('options', () => {
  test('regions: all (or nothing) means every region; lists are trimmed and deduplicated', () => {
    expect(parseRegions(undefined)).toBeUndefined();
    expect(parseRegions('all')).toBeUndefined();
    expect(parseRegions(' us-south, eu-de ,us-south')).toEqual(['us-south', 'eu-de']);
    expect(parseRegions(['jp-tok'])).toEqual(['jp-tok']);
    expect(() => parseRegions('us-south,all')).toThrow(InvalidInputError);
    expect(() => parseRegions('US South')).toThrow(InvalidInputError);
  });

  test('include: known kinds only, in a fixed order', () => {
    expect(parseInclude('profiles,instances', [])).toEqual(['instances', 'profiles']);
    expect(parseInclude(undefined, ['templates'])).toEqual(['templates']);
    expect(() => parseInclude('instances,volumes', [])).toThrow(/volumes/);
    expect(() => parseInclude('', [])).toThrow(InvalidInputError);
  });

  test('counts and flags', () => {
    expect(parseCount('8', 'n', { min: 1, max: 10 })).toBe(8);
    expect(parseCount(undefined, 'n', { min: 1, max: 10 })).toBeUndefined();
    expect(() => parseCount('11', 'n', { min: 1, max: 10 })).toThrow('n must be a whole number from 1 to 10');
    expect(() => parseCount('1.5', 'n', { min: 1, max: 10 })).toThrow(InvalidInputError);
    expect(parseFlag('false', 'f', true)).toBe(false);
    expect(parseFlag(undefined, 'f', true)).toBe(true);
    expect(() => parseFlag('maybe', 'f', true)).toThrow(InvalidInputError);
  });

  test('the sweep budget: 100 s by default, from the environment, always inside the 120 s limit', () => {
    expect(sweepBudgetMs({})).toBe(100_000);
    expect(sweepBudgetMs({ IMDS_GUARD_SWEEP_BUDGET_SECONDS: '60' })).toBe(60_000);
    expect(sweepBudgetMs({ IMDS_GUARD_SWEEP_BUDGET_SECONDS: '60' }, 5)).toBe(5_000);
    expect(() => sweepBudgetMs({ IMDS_GUARD_SWEEP_BUDGET_SECONDS: '118' })).toThrow(InvalidInputError);
  });
});

describe('one outcome precedence (guards and the sweep)', () => {
  test('lists every outcome exactly once', () => {
    expect([...OUTCOME_PRECEDENCE].sort()).toEqual([...OUTCOMES].sort());
  });

  test('refused outranks a change, failed outranks refused, nothing present is ignored', () => {
    const of = (...present: string[]) => summariseOutcomes((o) => present.includes(o));
    expect(of('remediated', 'refused', 'compliant')).toBe('refused');
    expect(of('refused', 'failed')).toBe('failed');
    expect(of('refused')).toBe('refused');
    expect(of()).toBe('ignored');
  });
});
