// Option values shared by the three ways in — `imds-guard scan` flags, the job's environment, the
// sweep's request parameters — so each value means the same thing and fails with the same message.
import { InvalidInputError } from '#shared/errors.ts';
import { INCLUDES, type Include } from './summary.ts';

const DEFAULTS = {
  concurrency: 16,
  /** IBM publishes no VPC rate limits (facts §1.11): a few in flight per region is a polite start. */
  regionConcurrency: 4,
  /** What `scan` looks at unless told; the sweep and the job also assess trusted profiles. */
  scanInclude: ['instances', 'templates'] as Include[],
  sweepInclude: ['instances', 'templates', 'profiles'] as Include[],
  /** Seconds the sweep starts new work for; Code Engine stops a function at 120 s (CE-LIM). */
  sweepBudgetSeconds: 100,
  /** Seconds in-flight work may still take after the budget (retries honouring Retry-After). */
  sweepGraceSeconds: 10,
} as const;

/** A function may not run longer than this (Code Engine's hard limit, in seconds). */
const FUNCTION_LIMIT_SECONDS = 120;

const REGION_NAME = /^[a-z][a-z0-9-]{1,40}$/;

const listOf = (raw: string | readonly string[]): string[] =>
  (typeof raw === 'string' ? raw.split(',') : raw).map((s) => s.trim()).filter((s) => s !== '');

/** `all` (or nothing) → every available region; else a comma-separated list of region names. */
const parseRegions = (raw: string | readonly string[] | undefined): string[] | undefined => {
  if (raw === undefined) return undefined;
  const items = listOf(raw);
  if (items.length === 0 || (items.length === 1 && items[0] === 'all')) return undefined;
  const bad = items.filter((r) => !REGION_NAME.test(r));
  if (bad.length > 0 || items.includes('all'))
    throw new InvalidInputError(
      `regions must be "all" or region names such as us-south,eu-de (got ${listOf(raw).join(',')})`,
    );
  return [...new Set(items)];
};

const parseInclude = (
  raw: string | readonly string[] | undefined,
  fallback: readonly Include[],
): Include[] => {
  if (raw === undefined) return [...fallback];
  const items = listOf(raw);
  const bad = items.filter((i) => !(INCLUDES as string[]).includes(i));
  if (items.length === 0 || bad.length > 0)
    throw new InvalidInputError(
      `include takes ${INCLUDES.join(', ')} (comma-separated), not "${bad.join(',') || listOf(raw).join(',')}"`,
    );
  return INCLUDES.filter((i) => items.includes(i));
};

const parseCount = (
  raw: string | number | undefined,
  name: string,
  range: { min: number; max: number },
): number | undefined => {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < range.min || n > range.max)
    throw new InvalidInputError(
      `${name} must be a whole number from ${range.min} to ${range.max}, not "${raw}"`,
    );
  return n;
};

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

const parseFlag = (raw: string | undefined, name: string, fallback: boolean): boolean => {
  if (raw === undefined || raw.trim() === '') return fallback;
  if (TRUE.test(raw.trim())) return true;
  if (FALSE.test(raw.trim())) return false;
  throw new InvalidInputError(`${name} must be true or false, not "${raw}"`);
};

/** The sweep's budget: IMDS_GUARD_SWEEP_BUDGET_SECONDS, kept under the function limit with the grace. */
const sweepBudgetMs = (env: Readonly<Record<string, string | undefined>>, requested?: number): number => {
  const max = FUNCTION_LIMIT_SECONDS - DEFAULTS.sweepGraceSeconds - 5;
  const fromEnv = parseCount(env.IMDS_GUARD_SWEEP_BUDGET_SECONDS, 'IMDS_GUARD_SWEEP_BUDGET_SECONDS', {
    min: 1,
    max,
  });
  return (requested ?? fromEnv ?? DEFAULTS.sweepBudgetSeconds) * 1000;
};

export { DEFAULTS, FUNCTION_LIMIT_SECONDS, parseCount, parseFlag, parseInclude, parseRegions, sweepBudgetMs };
