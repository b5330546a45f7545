// Fault injection and rate limits: how tests make the emulator slow, throttled or broken on purpose.
import type { EmulatorService } from './errors.ts';

interface FaultSpec {
  service?: EmulatorService;
  method?: string;
  /** Substring of the path, or a regular expression written as `/…/`. */
  path?: string;
  region?: string;
  /** Answer with this status (IBM's error body for the service, or `body`). */
  status?: number;
  /** Seconds, sent as `Retry-After`. */
  retry_after?: number;
  /** Delay before answering (or before the handler runs, when there is no status). */
  latency_ms?: number;
  /** Destroy the connection without answering. */
  reset?: boolean;
  body?: unknown;
  /** Chance (0..1) that a matching request is hit; default 1. */
  probability?: number;
  /** How many times it fires; default unlimited. */
  count?: number;
  /** Let this many matching requests through before firing. */
  after?: number;
}

interface Fault extends FaultSpec {
  id: string;
  matched: number;
  fired: number;
}

interface RateLimitSpec {
  service: EmulatorService;
  /** Limit only this region; default: a separate bucket per region (VPC) or one bucket (others). */
  region?: string;
  /** Sustained requests per second. */
  rps: number;
  /** Bucket size; default = rps. */
  burst?: number;
}

interface RateLimit extends RateLimitSpec {
  id: string;
  limited: number;
}

interface RequestFacts {
  service: EmulatorService;
  method: string;
  path: string;
  region: string | undefined;
}

interface FaultOutcome {
  latencyMs: number;
  /** The fault that answers instead of the handler, if any. */
  answer?: Fault;
}

const matchesPath = (pattern: string | undefined, path: string): boolean => {
  if (!pattern) return true;
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    return new RegExp(pattern.slice(1, -1)).test(path);
  }
  return path.includes(pattern);
};

const validateFault = (spec: FaultSpec): string | undefined => {
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599))
    return 'status must be an HTTP status code';
  if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1))
    return 'probability must be between 0 and 1';
  if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1))
    return 'count must be a positive integer';
  if (spec.status === undefined && !spec.reset && spec.latency_ms === undefined)
    return 'a fault needs status, reset or latency_ms';
  if (spec.path?.startsWith('/') && spec.path.endsWith('/') && spec.path.length > 2) {
    try {
      new RegExp(spec.path.slice(1, -1));
    } catch {
      return `path is not a valid regular expression: ${spec.path}`;
    }
  }
  return undefined;
};

class Faults {
  private faults: Fault[] = [];
  private limits: RateLimit[] = [];
  private buckets = new Map<string, { tokens: number; at: number }>();
  private nextId = 0;

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): Fault {
    this.nextId += 1;
    const fault: Fault = { ...spec, id: `fault-${this.nextId}`, matched: 0, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  addLimit(spec: RateLimitSpec): RateLimit {
    this.nextId += 1;
    const limit: RateLimit = { ...spec, id: `limit-${this.nextId}`, limited: 0 };
    this.limits.push(limit);
    return limit;
  }

  list(): { faults: Fault[]; limits: RateLimit[] } {
    return { faults: this.faults, limits: this.limits };
  }

  remove(id: string): boolean {
    const before = this.faults.length + this.limits.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    this.limits = this.limits.filter((l) => l.id !== id);
    return this.faults.length + this.limits.length < before;
  }

  clear(): void {
    this.faults = [];
    this.limits = [];
    this.buckets.clear();
  }

  get empty(): boolean {
    return this.faults.length === 0 && this.limits.length === 0;
  }

  /** Which faults hit this request: summed latency, and the first one that answers instead. */
  evaluate(req: RequestFacts): FaultOutcome {
    const out: FaultOutcome = { latencyMs: 0 };
    for (const f of this.faults) {
      if (f.count !== undefined && f.fired >= f.count) continue;
      if (f.service && f.service !== req.service) continue;
      if (f.method && f.method.toUpperCase() !== req.method) continue;
      if (f.region && f.region !== req.region) continue;
      if (!matchesPath(f.path, req.path)) continue;
      f.matched += 1;
      if (f.after !== undefined && f.matched <= f.after) continue;
      if (f.probability !== undefined && this.random() >= f.probability) continue;
      const answers = f.status !== undefined || f.reset === true;
      if (answers && out.answer) continue;
      f.fired += 1;
      out.latencyMs += f.latency_ms ?? 0;
      if (answers) out.answer = f;
    }
    return out;
  }

  /** Seconds to wait if this request exceeds a rate limit, else undefined (and a token is spent). */
  throttle(req: RequestFacts, nowMs = Date.now()): { limit: RateLimit; retryAfter: number } | undefined {
    for (const l of this.limits) {
      if (l.service !== req.service) continue;
      if (l.region && l.region !== req.region) continue;
      const key = `${l.id}:${l.region ?? req.region ?? '*'}`;
      const burst = l.burst ?? l.rps;
      const b = this.buckets.get(key) ?? { tokens: burst, at: nowMs };
      b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * l.rps);
      b.at = nowMs;
      this.buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        continue;
      }
      l.limited += 1;
      // Retry-After is whole seconds and sdk-core ignores 0, so never answer less than 1.
      return { limit: l, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / l.rps)) };
    }
    return undefined;
  }
}

export type { Fault, FaultOutcome, FaultSpec, RateLimit, RateLimitSpec, RequestFacts };
export { Faults, validateFault };
