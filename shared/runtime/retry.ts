// Bounded retry with exponential backoff and jitter that honours IBM's Retry-After.
// sdk-core never retries PATCH (facts §2.4), so remediation calls go through this.
import { CloudApiError } from '../errors.ts';

interface RetryOptions {
  /** Total attempts including the first (default 4). */
  attempts?: number;
  /** First backoff in ms (default 250), doubled each time, capped by maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After we are willing to wait; longer ones give up (default 30 s). */
  maxRetryAfterMs?: number;
  /** Overall budget: never start a wait that would end after this (ms epoch). */
  deadline?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Whether an error deserves another attempt (default: CloudApiError.retryable). */
  retryable?: (err: unknown) => boolean;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Milliseconds from a Retry-After header value (seconds or HTTP-date); undefined when absent/invalid. */
const parseRetryAfter = (raw: string | undefined, now = Date.now()): number | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return secs >= 0 ? secs * 1000 : undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

const defaultRetryable = (err: unknown): boolean => err instanceof CloudApiError && err.retryable;

/** Runs `fn` until it succeeds, a non-retryable error occurs, or attempts/deadline run out. */
const withRetry = async <T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> => {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 8_000;
  const maxRetryAfter = options.maxRetryAfterMs ?? 30_000;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? defaultRetryable;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      const retryAfter = err instanceof CloudApiError ? err.retryAfterMs : undefined;
      if (retryAfter !== undefined && retryAfter > maxRetryAfter) throw err;
      const backoff = Math.min(cap, base * 2 ** (attempt - 1));
      // Full jitter on our own backoff; IBM's Retry-After is a floor, not a suggestion.
      const delayMs = Math.max(retryAfter ?? 0, Math.round(backoff / 2 + (random() * backoff) / 2));
      if (options.deadline !== undefined && Date.now() + delayMs > options.deadline) throw err;
      options.onRetry?.({ attempt, delayMs, error: err });
      await wait(delayMs);
    }
  }
};

/** Converts an sdk-core error (or a network failure) into a CloudApiError with IBM's code and trace. */
const toCloudError = (err: unknown): CloudApiError => {
  if (err instanceof CloudApiError) return err;
  const e = err as {
    status?: number;
    message?: string;
    headers?: Record<string, string>;
    result?: {
      errors?: { code?: string; message?: string }[];
      trace?: string;
      errorCode?: string;
      errorMessage?: string;
    };
  };
  const first = e.result?.errors?.[0];
  const status = typeof e.status === 'number' ? e.status : 0;
  // sdk-core replaces the message of 401/403 with a generic one; IBM's own reason is in the body.
  const message = first?.message ?? e.result?.errorMessage ?? e.message ?? 'request failed';
  const retryAfterMs = parseRetryAfter(e.headers?.['retry-after'] ?? e.headers?.['Retry-After']);
  return new CloudApiError(message, {
    status,
    ...((first?.code ?? e.result?.errorCode) ? { code: first?.code ?? e.result?.errorCode } : {}),
    ...(e.result?.trace ? { trace: e.result.trace } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    cause: err,
  });
};

const rethrowCloudError = (err: unknown): never => {
  throw toCloudError(err);
};

/** Awaits an SDK call and rethrows failures as CloudApiError (one `catch`, not an async frame). */
const cloudCall = <T>(p: Promise<T>): Promise<T> => p.catch(rethrowCloudError);

export type { RetryOptions };
export { cloudCall, parseRetryAfter, sleep, toCloudError, withRetry };
