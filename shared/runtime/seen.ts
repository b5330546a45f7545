// Event ids already handled by this warm container: the same delivery is processed once.
// Bounded (LRU by insertion) and time-limited, so a long-lived app never grows without limit.

interface SeenCache {
  /** True if the key was new (and is now claimed); false if it was seen within the TTL. */
  claim(key: string, now?: number): boolean;
  /** Forgets a key, e.g. when processing failed and a redelivery must be handled again. */
  release(key: string): void;
  readonly size: number;
}

const createSeenCache = (options: { max?: number; ttlMs?: number } = {}): SeenCache => {
  const max = options.max ?? 10_000;
  const ttl = options.ttlMs ?? 60 * 60 * 1000;
  const seen = new Map<string, number>();
  return {
    claim: (key, now = Date.now()) => {
      const at = seen.get(key);
      if (at !== undefined && now - at < ttl) return false;
      seen.delete(key);
      seen.set(key, now);
      if (seen.size > max) {
        const oldest = seen.keys().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      return true;
    },
    release: (key) => {
      seen.delete(key);
    },
    get size() {
      return seen.size;
    },
  };
};

export type { SeenCache };
export { createSeenCache };
