// Splitting a bulk run into shards that together decide every resource exactly once, with no
// coordination: a resource belongs to shard `fnv1a(id) mod n`. A pure function of the id, so shards
// that list at different moments still agree, and the split is even however skewed the regions are.
// The price: every shard lists every region it scans (one call per 100 resources); see docs/scan.md.
import { InvalidInputError } from '#shared/errors.ts';

interface Shard {
  /** 0-based, < count. */
  index: number;
  count: number;
}

/** Code Engine allows up to 1000 array indices per job run (events-and-code-engine.md §4.5). */
const MAX_SHARDS = 1000;

const SHARD_SPEC = /^(\d{1,4})\/(\d{1,4})$/;

/** `i/n` → shard i of n (0 ≤ i < n ≤ 1000). */
const parseShard = (spec: string): Shard => {
  const m = SHARD_SPEC.exec(spec.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > MAX_SHARDS || index >= count)
    throw new InvalidInputError(`shard must be i/n with 0 ≤ i < n ≤ ${MAX_SHARDS} (e.g. 0/4), not "${spec}"`);
  return { index, count };
};

const intFrom = (raw: string | undefined, name: string): number | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidInputError(`${name} must be a whole number, not "${raw}"`);
  return n;
};

/** A Code Engine array job's shard from `JOB_INDEX` / `JOB_ARRAY_SIZE`; undefined outside a job. */
const shardFromJobEnv = (env: Readonly<Record<string, string | undefined>>): Shard | undefined => {
  const index = intFrom(env.JOB_INDEX, 'JOB_INDEX');
  const count = intFrom(env.JOB_ARRAY_SIZE, 'JOB_ARRAY_SIZE');
  if (index === undefined && count === undefined) return undefined;
  return parseShard(`${index ?? 0}/${count ?? 1}`);
};

/** FNV-1a, 32 bits: fast, stable across processes and Node versions (unlike a seeded hash). */
const fnv1a = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

/** Does this shard decide the resource with this id? Always true without sharding. */
const ownsResource = (shard: Shard | undefined, id: string): boolean =>
  shard === undefined || shard.count === 1 || fnv1a(id) % shard.count === shard.index;

const shardLabel = (shard: Shard | undefined): string | undefined =>
  shard ? `${shard.index}/${shard.count}` : undefined;

export type { Shard };
export { fnv1a, MAX_SHARDS, ownsResource, parseShard, shardFromJobEnv, shardLabel };
