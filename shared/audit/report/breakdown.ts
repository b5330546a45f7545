// Counting decisions by one dimension (rule, initiator, region…): the top N with their remediated and
// failed shares, the rest summed. Memory: one counter per distinct key.
import type { Decision } from './record.ts';

interface Count {
  key: string;
  count: number;
  remediated: number;
  failed: number;
}

interface Breakdown {
  /** Most frequent first (ties by key), at most `top`. */
  items: Count[];
  distinct: number;
  /** Decisions beyond `items`. */
  others: number;
  /** Decisions that do not carry this dimension (e.g. ignored events have no region). */
  missing: number;
}

const createCounter = () => {
  const counts = new Map<string, Count>();
  let missing = 0;
  return {
    add(keys: readonly string[], d: Decision): void {
      if (keys.length === 0) {
        missing += 1;
        return;
      }
      for (const key of keys) {
        let c = counts.get(key);
        if (!c) {
          c = { key, count: 0, remediated: 0, failed: 0 };
          counts.set(key, c);
        }
        c.count += 1;
        if (d.outcome === 'remediated') c.remediated += 1;
        if (d.outcome === 'failed') c.failed += 1;
      }
    },
    breakdown(top: number): Breakdown {
      const all = [...counts.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
      const items = all.slice(0, top);
      const others = all.slice(top).reduce((n, c) => n + c.count, 0);
      return { items, distinct: all.length, others, missing };
    },
  };
};

export type { Breakdown, Count };
export { createCounter };
