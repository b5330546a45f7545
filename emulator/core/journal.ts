// Every request the emulator answers, in order: what tests and benchmarks count API calls from.
import type { EmulatorService } from './errors.ts';

interface JournalEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  service: EmulatorService | 'unknown';
  /** iam_id of the caller, when authenticated. */
  caller?: string;
  /** The account the caller's token is scoped to, when authenticated. */
  account?: string;
  region?: string;
  duration_ms: number;
  /** Id of the injected fault that answered, if any. */
  fault?: string;
}

interface JournalFilter {
  since?: number;
  service?: string;
  method?: string;
  path?: string;
  caller?: string;
  limit?: number;
  includeAdmin?: boolean;
}

/** A bounded ring: memory stays flat however long a benchmark runs. */
class Journal {
  private entries: JournalEntry[] = [];
  private start = 0;
  private seq = 0;
  readonly counts = new Map<string, number>();

  constructor(private readonly capacity = 50_000) {}

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  add(entry: JournalEntry): void {
    const key = `${entry.service} ${entry.method}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.entries.length - this.start >= this.capacity) {
      this.start += 1;
      // Compact once the dead prefix is as large as the live part.
      if (this.start >= this.capacity) {
        this.entries = this.entries.slice(this.start);
        this.start = 0;
      }
    }
    this.entries.push(entry);
  }

  list(filter: JournalFilter = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = this.start; i < this.entries.length; i += 1) {
      const e = this.entries[i];
      if (!e) continue;
      if (filter.since !== undefined && e.seq <= filter.since) continue;
      if (!filter.includeAdmin && e.service === 'admin') continue;
      if (filter.service && e.service !== filter.service) continue;
      if (filter.method && e.method !== filter.method.toUpperCase()) continue;
      if (filter.path && !e.path.includes(filter.path)) continue;
      if (filter.caller && e.caller !== filter.caller) continue;
      out.push(e);
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out;
  }

  /** The highest sequence number handed out so far (use as `since` to see only later calls). */
  get last(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
    this.counts.clear();
  }
}

export type { JournalEntry, JournalFilter };
export { Journal };
